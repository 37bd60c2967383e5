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


def test_a_view_gets_the_user_itself_not_a_lazy_wrapper(client, personas):
    """`UserMiddleware`: the signed-in user, or the anonymous one, as the object itself (its
    attributes read without Django's lazy wrapper)."""
    from django.contrib.auth.models import AnonymousUser
    from django.utils.functional import SimpleLazyObject

    from accounts.models import User

    stranger = client.get(reverse("help")).wsgi_request.user
    assert type(stranger) is AnonymousUser
    client.force_login(personas.client_a)
    user = client.get(reverse("help")).wsgi_request.user
    assert type(user) is User and not isinstance(user, SimpleLazyObject)
    assert user.pk == personas.client_a.pk
    client.post(reverse("account_logout"))
    assert type(client.get(reverse("help")).wsgi_request.user) is AnonymousUser
