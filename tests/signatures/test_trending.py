import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from signatures.identity import email_domain_hash, format_receipt
from signatures.models import Signature, SigningLimits, SourceRule, TrendingAlert
from signatures.samples import sample_signatures_add
from signatures.services import signature_withdraw
from signatures.trending import SOURCES, _waves, trending_alerts_email, trending_alerts_record
from tests import servers
from tests.factories import (
    log_in_with_second_factor,
    make_petition,
    make_signatures,
    make_staff,
    sign,
)
from tests.signatures.test_tasks import QUEUE, smtp_at

pytestmark = pytest.mark.django_db

IP_RANGE = TrendingAlert.Kind.IP_RANGE
EMAIL_DOMAIN = TrendingAlert.Kind.EMAIL_DOMAIN
# A run at 14:25 looks at 12:00 to now.
NOW = datetime(2026, 3, 10, 14, 25, tzinfo=UTC)
H12, H13, H14 = (datetime(2026, 3, 10, hour, tzinfo=UTC) for hour in (12, 13, 14))


@pytest.fixture(autouse=True)
def thresholds():
    """Small thresholds, so that a wave is a handful of signatures."""
    SigningLimits.objects.update_or_create(
        pk=1, defaults={"trending_ip_range_hourly": 3, "trending_domain_hourly": 4}
    )


@pytest.fixture
def petition():
    return make_petition(title="Free them")


def recorded():
    return {
        (alert.petition.title, alert.hour, alert.kind, alert.value, alert.count)
        for alert in TrendingAlert.objects.select_related("petition")
    }


def allow(value, kind):
    SourceRule.objects.get_or_create(
        kind=kind, value=value, defaults={"action": SourceRule.Action.ALLOW}
    )


def superuser_wanting_alerts():
    return User.objects.create_superuser(
        email="root@example.org", password="a-long-test-password", wants_trending_alerts=True
    )


