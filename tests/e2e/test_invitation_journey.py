"""The invitation journey in Chromium, against a live server, a real worker, Redis and SMTP.

A therapist signs in with TOTP, invites a client, the client opens the link taken from the
sent e-mail, sets a password and lands in the portal, and the therapist sees the client
as active.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from accounts import services
from accounts.models import CareRelationship, CareStatus, User
from tests.conftest import activate_totp
from tests.e2e.browser import PHONE, assert_fits_the_screen, sign_in_with_totp
from tests.factories import PASSWORD, TherapistFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

THERAPIST_EMAIL = "dr.hart@example.org"
THERAPIST_NAME = "Dr. Hana Hart"
CLIENT_EMAIL = "nora.new@example.org"
CLIENT_NAME = "Nora New"
CLIENT_PASSWORD = "a-long-passphrase-77"


@pytest.fixture
def site_url(live_server) -> str:
    """The worker writes links to the live server."""
    return live_server.url


@pytest.fixture
def therapist(transactional_db) -> User:
    therapist = TherapistFactory(email=THERAPIST_EMAIL, name=THERAPIST_NAME)
    activate_totp(therapist)
    return therapist


def test_a_therapist_invites_a_client_who_joins_from_the_emailed_link(
    therapist, mail_worker, smtp_server, browser_contexts, live_server
):
    # The therapist signs in with a password and a TOTP code, and invites a client.
    desk = browser_contexts().new_page()
    sign_in_with_totp(desk, THERAPIST_EMAIL, PASSWORD)
    expect(desk).to_have_url(f"{live_server.url}/therapist/")
    expect(desk.get_by_role("heading", name="Your caseload")).to_be_visible()
    desk.fill("input[name=email]", CLIENT_EMAIL)
    desk.get_by_role("button", name="Send invitation").click()
    expect(desk).to_have_url(f"{live_server.url}/therapist/")
    expect(desk.get_by_text(f"Invitation to {CLIENT_EMAIL} saved")).to_be_visible()
    expect(desk.locator(f'li[data-invitation="{CLIENT_EMAIL}"]')).to_be_visible()

    # The worker mails the invitation; the client follows the link in its text part.
    [message] = smtp_server.wait_for(1)
    assert message["To"] == CLIENT_EMAIL
    assert THERAPIST_NAME in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    [link] = [
        line for line in text.splitlines() if re.fullmatch(r"https?://\S+/invitations/\S+/", line)
    ]
    assert link.startswith(f"{live_server.url}/invitations/")

    phone = browser_contexts(
        viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Europe/Berlin"
    ).new_page()
    response = phone.goto(link)
    assert response.status == 200
    expect(phone.get_by_role("heading", name=f"Join {THERAPIST_NAME} on Tandem")).to_be_visible()
    expect(phone.get_by_text(CLIENT_EMAIL)).to_be_visible()
    assert_fits_the_screen(phone)
    phone.fill("input[name=name]", CLIENT_NAME)
    phone.fill("input[name=password1]", CLIENT_PASSWORD)
    phone.fill("input[name=password2]", CLIENT_PASSWORD)
    # The phone's own time zone is proposed; the list can be searched.
    expect(phone.locator("select[name=timezone]")).to_have_value("Europe/Berlin")
    expect(phone.get_by_text("We chose Europe/Berlin from this device")).to_be_visible()
    phone.get_by_label("Search the list").fill("berl")
    expect(phone.locator("select[name=timezone]")).to_have_value("Europe/Berlin")
    phone.get_by_role("button", name="Create my account").click()

    # Signed in, in the client portal, linked with the therapist.
    expect(phone).to_have_url(f"{live_server.url}/client/")
    expect(phone.get_by_role("status")).to_contain_text("Welcome to Tandem.")
    expect(phone.locator('[data-empty="no-homework"]')).to_contain_text(THERAPIST_NAME)
    assert_fits_the_screen(phone)
    phone.goto("/client/account/")
    expect(phone.locator(f'[data-therapist="{THERAPIST_EMAIL}"]')).to_contain_text(THERAPIST_NAME)
    client = User.objects.get(email=CLIENT_EMAIL)
    assert client.name == CLIENT_NAME
    assert client.timezone == "Europe/Berlin"
    assert client.check_password(CLIENT_PASSWORD)
    [session_key] = [c["value"] for c in phone.context.cookies() if c["name"] == "sessionid"]
    session = Session.objects.get(session_key=session_key).get_decoded()
    assert session["_auth_user_id"] == str(client.pk)

    # The therapist sees the client as active; the invitation is no longer pending.
    desk.reload()
    row = desk.locator(f'tr[data-client="{CLIENT_EMAIL}"]')
    expect(row).to_contain_text(CLIENT_NAME)
    expect(row.locator(".badge")).to_have_text("No homework yet")
    expect(desk.locator(f'li[data-invitation="{CLIENT_EMAIL}"]')).to_have_count(0)

    # The link works once: opened again by the client, it leads to Today; by anyone else, it
    # says so without an error.
    phone.goto(link)
    expect(phone).to_have_url(re.compile(r"/today/$|/$"))
    expect(phone.get_by_role("status")).to_contain_text("You already work with")
    other = browser_contexts(viewport=PHONE).new_page()
    response = other.goto(link)
    assert response.status == 410
    expect(other.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
    expect(other.get_by_role("alert")).to_contain_text("already been used")
    assert CareRelationship.objects.get(invited_email=CLIENT_EMAIL).status == CareStatus.ACTIVE
    assert len(smtp_server.messages) == 1


def test_a_tampered_invitation_link_is_refused_without_an_error(
    therapist, browser_contexts, live_server
):
    now = timezone.now()
    relationship = CareRelationship.objects.create(
        therapist=therapist,
        invited_email=CLIENT_EMAIL,
        invited_at=now,
        invitation_expires_at=now + timedelta(days=7),
    )
    token = services.invitation_token(relationship)
    page = browser_contexts(viewport=PHONE).new_page()
    assert page.goto(f"/invitations/{token}/").status == 200  # the untouched link works

    tampered = [token[:-1] + ("A" if token[-1] != "A" else "B"), token.replace(":", ":x", 1)]
    for bad in tampered:
        response = page.goto(f"/invitations/{bad}/")
        assert response.status == 400
        expect(page.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("not valid")
        assert_fits_the_screen(page)
    relationship.refresh_from_db()
    assert relationship.status == CareStatus.INVITED
    assert not User.objects.filter(email=CLIENT_EMAIL).exists()
