import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from signatures import invalidations
from signatures.counting import tally_reconcile
from signatures.display import masked_email
from signatures.invalidations import (
    invalidation_cancel,
    invalidation_preview,
    invalidation_run,
    invalidation_run_batch,
    invalidation_start,
    invalidation_undo,
    invalidation_undo_run,
    invalidations_resume_stalled,
)
from signatures.models import Invalidation, InvalidationItem, Signature
from signatures.selectors import petition_counts
from signatures.services import signature_invalidate, signature_withdraw
from tests.factories import make_petition, make_signatures, make_staff, staff_with

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(days=2)
LATER = START + timedelta(hours=5)
Status = Signature.Status


@pytest.fixture
def staff():
    return make_staff(email="moderator@example.org")


@pytest.fixture
def wave(staff):
    """A wave of fakes from one network and domain among genuine signers, on two petitions."""
    petition, other = make_petition(), make_petition()
    bots = {
        "confirmed": make_signatures(
            petition,
            3,
            created_at=START,
            ip_address="203.0.113.5",
            email_domain="bots.example",
            status=Status.CONFIRMED,
        ),
        "pending": make_signatures(
            petition, 2, created_at=LATER, ip_address="203.0.113.6", email_domain="bots.example"
        ),
        "suspected": make_signatures(
            petition,
            1,
            created_at=LATER,
            ip_address="203.0.113.200",
            email_domain="bots.example",
            status=Status.SUSPECTED,
        ),
    }
    already, withdrawn = make_signatures(
        petition,
        2,
        created_at=START,
        ip_address="203.0.113.5",
        email_domain="bots.example",
        status=Status.CONFIRMED,
    )
    signature_invalidate(signature=already, actor=staff, reason="Earlier")
    withdrawn = signature_withdraw(signature=withdrawn)
    genuine = make_signatures(
        petition,
        2,
        created_at=START,
        ip_address="198.51.100.1",
        email_domain="example.org",
        status=Status.CONFIRMED,
    )
    elsewhere = make_signatures(
        other,
        1,
        created_at=START,
        ip_address="203.0.113.5",
        email_domain="bots.example",
        status=Status.CONFIRMED,
    )
    genuine[0].full_name, genuine[0].country = "Kim Min-ji", "KR"
    genuine[0].save(update_fields=["full_name", "country"])
    # The factory writes signatures as they are stored, not through the counting services.
    tally_reconcile(petition_id=petition.pk, fix=True)
    tally_reconcile(petition_id=other.pk, fix=True)
    return {
        "petition": petition,
        "other": other,
        "already": already,
        "withdrawn": withdrawn,
        "genuine": genuine,
        "elsewhere": elsewhere,
        **bots,
    }


def draft(petition, staff, **criteria):
    return Invalidation.objects.create(
        petition=petition, reason="A wave of fakes", created_by=staff, **criteria
    )


def statuses(signatures):
    return [Signature.objects.get(pk=s.pk).status for s in signatures]


@pytest.mark.parametrize(
    ("criteria", "by_status"),
    [
        (
            {"ip_range": "203.0.113.0/24"},
            {"confirmed": 3, "pending": 2, "suspected": 1, "invalidated": 1},
        ),
        (
            {"ip_range": "203.0.0.0/16"},
            {"confirmed": 3, "pending": 2, "suspected": 1, "invalidated": 1},
        ),
        ({"ip_range": "203.0.113.5"}, {"confirmed": 3, "invalidated": 1}),
        ({"ip_range": "203.0.113.6/32"}, {"pending": 2}),
        ({"ip_range": "203.0.113.128/25"}, {"suspected": 1}),
        ({"ip_range": "2001:db8::/32"}, {}),
        (
            {"domain": "BOTS.example"},
            {"confirmed": 3, "pending": 2, "suspected": 1, "invalidated": 1},
        ),
        ({"country": "KR"}, {"confirmed": 1}),
        ({"name_pattern": "kim"}, {"confirmed": 1}),
        ({"name_pattern": "k*ji"}, {"confirmed": 1}),
        ({"signed_from": LATER - timedelta(minutes=1)}, {"pending": 2, "suspected": 1}),
        ({"signed_until": LATER, "domain": "example.org"}, {"confirmed": 2}),
    ],
)
def test_the_preview_counts_what_each_criterion_matches_by_status(wave, staff, criteria, by_status):
    preview = invalidation_preview(draft(wave["petition"], staff, **criteria))

    assert preview.by_status == by_status
    assert len(preview.sample) == min(sum(by_status.values()), 20)


