import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import second_factor_begin, second_factor_confirm
from tests.factories import log_in_with_second_factor, make_staff, make_superuser

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
VERIFY = reverse("accounts:second_factor_verify")
SETUP = reverse("accounts:second_factor_setup")
DEVICES = reverse("accounts:second_factor")
ADMIN = reverse("admin:index")
SIGNATURES = reverse("admin:signatures_signature_changelist")


def staff_with(*codenames, email="staff@example.org"):
    user = make_staff(email=email)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def enrolled(user):
    """Give the user an authenticator and recovery codes, as finishing the setup page does."""
    pending = second_factor_begin(user=user)
    second_factor_confirm(user=user, authenticator=pending.authenticator)
    return pending


def totp(device, steps_ahead=0):
    """The code an authenticator app holding the device's key shows now, or a step later.

    A code is accepted once: a second login in one test uses the next step's code, which the
    device tolerates as clock drift.
    """
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time() + steps_ahead * device.step
    return f"{clock.token():06d}"


def password_login(user, password=PASSWORD, address="198.51.100.7"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(
        reverse("admin:login"), {"username": user.email, "password": password, "next": SIGNATURES}
    )
    return client, response


def age_attempts(**elapsed):
    """Move every recorded failure back in time, as if that long had passed since."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(**elapsed)
        attempt.save()


def test_every_permission_that_requires_a_second_factor_exists(settings):
    # A permission renamed in its app would otherwise silently stop requiring one.
    for name in settings.STAFF_SECOND_FACTOR_PERMISSIONS:
        app_label, codename = name.split(".")
        assert Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).exists(), name


class TestRequiredSecondFactor:
    def test_a_superuser_with_only_a_password_cannot_reach_admin_pages(self):
        user = make_superuser()
        enrolled(user)
        client, response = password_login(user)

        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY)
        for url in (ADMIN, SIGNATURES, reverse("admin:accounts_user_changelist")):
            assert client.get(url).status_code == 302
        assert client.get(reverse("admin:login")).url.startswith(VERIFY)

    @pytest.mark.parametrize(
        "codename",
        [
            "view_signature",
            "change_signature",
            "approve_signature",
            "invalidate_signature",
            "withdraw_signature",
            "view_full_email",
            "prepare_delivery",
            "export_signatures",
        ],
    )
    def test_staff_who_can_see_signers_data_cannot_reach_the_admin_on_a_password(self, codename):
        user = staff_with(codename)
        client, response = password_login(user)

        assert response.status_code == 302
        assert client.get(ADMIN).status_code == 302
        assert client.get(VERIFY, follow=True).redirect_chain[-1][0].startswith(SETUP)

    def test_a_required_user_without_a_device_is_led_through_setup_into_the_admin(self):
        user = make_superuser()
        client, response = password_login(user)

        setup = client.get(response["Location"], follow=True)
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        finished = client.post(setup.redirect_chain[-1][0], {"code": totp(device)})

        assert "<svg" in setup.text
        assert " ".join(re.findall(r"....", device.config_url.split("secret=")[1][:32])) in (
            setup.text
        )
        assert len(re.findall(r"<code>[a-z2-7]{4}-[a-z2-7]{4}</code>", setup.text)) == 10
        assert finished.status_code == 302
        assert finished["Location"] == SIGNATURES
        assert client.get(SIGNATURES).status_code == 200
        assert TOTPDevice.objects.get(user=user).confirmed is True

    def test_the_setup_page_draws_its_qr_code_itself(self):
        client, _ = password_login(make_superuser())

        setup = client.get(SETUP)

        assert "<svg" in setup.text
        assert "<img" not in setup.text
        assert "otpauth" not in setup.text

    def test_reloading_setup_shows_the_same_key_and_codes_until_finished(self):
        user = make_superuser()
        client, _ = password_login(user)

        first = client.get(SETUP).text
        second = client.get(SETUP).text

        assert re.findall(r"<code.*?</code>", first) == re.findall(r"<code.*?</code>", second)
        assert TOTPDevice.objects.filter(user=user).count() == 1

    def test_a_wrong_code_does_not_finish_setup(self):
        user = make_superuser()
        client, _ = password_login(user)
        client.get(SETUP)

        response = client.post(SETUP, {"code": "000000"})

        assert response.status_code == 200
        assert "This code is not valid." in response.text
        assert client.get(ADMIN).status_code == 302
        assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    def test_a_password_alone_cannot_replace_an_existing_key(self):
        user = make_superuser()
        enrolled(user)
        client, _ = password_login(user)

        response = client.get(SETUP)

        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY)
        assert TOTPDevice.objects.filter(user=user).count() == 1

    def test_the_code_of_the_authenticator_app_opens_the_admin(self):
        user = make_superuser()
        pending = enrolled(user)
        client, response = password_login(user)

        verified = client.post(response["Location"], {"code": totp(pending.authenticator)})

        assert verified.status_code == 302
        assert verified["Location"] == SIGNATURES
        assert client.get(SIGNATURES).status_code == 200

    def test_the_session_gets_a_new_key_once_it_opens_the_admin(self):
        user = make_superuser()
        pending = enrolled(user)
        client, _ = password_login(user)
        before = client.cookies["sessionid"].value

        client.post(VERIFY, {"code": totp(pending.authenticator)})

        assert client.cookies["sessionid"].value != before
        assert client.get(SIGNATURES).status_code == 200

    def test_a_code_with_spaces_is_accepted(self):
        user = make_superuser()
        pending = enrolled(user)
        client, _ = password_login(user)
        code = totp(pending.authenticator)

        response = client.post(VERIFY, {"code": f" {code[:3]} {code[3:]} "})

        assert response.status_code == 302

    def test_a_recovery_code_opens_the_admin_once(self):
        user = make_superuser()
        code = enrolled(user).recovery_codes[0]
        first, _ = password_login(user)
        second, _ = password_login(user)

        used = first.post(VERIFY, {"code": f"{code[:4]}-{code[4:].upper()}"}, follow=True)
        reused = second.post(VERIFY, {"code": code})

        assert used.status_code == 200
        assert "9 are left" in used.text
        assert first.get(SIGNATURES).status_code == 200
        assert reused.status_code == 200
        assert "This code is not valid." in reused.text
        assert second.get(SIGNATURES).status_code == 302

    @pytest.mark.parametrize("code", ["000000", "abcdefgh", "", "x" * 40, "12345\x00"])
    def test_wrong_or_odd_codes_are_refused_with_a_form_error(self, code):
        user = make_superuser()
        enrolled(user)
        client, _ = password_login(user)

        response = client.post(VERIFY, {"code": code})

        assert response.status_code == 200
        assert client.get(SIGNATURES).status_code == 302

    def test_a_used_code_is_not_accepted_again(self):
        user = make_superuser()
        pending = enrolled(user)
        code = totp(pending.authenticator)
        first, _ = password_login(user)
        second, _ = password_login(user)

        assert first.post(VERIFY, {"code": code}).status_code == 302
        assert second.post(VERIFY, {"code": code}).status_code == 200

    def test_the_pending_pages_offer_a_way_out(self):
        user = make_superuser()
        enrolled(user)
        client, _ = password_login(user)

        page = client.get(VERIFY)
        logged_out = client.post(reverse("accounts:logout"))

        assert reverse("accounts:logout") in page.text
        assert logged_out.status_code == 302
        assert client.get(VERIFY).status_code == 302
        assert client.get(VERIFY)["Location"].startswith(reverse("admin:login"))


class TestOfferedSecondFactor:
    def test_staff_who_cannot_see_signers_data_reach_the_admin_on_a_password(self):
        user = staff_with("change_petition", "view_petition")
        client, response = password_login(user)

        assert response["Location"] == SIGNATURES
        assert client.get(ADMIN).status_code == 200
        assert reverse("accounts:second_factor") in client.get(ADMIN).text

    def test_they_can_set_one_up_and_are_then_asked_for_it(self):
        user = staff_with("change_petition", "view_petition")
        client, _ = password_login(user)
        client.get(SETUP)
        device = TOTPDevice.objects.get(user=user)
        assert client.post(SETUP, {"code": totp(device)}).status_code == 302
        assert client.get(ADMIN).status_code == 200

        later, response = password_login(user)

        assert response["Location"].startswith(VERIFY)
        assert later.get(ADMIN).status_code == 302
        assert later.post(VERIFY, {"code": totp(device, steps_ahead=1)}).status_code == 302
        assert later.get(ADMIN).status_code == 200

    def test_they_can_turn_it_off_again(self):
        user = staff_with("view_petition")
        client = log_in_with_second_factor(Client(), user)

        client.post(DEVICES)

        assert not TOTPDevice.objects.filter(user=user).exists()
        _, response = password_login(user)
        assert response["Location"] == SIGNATURES


class TestOwnDevices:
    def test_staff_see_what_is_set_up(self):
        user = make_superuser()
        client = log_in_with_second_factor(Client(), user)

        page = client.get(DEVICES)

        assert page.status_code == 200
        assert "Recovery codes left: 10" in page.text

    def test_a_required_user_who_resets_is_led_to_set_up_a_new_key(self):
        user = make_superuser()
        client = log_in_with_second_factor(Client(), user)
        old_key = TOTPDevice.objects.get(user=user).key

        response = client.post(DEVICES)

        assert response["Location"] == SETUP
        assert client.get(ADMIN).status_code == 302
        assert client.get(SETUP).status_code == 200
        assert TOTPDevice.objects.get(user=user).key != old_key
        assert not StaticDevice.objects.filter(user=user, confirmed=True).exists()

    def test_the_devices_page_is_closed_to_a_session_that_owes_a_code(self):
        user = make_superuser()
        enrolled(user)
        client, _ = password_login(user)

        response = client.post(DEVICES)

        assert response.status_code == 302
        assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


class TestResetByASuperuser:
    def reset(self, client, user):
        return client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "reset_second_factor", "_selected_action": [user.pk]},
        )

    def test_a_superuser_resets_anothers_second_factor(self, admin_client):
        other = staff_with("view_signature", email="other@example.org")
        enrolled(other)

        response = self.reset(admin_client, other)

        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=other).exists()
        assert not StaticDevice.objects.filter(user=other).exists()
        _, login = password_login(other)
        assert login["Location"].startswith(VERIFY)

    def test_staff_who_may_change_users_but_are_not_superusers_cannot(self):
        manager = staff_with("view_user", "change_user", email="manager@example.org")
        client = log_in_with_second_factor(Client(), manager)
        other = make_staff(email="other@example.org")
        enrolled(other)

        page = client.get(reverse("admin:accounts_user_changelist"))
        self.reset(client, other)

        assert "reset_second_factor" not in page.text
        assert TOTPDevice.objects.filter(user=other, confirmed=True).exists()

    def test_the_user_list_shows_who_has_a_second_factor(self, admin_client):
        enrolled(make_staff(email="with@example.org"))
        make_staff(email="without@example.org")

        page = admin_client.get(reverse("admin:accounts_user_changelist"))

        shown = {user.email: user.second_factor for user in page.context["cl"].result_list}
        assert shown == {
            "root@example.org": True,
            "with@example.org": True,
            "without@example.org": False,
        }


class TestCodesAndLockout:
    @pytest.fixture(autouse=True)
    def thresholds(self, settings):
        settings.STAFF_LOGIN_SLOW_AFTER = 3
        settings.AXES_FAILURE_LIMIT = 5
        settings.AXES_COOLOFF_TIME = timedelta(minutes=15)

    def test_wrong_codes_lock_the_account_even_against_the_right_code(self):
        user = make_superuser()
        pending = enrolled(user)
        client, _ = password_login(user)
        for _ in range(5):
            last = client.post(VERIFY, {"code": "000000"})
            age_attempts(seconds=11)

        right = client.post(VERIFY, {"code": totp(pending.authenticator)})

        assert last.status_code == 429
        assert right.status_code == 429
        assert "locked for 15 minutes" in right.text
        assert client.get(SIGNATURES).status_code == 302

    def test_a_few_wrong_codes_slow_the_next_attempt(self):
        user = make_superuser()
        pending = enrolled(user)
        client, _ = password_login(user)
        for _ in range(3):
            client.post(VERIFY, {"code": "000000"})

        response = client.post(VERIFY, {"code": totp(pending.authenticator)})

        assert response.status_code == 429
        assert "Wait" in response.text

    def test_wrong_setup_codes_count_too(self):
        client, _ = password_login(make_superuser())
        client.get(SETUP)
        for _ in range(3):
            client.post(SETUP, {"code": "000000"})

        assert client.post(SETUP, {"code": "000000"}).status_code == 429

    def test_the_right_password_alone_does_not_forget_failures(self):
        user = make_superuser()
        enrolled(user)
        for _ in range(4):
            password_login(user, password="a-wrong-password")
            age_attempts(seconds=11)
        client, _ = password_login(user)

        response = client.post(VERIFY, {"code": "000000"})

        assert response.status_code == 429

    def test_the_right_code_after_the_password_forgets_the_accounts_failures(self):
        user = make_superuser()
        pending = enrolled(user)
        for _ in range(4):
            password_login(user, password="a-wrong-password")
            age_attempts(seconds=11)
        client, _ = password_login(user)

        response = client.post(VERIFY, {"code": totp(pending.authenticator)})

        assert response.status_code == 302
        assert not AccessAttempt.objects.exists()
