from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.management import call_command

from signatures.models import Signature
from tests.conftest import confirmation_token
from tests.factories import make_petition, sign, signing_form

pytestmark = pytest.mark.django_db


def test_mail_server_failure_keeps_the_signature_and_the_signer_sees_success(
    client, committed, monkeypatch
):
    petition = make_petition()

    def refuse(self, *args, **kwargs):
        raise SMTPException("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with committed():
        response = client.post(petition.get_absolute_url(), signing_form())

    assert response.status_code == 302
    assert Signature.objects.get().status == Signature.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_database_queue_holds_emails_until_the_worker_sends_them(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    petition = make_petition()

    sign(petition, email="queued@example.org")
    assert mail.outbox == []

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert [message.to for message in mail.outbox] == [["queued@example.org"]]
    assert confirmation_token(mail.outbox[0])


def test_queued_task_arguments_hold_no_token_or_address(settings, committed):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    with committed():
        signature = sign(make_petition(), email="private@example.org")

    stored = str(DBTaskResult.objects.get().args_kwargs)
    assert "private@example.org" not in stored
    assert stored == str({"args": [signature.pk], "kwargs": {}})