def test_the_preview_matches_one_address_however_it_is_spelt(wave, staff):
    bot = wave["confirmed"][0]
    local, _, domain = Signature.objects.get(pk=bot.pk).email.partition("@")
    address = f"{local.upper()}+petition@{domain.upper()}"

    preview = invalidation_preview(draft(wave["petition"], staff, email=address))

    assert preview.by_status == {"confirmed": 1}


def test_a_pending_signature_matches_by_the_details_it_was_submitted_with(wave, staff):
    pending = wave["pending"][0]
    for submission in pending.confirmation_tokens.all():
        submission.full_name = "Bot Zero"
        submission.save(update_fields=["full_name"])

    preview = invalidation_preview(draft(wave["petition"], staff, name_pattern="bot z"))

    assert [s.pk for s in preview.sample] == [pending.pk]


def run(invalidation, staff):
    invalidation_start(invalidation=invalidation, actor=staff)
    invalidation_run(invalidation_id=invalidation.pk)
    invalidation.refresh_from_db()
    return invalidation


def test_running_invalidates_exactly_the_matching_live_signatures_and_counts_follow(
    wave, staff, committed
):
    petition = wave["petition"]
    assert petition_counts(petition).total == 5

    with committed():
        invalidation = run(draft(petition, staff, ip_range="203.0.113.0/24"), staff)

    bots = [*wave["confirmed"], *wave["pending"], *wave["suspected"]]
    assert statuses(bots) == [Status.INVALIDATED] * 6
    assert statuses(wave["genuine"] + wave["elsewhere"]) == [Status.CONFIRMED] * 3
    assert statuses([wave["withdrawn"]]) == [Status.WITHDRAWN]
    assert (invalidation.state, invalidation.matched, invalidation.changed) == (
        Invalidation.State.FINISHED,
        6,
        6,
    )
    assert set(invalidation.items.values_list("signature", "previous_status")) == {
        (s.pk, s.status) for s in bots
    }
    assert InvalidationItem.objects.filter(signature=wave["already"]).count() == 0
    assert petition_counts(petition).total == 2
    assert petition_counts(wave["other"]).total == 1
    assert tally_reconcile(petition_id=petition.pk) == {}


def test_each_run_is_audited_once_with_its_counts(wave, staff):
    invalidation = run(draft(wave["petition"], staff, domain="bots.example"), staff)

    entries = AuditEntry.objects.filter(object_type="signatures.invalidation")
    started = entries.get(action=AuditEntry.Action.STARTED)
    finished = entries.get(action=AuditEntry.Action.INVALIDATED)
    assert started.actor == finished.actor == staff
    assert started.changes["criteria"] == {
        "domain": "bots.example",
        "petition": wave["petition"].pk,
    }
    assert finished.changes == {
        "state": ["running", "finished"],
        "matched": 6,
        "invalidated": 6,
        "reason": "A wave of fakes",
    }
    assert invalidation.changed == 6


def test_cancelling_stops_after_the_batch_under_way_and_leaves_a_consistent_state(
    wave, staff, monkeypatch
):
    monkeypatch.setattr(invalidations, "BATCH_SIZE", 2)
    petition = wave["petition"]
    invalidation = draft(petition, staff, ip_range="203.0.113.0/24")
    invalidation_start(invalidation=invalidation, actor=staff)

    assert invalidation_run_batch(invalidation_id=invalidation.pk) is True
    invalidation_cancel(invalidation=invalidation, actor=staff)
    invalidation_run(invalidation_id=invalidation.pk)

    invalidation.refresh_from_db()
    assert (invalidation.state, invalidation.changed) == (Invalidation.State.CANCELLED, 2)
    changed = list(invalidation.items.values_list("signature", flat=True))
    assert changed == [s.pk for s in wave["confirmed"][:2]]
    assert Signature.objects.for_petition(petition).invalidated().count() == 3
    assert tally_reconcile(petition_id=petition.pk) == {}
    cancelled = AuditEntry.objects.get(action=AuditEntry.Action.CANCELLED)
    assert (cancelled.actor, cancelled.changes) == (staff, {"invalidated_so_far": 2})
    ended = AuditEntry.objects.get(action=AuditEntry.Action.INVALIDATED, object_id=invalidation.pk)
    assert ended.changes["state"] == ["running", "cancelled"]


