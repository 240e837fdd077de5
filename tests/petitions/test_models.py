from datetime import time, timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from petitions.models import Demand, Petition, RetentionHold
from signatures.models import Signature
from signatures.services import PetitionNotOpen
from tests.factories import make_petition, make_staff, sign

pytestmark = pytest.mark.django_db


class TestConstraints:
    def test_slug_is_unique(self):
        make_petition(slug="same")

        with pytest.raises(IntegrityError):
            make_petition(slug="same")

    def test_goal_must_be_positive(self):
        with pytest.raises(IntegrityError):
            make_petition(goal=0)

    def test_closing_date_must_follow_opening_date(self):
        now = timezone.now()

        with pytest.raises(IntegrityError):
            make_petition(opens_at=now, closes_at=now - timedelta(days=1))

    def test_one_demand_per_position_per_petition(self):
        petition = make_petition(demands=["First"])

        with pytest.raises(IntegrityError):
            Demand.objects.create(petition=petition, position=1, text="Also first")

    def test_same_position_is_allowed_on_another_petition(self):
        make_petition(demands=["First"])
        other = make_petition(demands=["First of the other"])

        assert other.demands.get().position == 1


class TestQuerySets:
    def test_public_excludes_drafts(self):
        draft = make_petition(status=Petition.Status.DRAFT)
        shown = make_petition()

        assert list(Petition.objects.public()) == [shown]
        assert draft not in Petition.objects.public()

    def test_open_and_finished_split_by_status(self):
        opened = make_petition()
        closed = make_petition(status=Petition.Status.CLOSED)
        delivered = make_petition(status=Petition.Status.DELIVERED)
        make_petition(status=Petition.Status.DRAFT)

        assert list(Petition.objects.open()) == [opened]
        assert set(Petition.objects.finished()) == {closed, delivered}

    def test_open_means_accepting_signatures_now(self):
        now = timezone.now()
        current = make_petition()
        make_petition(opens_at=now + timedelta(days=1))
        expired = make_petition(opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))

        assert list(Petition.objects.open()) == [current]
        assert list(Petition.objects.finished()) == [expired]

    def test_visible_to_shows_drafts_to_staff_only(self, django_user_model):
        draft = make_petition(status=Petition.Status.DRAFT)
        visitor = django_user_model.objects.create_user(email="visitor@example.org")

        assert draft in Petition.objects.visible_to(make_staff())
        assert draft not in Petition.objects.visible_to(visitor)

    def test_most_signed_first_orders_by_confirmed_count(self, confirmed):
        quiet = make_petition()
        popular = make_petition()
        confirmed(popular)
        confirmed(popular)
        confirmed(quiet)

        ordered = list(Petition.objects.open().most_signed_first())

        assert ordered == [popular, quiet]
        assert [p.signature_count for p in ordered] == [2, 1]


class TestStateChanges:
    def test_open_sets_status_and_opening_time(self):
        petition = make_petition(status=Petition.Status.DRAFT, opens_at=None)

        petition.open()

        petition.refresh_from_db()
        assert petition.status == Petition.Status.OPEN
        assert petition.opens_at is not None
        assert petition.is_open is True

    def test_open_keeps_the_opening_time_of_a_petition_that_opened_before(self):
        opened = timezone.now() - timedelta(days=30)
        petition = make_petition(status=Petition.Status.CLOSED, opens_at=opened)

        assert petition.open() is True

        petition.refresh_from_db()
        assert petition.opens_at == opened
        assert petition.is_open is True

    def test_open_brings_a_later_opening_time_forward_to_now(self):
        before = timezone.now()
        petition = make_petition(status=Petition.Status.DRAFT, opens_at=before + timedelta(days=3))

        petition.open()

        petition.refresh_from_db()
        assert before <= petition.opens_at <= timezone.now()
        assert petition.is_open is True

    def test_close_stops_signing(self):
        petition = make_petition()

        petition.close()

        with pytest.raises(PetitionNotOpen):
            sign(Petition.objects.get(pk=petition.pk))
        assert not Signature.objects.exists()

    def test_opening_after_the_deadline_changes_nothing(self):
        now = timezone.now()
        petition = make_petition(
            status=Petition.Status.DRAFT, opens_at=None, closes_at=now - timedelta(days=1)
        )

        assert petition.open() is False
        petition.refresh_from_db()
        assert petition.status == Petition.Status.DRAFT

    def test_petition_that_opens_later_is_not_open_yet(self):
        petition = make_petition(opens_at=timezone.now() + timedelta(hours=1))

        assert petition.is_open is False
        assert petition.current_status == Petition.Status.OPEN

    def test_open_petition_past_its_deadline_is_not_open(self):
        petition = make_petition(
            closes_at=timezone.now() - timedelta(minutes=1),
            opens_at=timezone.now() - timedelta(days=2),
        )

        assert petition.is_open is False
        assert petition.current_status == Petition.Status.CLOSED


