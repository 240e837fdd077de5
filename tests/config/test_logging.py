"""Confirm and manage links stay out of the logs that the shipped configuration writes."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from config.gunicorn import SecretLinksRedacted
from tests import servers
from tests.config.test_settings import ROOT
from tests.signatures.test_secret_links import CONFIRM, MANAGE

# What a signer's browser might send: a manage link with a confirm link in its query string,
# reached from a page whose address holds another confirm link.
SECRET_REQUEST = f"/s/manage/{MANAGE}/?next=%2Fs%2Fconfirm%2F{CONFIRM}%2F"
SECRET_REFERER = f"http://127.0.0.1/s/confirm/{CONFIRM}/"


def test_gunicorns_access_line_holds_no_token(tmp_path):
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    logger = SecretLinksRedacted(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": SECRET_REQUEST,
        "PATH_INFO": f"/s/manage/{MANAGE}/",
        "QUERY_STRING": SECRET_REQUEST.partition("?")[2],
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": SECRET_REFERER,
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    request = SimpleNamespace(headers=[("REFERER", SECRET_REFERER)])
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    try:
        logger.access(response, request, environ, timedelta(seconds=0.05))
        config.set("access_log_format", "%(U)s %(q)s %({referer}i)s")
        logger.access(response, request, environ, timedelta(seconds=0.05))
    finally:
        for handler in logger.access_log.handlers:
            handler.close()

    combined, parts = (tmp_path / "access.log").read_text().splitlines()
    assert combined.startswith("203.0.113.9 - - [")
    assert combined.endswith(
        '"GET /s/manage/[redacted]/?next=%2Fs%2Fconfirm%2F[redacted]%2F HTTP/1.1" 200 512 '
        '"http://127.0.0.1/s/confirm/[redacted]/" "Mozilla/5.0"'
    )
    assert parts == (
        "/s/manage/[redacted]/ next=%2Fs%2Fconfirm%2F[redacted]%2F "
        "http://127.0.0.1/s/confirm/[redacted]/"
    )


def server_environment(tmp_path):
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in ("DATABASE_URL", "CACHE_URL")
    }
    return inherited | {
        "DJANGO_DEBUG": "on",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_LOG_LEVEL": "INFO",
    }


def requests_made(port, log):
    """Two requests with secrets (one redirected to add its slash) and one without; the log."""
    site = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(site + "/favicon.ico", timeout=5)  # noqa: S310 - our server
            break
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail("the server did not start:\n" + log.read_text())
            time.sleep(0.2)
    secret = urllib.request.Request(  # noqa: S310 - our server
        site + SECRET_REQUEST, headers={"Referer": SECRET_REFERER}
    )
    for request in (secret, site + f"/s/confirm/{CONFIRM}"):
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - our server
    time.sleep(0.5)
    return log.read_text()


@pytest.mark.parametrize("server", ["gunicorn", "runserver"])
def test_a_running_servers_log_holds_no_token_and_other_paths_as_they_are(tmp_path, server):
    port = servers.closed_port()
    command = {
        # As the README starts it in production.
        "gunicorn": [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-c",
            "config/gunicorn.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        "runserver": [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--skip-checks",
            f"127.0.0.1:{port}",
        ],
    }[server]
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - this project's own server
            command, cwd=ROOT, env=server_environment(tmp_path), stdout=log, stderr=log
        )
        try:
            logged = requests_made(port, log_path)
        finally:
            process.terminate()
            process.wait(timeout=30)

    assert "GET /favicon.ico HTTP/1.1" in logged
    assert "GET /s/manage/[redacted]/?next=%2Fs%2Fconfirm%2F[redacted]%2F HTTP/1.1" in logged
    assert "GET /s/confirm/[redacted] HTTP/1.1" in logged
    assert "Not Found: /s/manage/[redacted]/" in logged
    assert CONFIRM not in logged
    assert MANAGE not in logged