def test_undoing_restores_exactly_what_it_changed(wave, staff, monkeypatch, committed):
    monkeypatch.setattr(invalidations, "BATCH_SIZE", 2)
    petition = wave["petition"]
    invalidation = run(draft(petition, staff, ip_range="203.0.113.0/24"), staff)

    with committed():
        invalidation_undo(invalidation=invalidation, actor=staff)

    invalidation.refresh_from_db()
    assert (invalidation.state, invalidation.restored, invalidation.left_alone) == (
        Invalidation.State.UNDONE,
        6,
        0,
    )
    assert statuses(wave["confirmed"]) == [Status.CONFIRMED] * 3
    assert statuses(wave["pending"]) == [Status.PENDING] * 2
    assert statuses(wave["suspected"]) == [Status.SUSPECTED]
    assert Signature.objects.get(pk=wave["suspected"][0].pk).suspicion != ""
    assert statuses([wave["already"]]) == [Status.INVALIDATED]
    assert petition_counts(petition).total == 5
    assert tally_reconcile(petition_id=petition.pk) == {}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RESTORED, object_id=invalidation.pk)
    assert (entry.actor, entry.changes["restored"], entry.changes["left_alone"]) == (staff, 6, 0)


def test_undoing_leaves_alone_a_signature_its_signer_withdrew_since(wave, staff):
    petition = wave["petition"]
    invalidation = run(draft(petition, staff, domain="bots.example"), staff)
    gone = signature_withdraw(signature=wave["confirmed"][0])

    invalidation_undo(invalidation=invalidation, actor=staff)
    invalidation_undo_run(invalidation_id=invalidation.pk)

    invalidation.refresh_from_db()
    assert (invalidation.restored, invalidation.left_alone) == (5, 1)
    assert statuses([gone]) == [Status.WITHDRAWN]
    assert invalidation.items.get(signature=gone).restored is False
    assert tally_reconcile(petition_id=petition.pk) == {}


def test_a_run_can_be_started_once_and_undone_once(wave, staff):
    invalidation = run(draft(wave["petition"], staff, domain="bots.example"), staff)

    with pytest.raises(invalidations.InvalidationError):
        invalidation_start(invalidation=invalidation, actor=staff)
    invalidation_undo(invalidation=invalidation, actor=staff)
    with pytest.raises(invalidations.InvalidationError):
        invalidation_undo(invalidation=invalidation, actor=staff)


def test_a_run_whose_worker_stopped_is_queued_again_and_changes_each_signature_once(
    wave, staff, monkeypatch, committed
):
    monkeypatch.setattr(invalidations, "BATCH_SIZE", 2)
    petition = wave["petition"]
    invalidation = draft(petition, staff, ip_range="203.0.113.0/24")
    invalidation_start(invalidation=invalidation, actor=staff)
    # Its worker is killed after the first batch: nothing queues the rest.
    invalidation_run_batch(invalidation_id=invalidation.pk)
    now = timezone.now()

    assert invalidations_resume_stalled(now=now + timedelta(minutes=9)) == []
    with committed():
        resumed = invalidations_resume_stalled(now=now + timedelta(minutes=11))

    assert resumed == [invalidation]
    invalidation.refresh_from_db()
    assert (invalidation.state, invalidation.changed) == (Invalidation.State.FINISHED, 6)
    assert sorted(invalidation.items.values_list("signature", flat=True)) == sorted(
        s.pk for s in [*wave["confirmed"], *wave["pending"], *wave["suspected"]]
    )
    assert tally_reconcile(petition_id=petition.pk) == {}
    ended = AuditEntry.objects.filter(
        action=AuditEntry.Action.INVALIDATED, object_type="signatures.invalidation"
    )
    assert ended.count() == 1
    assert invalidations_resume_stalled(now=now + timedelta(hours=1)) == []


def test_each_batch_shows_the_run_is_moving(wave, staff, monkeypatch):
    monkeypatch.setattr(invalidations, "BATCH_SIZE", 2)
    invalidation = draft(wave["petition"], staff, ip_range="203.0.113.0/24")
    invalidation_start(invalidation=invalidation, actor=staff)
    long_ago = timezone.now() - timedelta(hours=1)
    Invalidation.objects.filter(pk=invalidation.pk).update(progressed_at=long_ago)

    invalidation_run_batch(invalidation_id=invalidation.pk)

    assert invalidations_resume_stalled() == []
    invalidation_run(invalidation_id=invalidation.pk)
    invalidation_undo(invalidation=invalidation, actor=staff)
    Invalidation.objects.filter(pk=invalidation.pk).update(progressed_at=long_ago)
    invalidations.invalidation_undo_batch(invalidation_id=invalidation.pk)
    assert invalidations_resume_stalled() == []


