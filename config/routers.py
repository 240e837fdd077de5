"""Reads of public pages from a read replica, everything else from the primary.

A replica lags its primary by a moment, so it may only answer where a moment's lag misleads
nobody: the pages an anonymous visitor reads (ReplicaReadsMiddleware decides which). Whoever
has just written something (a signer sent on to the next page, staff in the admin) carries a
session, or asks for a page that is not on the list, and reads the primary.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections

_replica_allowed = ContextVar("replica_allowed", default=False)

# Only these apps' tables are read from the replica; sessions, users and the task queue never.
REPLICA_APPS = {"petitions", "signatures"}


@contextmanager
def replica_reads(allowed: bool = True):
    token = _replica_allowed.set(allowed)
    try:
        yield
    finally:
        _replica_allowed.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _replica_allowed.get()
            and model._meta.app_label in REPLICA_APPS
            # A read inside a transaction must see what that transaction wrote.
            and not connections["default"].in_atomic_block
        ):
            return "replica"
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, **hints):
        # The replica is copied from the primary by PostgreSQL, never migrated by Django.
        return db == "default"
