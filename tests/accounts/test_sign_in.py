import time

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from accounts.middleware import SESSION_STARTED_KEY
from accounts.models import AuditAction, AuditEvent
from tests.conftest import activate_totp, make_active_relationship, totp_code
from tests.factories import PASSWORD, ClientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client, email, password=PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def test_a_client_signs_in_and_lands_in_the_client_portal(client):
    user = ClientFactory()
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert client.get("/").url == reverse("client_home")
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCEEDED, actor=user).exists()


def test_a_therapist_with_totp_must_give_a_code(client):
    therapist = TherapistFactory()
    activate_totp(therapist)
    response = sign_in(client, therapist.email)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert client.get(reverse("therapist_home")).status_code == 302  # not signed in yet
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "Incorrect code" in response.content.decode()
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert client.get(reverse("therapist_home")).status_code == 200


def test_a_therapist_without_mfa_sees_no_client_data(client):
    therapist = TherapistFactory()
    client_user = ClientFactory(name="Hidden Person")
    make_active_relationship(therapist, client_user)
    sign_in(client, therapist.email)
    response = client.get(reverse("therapist_home"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    detail = client.get(reverse("therapist_client_detail", args=[client_user.public_id]))
    assert detail.status_code == 302
    api = client.get("/api/v1/clients/")
    assert api.status_code == 403
    assert "Hidden Person" not in api.content.decode()


def test_the_demo_setting_relaxes_mfa(client, settings):
    settings.TANDEM_REQUIRE_MFA = False
    therapist = TherapistFactory()
    make_active_relationship(therapist, ClientFactory(name="Visible Person"))
    sign_in(client, therapist.email)
    assert "Visible Person" in client.get(reverse("therapist_home")).content.decode()


def test_ten_wrong_passwords_make_this_address_wait_for_a_while(client):
    user = ClientFactory()
    for _ in range(10):
        response = sign_in(client, user.email, "wrong-password")
        assert response.status_code == 200
    response = sign_in(client, user.email)  # the right password, too late
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() >= 5
    with time_machine.travel(time.time() + 16 * 60, tick=False):
        sign_in(client, user.email)
        assert "_auth_user_id" in client.session


def test_a_failed_sign_in_does_not_reveal_whether_the_address_exists(client):
    user = ClientFactory()
    known = sign_in(client, user.email, "wrong-password").content.decode()
    unknown = sign_in(client, "nobody@example.org", "wrong-password").content.decode()
    message = "The email address and/or password you specified are not correct."
    assert message in known
    assert message in unknown


def test_password_reset_does_not_reveal_whether_the_address_exists(client, mailoutbox):
    user = ClientFactory()
    known = client.post("/accounts/password/reset/", {"email": user.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    # allauth tells the unknown address that it has no account, in a mail only it can read.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([user.email, "nobody@example.org"])


def test_signing_in_issues_a_new_session_id(client):
    user = ClientFactory()
    client.get(LOGIN)
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    sign_in(client, user.email)
    assert client.cookies["sessionid"].value != before


def test_the_session_has_an_absolute_lifetime(client, settings):
    user = ClientFactory()
    sign_in(client, user.email)
    client.get(reverse("client_home"))
    assert SESSION_STARTED_KEY in client.session
    with time_machine.travel(time.time() + settings.SESSION_ABSOLUTE_SECONDS + 60, tick=False):
        response = client.get(reverse("client_home"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_a_session_ends_after_30_idle_minutes_and_each_request_renews_it(client):
    user = ClientFactory()
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, user.email)
        for minutes in (29, 58, 87):  # 29 minutes apart: each request keeps it alive
            clock.move_to(start + minutes * 60)
            assert client.get(reverse("client_home")).status_code == 200
        clock.move_to(start + (87 + 31) * 60)  # then 31 minutes without a request
        response = client.get(reverse("client_home"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_the_idle_timeout_is_renewed_at_most_once_a_minute(client, django_assert_num_queries):
    from django.contrib.sessions.models import Session

    user = ClientFactory()
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, user.email)
        client.get(reverse("client_home"))
        key = client.session.session_key
        expires = Session.objects.get(session_key=key).expire_date
        clock.move_to(start + 30)
        response = client.get(reverse("client_home"))
        assert settings.SESSION_COOKIE_NAME not in response.cookies  # nothing renewed
        assert Session.objects.get(session_key=key).expire_date == expires
        clock.move_to(start + 90)
        response = client.get(reverse("client_home"))
        assert response.cookies[settings.SESSION_COOKIE_NAME].value == key
        renewed = Session.objects.get(session_key=key).expire_date
        assert (renewed - expires).total_seconds() == 90


def test_changing_the_password_ends_other_sessions(client, django_user_model):
    from django.test import Client

    user = ClientFactory()
    other = Client()
    other.force_login(user)
    assert other.get(reverse("client_home")).status_code == 200
    sign_in(client, user.email)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "new-passphrase-9876",
            "password2": "new-passphrase-9876",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("client_home")).status_code == 200
    assert other.get(reverse("client_home")).status_code == 302


def test_nobody_can_sign_up_alone(client, django_user_model):
    assert "closed" in client.get("/accounts/signup/").content.decode().lower()
    response = client.post(
        "/accounts/signup/",
        {"email": "self.made@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert "closed" in response.content.decode().lower()
    assert not django_user_model.objects.filter(email="self.made@example.org").exists()
    assert "_auth_user_id" not in client.session


def test_clinical_pages_are_not_cached(client, personas):
    client.force_login(personas.client_a)
    response = client.get(reverse("client_home"))
    assert "no-store" in response["Cache-Control"]
