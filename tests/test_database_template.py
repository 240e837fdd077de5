"""`make mutants` runs thousands of test sessions, each on a copy of one migrated database."""

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from tests.config.test_settings import run_manage

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import pytest
from django.db import connection


# Committed, so that a session run on the template itself would change it.
@pytest.mark.django_db(transaction=True)
def test_probe():
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM template_marker")
        assert [row[0] for row in cursor.fetchall()] == ["made in the template"]
        cursor.execute("INSERT INTO template_marker VALUES ('written by a test')")
"""


def test_a_session_given_a_template_runs_on_a_copy_of_it_and_leaves_it_as_it_was(tmp_path):
    template = tmp_path / "template.sqlite3"
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "CACHE_URL", "TEST_DATABASE_TEMPLATE")
    } | {"DJANGO_DEBUG": "on"}
    migrated = run_manage(
        "migrate",
        "--no-input",
        "--verbosity",
        "0",
        DJANGO_DEBUG="on",
        DATABASE_URL=f"sqlite:///{template}",
    )
    assert migrated.returncode == 0, migrated.stderr
    # Closed, so that what it wrote leaves the write-ahead log for the file that is copied.
    with closing(sqlite3.connect(template)) as database, database:
        database.execute("CREATE TABLE template_marker (note TEXT)")
        database.execute("INSERT INTO template_marker VALUES ('made in the template')")
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    # The project's fixture alone, as tests/conftest.py offers it to every test.
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import django_db_modify_db_settings  # noqa: F401\n"
    )

    session = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--reuse-db",
            "--rootdir",
            str(ROOT),
            "-c",
            str(ROOT / "pyproject.toml"),
            str(probe),
        ],
        cwd=ROOT,
        env=environment | {"TEST_DATABASE_TEMPLATE": str(template), "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert session.returncode == 0, session.stdout + session.stderr
    assert "1 passed" in session.stdout
    with closing(sqlite3.connect(template)) as database:
        notes = [row[0] for row in database.execute("SELECT note FROM template_marker")]
    assert notes == ["made in the template"]