class TestRecording:
    def test_exactly_the_groups_above_the_thresholds_are_recorded(self, petition):
        other = make_petition(title="Other")
        at = {hour: hour + timedelta(minutes=20) for hour in (H12, H13, H14)}
        # Above: 4 from one /24 (threshold 3), 5 at one domain (threshold 4).
        make_signatures(petition, 4, created_at=at[H13], ip_address="203.0.113.9")
        make_signatures(petition, 5, created_at=at[H14], email_domain="wave.example")
        # At the thresholds: nothing.
        make_signatures(petition, 3, created_at=at[H13], ip_address="198.51.100.7")
        make_signatures(petition, 4, created_at=at[H14], email_domain="even.example")
        # Per petition: 4 from one range, but across two petitions.
        make_signatures(other, 2, created_at=at[H12], ip_address="192.0.2.1")
        make_signatures(petition, 2, created_at=at[H12], ip_address="192.0.2.2")
        # Per hour: 6 at one domain, across two hours.
        make_signatures(petition, 3, created_at=at[H12], email_domain="split.example")
        make_signatures(petition, 3, created_at=at[H13], email_domain="split.example")
        # Before the window.
        make_signatures(petition, 9, created_at=H12 - timedelta(minutes=1), ip_address="10.9.9.9")

        trending_alerts_record(now=NOW)

        assert recorded() == {
            ("Free them", H13, IP_RANGE, "203.0.113.0/24", 4),
            ("Free them", H14, EMAIL_DOMAIN, "wave.example", 5),
        }
        alert = TrendingAlert.objects.get(kind=IP_RANGE)
        assert (alert.threshold, alert.first_seen, alert.updated_at) == (3, NOW, NOW)
        assert alert.emailed_at is None

    @pytest.mark.parametrize(("count", "recorded_count"), [(3, None), (4, 4)])
    def test_an_ip_range_is_recorded_only_past_its_threshold(self, petition, count, recorded_count):
        make_signatures(petition, count, created_at=H14, ip_address="203.0.113.9")

        trending_alerts_record(now=NOW)

        counts = TrendingAlert.objects.filter(kind=IP_RANGE).values_list("count", flat=True)
        assert list(counts) == ([recorded_count] if recorded_count else [])

    @pytest.mark.parametrize(("count", "recorded_count"), [(4, None), (5, 5)])
    def test_an_email_domain_is_recorded_only_past_its_threshold(
        self, petition, count, recorded_count
    ):
        make_signatures(petition, count, created_at=H14, email_domain="wave.example")

        trending_alerts_record(now=NOW)

        counts = TrendingAlert.objects.filter(kind=EMAIL_DOMAIN).values_list("count", flat=True)
        assert list(counts) == ([recorded_count] if recorded_count else [])

    def test_signatures_count_whatever_their_status_but_withdrawn_ones_are_gone(self, petition):
        make_signatures(petition, 2, created_at=H14, ip_address="203.0.113.1")
        make_signatures(
            petition, 1, created_at=H14, ip_address="203.0.113.2", status=Signature.Status.CONFIRMED
        )
        make_signatures(
            petition, 1, created_at=H14, ip_address="203.0.113.3", status=Signature.Status.SUSPECTED
        )
        (withdrawn,) = make_signatures(petition, 1, created_at=H14, ip_address="203.0.113.4")
        signature_withdraw(signature=withdrawn)

        trending_alerts_record(now=NOW)

        assert recorded() == {("Free them", H14, IP_RANGE, "203.0.113.0/24", 4)}

    def test_signatures_without_an_address_make_no_wave(self, petition, committed):
        with committed():
            for n in range(5):
                sign(petition, email=f"s{n}@example.org", ip_address=None)

        trending_alerts_record()

        assert not TrendingAlert.objects.filter(kind=IP_RANGE).exists()

    def test_ipv6_counts_by_48_and_ipv4_written_as_ipv6_by_its_24(self, petition):
        make_signatures(petition, 2, created_at=H14, ip_address="2001:db8:1:1::1")
        make_signatures(petition, 2, created_at=H14, ip_address="2001:db8:1:ffff::2")
        make_signatures(petition, 3, created_at=H14, ip_address="2001:db8:2::1")
        make_signatures(petition, 2, created_at=H14, ip_address="::ffff:198.51.100.7")
        make_signatures(petition, 2, created_at=H14, ip_address="198.51.100.200")

        trending_alerts_record(now=NOW)

        assert recorded() == {
            ("Free them", H14, IP_RANGE, "2001:db8:1::/48", 4),
            ("Free them", H14, IP_RANGE, "198.51.100.0/24", 4),
        }

    def test_signing_records_what_the_search_groups_by(self, petition, committed):
        with committed():
            for n in range(4):
                sign(petition, email=f"s{n}@Wave.Example", ip_address=f"203.0.113.{n}")

        trending_alerts_record()

        assert {
            (alert.kind, alert.value, alert.count) for alert in TrendingAlert.objects.all()
        } == {(IP_RANGE, "203.0.113.0/24", 4)}
        SigningLimits.objects.update(trending_domain_hourly=3)
        trending_alerts_record()
        assert TrendingAlert.objects.get(kind=EMAIL_DOMAIN).value == "wave.example"

    def test_the_domain_shown_is_read_from_confirmed_signatures_as_well(self, petition):
        make_signatures(
            petition,
            5,
            created_at=H14,
            email_domain="Bücher.de",
            status=Signature.Status.CONFIRMED,
        )

        trending_alerts_record(now=NOW)

        alert = TrendingAlert.objects.get(kind=EMAIL_DOMAIN)
        assert alert.value == "xn--bcher-kva.de"
        assert alert.key == email_domain_hash("anyone@bücher.de")

    def test_allowed_domains_such_as_webmail_raise_no_alert(self, petition):
        allow("gmail.com", SourceRule.Kind.DOMAIN)
        allow("*.example.edu", SourceRule.Kind.DOMAIN)
        make_signatures(petition, 10, created_at=H14, email_domain="gmail.com")
        make_signatures(petition, 10, created_at=H14, email_domain="mail.example.edu")
        make_signatures(petition, 5, created_at=H14, email_domain="example.org")

        trending_alerts_record(now=NOW)

        assert recorded() == {("Free them", H14, EMAIL_DOMAIN, "example.org", 5)}

    def test_a_range_within_an_allowed_one_raises_no_alert(self, petition):
        allow("203.0.113.0/24", SourceRule.Kind.NETWORK)
        allow("198.51.100.9", SourceRule.Kind.NETWORK)
        make_signatures(petition, 4, created_at=H14, ip_address="203.0.113.9")
        make_signatures(petition, 4, created_at=H14, ip_address="198.51.100.9")

        trending_alerts_record(now=NOW)

        # Allowing one address does not vouch for its neighbours.
        assert recorded() == {("Free them", H14, IP_RANGE, "198.51.100.0/24", 4)}

    def test_a_threshold_of_0_turns_its_alerts_off(self, petition):
        SigningLimits.objects.update(trending_ip_range_hourly=0)
        make_signatures(petition, 10, created_at=H14, ip_address="203.0.113.9")

        trending_alerts_record(now=NOW)

        assert not TrendingAlert.objects.exists()

    def test_running_again_updates_the_record_rather_than_adding_one(self, petition):
        make_signatures(petition, 4, created_at=H14, ip_address="203.0.113.9")
        trending_alerts_record(now=NOW)
        make_signatures(
            petition, 3, created_at=H14 + timedelta(minutes=30), ip_address="203.0.113.9"
        )
        SigningLimits.objects.update(trending_ip_range_hourly=2)

        later = NOW + timedelta(minutes=10)
        trending_alerts_record(now=later)

        alert = TrendingAlert.objects.get()
        assert (alert.count, alert.threshold) == (7, 2)
        assert (alert.first_seen, alert.updated_at) == (NOW, later)

    def test_an_hour_is_seen_again_after_it_ends_then_left_alone(self, petition):
        make_signatures(petition, 4, created_at=H12 + timedelta(minutes=59), ip_address="192.0.2.1")
        trending_alerts_record(now=H12 + timedelta(minutes=59))
        make_signatures(petition, 1, created_at=H12 + timedelta(minutes=59), ip_address="192.0.2.1")

        trending_alerts_record(now=H14 + timedelta(minutes=59))
        assert TrendingAlert.objects.get().count == 5
        make_signatures(petition, 1, created_at=H12 + timedelta(minutes=59), ip_address="192.0.2.1")
        trending_alerts_record(now=H14 + timedelta(minutes=60))
        assert TrendingAlert.objects.get().count == 5

    @pytest.mark.postgres
    @pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plans")
    def test_each_kind_is_counted_from_the_index_of_recent_signatures(self, petition):
        # Weeks of signatures before the window, and a few in it.
        sample_signatures_add(
            petition=petition, count=5000, since=H12 - timedelta(days=30), until=H12, seed=1
        )
        make_signatures(petition, 20, created_at=H14, ip_address="203.0.113.9")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE signatures_signature")

        for source in SOURCES:
            plan = _waves(source, since=H12, threshold=3).explain()
            assert "signatures_created" in plan, plan
            assert "Seq Scan" not in plan, plan


