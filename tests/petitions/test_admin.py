import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from petitions.models import Petition, RetentionHold
from signatures.services import PetitionNotOpen
from tests.factories import make_petition, petition_form, sign

pytestmark = pytest.mark.django_db

# The management form of the holds on erasing signers' details, when none is added.
NO_HOLDS = {
    "retention_holds-TOTAL_FORMS": "0",
    "retention_holds-INITIAL_FORMS": "0",
    "retention_holds-MIN_NUM_FORMS": "0",
    "retention_holds-MAX_NUM_FORMS": "1000",
}


def test_changelist_filters_by_status_and_searches_by_title(admin_client):
    make_petition(title="Free the refugees")
    make_petition(title="Something closed", status=Petition.Status.CLOSED)
    url = reverse("admin:petitions_petition_changelist")

    by_status = admin_client.get(url, {"status__exact": "closed"})
    by_title = admin_client.get(url, {"q": "refugees"})

    assert by_status.status_code == 200
    assert "Something closed" in by_status.text
    assert "Free the refugees" not in by_status.text
    assert "Free the refugees" in by_title.text
    assert "Something closed" not in by_title.text


def test_add_page_saves_a_petition_with_demands_in_position_order(admin_client):
    response = admin_client.post(
        reverse("admin:petitions_petition_add"),
        {
            "title": "New petition",
            "slug": "new-petition",
            "summary": "Summary",
            "body": "Body",
            "target": "A government",
            "recipient": "An embassy",
            "organiser_name": "Us",
            "language": "en",
            "goal": "1000",
            "status": "draft",
            "retention_days": "180",
            **NO_HOLDS,
            "demands-TOTAL_FORMS": "2",
            "demands-INITIAL_FORMS": "0",
            "demands-MIN_NUM_FORMS": "0",
            "demands-MAX_NUM_FORMS": "1000",
            "demands-0-position": "2",
            "demands-0-text": "Second demand",
            "demands-1-position": "1",
            "demands-1-text": "First demand",
        },
    )

    assert response.status_code == 302, response.text
    petition = Petition.objects.get(slug="new-petition")
    assert list(petition.demands.values_list("text", flat=True)) == [
        "First demand",
        "Second demand",
    ]


def test_change_page_loads_with_prepopulated_slug_script(admin_client):
    petition = make_petition(demands=["Only demand"])

    response = admin_client.get(reverse("admin:petitions_petition_change", args=[petition.pk]))

    assert response.status_code == 200
    assert "Only demand" in response.text
    assert "prepopulated" in response.text