def test_an_undoing_whose_worker_stopped_is_queued_again_and_restores_everything(
    wave, staff, monkeypatch, committed
):
    monkeypatch.setattr(invalidations, "BATCH_SIZE", 2)
    petition = wave["petition"]
    invalidation = run(draft(petition, staff, ip_range="203.0.113.0/24"), staff)
    invalidation_undo(invalidation=invalidation, actor=staff)
    invalidations.invalidation_undo_batch(invalidation_id=invalidation.pk)

    with committed():
        resumed = invalidations_resume_stalled(now=timezone.now() + timedelta(minutes=11))

    assert resumed == [invalidation]
    invalidation.refresh_from_db()
    assert (invalidation.state, invalidation.restored) == (Invalidation.State.UNDONE, 6)
    assert petition_counts(petition).total == 5
    assert tally_reconcile(petition_id=petition.pk) == {}


def test_the_command_names_what_it_queued_again(wave, staff):
    stalled = draft(wave["petition"], staff, domain="bots.example")
    invalidation_start(invalidation=stalled, actor=staff)
    moving = draft(wave["petition"], staff, domain="elsewhere.example")
    invalidation_start(invalidation=moving, actor=staff)
    Invalidation.objects.filter(pk=stalled.pk).update(
        progressed_at=timezone.now() - timedelta(minutes=11)
    )
    output = io.StringIO()

    call_command("resume_stalled_invalidations", stdout=output)
    call_command("resume_stalled_invalidations", stdout=output)

    assert output.getvalue().splitlines() == [
        f"Invalidation {stalled.pk} (Running) had stopped moving: queued again.",
        "No invalidation has stopped moving.",
    ]


def criteria_form(petition, **fields):
    return {"petition": petition.pk, "reason": "A wave of fakes"} | fields


