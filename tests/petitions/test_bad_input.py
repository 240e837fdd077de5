"""Whatever staff search or filter the petitions list by, the answer is never a server error."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_petition, staff_with
from tests.strategies import any_text, assert_answered, bounded

pytestmark = pytest.mark.django_db

PETITION_LIST_PARAMETERS = (
    "status__exact",
    "opens_at__year",
    "opens_at__month",
    "opens_at__day",
    "o",
    "p",
    "all",
    "e",
    "_to_field",
    "_popup",
)


@pytest.fixture
def staff_client(client):
    make_petition(title="Free them")
    return staff_with(client, "view_petition", "change_petition")


@given(
    q=any_text,
    parameters=st.dictionaries(
        st.one_of(st.sampled_from(PETITION_LIST_PARAMETERS), any_text), any_text, max_size=3
    ),
)
@bounded
def test_no_search_or_filter_of_the_petitions_list_gives_a_server_error(
    staff_client, q, parameters
):
    url = reverse("admin:petitions_petition_changelist")

    response = staff_client.get(url, parameters | {"q": q})

    assert_answered(response, 200, 302, 400)
