"""The site as the benchmarks run it: a throwaway PostgreSQL database, a Redis database of its
own, production-like settings, and gunicorn."""

import base64
import os
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
# One set of keys for the whole run: every command, server and worker started from it must open
# what the others sealed and check what the others signed.
KEYS = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "SIGNATURE_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    "SIGNATURE_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    "ALTCHA_HMAC_KEY": secrets.token_urlsafe(32),
}


def environment(
    *, database: str, static_root: Path, redis_db: int = 15, settings: str = "config.settings"
) -> dict[str, str]:
    """Debug off, so emails are queued as in production; one trusted proxy, whose
    X-Forwarded-For the load sets so that many signers do not share one address."""
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": settings,
        "DJANGO_DEBUG": "off",
        **KEYS,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "off",
        "DJANGO_SECURE_COOKIES": "off",
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "DJANGO_STATIC_ROOT": str(static_root),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "CACHE_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "EMAIL_URL": "memorymail://",
        "DJANGO_LOG_LEVEL": "WARNING",
    }


@contextmanager
def throwaway_database(name: str):
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def gunicorn(env: dict[str, str], *, port: int, workers: int = 2):
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_server(port)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=20)


def wait_for_server(port: int, deadline: float = 30) -> None:
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not start")