class TestEmails:
    def test_staff_who_asked_and_may_see_signatures_are_emailed_once(self, petition):
        viewers = Group.objects.create(name="Viewers")
        viewers.permissions.add(Permission.objects.get(codename="view_signature"))
        superuser_wanting_alerts()
        make_staff(email="viewer@example.org", wants_trending_alerts=True).groups.add(viewers)
        make_staff(email="changer@example.org", wants_trending_alerts=True).user_permissions.add(
            Permission.objects.get(codename="change_signature")
        )
        make_staff(email="quiet@example.org").groups.add(viewers)
        make_staff(email="no-permission@example.org", wants_trending_alerts=True)
        make_staff(
            email="gone@example.org", wants_trending_alerts=True, is_active=False
        ).groups.add(viewers)
        User.objects.create_user(
            email="not-staff@example.org", wants_trending_alerts=True
        ).groups.add(viewers)
        make_signatures(petition, 4, created_at=H14, ip_address="203.0.113.9")

        trending_alerts_record(now=NOW)
        assert trending_alerts_email(now=NOW) == 1
        trending_alerts_record(now=NOW + timedelta(minutes=10))
        assert trending_alerts_email(now=NOW + timedelta(minutes=10)) == 0

        assert sorted(message.to[0] for message in mail.outbox) == [
            "changer@example.org",
            "root@example.org",
            "viewer@example.org",
        ]
        assert all(len(message.to) == 1 for message in mail.outbox)

    def test_staff_are_emailed_again_only_when_a_wave_doubles(self, petition):
        superuser_wanting_alerts()
        make_signatures(petition, 4, created_at=H14, ip_address="203.0.113.9")
        runs = [NOW + timedelta(minutes=minutes) for minutes in (0, 10, 20)]

        trending_alerts_record(now=runs[0])
        trending_alerts_email(now=runs[0])
        make_signatures(petition, 3, created_at=H14, ip_address="203.0.113.9")  # 7: not yet
        trending_alerts_record(now=runs[1])
        trending_alerts_email(now=runs[1])
        make_signatures(petition, 1, created_at=H14, ip_address="203.0.113.9")  # 8: doubled
        trending_alerts_record(now=runs[2])
        trending_alerts_email(now=runs[2])

        assert len(mail.outbox) == 2
        assert "Signatures: 8 (an alert above 3)" in mail.outbox[1].body
        alert = TrendingAlert.objects.get()
        assert (alert.emailed_at, alert.emailed_count) == (runs[2], 8)

    def test_the_email_says_what_staff_need_and_nothing_of_the_signers(self, petition, client):
        superuser_wanting_alerts()
        wave = make_signatures(
            petition, 4, created_at=H14 + timedelta(minutes=5), ip_address="203.0.113.9"
        )
        domain_wave = make_signatures(
            petition,
            5,
            created_at=H13,
            email_domain="wave.example",
            status=Signature.Status.CONFIRMED,
        )
        elsewhere = make_signatures(petition, 1, created_at=H13, ip_address="203.0.113.10")

        trending_alerts_record(now=NOW)
        trending_alerts_email(now=NOW)

        (message,) = mail.outbox
        assert message.subject == "2 waves of signatures to look at"
        body = message.body
        for expected in (
            "Free them",
            "Hour: 2026-03-10 14:00 UTC",
            "IP range: 203.0.113.0/24",
            "Signatures: 4 (an alert above 3)",
            "Hour: 2026-03-10 13:00 UTC",
            "Email domain: wave.example",
            "Signatures: 5 (an alert above 4)",
            "http://127.0.0.1:8000/admin/signatures/trendingalert/",
        ):
            assert expected in body
        for signature in Signature.objects.all():
            for detail in (signature.email, signature.full_name, signature.ip_address):
                assert not detail or str(detail) not in body
        assert "203.0.113.9" not in body
        assert message.content_subtype == "plain"

        links = re.findall(r"http://127\.0\.0\.1:8000(/admin/signatures/signature/\S+)", body)
        assert len(links) == 2
        log_in_with_second_factor(client, User.objects.get(email="root@example.org"))
        for link, signatures in zip(links, (wave, domain_wave), strict=True):
            page = client.get(link).text
            assert all(format_receipt(signature.receipt) in page for signature in signatures)
            assert format_receipt(elsewhere[0].receipt) not in page

    def test_nothing_is_marked_emailed_while_nobody_asked(self, petition):
        make_signatures(petition, 4, created_at=H14, ip_address="203.0.113.9")
        trending_alerts_record(now=NOW)

        assert trending_alerts_email(now=NOW) == 0
        superuser_wanting_alerts()
        assert trending_alerts_email(now=NOW + timedelta(minutes=10)) == 1
        assert len(mail.outbox) == 1

    def test_a_mail_server_failure_leaves_the_alert_for_the_next_run(self, petition, settings):
        superuser_wanting_alerts()
        make_signatures(petition, 4, created_at=H14, ip_address="203.0.113.9")
        trending_alerts_record(now=NOW)
        mailers = settings.MAILERS
        settings.MAILERS = smtp_at(servers.closed_port())

        assert trending_alerts_email(now=NOW) == 0
        assert TrendingAlert.objects.get().emailed_at is None
        settings.MAILERS = mailers
        assert trending_alerts_email(now=NOW + timedelta(minutes=10)) == 1
        assert len(mail.outbox) == 1


