"""The help page: plain words for each role, nothing read but the session."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_client_reads_how_sharing_works(client, personas):
    client.force_login(personas.client_a)
    page = client.get(reverse("help")).content.decode()
    assert "<h1>How Tandem works</h1>" in page
    assert "You decide what your therapist sees" in page
    assert "set homework for your clients" not in page


def test_a_therapist_reads_what_they_see(client, personas):
    client.force_login(personas.therapist_a)
    page = client.get(reverse("help")).content.decode()
    assert "You set homework for your clients" in page
    assert "You decide what your therapist sees" not in page


def test_it_reads_only_the_session_and_the_user(client, personas, django_assert_num_queries):
    client.force_login(personas.client_a)
    client.get(reverse("help"))
    # The session and the user; the session is not saved again within a minute.
    with django_assert_num_queries(2):
        client.get(reverse("help"))


def test_strangers_are_sent_to_sign_in(client):
    response = client.get(reverse("help"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
