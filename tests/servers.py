import os
import socket
import threading
from contextlib import contextmanager

# The tests that need a real Redis use a database of their own, which they empty: a run never
# touches another program's keys. TEST_REDIS_URL gives a second run on the same machine another
# (make mutants does), so that the two never empty each other's.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@contextmanager
def silent_server():
    """A server that accepts connections and never says a word, as a hung one does.

    Yields its port and the list of connections it has accepted so far.
    """
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server.getsockname()[1], accepted
    finally:
        server.close()
        for connection in accepted:
            connection.close()


def closed_port() -> int:
    """A port on which nothing listens, as for a server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
