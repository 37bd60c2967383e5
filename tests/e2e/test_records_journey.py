"""On a phone: the therapist sets exercise homework from the library; the client logs one of
each kind from Today (the lifestyle log completes the exercise homework), shares one journal
entry and keeps another private; the therapist sees only the shared one and leaves feedback;
the client sees the feedback and when the therapist first saw the entry."""

import re

import pytest
from playwright.sync_api import expect

from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework import library
from homework.models import Completion, HomeworkTemplate
from tests.conftest import ROOT, activate_totp, make_active_relationship
from tests.e2e.browser import PHONE, assert_fits_the_screen, sign_in_with_totp
from tests.factories import PASSWORD, ClientFactory, TherapistFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SCREENSHOTS = ROOT / "var" / "artifacts" / "screenshots"


@pytest.fixture
def world(transactional_db):
    library.install(HomeworkTemplate)
    therapist = TherapistFactory(email="dr.avery@example.org", name="Dr. Avery Stone")
    activate_totp(therapist)
    client = ClientFactory(email="kai@example.org", name="Kai Client", timezone="UTC")
    make_active_relationship(therapist, client)
    return {"therapist": therapist, "client": client}


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"journey-{name}.png"), full_page=True)


def sign_in_client(page) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "kai@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/client/$"))


def test_records_from_today_to_the_therapist_and_back(world, browser_contexts):
    client_id = world["client"].public_id
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True}

    # The therapist sets "Move your body" (30 minutes, 3 times a week) from the library.
    therapist = browser_contexts(**phone).new_page()
    sign_in_with_totp(therapist, "dr.avery@example.org", PASSWORD)
    therapist.goto(f"/therapist/clients/{client_id}/assign/")
    therapist.get_by_role("link", name="Move your body").click()
    therapist.get_by_role("button", name="Assign", exact=True).click()
    expect(therapist.get_by_role("status")).to_contain_text("Assigned")
    exercise = world["client"].assignments.get(title="Move your body")

    # The client adds someone to their list, then logs everything from Today.
    page = browser_contexts(**phone).new_page()
    sign_in_client(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Journal").click()
    expect(page).to_have_url(re.compile(r"/client/journal/$"))
    page.get_by_role("link", name="My people").click()
    page.fill("input[name=name]", "Sam")
    page.select_option("select[name=kind]", "friend")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_contain_text("Added Sam")
    page.get_by_role("link", name="Today").click()
    assert_fits_the_screen(page)
    shot(page, "today")

    quick = page.locator('[data-quick="journal"]')
    quick.get_by_role("radio", name="7").check()
    quick.get_by_label("A few words").fill("Talked it through with Sam, felt lighter")
    share = quick.get_by_role("checkbox", name="Share with Dr. Avery Stone")
    expect(share).not_to_be_checked()  # private unless the client chooses
    share.check()
    quick.get_by_role("button", name="Save mood").click()
    expect(page.get_by_role("status")).to_contain_text("Saved to your journal")

    quick = page.locator('[data-quick="journal"]')
    quick.get_by_role("radio", name="3").check()
    quick.get_by_label("A few words").fill("Kept this one to myself")
    quick.get_by_role("button", name="Save mood").click()
    expect(page.get_by_role("status")).to_contain_text("Saved to your journal")

    quick = page.locator('[data-quick="lifestyle"]')
    quick.get_by_label("Minutes of exercise").fill("40")
    quick.get_by_role("button", name="Save day").click()
    expect(page.get_by_role("status")).to_contain_text("Saved your day")

    quick = page.locator('[data-quick="social"]')
    quick.get_by_label("Who").select_option(label="Sam")
    quick.get_by_label("How").select_option("call")
    quick.get_by_label("Minutes").fill("25")
    quick.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Time with people matters")

    logged = page.locator("ul.logged li")
    expect(logged).to_have_count(4)
    assert_fits_the_screen(page)
    shot(page, "today-logged")
    assert JournalEntry.objects.filter(shared=True).count() == 1
    assert JournalEntry.objects.filter(shared=False).count() == 1
    assert LifestyleLog.objects.get().exercise_minutes == 40
    assert SocialActivity.objects.get().person.name == "Sam"
    assert Completion.objects.filter(assignment=exercise).count() == 1  # the log did it

    # The therapist sees the shared entry only, opens it and leaves feedback.
    therapist.goto(f"/therapist/clients/{client_id}/")
    therapist.get_by_role("link", name="Timeline of shared entries").click()
    expect(therapist.get_by_text("Talked it through with Sam")).to_be_visible()
    expect(therapist.get_by_text("Kept this one to myself")).to_have_count(0)
    assert_fits_the_screen(therapist)
    shot(therapist, "timeline")
    therapist.get_by_role("link", name=re.compile("^Mood 7")).click()
    therapist.get_by_label("Your message").fill(
        "Thank you for writing this. Sam sounds good for you."
    )
    therapist.get_by_role("button", name="Send feedback").click()
    expect(therapist.get_by_role("status")).to_contain_text("Feedback sent")
    shot(therapist, "record")

    # The client sees the feedback and when it was first seen, and replies.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Journal").click()
    entry = page.locator("article.record", has_text="Talked it through")
    expect(entry.locator("[data-seen]")).to_be_visible()
    entry.get_by_role("link").click()
    expect(page.get_by_text("Thank you for writing this.")).to_be_visible()
    expect(page.get_by_text(re.compile("^Seen by your therapist on"))).to_be_visible()
    page.get_by_label("Your message").fill("It did help.")
    page.get_by_role("button", name="Reply").click()
    expect(page.get_by_role("status")).to_contain_text("Reply sent")
    assert_fits_the_screen(page)
    shot(page, "client-record")
