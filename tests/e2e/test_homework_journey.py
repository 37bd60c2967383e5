"""Homework in Chromium: the therapist assigns from a template, the client checks it off on a
phone, and the therapist sees adherence change."""

import re

import pytest
from playwright.sync_api import expect

from homework import library
from homework.models import Assignment, Completion, HomeworkTemplate
from tests.conftest import activate_totp, make_active_relationship
from tests.e2e.browser import PHONE, assert_fits_the_screen, sign_in_with_totp
from tests.factories import PASSWORD, ClientFactory, TherapistFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CLIENT_EMAIL = "kai.client@example.org"


@pytest.fixture
def therapist(transactional_db):
    # Transactional tests empty the tables between tests: put the shared library back.
    library.install(HomeworkTemplate)
    therapist = TherapistFactory(email="dr.lane@example.org", name="Dr. Lee Lane")
    activate_totp(therapist)
    return therapist


@pytest.fixture
def client_user(therapist):
    client = ClientFactory(email=CLIENT_EMAIL, name="Kai Client", timezone="Pacific/Kiritimati")
    make_active_relationship(therapist, client)
    return client


def test_assign_from_a_template_check_off_on_a_phone_and_see_adherence(
    therapist, client_user, browser_contexts, live_server
):
    # The therapist: caseload → client → template → adjust and assign.
    desk = browser_contexts().new_page()
    sign_in_with_totp(desk, therapist.email, PASSWORD)
    desk.get_by_role("link", name="Kai Client").click()
    expect(desk.get_by_role("heading", name="Kai Client", exact=True)).to_be_visible()
    desk.get_by_role("link", name="Assign homework").click()  # step 1
    desk.get_by_role("link", name="Daily mood and thoughts").click()  # step 2
    expect(desk.locator("input[name=title]")).to_have_value("Daily mood and thoughts")
    desk.fill("input[name=title]", "Evening mood check")
    desk.fill("input[name=reminder_time]", "20:00")
    desk.get_by_role("button", name="Assign", exact=True).click()  # step 3
    expect(desk.get_by_role("status")).to_contain_text("Assigned “Evening mood check”")
    assignment = Assignment.objects.get()
    row = desk.locator(f'tr[data-assignment="{assignment.public_id}"]')
    this_week = row.locator("td[data-week='5']")
    expect(this_week).to_have_text("0/1")

    # The client, on a phone, in a time zone 14 hours ahead of UTC: it is due today.
    phone = browser_contexts(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto("/accounts/login/")
    phone.fill("input[name=login]", CLIENT_EMAIL)
    phone.fill("input[name=password]", PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/client/$"))
    card = phone.locator(f'[data-due="{assignment.public_id}"]')
    expect(card).to_contain_text("Evening mood check")
    assert_fits_the_screen(phone)
    card.locator("input[name=note]").fill("Calmer after a walk")
    card.get_by_role("button", name="Done").click()
    expect(phone.get_by_role("status")).to_contain_text("Done: Evening mood check")
    expect(phone.locator(f'[data-done="{assignment.public_id}"]')).to_contain_text(
        "Calmer after a walk"
    )
    expect(phone.locator(f'[data-due="{assignment.public_id}"]')).to_have_count(0)
    assert_fits_the_screen(phone)
    assert Completion.objects.get().note == "Calmer after a walk"

    # The therapist sees this week's adherence change.
    desk.reload()
    expect(
        desk.locator(f'tr[data-assignment="{assignment.public_id}"] td[data-week="5"]')
    ).to_have_text("1/1")
    expect(desk.locator("tr[data-total] td").nth(4)).to_contain_text("(100%)")

    # Ending takes a second, deliberate click; then nothing more is due for the client.
    desk.get_by_text("End…", exact=True).click()
    desk.get_by_role("button", name="Yes, end “Evening mood check”").click()
    expect(desk.get_by_role("status")).to_contain_text("Ended “Evening mood check”")
    assignment.refresh_from_db()
    assert assignment.status == "ended"
    phone.reload()
    expect(phone.locator(f'[data-due="{assignment.public_id}"]')).to_have_count(0)
