"""The site as production runs it, on loopback, for one drill, and torn down after it.

Its own PostgreSQL cluster (initdb in a temporary directory, on a free port, never the machine's
shared one), Redis database 15 of the local Redis (emptied before and after), gunicorn with
config/gunicorn.py, `manage.py db_worker`, deploy/nginx/petitions.conf with its ports and
paths moved, and a small SMTP server that keeps what it receives.
"""

import asyncio
import contextlib
import email
import glob
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
REDIS_URL = "redis://127.0.0.1:6379/15"
PETITION = "drill"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, seconds, interval=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return True
        time.sleep(interval)
    return False


class PostgresCluster:
    """initdb, pg_ctl start/stop/restart: a cluster that only this drill uses."""

    def __init__(self, directory: Path):
        versions = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4])
        )
        if not versions:
            sys.exit("PostgreSQL's server programs are missing: apt-get install postgresql")
        self.bin = Path(versions[-1])
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        # PostgreSQL refuses to run as root: the cluster belongs to postgres then.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            owner = pwd.getpwnam("postgres")
            os.chown(directory, owner.pw_uid, owner.pw_gid)

    def _run(self, *command):
        subprocess.run([*self.as_user, *command], check=True, capture_output=True)  # noqa: S603

    def init(self):
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")
        self.start()
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "petitions",
        )  # fmt: skip

    def _pg_ctl(self, *args):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c max_connections=60"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "pg.log"),
            "-w", "-o", options, *args,
        )  # fmt: skip

    def start(self):
        self._pg_ctl("start")

    def stop(self):
        self._pg_ctl("stop", "-m", "fast")

    def restart(self):
        self._pg_ctl("restart", "-m", "fast")

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/petitions"


