import pytest
from django.test import RequestFactory
from django.views.defaults import server_error


def test_server_error_page_is_our_own():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    # A 500 cannot know whether what was sent was stored, so it claims nothing about it.
    assert "was lost" not in response.content.decode()
    assert "sign again" in response.content.decode()


@pytest.mark.django_db
def test_bad_request_page_is_our_own(client):
    response = client.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "Something was wrong with that request" in response.text
