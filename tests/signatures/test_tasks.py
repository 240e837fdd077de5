import logging
import re
from datetime import timedelta
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from signatures.display import unlinked
from signatures.models import Signature
from signatures.services import signature_confirm
from signatures.tasks import send_confirmation_link
from tests import servers
from tests.conftest import confirmation_token
from tests.factories import make_petition, sign, sign_url, signing_form
from tests.linkifiers import links_in

pytestmark = pytest.mark.django_db

QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def smtp_at(port, timeout=5):
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": timeout},
        }
    }


@pytest.fixture
def closed_port():
    return servers.closed_port()


@pytest.fixture
def hanging_mail_server():
    with servers.silent_server() as (port, accepted):
        yield port, accepted


def refuse_recipients(self, *args, **kwargs):
    recipient = self.to[0]
    raise SMTPRecipientsRefused({recipient: (550, f"<{recipient}> no such user".encode())})


def run_due_retries():
    """Make every deferred email due now, as if the backoff had passed, and run the worker."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    for result in DBTaskResult.objects.filter(status="READY").order_by("enqueued_at"):
        result.delete()
        result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])


def test_mail_server_failure_keeps_the_signature_and_the_signer_sees_success(
    client, committed, settings, closed_port, caplog
):
    settings.MAILERS = smtp_at(closed_port)
    petition = make_petition()
    caplog.set_level(logging.DEBUG)

    with committed():
        response = client.post(sign_url(petition), signing_form())

    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.PENDING
    failures = [
        record.getMessage()
        for record in caplog.records
        if record.name == "signatures.tasks" and record.levelno == logging.WARNING
    ]
    assert failures == [f"Mail server failed for signature {signature.pk}: ConnectionRefusedError"]
    for personal in ("kim@example.org", "Kim", "Min-ji", "Seoul"):
        assert personal.lower() not in caplog.text.lower()


def test_failed_send_is_retried_later_and_does_not_use_up_the_allowance(
    settings, committed, closed_port
):
    settings.TASKS = QUEUE
    settings.MAILERS = smtp_at(closed_port)
    petition = make_petition()
    with committed():
        already_sent = sign(petition, email="lee@example.org")
    Signature.objects.filter(pk=already_sent.pk).update(emails_sent=1)
    DBTaskResult.objects.all().delete()
    with committed():
        signature = sign(petition, email="kim@example.org")
    queued = DBTaskResult.objects.get()

    queued.task.call(*queued.args_kwargs["args"])

    retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert retry.args_kwargs["kwargs"] == {"attempt": 2}
    assert retry.run_after > timezone.now() + timedelta(seconds=50)
    signature.refresh_from_db()
    assert signature.emails_sent == 0
    already_sent.refresh_from_db()
    assert already_sent.emails_sent == 1


def test_backoff_keeps_trying_for_more_than_a_day_then_stops(settings, committed, closed_port):
    settings.TASKS = QUEUE
    settings.MAILERS = smtp_at(closed_port)
    with committed():
        signature = sign(make_petition())
    confirmation = signature.confirmation_tokens.get()
    DBTaskResult.objects.all().delete()

    retries = []
    for attempt in range(1, settings.SIGNATURE_MAIL_ATTEMPTS + 5):
        before = timezone.now()
        send_confirmation_link.call(confirmation.pk, attempt=attempt)
        retry = DBTaskResult.objects.first()
        if retry is not None:
            retries.append(retry.run_after - before)
            retry.delete()

    assert len(retries) == settings.SIGNATURE_MAIL_ATTEMPTS - 1
    minutes = [round(retry.total_seconds() / 60) for retry in retries]
    assert minutes[:8] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert sum(retries, timedelta()) > timedelta(days=1)
    assert max(retries) <= timedelta(hours=1, seconds=5)


def test_the_backoff_grows_from_the_configured_first_delay(settings, committed, closed_port):
    settings.TASKS = QUEUE
    settings.MAILERS = smtp_at(closed_port)
    settings.SIGNATURE_MAIL_RETRY_DELAY = timedelta(seconds=2)
    with committed():
        signature = sign(make_petition())
    confirmation = signature.confirmation_tokens.get()
    DBTaskResult.objects.all().delete()

    waits = []
    for attempt in (1, 2, 3, 10):
        before = timezone.now()
        send_confirmation_link.call(confirmation.pk, attempt=attempt)
        retry = DBTaskResult.objects.get()
        waits.append(round((retry.run_after - before).total_seconds()))
        retry.delete()

    assert waits == [2, 4, 8, 120]


def test_a_link_sent_late_lasts_its_whole_lifetime_from_when_it_was_sent(settings, committed):
    settings.SIGNATURE_CONFIRMATION_TTL = timedelta(days=1)
    settings.TASKS = QUEUE
    with committed():
        signature = sign(make_petition())
    signature.confirmation_tokens.update(created_at=timezone.now() - timedelta(hours=26))

    run_due_retries()

    with committed():
        assert signature_confirm(token=confirmation_token(mail.outbox[0])).pk == signature.pk


def test_an_unexpected_error_while_sending_is_retried_too(settings, committed, monkeypatch):
    settings.TASKS = QUEUE

    def broken(self, *args, **kwargs):
        raise RuntimeError(f"cannot send to {self.to[0]}")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    with committed():
        signature = sign(make_petition(), email="private.person@example.org")

    run_due_retries()

    assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {"attempt": 2}
    assert Signature.objects.get(pk=signature.pk).emails_sent == 0


def test_after_an_outage_the_signer_gets_one_working_email_with_the_latest_choice(
    settings, committed, closed_port
):
    settings.TASKS = QUEUE
    settings.MAILERS = smtp_at(closed_port)
    petition = make_petition()
    for town in ("Seoul", "Busan", "Daegu", "Incheon", "Ulsan"):
        with committed():
            sign(petition, email="kim@example.org", town=town)
        run_due_retries()
    assert Signature.objects.get().emails_sent == 0

    settings.MAILERS = LOCMEM
    run_due_retries()

    assert len(mail.outbox) == 1
    assert "Ulsan" in mail.outbox[0].body
    with committed():
        signature = signature_confirm(token=confirmation_token(mail.outbox[0]))
    assert signature.town == "Ulsan"
    assert signature.emails_sent == 1


@pytest.mark.django_db(transaction=True)
def test_refused_address_is_neither_logged_nor_kept_in_task_results(settings, monkeypatch, caplog):
    settings.TASKS = QUEUE
    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse_recipients)
    caplog.set_level(logging.DEBUG)
    sign(make_petition(), email="private.person@example.org")

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    results = list(DBTaskResult.objects.all())
    assert len(results) == 2  # the attempt the worker ran, and the retry it queued
    assert not [row for row in results if "private.person" in str(row.__dict__)]
    assert "private.person" not in caplog.text


def test_hanging_mail_server_never_holds_up_the_signer(
    client, settings, committed, hanging_mail_server
):
    port, connections = hanging_mail_server
    settings.TASKS = QUEUE
    settings.MAILERS = smtp_at(port, timeout=0.5)
    petition = make_petition()

    with committed():
        response = client.post(sign_url(petition), signing_form())

    assert response.status_code == 302
    assert connections == []  # the request never spoke to the mail server
    queued = DBTaskResult.objects.get()
    queued.task.call(*queued.args_kwargs["args"])
    assert len(connections) == 1
    assert DBTaskResult.objects.exclude(pk=queued.pk).get().args_kwargs["kwargs"] == {"attempt": 2}


def test_subject_is_plain_text(committed):
    petition = make_petition(title="Kim's family & friends <home>")

    with committed():
        sign(petition, language="en")

    assert mail.outbox[0].subject == "Confirm your signature: Kim's family & friends <home>"


def test_a_name_and_town_that_look_like_addresses_are_never_links_in_an_email(committed):
    petition = make_petition()
    linkish = {"full_name": "Visit www.evil.com", "town": "evil-site.de"}
    with committed():
        sign(petition, email="kim@example.org", **linkish)
    with committed():
        signature_confirm(token=confirmation_token(mail.outbox[-1]))
    with committed():
        sign(petition, email="kim@example.org", **linkish)
    confirm, already_signed = mail.outbox[0], mail.outbox[-1]

    for message in (confirm, already_signed):
        html = message.alternatives[0].content
        for body in (message.body, html):
            assert "www.evil.com" not in body
            assert "evil-site.de" not in body
            assert unlinked("Visit www.evil.com") in body
            assert unlinked("evil-site.de") in body
        greeting = re.search(r"<p>Hello (.*?),</p>", html).group(1)
        details = re.search(r'<dl class="facts">.*?</dl>', html, re.DOTALL).group()
        for shown in (greeting, details):
            assert "<a" not in shown
            assert links_in(shown) == []
        shown_lines = [
            line for line in message.body.splitlines() if line.startswith(("Hello", "Name", "Town"))
        ]
        assert len(shown_lines) == 3
        assert links_in("\n".join(shown_lines)) == []


@pytest.mark.django_db(transaction=True)
def test_an_email_queued_under_the_old_task_name_is_still_sent(settings, committed):
    from signatures.tasks import send_confirmation

    with committed():
        signature = sign(make_petition())
    mail.outbox.clear()
    signature.confirmation_tokens.update(token_hash=None, sent_at=None)
    Signature.objects.filter(pk=signature.pk).update(emails_sent=0)

    send_confirmation.call(signature.pk)

    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_database_queue_holds_emails_until_the_worker_sends_them(settings):
    settings.TASKS = QUEUE
    petition = make_petition()

    sign(petition, email="queued@example.org")
    assert mail.outbox == []

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert [message.to for message in mail.outbox] == [["queued@example.org"]]
    assert confirmation_token(mail.outbox[0])


def test_queued_task_arguments_hold_no_token_or_address(settings, committed):
    settings.TASKS = QUEUE

    with committed():
        signature = sign(make_petition(), email="private@example.org")

    stored = str(DBTaskResult.objects.get().args_kwargs)
    assert DBTaskResult.objects.get().task_path == "signatures.tasks.send_confirmation_link"
    assert "private@example.org" not in stored
    assert stored == str({"args": [signature.confirmation_tokens.get().pk], "kwargs": {}})
