"""On a phone, the loop between client and therapist: the therapist sets "Daily mood and
thoughts" and exercise homework from the library; the client taps a mood on the first screen
of Today and the homework is done without another tap (My week, the digest's counts, the
caseload and the adherence API agree); the client logs one of each kind (the lifestyle log
completes the exercise homework) and keeps one entry private; the therapist reaches the
shared entry from "Waiting for you" in one tap and replies; the client sees "New from …" on
Today, the e-mail arrives once through a real worker, and the client reads and answers."""

import re

import pytest
from playwright.sync_api import expect

from accounts.clock import local_today
from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework import library
from homework.models import Completion, HomeworkTemplate
from homework.schedules import iso_week_monday
from notifications.models import Delivery, Preferences
from notifications.selectors import client_week_summary
from notifications.services import preferences_for
from tests.conftest import ROOT, activate_totp, make_active_relationship
from tests.e2e.browser import PHONE, assert_fits_the_screen, sign_in_with_totp
from tests.e2e.conftest import wait_until
from tests.factories import PASSWORD, ClientFactory, TherapistFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SCREENSHOTS = ROOT / "var" / "artifacts" / "screenshots"


@pytest.fixture
def site_url(live_server) -> str:
    """Links in the e-mails the worker sends lead to this test's server."""
    return live_server.url


@pytest.fixture
def world(transactional_db):
    library.install(HomeworkTemplate)
    therapist = TherapistFactory(email="dr.avery@example.org", name="Dr. Avery Stone")
    activate_totp(therapist)
    client = ClientFactory(email="kai@example.org", name="Kai Client", timezone="UTC")
    make_active_relationship(therapist, client)
    # The suite runs at any hour: no quiet hours may hold the reply's note back to the morning
    # (quiet hours have tests of their own, with time frozen).
    Preferences.objects.filter(pk=preferences_for(client).pk).update(
        quiet_start=None, quiet_end=None
    )
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


def test_records_from_today_to_the_therapist_and_back(
    world, mail_worker, smtp_server, broker_idle, browser_contexts
):
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
    therapist.goto(f"/therapist/clients/{client_id}/assign/")
    therapist.get_by_role("link", name="Daily mood and thoughts").click()
    expect(therapist.get_by_label("What completes it")).to_have_value("mood")
    therapist.get_by_role("button", name="Assign", exact=True).click()
    expect(therapist.get_by_role("status")).to_contain_text("Assigned")
    mood_homework = world["client"].assignments.get(title="Daily mood and thoughts")

    # The client opens Today: the mood scale is on the first screen, one row of 0 to 10.
    page = browser_contexts(**phone).new_page()
    sign_in_client(page)
    mood = page.locator("#mood")
    buttons = mood.locator(".mood-row button")
    expect(buttons).to_have_count(11)
    first, last = buttons.first.bounding_box(), buttons.last.bounding_box()
    assert first["y"] == last["y"], "the scale wraps onto a second row"
    assert last["y"] + last["height"] <= PHONE["height"], "the scale is below the first screen"
    expect(page.locator(f'[data-due="{mood_homework.public_id}"]')).to_contain_text(
        "Logging your mood counts"
    )
    page.screenshot(path=str(SCREENSHOTS / "journey-today-first-screen.png"))
    mood.get_by_label("A few words").fill("Talked it through with Sam, felt lighter")
    share = mood.get_by_role("checkbox", name="Share with Dr. Avery Stone")
    expect(share).not_to_be_checked()  # private unless the client chooses
    share.check()
    mood.get_by_role("button", name="7", exact=True).tap()
    expect(page.get_by_role("status")).to_contain_text("Saved to your journal")
    # Saved in place: the homework moved to Done in the same response, no other tap.
    expect(page.locator(f'[data-done="{mood_homework.public_id}"]')).to_be_visible()
    expect(page.locator("#mood [data-mood-logged]")).to_contain_text("last mood today: 7,")
    assert page.evaluate("window.scrollY") < 200, "saving the mood jumped down the page"

    # My week, the client's digest, the caseload and the adherence API all count it done.
    today = local_today("UTC")
    page.goto("/client/week/")
    occurrence = page.locator(f'.day.today [data-occurrence="{mood_homework.public_id}"]')
    expect(occurrence).to_have_attribute("data-state", "done")
    week = client_week_summary(client=world["client"], monday=iso_week_monday(today))
    assert (week.homework_done, week.journal_entries) == (1, 1)
    adherence = page.request.get("/api/v1/adherence/?weeks=1").json()
    [this_week] = adherence["weeks"]
    done = {a["title"]: (a["done"], a["due"]) for a in this_week["assignments"]}
    assert done["Daily mood and thoughts"] == (1, 1)
    therapist.goto("/therapist/")
    row = therapist.locator("tr", has_text="Kai Client")
    expect(row.locator("[data-adherence]")).to_contain_text("1/")

    # The client adds someone to their list, then logs the rest from Today.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Journal").click()
    expect(page).to_have_url(re.compile(r"/client/journal/$"))
    page.get_by_role("link", name="My people").click()
    page.fill("input[name=name]", "Sam")
    page.select_option("select[name=kind]", "friend")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_contain_text("Added Sam")
    page.get_by_role("link", name="Today").click()
    expect(page).to_have_url(re.compile(r"/client/$"))
    assert_fits_the_screen(page)
    shot(page, "today")

    mood = page.locator("#mood")
    mood.get_by_label("A few words").fill("Kept this one to myself")
    mood.get_by_role("button", name="3", exact=True).tap()
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
    # Two entries with a mood today, one completion of the mood homework: both hold it.
    assert Completion.objects.filter(assignment=mood_homework).count() == 1

    # The therapist sees the shared entry only: in the timeline, and in "Waiting for you",
    # where the one entry waiting is one tap away.
    therapist.goto(f"/therapist/clients/{client_id}/timeline/")
    expect(therapist.get_by_text("Talked it through with Sam")).to_be_visible()
    expect(therapist.get_by_text("Kept this one to myself")).to_have_count(0)
    assert_fits_the_screen(therapist)
    shot(therapist, "timeline")
    therapist.goto("/therapist/")
    waiting = therapist.locator(f'[data-waiting-row="{client_id}"]')
    expect(waiting).to_contain_text("1 shared entry not viewed yet")
    waiting.get_by_role("link", name="Kai Client").tap()
    expect(therapist.get_by_text("Talked it through with Sam")).to_be_visible()
    therapist.get_by_label("Your message").fill(
        "Thank you for writing this. Sam sounds good for you."
    )
    therapist.get_by_role("button", name="Send feedback").click()
    expect(therapist.get_by_role("status")).to_contain_text("Feedback sent")
    shot(therapist, "record")

    # The client: "New from Dr. Avery Stone" on Today, and one content-free e-mail.
    page.goto("/client/")
    expect(page.get_by_text(re.compile("New from Dr. Avery Stone"))).to_be_visible()
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "You have a new reply in Tandem"
    assert message["To"] == "kai@example.org"
    assert "Sam" not in message.get_body(("plain",)).get_content()
    wait_until(
        lambda: (
            broker_idle()
            and not Delivery.objects.filter(status__in=["pending", "sending"]).exists()
        ),
        what="the reply e-mail's row to be finished",
    )
    assert len(smtp_server.messages) == 1

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
