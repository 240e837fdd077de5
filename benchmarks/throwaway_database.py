"""A PostgreSQL database made for one benchmark run and dropped after it, with Django set up."""

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def django_on_throwaway_database(prefix: str):
    """Create the database, migrate it with this project's settings, drop it afterwards."""
    database = f"{prefix}_{os.getpid()}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        sys.path.insert(0, str(ROOT))
        os.environ |= {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "on",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "EMAIL_URL": "memorymail://",
        }
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield database
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
