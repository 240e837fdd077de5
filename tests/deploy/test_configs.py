"""The shipped nginx, systemd and PgBouncer files are read by the programs they are for."""

import os
import re
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests import servers
from tests.config.test_settings import ROOT, run_manage

DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def local_nginx(tmp_path, *, http_port=None, https_port=None, upstream_port=None):
    """The shipped configuration, with its paths moved into tmp_path and its ports chosen.

    Everything else, the log format, the maps, the cache and the limits, is as shipped.
    """
    config = (DEPLOY / "nginx" / "petitions.conf").read_text()
    config = config.replace("/var/log/nginx", str(tmp_path)).replace(
        "/var/cache/nginx", str(tmp_path / "cache")
    )
    config = config.replace("/etc/letsencrypt/live/petitions.example.org", str(tmp_path))
    config = re.sub(r"\n    listen \[::\]:\d+[^;]*;", "", config)
    if http_port:
        config = config.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    if https_port:
        config = config.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    if upstream_port:
        config = re.sub(r"server 127\.0\.0\.1:800\d", f"server 127.0.0.1:{upstream_port}", config)
    subprocess.run(  # noqa: S603 - a throwaway self-signed certificate
        [
            shutil.which("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=petitions.example.org",
            "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (tmp_path / "cache").mkdir()
    (tmp_path / "petitions.conf").write_text(config)
    main = tmp_path / "nginx.conf"
    main.write_text(
        # Root's nginx would run its workers as nobody, who cannot enter pytest's directories.
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/petitions.conf;\n}}\n"
    )
    return [NGINX, "-p", str(tmp_path), "-c", str(main)]


needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx)"
)


@needs_nginx
def test_nginx_accepts_the_configuration(tmp_path):
    result = subprocess.run(  # noqa: S603 - nginx testing our configuration
        [*local_nginx(tmp_path), "-t"], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@needs_nginx
def test_nginx_logs_secret_links_redacted(tmp_path):
    https_port = servers.closed_port()
    command = local_nginx(
        tmp_path,
        http_port=servers.closed_port(),
        https_port=https_port,
        upstream_port=servers.closed_port(),
    )
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - nginx, daemonised
    unverified = ssl._create_unverified_context()  # noqa: S323 - our own self-signed certificate
    request = urllib.request.Request(
        f"https://127.0.0.1:{https_port}/s/confirm/confirm-SECRET-1/?from=email",
        headers={"Referer": "https://petitions.example.org/s/manage/manage-SECRET-2/"},
    )
    try:
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, context=unverified, timeout=10)  # noqa: S310
    finally:
        subprocess.run([*command, "-s", "stop"], check=False, capture_output=True)  # noqa: S603
        time.sleep(0.2)

    log = (tmp_path / "petitions.access.log").read_text()
    errors = (tmp_path / "petitions.error.log").read_text()
    assert answer.value.code == 502
    assert "GET /s/confirm/[redacted]/?from=email HTTP/1.1" in log
    assert '"https://petitions.example.org/s/manage/[redacted]/"' in log
    assert "SECRET" not in log + errors


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    # As installed in this checkout, with one instance of each template, so that systemd can
    # check that every program they start exists.
    for unit in (DEPLOY / "systemd").iterdir():
        name = unit.name.replace("@.", "@8001.")
        (tmp_path / name).write_text(unit.read_text().replace("/srv/petitions", str(ROOT)))
    units = sorted(str(path) for path in tmp_path.iterdir())

    result = subprocess.run(  # noqa: S603 - systemd checking our units
        [SYSTEMD_ANALYZE, "verify", *units], capture_output=True, text=True, check=False
    )

    assert len(units) == 8
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_pgbouncer_in_transaction_mode_turns_off_server_side_cursors_and_prepared_statements():
    script = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d.get('DISABLE_SERVER_SIDE_CURSORS', False), "
        "d['OPTIONS'].get('prepare_threshold', 'psycopg default'))"
    )
    url = "postgres://petitions@127.0.0.1:6432/petitions"

    behind = run_manage("shell", "-c", script, DATABASE_URL=url, DATABASE_PGBOUNCER="on")
    direct = run_manage("shell", "-c", script, DATABASE_URL=url)

    assert behind.stdout.splitlines()[-1] == "True None"
    assert direct.stdout.splitlines()[-1] == "False psycopg default"
    assert "pool_mode = transaction" in (DEPLOY / "pgbouncer" / "pgbouncer.ini").read_text()
