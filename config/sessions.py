from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, never written twice with the same data.

    A view that saves the session itself, to answer gracefully if the database refuses (signing,
    confirming), is followed by SessionMiddleware saving it again unchanged: an UPDATE in a
    transaction of its own on every signature. What was last written is remembered, and the
    same write again is skipped.
    """

    def save(self, must_create=False):
        written = (
            self.session_key,
            self.serializer().dumps(self._get_session(no_load=must_create)),
        )
        if not must_create and written == getattr(self, "_written", None):
            return
        super().save(must_create=must_create)
        self._written = (self.session_key, written[1])
