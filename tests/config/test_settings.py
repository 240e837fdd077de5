import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


# What a production deployment sets, as far as the deploy checks look.
PRODUCTION = {
    "DJANGO_DEBUG": "off",
    "DJANGO_SECRET_KEY": "x" * 60 + "-production-like-secret-key-for-the-deploy-check",
    "DJANGO_ALLOWED_HOSTS": "petitions.example.org",
    "DJANGO_SITE_URL": "https://petitions.example.org",
    "EMAIL_URL": "smtp://mail.example.org:587",
    "SIGNATURE_DATA_KEY": "ySg/lPHgvyErkF70bawv2oIFh8CosvlEDpuq6BQJ/So=",
    "SIGNATURE_HASH_KEY": "hkX5ufVFV8Dr3w5WD49FI5mouKmORg/9g5mgd5qkKuE=",
}


def run_manage(*args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    environment |= env
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_start_up_refuses_a_missing_secret_key_when_debug_is_off():
    result = run_manage("check", DJANGO_DEBUG="off", DJANGO_SECRET_KEY="")

    assert result.returncode != 0
    assert result.stderr.strip() == "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off."


def test_start_up_refuses_a_missing_signature_hash_key_when_debug_is_off():
    result = run_manage("check", **PRODUCTION | {"SIGNATURE_HASH_KEY": ""})

    assert result.returncode != 0
    assert "SIGNATURE_HASH_KEY must be set when DJANGO_DEBUG is off." in result.stderr


def test_start_up_accepts_debug_without_a_secret_key():
    result = run_manage(
        "check",
        DJANGO_DEBUG="on",
        DJANGO_SECRET_KEY="",
        SIGNATURE_DATA_KEY="",
        SIGNATURE_HASH_KEY="",
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["SIGNATURE_DATA_KEY", "SIGNATURE_HASH_KEY"])
def test_start_up_refuses_a_missing_signer_key_when_debug_is_off(name):
    result = run_manage("check", **PRODUCTION | {name: ""})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must be set when DJANGO_DEBUG is off." in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SIGNATURE_DATA_KEY", "not base64!"),
        ("SIGNATURE_DATA_KEY", "c2hvcnQ="),  # "short": 5 bytes
        ("SIGNATURE_HASH_KEY", "c2hvcnQ="),
        ("SIGNATURE_DATA_OLD_KEYS", "ySg/lPHgvyErkF70bawv2oIFh8CosvlEDpuq6BQJ/So=,c2hvcnQ="),
    ],
)
@pytest.mark.parametrize("debug", ["on", "off"])
def test_start_up_refuses_a_malformed_signer_key(name, value, debug):
    result = run_manage("check", **PRODUCTION | {"DJANGO_DEBUG": debug, name: value})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must be base64 of 32 random bytes" in result.stderr


@pytest.mark.parametrize(
    "keys",
    [
        {"SIGNATURE_DATA_KEY": "ZGV2ZWxvcG1lbnQtb25seS1zaWduYXR1cmUtZGF0YSE="},
        {"SIGNATURE_HASH_KEY": "ZGV2ZWxvcG1lbnQtb25seS1zaWduYXR1cmUtaGFzaCE="},
        {"SIGNATURE_DATA_OLD_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1zaWduYXR1cmUtZGF0YSE="},
    ],
)
def test_deploy_check_refuses_the_development_keys(keys):
    result = run_manage("check", "--deploy", **PRODUCTION | keys)

    assert result.returncode != 0
    assert "signatures.E003" in result.stderr


def test_deploy_check_refuses_one_key_for_sealing_and_hashing():
    result = run_manage(
        "check",
        "--deploy",
        **PRODUCTION | {"SIGNATURE_HASH_KEY": PRODUCTION["SIGNATURE_DATA_KEY"]},
    )

    assert result.returncode != 0
    assert "signatures.E004" in result.stderr


@pytest.mark.parametrize("cache_url", ["redis://127.0.0.1:6379/0", "locmemcache://"])
def test_deploy_check_reports_nothing_with_production_settings(cache_url):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        CACHE_URL=cache_url,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_refuses_emails_sent_inside_the_request():
    result = run_manage(
        "check",
        "--deploy",
        **PRODUCTION,
        DJANGO_TASKS_BACKEND="django.tasks.backends.immediate.ImmediateBackend",
    )

    assert result.returncode != 0
    assert "signatures.E001" in result.stderr


