import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_session_saved_again_unchanged_is_not_written_again():
    session = SessionStore()
    session["receipt"] = {"petition": "a", "receipt": "ABC"}
    session.save()

    with CaptureQueriesContext(connection) as queries:
        session.save()

    assert len(queries) == 0


def test_a_change_after_saving_is_written_even_deep_inside_a_value():
    session = SessionStore()
    session["receipt"] = {"petition": "a", "receipt": "ABC"}
    session.save()

    session["receipt"]["receipt"] = "XYZ"
    session.save()

    assert SessionStore(session.session_key).load()["receipt"]["receipt"] == "XYZ"