class TestTaskAndCommand:
    def test_the_command_runs_the_search_now(self, petition):
        superuser_wanting_alerts()
        make_signatures(petition, 4, created_at=datetime.now(UTC), ip_address="203.0.113.9")

        out = io.StringIO()
        call_command("find_trending_signatures", "--now", stdout=out)

        assert (
            out.getvalue().strip()
            == "1 wave(s) of signatures above the thresholds; 1 emailed to staff."
        )
        assert TrendingAlert.objects.get().count == 4
        assert len(mail.outbox) == 1

    def test_the_command_queues_the_search_for_the_task_worker(self, petition, settings):
        settings.TASKS = QUEUE
        make_signatures(petition, 4, created_at=datetime.now(UTC), ip_address="203.0.113.9")

        call_command("find_trending_signatures", stdout=io.StringIO())

        assert not TrendingAlert.objects.exists()
        queued = DBTaskResult.objects.get()
        assert queued.task_path == "signatures.tasks.find_trending_signatures"
        queued.task.call()  # as the worker does
        assert TrendingAlert.objects.get().count == 4


class TestAdmin:
    def test_alerts_are_listed_newest_hour_first_and_filtered(self, admin_client, petition):
        other = make_petition(title="Other")
        make_signatures(petition, 4, created_at=H12, ip_address="192.0.2.1")
        make_signatures(petition, 4, created_at=H14, ip_address="198.51.100.1")
        make_signatures(other, 5, created_at=H13, email_domain="wave.example")
        trending_alerts_record(now=NOW)
        url = reverse("admin:signatures_trendingalert_changelist")

        page = admin_client.get(url).text
        by_kind = admin_client.get(url, {"kind__exact": EMAIL_DOMAIN}).text
        by_petition = admin_client.get(url, {"petition__id__exact": petition.pk}).text

        assert (
            page.index("198.51.100.0/24") < page.index("wave.example") < page.index("192.0.2.0/24")
        )
        assert "wave.example" in by_kind and "192.0.2.0/24" not in by_kind
        assert "192.0.2.0/24" in by_petition and "wave.example" not in by_petition

    def test_alerts_cannot_be_added_changed_or_deleted(self, admin_client, petition):
        make_signatures(petition, 4, created_at=H14, ip_address="192.0.2.1")
        trending_alerts_record(now=NOW)
        alert = TrendingAlert.objects.get()
        change = reverse("admin:signatures_trendingalert_change", args=[alert.pk])

        assert admin_client.get(reverse("admin:signatures_trendingalert_add")).status_code == 403
        assert admin_client.post(change, {"count": 1}).status_code == 403
        assert (
            admin_client.post(
                reverse("admin:signatures_trendingalert_delete", args=[alert.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
        assert admin_client.get(change).status_code == 200
        assert TrendingAlert.objects.get().count == 4

    def test_staff_set_the_thresholds_with_the_other_limits(self, admin_client):
        url = reverse("admin:signatures_signinglimits_change", args=[1])
        values = {
            field.name: getattr(SigningLimits.objects.get(), field.name)
            for field in SigningLimits._meta.fields
            if field.editable and field.name != "id"
        }

        page = admin_client.get(url).text
        admin_client.post(url, values | {"trending_domain_hourly": 250})

        assert "Staff alerted past" in page
        assert SigningLimits.objects.get().trending_domain_hourly == 250