class TestClosingDate:
    def test_close_records_when(self):
        petition = make_petition()
        before = timezone.now()

        petition.close()

        petition.refresh_from_db()
        assert before <= petition.closed_at <= timezone.now()
        assert petition.finished_at == petition.closed_at

    def test_delivering_a_closed_petition_keeps_the_day_it_closed(self):
        petition = make_petition()
        petition.close()
        closed_at = petition.closed_at

        petition.mark_delivered()

        petition.refresh_from_db()
        assert petition.closed_at == closed_at

    def test_delivering_an_open_petition_closes_it_then(self):
        petition = make_petition()

        petition.mark_delivered()

        petition.refresh_from_db()
        assert petition.closed_at is not None
        assert petition.is_finished is True

    def test_reopening_forgets_the_closing_date(self):
        petition = make_petition()
        petition.close()

        petition.open()

        petition.refresh_from_db()
        assert petition.closed_at is None
        assert petition.finished_at is None

    def test_petition_past_its_deadline_finished_at_the_deadline(self):
        deadline = timezone.now() - timedelta(days=3)
        petition = make_petition(opens_at=deadline - timedelta(days=30), closes_at=deadline)

        assert petition.is_finished is True
        assert petition.finished_at == deadline

    def test_deadline_that_passed_before_staff_closed_it_is_the_closing_date(self):
        deadline = timezone.now() - timedelta(days=3)
        petition = make_petition(opens_at=deadline - timedelta(days=30), closes_at=deadline)

        petition.close()

        assert petition.finished_at == deadline

    def test_closing_before_the_deadline_finishes_it_then(self):
        petition = make_petition(closes_at=timezone.now() + timedelta(days=30))

        petition.close()

        assert petition.finished_at == petition.closed_at

    def test_open_and_draft_petitions_have_not_finished(self):
        assert make_petition().finished_at is None
        assert make_petition(status=Petition.Status.DRAFT).finished_at is None


class TestPersonalDataDueAt:
    def test_an_open_petition_has_no_day_yet(self):
        assert make_petition().personal_data_due_at is None

    def test_it_is_the_retention_period_after_closing_or_delivery(self):
        for status in (Petition.Status.CLOSED, Petition.Status.DELIVERED):
            petition = make_petition(status=status, retention_days=30)

            assert petition.personal_data_due_at == petition.closed_at + timedelta(days=30)

    def test_delivering_a_closed_petition_keeps_the_day_it_closed(self):
        petition = make_petition(status=Petition.Status.CLOSED)
        due = petition.personal_data_due_at

        petition.mark_delivered()

        assert petition.personal_data_due_at == due

    def test_a_hold_pushes_it_back_to_the_day_after_the_hold(self):
        petition = make_petition(status=Petition.Status.CLOSED)
        until = timezone.localdate() + timedelta(days=400)
        RetentionHold.objects.create(petition=petition, held_until=until, reason="A claim.")

        due = petition.personal_data_due_at

        assert timezone.localtime(due).date() == until + timedelta(days=1)
        assert timezone.localtime(due).time() == time.min

    def test_a_hold_shorter_than_the_period_changes_nothing(self):
        petition = make_petition(status=Petition.Status.CLOSED)
        RetentionHold.objects.create(
            petition=petition, held_until=timezone.localdate(), reason="A claim."
        )

        assert petition.personal_data_due_at == petition.closed_at + timedelta(days=180)

    def test_a_hold_needs_a_reason(self):
        with pytest.raises(IntegrityError):
            RetentionHold.objects.create(
                petition=make_petition(), held_until=timezone.localdate(), reason=""
            )

    def test_the_period_is_at_least_a_day(self):
        with pytest.raises(IntegrityError):
            make_petition(retention_days=0)