class TestAdmin:
    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            (
                {},
                "__all__",
                "Give at least one criterion besides the petition: a whole petition is never "
                "invalidated at once.",
            ),
            (
                {"ip_range": "203.0.113.300/24"},
                "ip_range",
                "Enter an IP address or a range such as 203.0.113.0/24 or 2001:db8::/48.",
            ),
            ({"email": "not an address"}, "email", "Enter a valid email address."),
            ({"domain": "localhost"}, "domain", "Enter an email domain, such as example.org."),
            ({"domain": "bad..example"}, "domain", "Enter an email domain, such as example.org."),
            ({"name_pattern": "**"}, "name_pattern", "Give at least one letter of the name."),
            (
                {
                    "signed_from_0": "2026-05-02",
                    "signed_from_1": "10:00",
                    "signed_until_0": "2026-05-02",
                    "signed_until_1": "10:00",
                },
                "signed_until",
                "The end must come after the start.",
            ),
            ({"domain": "bots.example", "reason": ""}, "reason", "This field is required."),
        ],
    )
    def test_bad_criteria_are_refused_with_a_reason_by_their_field(
        self, admin_client, wave, fields, field, message
    ):
        response = admin_client.post(
            reverse("admin:signatures_invalidation_add"), criteria_form(wave["petition"]) | fields
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {field: [message]}
        assert not Invalidation.objects.exists()

    @pytest.mark.parametrize(
        ("fields", "stored"),
        [
            ({"domain": " @Bücher.DE "}, {"domain": "xn--bcher-kva.de"}),
            ({"ip_range": "203.0.113.77/24"}, {"ip_range": "203.0.113.0/24"}),
            ({"ip_range": "2001:DB8::1"}, {"ip_range": "2001:db8::1/128"}),
            ({"name_pattern": " kim* "}, {"name_pattern": "kim*"}),
        ],
    )
    def test_criteria_are_stored_as_the_matching_compares_them(
        self, admin_client, wave, fields, stored
    ):
        response = admin_client.post(
            reverse("admin:signatures_invalidation_add"), criteria_form(wave["petition"]) | fields
        )

        assert response.status_code == 302
        invalidation = Invalidation.objects.get()
        assert {name: getattr(invalidation, name) for name in stored} == stored

    def test_a_start_without_an_end_is_enough(self, admin_client, wave):
        response = admin_client.post(
            reverse("admin:signatures_invalidation_add"),
            criteria_form(wave["petition"], signed_from_0="2026-05-02", signed_from_1="10:00"),
        )

        assert response.status_code == 302

    def test_a_name_alone_over_too_many_signatures_is_refused(
        self, admin_client, wave, monkeypatch
    ):
        monkeypatch.setattr(invalidations, "PYTHON_SCAN_LIMIT", 5)

        response = admin_client.post(
            reverse("admin:signatures_invalidation_add"),
            criteria_form(wave["petition"], name_pattern="kim"),
        )
        narrowed = admin_client.post(
            reverse("admin:signatures_invalidation_add"),
            criteria_form(wave["petition"], name_pattern="kim", country="KR"),
        )

        assert response.context["adminform"].form.errors == {
            "__all__": [
                "A name or a single IP address is checked on each signature in turn, and the "
                "other criteria leave 10 signatures to check: narrow them first."
            ]
        }
        assert narrowed.status_code == 302

    def test_an_address_is_kept_hashed_and_masked_and_editing_the_draft_keeps_it(
        self, admin_client, wave
    ):
        bot = Signature.objects.get(pk=wave["confirmed"][0].pk)
        add = reverse("admin:signatures_invalidation_add")

        admin_client.post(add, criteria_form(wave["petition"], email=bot.email.upper()))
        invalidation = Invalidation.objects.get()
        change = reverse("admin:signatures_invalidation_change", args=[invalidation.pk])
        page = admin_client.get(change).text
        admin_client.post(
            change, criteria_form(wave["petition"], email=invalidation.email, reason="Edited")
        )
        edited = Invalidation.objects.get()

        stored = Invalidation.objects.filter(pk=invalidation.pk).values().get()
        assert not any(bot.email.casefold() in str(value).casefold() for value in stored.values())
        assert f'value="{invalidation.email}"' in page
        assert invalidation.email == masked_email(bot.email.upper())
        assert (edited.reason, edited.email_hash) == ("Edited", invalidation.email_hash)
        assert invalidation_preview(edited).by_status == {"confirmed": 1}

    def test_creating_shows_the_preview_with_emails_masked_unless_the_viewer_may_see_them(
        self, wave, client, committed
    ):

        moderator = staff_with(client, "add_invalidation", "view_invalidation", "view_signature")
        response = moderator.post(
            reverse("admin:signatures_invalidation_add"),
            criteria_form(wave["petition"], ip_range="203.0.113.5"),
            follow=True,
        )

        page = response.text
        invalidation = Invalidation.objects.get()
        assert invalidation.created_by.email == "staff@example.org"
        assert "Starting it invalidates 3 signatures." in page
        assert "s•••@bots.example" in page
        assert "@bots.example</td>" in page
        assert wave["confirmed"][0].email not in page
        assert "Start invalidating" not in page
        created = AuditEntry.objects.get(action=AuditEntry.Action.CREATED)
        assert created.changes["ip_range"] == [None, "203.0.113.5/32"]

    def test_start_cancel_and_undo_from_the_change_page(self, admin_client, wave, committed):
        invalidation = draft(wave["petition"], make_staff(), domain="bots.example")
        page = admin_client.get(
            reverse("admin:signatures_invalidation_change", args=[invalidation.pk])
        )
        assert wave["confirmed"][0].email in page.text
        assert "Start invalidating" in page.text

        change_page = reverse("admin:signatures_invalidation_change", args=[invalidation.pk])
        with committed():
            admin_client.post(
                reverse("admin:signatures_invalidation_start", args=[invalidation.pk])
            )
        started = admin_client.get(change_page)

        assert "6 of 6 matching signatures invalidated." in started.text
        assert "Undo: restore the signatures it invalidated" in started.text
        cancelled = admin_client.post(
            reverse("admin:signatures_invalidation_cancel", args=[invalidation.pk]), follow=True
        )
        assert "That cannot be done while it is finished." in cancelled.text
        with committed():
            admin_client.post(reverse("admin:signatures_invalidation_undo", args=[invalidation.pk]))
        undone = admin_client.get(change_page)
        assert "6 restored; 0 changed since and left alone." in undone.text
        assert petition_counts(wave["petition"]).total == 5

    def test_a_started_invalidation_can_no_longer_be_edited(self, admin_client, wave, staff):
        invalidation = run(draft(wave["petition"], staff, domain="bots.example"), staff)

        response = admin_client.post(
            reverse("admin:signatures_invalidation_change", args=[invalidation.pk]),
            criteria_form(wave["petition"], domain="example.org"),
        )

        assert response.status_code == 403
        invalidation.refresh_from_db()
        assert invalidation.domain == "bots.example"
