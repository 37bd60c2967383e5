"""Requests Django refuses to read (an oversized body, a host it does not serve): the API
answers JSON, the portals a page a person can read."""

import pytest
from django.test import Client

from clients.models import JournalEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_client(personas) -> Client:
    browser = Client(raise_request_exception=False)
    browser.force_login(personas.client_a)
    return browser


def test_an_oversized_form_in_the_portal_gets_a_readable_413_page(as_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"text": "x" * 2000, "mood": "3"}
    response = as_client.post("/client/journal/new/", body)
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Too much to send at once" in page
    assert "1000 bytes" not in page  # a person is told what to do, not the byte count
    assert "Go to my start page" in page
    assert not JournalEntry.objects.exists()


def test_a_request_for_another_host_on_the_api_is_a_json_400(settings):
    response = Client(HTTP_HOST="evil.example").get("/api/v1/me/")
    assert response.status_code == 400
    assert response.json() == {"detail": "The request could not be read."}


def test_a_request_for_another_host_in_the_portal_is_a_readable_400_page():
    response = Client(HTTP_HOST="evil.example").get("/accounts/login/")
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()
