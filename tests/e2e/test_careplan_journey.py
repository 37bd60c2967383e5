"""The care plan in Chromium on a phone: the therapist adds a trigger with two coping steps;
the client opens "I'm triggered" from Today in two taps, sees the steps, logs a tagged entry
and says it helped; the therapist sees the count and the rating."""

import re

import pytest
from playwright.sync_api import expect

from careplans.models import PlanItem, TriggerLog
from tests.conftest import activate_totp, make_active_relationship
from tests.e2e.browser import PHONE, assert_fits_the_screen, sign_in_with_totp
from tests.factories import PASSWORD, ClientFactory, TherapistFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def people(transactional_db):
    therapist = TherapistFactory(email="dr.lane@example.org", name="Dr. Lee Lane")
    activate_totp(therapist)
    client = ClientFactory(email="kai.client@example.org", name="Kai Client")
    make_active_relationship(therapist, client)
    return therapist, client


def test_a_trigger_from_the_plan_helps_on_a_bad_day_and_the_therapist_sees_it(
    people, browser_contexts
):
    therapist, client = people
    # The therapist, between sessions, on a phone: client → care plan → add a trigger.
    desk = browser_contexts(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in_with_totp(desk, therapist.email, PASSWORD)
    desk.get_by_role("link", name="Kai Client").click()
    desk.get_by_role("link", name="Care plan", exact=True).click()
    expect(desk.get_by_role("heading", name="Care plan with Kai Client")).to_be_visible()
    desk.get_by_role("link", name="Edit the plan").click()
    desk.get_by_role("link", name="Add to “Triggers”").click()
    desk.fill("input[name=text]", "Crowded trains")
    desk.fill("textarea[name=signs]", "Tight chest, counting stops")
    desk.fill("textarea[name=steps]", "Breathe out slowly\nStep off at the next stop")
    desk.get_by_role("button", name="Add", exact=True).click()
    expect(desk.get_by_role("status")).to_contain_text("Added to the plan")
    trigger = PlanItem.objects.get()
    card = desk.locator(f'[data-item="{trigger.public_id}"]')
    expect(card.locator("ol.steps li")).to_have_text(
        ["Breathe out slowly", "Step off at the next stop"]
    )
    assert_fits_the_screen(desk)

    # The client, on a phone: Today → "I'm triggered" → the trigger. Two taps.
    phone = browser_contexts(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto("/accounts/login/")
    phone.fill("input[name=login]", client.email)
    phone.fill("input[name=password]", PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/client/$"))
    phone.get_by_role("link", name="I'm triggered").tap()  # tap 1
    phone.get_by_role("link", name="Crowded trains").tap()  # tap 2
    expect(phone.get_by_role("heading", name="Crowded trains")).to_be_visible()
    expect(phone.locator("[data-steps] li")).to_have_text(
        ["Breathe out slowly", "Step off at the next stop"]
    )
    assert_fits_the_screen(phone)
    phone.get_by_text("Note it in my journal (optional)").tap()
    phone.fill("textarea[name=note]", "Packed at eight, got off at Oval")
    phone.get_by_label("Share this entry with Dr. Lee Lane").check()
    phone.get_by_role("button", name="Save note").tap()
    expect(phone.get_by_role("status")).to_contain_text("Noted")
    log = TriggerLog.objects.get()
    assert log.journal_entry.triggers == ["Crowded trains"]
    assert log.journal_entry.shared

    # Later: did it help? One tap on Today. No alert goes anywhere.
    rate = phone.locator(f'[data-rate="{log.public_id}"]')
    expect(rate).to_contain_text("Crowded trains")
    rate.get_by_role("button", name="Yes").tap()
    expect(phone.get_by_role("status")).to_contain_text("“Yes” is noted")
    expect(phone.locator(f'[data-rate="{log.public_id}"]')).to_have_count(0)
    assert_fits_the_screen(phone)

    # The therapist sees the count and what helped.
    desk.reload()
    figure = desk.locator(f'[data-item="{trigger.public_id}"] [data-trigger-figure]')
    expect(figure).to_contain_text("Logged 1 time in the last 4 weeks")
    expect(figure).to_contain_text("“Breathe out slowly” helped 1 time")
    expect(figure).to_contain_text("“Step off at the next stop” helped 1 time")