def test_actions_open_and_close_petitions(admin_client):
    draft = make_petition(status=Petition.Status.DRAFT, opens_at=None)
    url = reverse("admin:petitions_petition_changelist")

    admin_client.post(url, {"action": "open_petitions", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Petition.Status.OPEN

    admin_client.post(url, {"action": "close_petitions", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Petition.Status.CLOSED


def test_a_petition_closed_in_the_admin_takes_no_more_signatures(admin_client):
    petition = make_petition()

    admin_client.post(
        reverse("admin:petitions_petition_changelist"),
        {"action": "close_petitions", "_selected_action": [petition.pk]},
    )

    assert 'name="full_name"' not in Client().get(petition.get_absolute_url()).text
    with pytest.raises(PetitionNotOpen):
        sign(Petition.objects.get(pk=petition.pk))


def test_changelist_shows_the_confirmed_count(admin_client, confirmed, committed):
    petition = make_petition(title="Counted petition")
    confirmed(petition)
    confirmed(petition)
    with committed():
        sign(petition)

    response = admin_client.get(reverse("admin:petitions_petition_changelist"))

    assert '<td class="field-signatures">2</td>' in response.text


def test_open_action_explains_a_petition_past_its_deadline_instead_of_failing(admin_client):
    from datetime import timedelta

    from django.utils import timezone

    expired = make_petition(
        status=Petition.Status.DRAFT, opens_at=None, closes_at=timezone.now() - timedelta(days=1)
    )

    response = admin_client.post(
        reverse("admin:petitions_petition_changelist"),
        {"action": "open_petitions", "_selected_action": [expired.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "its closing date has passed" in response.text
    expired.refresh_from_db()
    assert expired.status == Petition.Status.DRAFT


def change_demands(client, petition, rows):
    """Post the petition's change form as the admin page would, with these demand rows.

    Each row is a dict of the inline's fields; rows with an `id` are the demands already stored.
    """
    data = {
        "title": petition.title,
        "slug": petition.slug,
        "summary": petition.summary,
        "body": petition.body,
        "target": petition.target,
        "recipient": petition.recipient,
        "organiser_name": petition.organiser_name,
        "language": petition.language,
        "goal": str(petition.goal),
        "status": petition.status,
        "retention_days": str(petition.retention_days),
        **NO_HOLDS,
        "demands-TOTAL_FORMS": str(len(rows)),
        "demands-INITIAL_FORMS": str(sum(1 for row in rows if row.get("id"))),
        "demands-MIN_NUM_FORMS": "0",
        "demands-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data[f"demands-{index}-petition"] = str(petition.pk)
        for field, value in row.items():
            data[f"demands-{index}-{field}"] = str(value)
    return client.post(reverse("admin:petitions_petition_change", args=[petition.pk]), data)


def stored_demands(petition):
    return list(petition.demands.order_by("position").values_list("position", "text"))


def existing(demand, **changes):
    return {"id": demand.pk, "position": demand.position, "text": demand.text} | changes


class TestDemandOrder:
    @pytest.fixture
    def petition(self):
        return make_petition(demands=["First", "Second", "Third"], status=Petition.Status.DRAFT)

    def rows(self, petition, **changes_by_text):
        return [
            existing(demand, **changes_by_text.get(demand.text, {}))
            for demand in petition.demands.order_by("position")
        ]

    def offered_position(self, client, petition, row):
        page = client.get(reverse("admin:petitions_petition_change", args=[petition.pk])).text
        field = re.search(rf'<input[^>]* name="demands-{row}-position"[^>]*>', page).group(0)
        offered = re.search(r'value="([^"]*)"', field)
        return offered.group(1) if offered else ""

    def test_the_blank_rows_offer_no_position(self, admin_client, petition):
        assert self.offered_position(admin_client, petition, "3") == ""
        assert self.offered_position(admin_client, petition, "__prefix__") == ""

    def test_a_demand_added_in_the_blank_row_as_offered_goes_last(self, admin_client, petition):
        offered = self.offered_position(admin_client, petition, "3")
        rows = [*self.rows(petition), {"position": offered, "text": "Fourth"}]

        response = change_demands(admin_client, petition, rows)

        assert response.status_code == 302, response.text
        assert stored_demands(petition) == [
            (1, "First"),
            (2, "Second"),
            (3, "Third"),
            (4, "Fourth"),
        ]

    def test_new_demands_left_blank_go_last_in_row_order(self, admin_client, petition):
        rows = [
            *self.rows(petition),
            {"position": "", "text": "Fourth"},
            {"position": "", "text": "Fifth"},
            {"position": "", "text": "Sixth"},
        ]

        response = change_demands(admin_client, petition, rows)

        assert response.status_code == 302, response.text
        assert [text for _, text in stored_demands(petition)] == [
            "First",
            "Second",
            "Third",
            "Fourth",
            "Fifth",
            "Sixth",
        ]

    def test_a_new_demand_can_be_put_first_when_the_others_move_down(self, admin_client, petition):
        rows = [
            *self.rows(
                petition,
                First={"position": 2},
                Second={"position": 3},
                Third={"position": 4},
            ),
            {"position": 1, "text": "New first"},
        ]

        response = change_demands(admin_client, petition, rows)

        assert response.status_code == 302, response.text
        assert stored_demands(petition) == [
            (1, "New first"),
            (2, "First"),
            (3, "Second"),
            (4, "Third"),
        ]

    def test_two_demands_swap_positions(self, admin_client, petition):
        rows = self.rows(petition, First={"position": 2}, Second={"position": 1})

        response = change_demands(admin_client, petition, rows)

        assert response.status_code == 302, response.text
        assert stored_demands(petition) == [(1, "Second"), (2, "First"), (3, "Third")]

    def test_three_demands_rotate(self, admin_client, petition):
        rows = self.rows(
            petition, First={"position": 2}, Second={"position": 3}, Third={"position": 1}
        )

        response = change_demands(admin_client, petition, rows)

        assert response.status_code == 302, response.text
        assert stored_demands(petition) == [(1, "Third"), (2, "First"), (3, "Second")]

    def test_a_deleted_demand_leaves_its_position_to_another(self, admin_client, petition):
        rows = [
            *self.rows(petition, First={"position": 3}, Third={"DELETE": "on"}),
            {"position": 1, "text": "New first"},
        ]

        response = change_demands(admin_client, petition, rows)

        assert response.status_code == 302, response.text
        assert stored_demands(petition) == [(1, "New first"), (2, "Second"), (3, "First")]

    def test_a_demand_added_after_a_deletion_goes_last(self, admin_client, petition):
        rows = [
            *self.rows(petition, Third={"DELETE": "on"}),
            {"position": "", "text": "New last"},
        ]

        response = change_demands(admin_client, petition, rows)

        assert response.status_code == 302, response.text
        assert stored_demands(petition) == [(1, "First"), (2, "Second"), (3, "New last")]

    def test_two_demands_at_one_position_are_refused_with_a_message(self, admin_client, petition):
        rows = self.rows(petition, Third={"position": 1, "text": "Changed"})

        response = change_demands(admin_client, petition, rows)

        assert response.status_code == 200
        assert response.text.count("Another demand has this position.") == 2
        assert stored_demands(petition) == [(1, "First"), (2, "Second"), (3, "Third")]

    def test_a_new_demand_at_a_taken_position_is_refused_with_a_message(
        self, admin_client, petition
    ):
        rows = [*self.rows(petition), {"position": 2, "text": "Also second"}]

        response = change_demands(admin_client, petition, rows)

        assert response.status_code == 200
        assert "Another demand has this position." in response.text
        assert petition.demands.count() == 3

    def test_a_position_that_is_not_a_number_is_refused_with_a_message(
        self, admin_client, petition
    ):
        rows = self.rows(petition, First={"position": "first"})

        response = change_demands(admin_client, petition, rows)

        assert response.status_code == 200
        assert "Enter a whole number." in response.text
        assert stored_demands(petition) == [(1, "First"), (2, "Second"), (3, "Third")]


def test_add_page_puts_demands_left_blank_in_row_order(admin_client):
    response = admin_client.post(
        reverse("admin:petitions_petition_add"),
        {
            "title": "New petition",
            "slug": "new-petition",
            "summary": "Summary",
            "body": "Body",
            "target": "A government",
            "recipient": "An embassy",
            "organiser_name": "Us",
            "language": "en",
            "goal": "1000",
            "status": "draft",
            "retention_days": "180",
            **NO_HOLDS,
            "demands-TOTAL_FORMS": "2",
            "demands-INITIAL_FORMS": "0",
            "demands-MIN_NUM_FORMS": "0",
            "demands-MAX_NUM_FORMS": "1000",
            "demands-0-position": "",
            "demands-0-text": "First demand",
            "demands-1-position": "",
            "demands-1-text": "Second demand",
        },
    )

    assert response.status_code == 302, response.text
    petition = Petition.objects.get(slug="new-petition")
    assert stored_demands(petition) == [(1, "First demand"), (2, "Second demand")]


def test_a_status_changed_in_the_form_records_and_forgets_the_closing_date(admin_client):
    petition = make_petition()

    petition.status = Petition.Status.CLOSED
    change_demands(admin_client, petition, [])
    petition.refresh_from_db()
    closed_at = petition.closed_at
    petition.status = Petition.Status.OPEN
    change_demands(admin_client, petition, [])
    petition.refresh_from_db()

    assert closed_at is not None
    assert petition.closed_at is None
    assert petition.status == Petition.Status.OPEN


class TestRetention:
    @pytest.fixture
    def petition(self):
        return make_petition(status=Petition.Status.CLOSED)

    def post(self, client, petition, holds=(), **fields):
        """Post the change form as the admin page would, adding these holds."""
        data = petition_form(petition, holds=holds, **fields)
        return client.post(reverse("admin:petitions_petition_change", args=[petition.pk]), data)

    def test_the_retention_period_is_changed_in_the_form(self, admin_client, petition):
        response = self.post(admin_client, petition, retention_days="365")

        assert response.status_code == 302, response.text
        petition.refresh_from_db()
        assert petition.retention_days == 365

    @pytest.mark.parametrize(
        ("days", "message"),
        [
            ("0", "Ensure this value is greater than or equal to 1."),
            ("soon", "Enter a whole number."),
            ("", "This field is required."),
        ],
    )
    def test_a_retention_period_that_is_not_a_number_of_days_is_refused(
        self, admin_client, petition, days, message
    ):
        response = self.post(admin_client, petition, retention_days=days)

        assert response.status_code == 200
        assert message in response.text
        petition.refresh_from_db()
        assert petition.retention_days == 180

    def test_a_hold_is_recorded_with_who_added_it_and_why(self, admin_client, petition):
        until = timezone.localdate() + timedelta(days=400)

        response = self.post(
            admin_client,
            petition,
            [{"held_until": until.isoformat(), "reason": "A court asked us to keep the list."}],
        )

        assert response.status_code == 302, response.text
        hold = RetentionHold.objects.get(petition=petition)
        assert (hold.held_until, hold.reason) == (until, "A court asked us to keep the list.")
        assert hold.created_by.email == "root@example.org"
        assert petition.personal_data_due_at == hold.ends_at

    @pytest.mark.parametrize(
        ("hold", "message"),
        [
            ({"reason": ""}, "Say why the signers&#x27; details must be kept longer."),
            ({"reason": "   "}, "Say why the signers&#x27; details must be kept longer."),
            ({"held_until": "next year"}, "Enter a valid date."),
            ({"held_until": ""}, "This field is required."),
            ({"held_until": "2020-01-01"}, "A hold keeps the details until a day after today."),
        ],
    )
    def test_a_hold_without_a_reason_or_a_future_date_is_refused_with_a_message(
        self, admin_client, petition, hold, message
    ):
        until = timezone.localdate() + timedelta(days=90)
        good = {"held_until": until.isoformat(), "reason": "A claim is expected."}

        response = self.post(admin_client, petition, [good | hold])

        assert response.status_code == 200
        assert message in response.text
        assert not RetentionHold.objects.exists()

    def test_a_recorded_hold_cannot_be_changed_or_deleted(self, admin_client, petition):
        hold = RetentionHold.objects.create(
            petition=petition,
            held_until=timezone.localdate() + timedelta(days=90),
            reason="A claim is expected.",
        )
        page = admin_client.get(reverse("admin:petitions_petition_change", args=[petition.pk]))
        assert "A claim is expected." in page.text
        assert 'name="retention_holds-0-reason"' not in page.text
        assert 'name="retention_holds-0-DELETE"' not in page.text

        response = self.post(
            admin_client,
            petition,
            **{
                "retention_holds-INITIAL_FORMS": "1",
                "retention_holds-TOTAL_FORMS": "1",
                "retention_holds-0-id": str(hold.pk),
                "retention_holds-0-petition": str(petition.pk),
                "retention_holds-0-reason": "Changed.",
                "retention_holds-0-DELETE": "on",
            },
        )

        assert response.status_code == 302, response.text
        hold.refresh_from_db()
        assert hold.reason == "A claim is expected."


def test_change_page_offers_wide_inputs_and_the_summary_over_several_lines(admin_client):
    petition = make_petition(demands=["Only demand"])

    page = admin_client.get(reverse("admin:petitions_petition_change", args=[petition.pk])).text

    for name in ("title", "target", "recipient", "organiser_name"):
        field = re.search(rf'<input[^>]* name="{name}"[^>]*>', page).group(0)
        assert "wide-input" in field
    summary = re.search(r'<textarea[^>]* name="summary"[^>]*>', page).group(0)
    assert 'maxlength="500"' in summary
    assert "wide-input" in summary
    position = re.search(r'<input[^>]* name="demands-0-position"[^>]*>', page).group(0)
    assert "demand-position" in position
    assert "css/petition-form.css" in page
