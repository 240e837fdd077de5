"""A small asyncio HTTP/1.1 client and a closed-loop load: a fixed number of clients, each
sending its next request as soon as the last one is answered, for a fixed time.

gunicorn's sync workers close every connection after one response, so each request opens its
own; the figures therefore include a TCP connect on loopback, as a browser behind a reverse
proxy that does not keep connections to the workers would see.
"""

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

HOST = "127.0.0.1"


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        for value in self.headers.get("set-cookie", []):
            jar.load(value)
        return {name: morsel.value for name, morsel in jar.items()}


async def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    timeout: float = 30,
) -> Response:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        # Connection: close, so the answer ends where the stream does, chunked or not.
        raw = await asyncio.wait_for(reader.read(-1), timeout)
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed: dict[str, list[str]] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in parsed.get("transfer-encoding", [""])[0]:
        payload = _unchunked(payload)
    return Response(int(status_line.split()[1]), parsed, payload)


def _unchunked(payload: bytes) -> bytes:
    out, rest = [], payload
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


class Exhausted(Exception):
    """The scenario has used up what it was given (answers, links): its clients stop."""


@dataclass
class Figures:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    first_error: str = ""

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Milliseconds under which that share of the requests were answered."""
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return (
            statistics.quantiles(self.latencies, n=100, method="inclusive")[round(share * 100) - 1]
            * 1000
        )

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.per_second, 1),
            "p50_ms": round(self.percentile(0.50), 1),
            "p99_ms": round(self.percentile(0.99), 1),
            "first_error": self.first_error,
        }


async def _closed_loop(one, clients: int, seconds: float) -> Figures:
    """Run `one(client_index)` in each client until time is up; each call is one request."""
    figures = Figures()
    started = time.perf_counter()
    deadline = started + seconds

    async def client(index):
        while time.perf_counter() < deadline:
            begun = time.perf_counter()
            try:
                await one(index)
            except Exhausted:
                return
            except Exception as error:  # counted and reported, never retried
                figures.errors += 1
                figures.first_error = figures.first_error or repr(error)
                continue
            figures.latencies.append(time.perf_counter() - begun)
            figures.requests += 1

    await asyncio.gather(*(client(index) for index in range(clients)))
    figures.seconds = time.perf_counter() - started
    return figures


def closed_loop(one, *, clients: int, seconds: float) -> Figures:
    return asyncio.run(_closed_loop(one, clients, seconds))


def expect(response: Response, *statuses: int) -> Response:
    if response.status not in statuses:
        raise RuntimeError(f"answered {response.status}, expected {statuses}")
    return response