def test_privacy_notice_details_are_read_from_the_environment():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(repr((s.PRIVACY_CONTROLLER_NAME, "
        "s.PRIVACY_CONTROLLER_ADDRESS, s.PRIVACY_CONTACT_EMAIL, s.PRIVACY_SUPERVISORY_AUTHORITY, "
        "s.PRIVACY_SUPERVISORY_AUTHORITY_URL, s.SIGNATURE_RETENTION.days)))",
        DJANGO_DEBUG="on",
        PRIVACY_CONTROLLER_NAME="Friends of Refugees Ltd",
        PRIVACY_CONTROLLER_ADDRESS="PO Box 42,Leeds,LS1 1AA",
        PRIVACY_CONTACT_EMAIL="dpo@friends.example",
        PRIVACY_SUPERVISORY_AUTHORITY="Data Protection Commission",
        PRIVACY_SUPERVISORY_AUTHORITY_URL="https://forms.dataprotection.ie/contact",
        SIGNATURE_RETENTION_DAYS="90",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == repr(
        (
            "Friends of Refugees Ltd",
            ["PO Box 42", "Leeds", "LS1 1AA"],
            "dpo@friends.example",
            "Data Protection Commission",
            "https://forms.dataprotection.ie/contact",
            90,
        )
    )


def test_a_redis_cache_url_survives_redis_being_down():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    result = run_manage(
        "shell",
        "-c",
        "from django.core.cache import cache; cache.set('k', 1); print(cache.get('k', 'miss'))",
        DJANGO_DEBUG="on",
        CACHE_URL=f"redis://127.0.0.1:{closed}/0",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "miss"


def test_collectstatic_builds_hashed_compressed_files(tmp_path):
    result = run_manage(
        "collectstatic",
        "--no-input",
        DJANGO_DEBUG="off",
        DJANGO_SECRET_KEY="collectstatic-test-secret-key-" + "x" * 40,
        SIGNATURE_DATA_KEY=PRODUCTION["SIGNATURE_DATA_KEY"],
        SIGNATURE_HASH_KEY=PRODUCTION["SIGNATURE_HASH_KEY"],
        DJANGO_STATIC_ROOT=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    css = list((tmp_path / "css").glob("site.*.css"))
    assert any(path.name != "site.css" for path in css)
    assert list((tmp_path / "css").glob("site.*.css.gz"))
    assert (tmp_path / "staticfiles.json").is_file()


def redis_is_running():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")
def test_a_redis_cache_url_gives_one_cache_that_every_process_shares():
    key = f"petitions-test-{uuid.uuid4().hex}"
    redis_url = "redis://127.0.0.1:6379/13"
    writer = run_manage(
        "shell",
        "-c",
        "from django.core.cache import caches; cache = caches['default']; "
        f"cache.set('{key}', {{'count': 3}}, 30); print(type(cache).__name__)",
        DJANGO_DEBUG="on",
        CACHE_URL=redis_url,
    )
    reader = run_manage(
        "shell",
        "-c",
        f"from django.core.cache import cache; print(cache.get('{key}')); cache.delete('{key}')",
        DJANGO_DEBUG="on",
        CACHE_URL=redis_url,
    )

    assert writer.returncode == reader.returncode == 0, writer.stderr + reader.stderr
    assert writer.stdout.splitlines()[-1] == "ResilientRedisCache"
    assert reader.stdout.splitlines()[-1] == "{'count': 3}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's")
def test_postgresql_connections_are_reused_from_psycopgs_pool():
    most = connection.pool.max_size
    server_processes = set()
    for _ in range(most + 5):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            server_processes.add(cursor.fetchone()[0])
        # What Django does at the end of every request: without a pool the connection ends.
        connection.close()

    assert len(server_processes) <= most


def test_deploy_check_refuses_a_site_without_its_public_address():
    result = run_manage(
        "check",
        "--deploy",
        **PRODUCTION | {"DJANGO_SITE_URL": ""},
    )

    assert result.returncode != 0
    assert "petitions.E001" in result.stdout + result.stderr
