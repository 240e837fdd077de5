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