class MailSink:
    """An SMTP server that keeps every message, and can be stopped and started again."""

    def __init__(self):
        self.port = free_port()
        self.messages = []
        self.arrivals = []
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.server = None

    def start(self):
        async def serve():
            return await asyncio.start_server(self._session, "127.0.0.1", self.port)

        self.server = asyncio.run_coroutine_threadsafe(serve(), self.loop).result()

    def stop(self):
        async def close():
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 1)

        asyncio.run_coroutine_threadsafe(close(), self.loop).result()
        self.server = None

    async def _session(self, reader, writer):
        async def say(line):
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await say("220 drill ESMTP")
        recipients = []
        while line := await reader.readline():
            verb = line[:4].decode(errors="replace").upper()
            if verb in ("EHLO", "HELO"):
                await say("250 drill")
            elif verb == "MAIL":
                recipients = []
                await say("250 OK")
            elif verb == "RCPT":
                recipients.append(re.search(rb"<(.*)>", line).group(1).decode())
                await say("250 OK")
            elif verb == "DATA":
                await say("354 End data with <CR><LF>.<CR><LF>")
                data = bytearray()
                while (chunk := await reader.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.messages.append((recipients, email.message_from_bytes(bytes(data))))
                self.arrivals.append(time.monotonic())
                await say("250 OK")
            elif verb == "QUIT":
                await say("221 Bye")
                break
            else:
                await say("250 OK")
        writer.close()


class Stack:
    def __init__(self, name):
        self.directory = Path(tempfile.mkdtemp(prefix=f"drill-{name}-"))
        self.processes = []
        self.nginx_command = None
        self.postgres = PostgresCluster(self.directory)
        self.mail = MailSink()
        self.https_port = free_port()
        self.env = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            self.kill(process)
        if self.nginx_command:
            subprocess.run([*self.nginx_command, "-s", "stop"], check=False, capture_output=True)  # noqa: S603
        with contextlib.suppress(subprocess.CalledProcessError):
            self.postgres.stop()
        flush_redis()
        shutil.rmtree(self.directory, ignore_errors=True)

    def start(self, **settings):
        """PostgreSQL, migrated, with one open petition and the signing limits off."""
        flush_redis()
        self.postgres.init()
        self.mail.start()
        static = self.directory / "static"
        self.env = (
            {
                key: value
                for key, value in os.environ.items()
                if not key.startswith(("DJANGO_", "DATABASE_", "SIGNATURE_")) and key != "CACHE_URL"
            }
            | {
                "DATABASE_URL": self.postgres.url,
                "DATABASE_POOL_MAX_SIZE": "4",
                "CACHE_URL": REDIS_URL,
                "EMAIL_URL": f"smtp://127.0.0.1:{self.mail.port}",
                "DJANGO_DEBUG": "off",
                "DJANGO_SECRET_KEY": "drill-" + "x" * 60,
                "SIGNATURE_HASH_KEY": "ZHJpbGwtb25seS1zaWduYXR1cmUtaGFzaC1rZXkhISE=",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "DJANGO_SECURE_SSL_REDIRECT": "off",
                "DJANGO_SECURE_COOKIES": "off",
                "DJANGO_STATIC_ROOT": str(static),
                "DJANGO_LOG_LEVEL": "WARNING",
                "DJANGO_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
                # As behind nginx in production, which passes the host without its port.
                "DJANGO_TRUSTED_PROXY_COUNT": "1",
                "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{self.https_port}",
                "DJANGO_SITE_URL": f"https://127.0.0.1:{self.https_port}",
            }
            | settings
        )
        self.manage("migrate", "--no-input", "--verbosity", "0")
        self.manage("collectstatic", "--no-input", "--verbosity", "0")
        self.manage(
            "shell",
            "-c",
            "from petitions.models import Petition; from signatures.models import SigningLimits;"
            f"Petition.objects.create(slug='{PETITION}', title='Drill', summary='s', body='b',"
            "target='t', recipient='r', organiser_name='o', goal=100000,"
            " status=Petition.Status.OPEN, requires_challenge=False);"
            "fields = [f.name for f in SigningLimits._meta.fields"
            " if f.name.startswith(('ip_', 'domain_'))];"
            "SigningLimits.objects.filter(pk=1).update(**{f: 0 for f in fields})",
        )

    def manage(self, *args):
        return subprocess.run(  # noqa: S603 - our own manage.py
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def _spawn(self, name, command):
        log = (self.directory / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 - gunicorn or db_worker of this project
            command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        self.processes.append(process)
        return process

    def gunicorn(self, port, workers=2):
        process = self._spawn(
            f"gunicorn-{port}",
            [
                PYTHON, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.py",
                "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                "--access-logfile", os.devnull,
            ],
        )  # fmt: skip
        if not wait_for(lambda: http_get(f"http://127.0.0.1:{port}/")[0] == 200, 60):
            sys.exit(f"gunicorn on {port} did not start: see {self.directory}")
        return process

    def worker(self):
        return self._spawn("worker", [PYTHON, "manage.py", "db_worker", "--no-startup-delay"])

    @staticmethod
    def kill(process, sig=signal.SIGKILL):
        """The process and its children (gunicorn's workers) at once, as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait()

    def nginx(self, upstream_ports):
        """deploy/nginx/petitions.conf in front of the app servers; returns its HTTPS port.

        Only ports and paths change, and the signing rate limit, which a load generator on
        one address would hit at once.
        """
        nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
        if nginx is None:
            sys.exit("nginx is not installed: apt-get install nginx")
        here = self.directory / "nginx"
        (here / "cache").mkdir(parents=True)
        config = (ROOT / "deploy" / "nginx" / "petitions.conf").read_text()
        replacements = [
            (r"/var/log/nginx", str(here)),
            (r"/var/cache/nginx", str(here / "cache")),
            (r"/etc/letsencrypt/live/petitions\.example\.org", str(here)),
            (r"\n    listen \[::\]:\d+[^;]*;", ""),
            (r"listen 80;", f"listen 127.0.0.1:{free_port()};"),
            (r"listen 443 ssl", f"listen 127.0.0.1:{self.https_port} ssl"),
            (r"rate=\d+r/m", "rate=100000r/m"),
        ]
        for pattern, replacement in replacements:
            config, found = re.subn(pattern, replacement, config)
            if not found:
                sys.exit(f"deploy/nginx/petitions.conf no longer has {pattern!r}")
        servers = "".join(
            f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n"
            for port in upstream_ports
        )
        config = re.sub(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, config)
        subprocess.run(  # noqa: S603 - a throwaway certificate
            [
                shutil.which("openssl") or "openssl", "req", "-x509", "-newkey", "rsa:2048",
                "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-keyout", str(here / "privkey.pem"),
                "-out", str(here / "fullchain.pem"),
            ],
            check=True, capture_output=True,
        )  # fmt: skip
        (here / "petitions.conf").write_text(config)
        (here / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"pid {here}/nginx.pid;\nerror_log {here}/error.log;\nevents {{}}\n"
            f"http {{\n client_body_temp_path {here}/body;\n proxy_temp_path {here}/proxy;\n"
            f" include {here}/petitions.conf;\n}}\n"
        )
        self.nginx_command = [nginx, "-p", str(here), "-c", str(here / "nginx.conf")]
        subprocess.run(self.nginx_command, check=True, capture_output=True)  # noqa: S603
        return self.https_port

    def signatures_by_email(self, addresses):
        """{address: (signatures, confirmed)} as the site looks signatures up by email."""
        wanted = self.directory / "addresses.json"
        wanted.write_text(json.dumps(sorted(addresses)))
        script = (
            "import json; from signatures.models import Signature;"
            f"addresses = json.load(open({str(wanted)!r}));"
            "print(json.dumps({a: [Signature.objects.with_email(a).count(),"
            " Signature.objects.with_email(a).confirmed().count()] for a in addresses}))"
        )
        return json.loads(self.manage("shell", "-c", script).strip().splitlines()[-1])

    def tasks_retried(self):
        """Email tasks queued again after a failed send (their attempt is past the first)."""
        script = (
            "from django_tasks_db.models import DBTaskResult;"
            "print(sum(1 for r in DBTaskResult.objects.all()"
            " if r.args_kwargs.get('kwargs', {}).get('attempt', 1) > 1))"
        )
        return int(self.manage("shell", "-c", script).strip().splitlines()[-1])

    def reconcile_counts(self):
        """(clean, what reconcile_counts said)."""
        result = subprocess.run(  # noqa: S603 - our own manage.py
            [PYTHON, "manage.py", "reconcile_counts"],
            cwd=ROOT, env=self.env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        return result.returncode == 0, (result.stdout + result.stderr).strip()


def flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


UNVERIFIED = ssl._create_unverified_context()  # noqa: S323 - the drill's own certificate


def http_get(url, headers=None):
    return request("GET", url, headers=headers)


def request(method, url, body=None, headers=None, timeout=30):
    """(status, headers, text) with no redirects followed."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.netloc, timeout=timeout, context=UNVERIFIED)
    else:
        connection = http.client.HTTPConnection(parts.netloc, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode(errors="replace")
    finally:
        connection.close()


class Signer:
    """One browser: reads the petition page for its CSRF token, then signs with new addresses."""

    def __init__(self, site):
        self.site = site
        self.cookies = {}

    def _headers(self, extra=None):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers = {"Referer": f"{self.site}/petitions/{PETITION}/"} | (extra or {})
        return headers | ({"Cookie": cookie} if cookie else {})

    def _keep_cookies(self, headers):
        for header in headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]

    def page(self):
        status, headers, text = request(
            "GET", f"{self.site}/petitions/{PETITION}/", headers=self._headers()
        )
        self._keep_cookies(headers)
        token = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', text)
        self.csrf = token.group(1) if token else None
        return status

    def sign(self, address):
        """(status, accepted): accepted when sent on to the page that says to check email."""
        status, headers, _ = self.post_signature(address)
        accepted = status == 302 and headers["Location"].endswith(f"/s/sent/{PETITION}/")
        return status, accepted

    def post_signature(self, address):
        form = {
            "csrfmiddlewaretoken": self.csrf,
            "full_name": "Drill Signer",
            "email": address,
            "country": "GB",
            "name_visibility": "recipient",
        }
        status, headers, text = request(
            "POST",
            f"{self.site}/petitions/{PETITION}/sign/",
            body=urllib.parse.urlencode(form),
            headers=self._headers({"Content-Type": "application/x-www-form-urlencoded"}),
        )
        self._keep_cookies(headers)
        return status, headers, text

    def confirm(self, token):
        url = f"{self.site}/s/confirm/{token}/"
        status, headers, text = request("GET", url, headers=self._headers())
        self._keep_cookies(headers)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', text)
        status, _, _ = request(
            "POST",
            url,
            body=urllib.parse.urlencode({"csrfmiddlewaretoken": csrf.group(1)}),
            headers=self._headers({"Content-Type": "application/x-www-form-urlencoded"}),
        )
        return status


def confirmation_tokens(sink):
    """{recipient: [token, ...]} from every message the mail server received."""
    tokens = {}
    for recipients, message in sink.messages:
        body = next(
            part.get_payload(decode=True).decode()
            for part in message.walk()
            if part.get_content_type() == "text/plain"
        )
        found = re.search(r"/s/confirm/([\w.:-]+)/", body)
        for recipient in recipients:
            tokens.setdefault(recipient, []).append(found.group(1) if found else None)
    return tokens


def report(checks):
    """Print each check and the verdict; exit non-zero if any failed."""
    width = max(len(name) for name, _ in checks)
    for name, passed in checks:
        print(f"  {'ok  ' if passed else 'FAIL'} {name:<{width}}")
    failed = [name for name, passed in checks if not passed]
    print("PASS" if not failed else f"FAIL ({len(failed)} of {len(checks)} checks)")
    sys.exit(1 if failed else 0)
