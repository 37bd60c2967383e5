"""Signing out leaves nothing of the person in the browser: `Clear-Site-Data` tells it to
drop its caches and storage (the pages the service worker kept, entries waiting, the worker
itself). A session that merely runs out does not: entries logged offline then wait for the
next sign-in."""

import time

import pytest
import time_machine
from django.urls import reverse

from accounts.middleware import CLEAR_SITE_DATA
from tests.factories import PASSWORD, ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = ClientFactory()
    client.force_login(user)
    return client, user


def test_signing_out_clears_what_the_browser_kept(signed_in):
    client, _user = signed_in
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == CLEAR_SITE_DATA == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


def test_a_page_asking_whether_to_sign_out_clears_nothing(signed_in):
    client, _user = signed_in
    response = client.get(reverse("account_logout"))
    assert "Clear-Site-Data" not in response


def test_pages_and_api_answers_clear_nothing(signed_in):
    client, _user = signed_in
    for url in (reverse("client_home"), reverse("api-me"), reverse("service_worker")):
        assert "Clear-Site-Data" not in client.get(url), url


def test_a_session_that_runs_out_clears_nothing(signed_in, settings):
    client, _user = signed_in
    client.get(reverse("client_home"))
    with time_machine.travel(time.time() + settings.SESSION_ABSOLUTE_SECONDS + 60, tick=False):
        response = client.get(reverse("client_home"))
    assert response.status_code == 302  # to sign in again
    assert "Clear-Site-Data" not in response


def test_erasing_the_account_clears_what_the_browser_kept(signed_in):
    client, _user = signed_in
    response = client.post(reverse("client_erase"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    goodbye = client.get(response.url)
    assert goodbye["Clear-Site-Data"] == CLEAR_SITE_DATA


def test_erasing_the_account_by_the_api_clears_what_the_browser_kept(signed_in):
    client, _user = signed_in
    response = client.post(
        reverse("api-erasure"), {"password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 204
    assert response["Clear-Site-Data"] == CLEAR_SITE_DATA


def test_a_refused_erasure_clears_nothing(signed_in):
    client, _user = signed_in
    response = client.post(
        reverse("api-erasure"), {"password": "not it"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "Clear-Site-Data" not in response
