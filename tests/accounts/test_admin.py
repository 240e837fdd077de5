import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_user_admin_lists_and_searches_users(admin_client):
    User.objects.create_user(email="findme@example.org")

    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "findme"})

    assert response.status_code == 200
    assert "findme@example.org" in response.text


def test_user_admin_adds_a_user_by_email(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new.staff@example.org",
            "password1": "a-long-test-password",
            "password2": "a-long-test-password",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    assert User.objects.filter(email="new.staff@example.org").exists()


def test_user_admin_turns_on_alerts_about_waves_of_signatures(admin_client):
    user = User.objects.create_user(email="watcher@example.org", is_staff=True)
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = admin_client.post(
        url,
        {
            "email": "watcher@example.org",
            "full_name": "",
            "is_active": "on",
            "is_staff": "on",
            "wants_trending_alerts": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.wants_trending_alerts is True
    assert "wants alerts about waves of signatures" in admin_client.get(url).text.lower()
