"""Sign-in limits keep brute force out without letting a stranger lock anyone out."""

import re
import time

import pytest
import time_machine
from django.test import Client

from accounts.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, TherapistFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
TOO_MANY = "Too many failed login attempts"


def attempt(email, password, ip, client=None):
    client = client or Client()
    response = client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip)
    return client, response


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def therapist():
    return TherapistFactory(email="dr.known@example.org")


def test_five_wrong_passwords_from_a_stranger_do_not_lock_out_the_owner(therapist):
    for _ in range(5):
        attempt(therapist.email, "wrong-password", ATTACKER)
    client, response = attempt(therapist.email, PASSWORD, ATTACKER)
    assert not signed_in(client)  # the stranger's address waits, even with the password
    assert TOO_MANY in response.content.decode()
    client, _ = attempt(therapist.email, PASSWORD, OWNER)
    assert signed_in(client)


def test_blocked_attempts_are_audited_with_their_address(therapist):
    for _ in range(7):
        attempt(therapist.email, "wrong-password", ATTACKER)
    events = AuditEvent.objects.filter(actor=therapist)
    assert events.filter(action=AuditAction.LOGIN_FAILED, ip_address=ATTACKER).count() == 5
    assert events.filter(action=AuditAction.LOGIN_BLOCKED, ip_address=ATTACKER).count() == 2


def test_failures_back_off_five_minutes_then_an_hour(therapist):
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            attempt(therapist.email, "wrong-password", ATTACKER)
        clock.move_to(start + 6 * 60)
        for _ in range(5):
            attempt(therapist.email, "wrong-password", ATTACKER)
        clock.move_to(start + 20 * 60)
        client, response = attempt(therapist.email, PASSWORD, ATTACKER)
        assert not signed_in(client) and TOO_MANY in response.content.decode()
        clock.move_to(start + 61 * 60)
        client, _ = attempt(therapist.email, PASSWORD, ATTACKER)
        assert signed_in(client)


def test_one_address_trying_many_accounts_is_stopped(therapist):
    for n in range(10):
        attempt(f"guess{n}@example.org", "wrong-password", ATTACKER)
    client, response = attempt(therapist.email, PASSWORD, ATTACKER)
    assert not signed_in(client)
    assert TOO_MANY in response.content.decode()


def test_a_locked_out_person_gets_in_through_a_password_reset_link(therapist, mailoutbox):
    for _ in range(5):
        attempt(therapist.email, "wrong-password", OWNER)
    client, response = attempt(therapist.email, PASSWORD, OWNER)
    assert TOO_MANY in response.content.decode()

    client.post("/accounts/password/reset/", {"email": therapist.email}, REMOTE_ADDR=OWNER)
    [link] = re.findall(r"https?://\S+/accounts/password/reset/key/\S+/", mailoutbox[0].body)
    form = client.get(link, REMOTE_ADDR=OWNER, follow=True)
    new = "a-brand-new-passphrase-31"
    response = client.post(
        form.redirect_chain[-1][0],
        {"password1": new, "password2": new},
        REMOTE_ADDR=OWNER,
    )
    assert response.status_code == 302
    client, _ = attempt(therapist.email, new, OWNER)
    assert signed_in(client)
