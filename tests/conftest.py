import copy
import os
import re
import shutil
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from petitions.public_pages import forget_local_pages
from signatures.services import signature_confirm
from tests.factories import browser, log_in_with_second_factor, make_superuser, sign

CONFIRM_LINK = re.compile(r"https?://\S+/s/confirm/([\w-]+)/")
MANAGE_LINK = re.compile(r"https?://\S+(/s/manage/[\w.:-]+/)")


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    # Production's hasher is slow on purpose; tests log users in by the hundred.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """With TEST_DATABASE_TEMPLATE, the tests run on a copy of that migrated SQLite database
    (with pytest's --reuse-db) instead of migrating one of their own: `make mutants` starts a
    test session for each of its thousands of mutants."""
    from django.conf import settings

    template = os.environ.get("TEST_DATABASE_TEMPLATE")
    if template:
        copied = tmp_path_factory.mktemp("database") / "test.sqlite3"
        shutil.copyfile(template, copied)
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(copied)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    forget_local_pages()
    yield
    cache.clear()
    forget_local_pages()


@pytest.fixture
def client():
    return browser()


@pytest.fixture
def admin_client(client, db):
    """A client logged in as a superuser, second factor included (pytest-django's own assumes
    a username field)."""
    return log_in_with_second_factor(client, make_superuser())


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the work that code defers until its transaction commits, as production does.

    Tests run inside a transaction that never commits, so without this no email is sent.
    """

    @contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


def confirmation_token(message) -> str:
    return CONFIRM_LINK.search(message.body).group(1)


def manage_path(message) -> str:
    return MANAGE_LINK.search(message.body).group(1)


@pytest.fixture
def confirmed(committed):
    """Sign and confirm through the services, returning the confirmed signature."""

    def confirm(petition, **fields):
        with committed():
            sign(petition, **fields)
        with committed():
            return signature_confirm(token=confirmation_token(mail.outbox[-1]))

    return confirm


@pytest.fixture
def executor():
    """Runs migrations back and forth for a migration's test."""
    yield MigrationExecutor(connection)
    # Leave the database as every other test expects it.
    latest = MigrationExecutor(connection)
    latest.migrate(latest.loader.graph.leaf_nodes())


def pytest_configure(config):
    """Give the tests a read replica as production may have one: a mirror of the test database.

    Without DATABASE_REPLICA_URL no router sends anything to it; the router's tests turn it on.
    """
    from django.conf import settings

    if "replica" not in settings.DATABASES:
        settings.DATABASES["replica"] = copy.deepcopy(settings.DATABASES["default"]) | {
            "TEST": {"MIRROR": "default"}
        }
