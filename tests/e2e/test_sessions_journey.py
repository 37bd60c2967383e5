"""Sessions as the anchor of the week, in Chromium: the therapist sets a weekly series and a
PHQ-9 before each session; the client sees the next session on Today, answers the PHQ-9 due
before it and puts two lines aside to bring (one from a private entry, which asks to share
it); the therapist opens the brief from the caseload (the lines first, the PHQ-9's change),
marks the session held, agrees the plan and adjusts homework, and writes a note; the client
sees "From today's session"."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from accounts.clock import local_today
from appointments.models import Appointment, BringItem, Status
from clients.models import JournalEntry
from homework import library
from homework import services as homework_services
from homework.models import HomeworkTemplate
from measures import services as measure_services
from measures.instruments import PHQ9
from tests.conftest import ROOT, activate_totp, make_active_relationship
from tests.e2e.browser import PHONE, assert_fits_the_screen, sign_in_with_totp
from tests.factories import PASSWORD, ClientFactory, TherapistFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SCREENSHOTS = ROOT / "var" / "artifacts" / "screenshots"
DESK = {"width": 1280, "height": 800}


@pytest.fixture
def world(transactional_db):
    from careplans import services as plan_services

    library.install(HomeworkTemplate)
    therapist = TherapistFactory(email="dr.lane@example.org", name="Dr. Lee Lane")
    activate_totp(therapist)
    client = ClientFactory(email="kai@example.org", name="Kai Client", timezone="UTC")
    relationship = make_active_relationship(therapist, client)
    daily = homework_services.assignment_create(
        therapist=therapist,
        relationship=relationship,
        template=HomeworkTemplate.objects.get(slug="daily-mood-journal", owner=None),
        start_date=local_today("UTC") - timedelta(days=10),
    )
    # A PHQ-9 three weeks ago, for the brief's change; a plan changed since it was agreed.
    earlier = measure_services.measure_assign(
        therapist=therapist, relationship=relationship, instrument="phq9"
    )
    measure_services.record_response(
        assignment=earlier,
        period=0,
        answers=[2] * 8 + [0],
        submitted_at=timezone.now() - timedelta(weeks=3),
    )
    plan = plan_services.plan_for_relationship(relationship)
    plan_services.item_add(plan=plan, author=client, section="needs", text="Sleep by eleven")
    plan.refresh_from_db()
    plan_services.version_agree(therapist=therapist, version=plan.versions.get(number=1))
    plan_services.item_add(plan=plan, author=client, section="goals", text="Walk on Sundays")
    return {"therapist": therapist, "client": client, "daily": daily}


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"sessions-{name}.png"), full_page=True)


def test_a_week_around_a_session(world, browser_contexts):
    client_id = world["client"].public_id
    # The first session a quarter of an hour from now (both people are in UTC), so that the
    # clock need move on only minutes to get past its start: sign-ins last half an hour idle.
    soon = timezone.now() + timedelta(minutes=15)
    start = soon.replace(second=0, microsecond=0) + timedelta(minutes=5 - soon.minute % 5)

    # The therapist sets a weekly series from then, six sessions.
    desk = browser_contexts(viewport=DESK).new_page()
    sign_in_with_totp(desk, "dr.lane@example.org", PASSWORD)
    desk.goto(f"/therapist/clients/{client_id}/")
    desk.get_by_role("link", name="Record a session").click()
    desk.get_by_label("Date").fill(f"{start:%Y-%m-%d}")
    desk.get_by_label("Start time").fill(f"{start:%H:%M}")
    desk.get_by_label("Every week").check()
    desk.get_by_label("Or a number of sessions").fill("6")
    desk.get_by_role("button", name="Save").click()
    expect(desk.locator("[data-sessions]")).to_contain_text(f"{start:%H:%M}")
    sessions = list(Appointment.objects.filter(client=world["client"]).order_by("starts_at"))
    assert len(sessions) == 6 and sessions[0].starts_at == start
    first = sessions[0]
    # And a PHQ-9 before each session (due from two days before).
    panel = desk.locator("[data-measures-panel]")
    panel.get_by_label("Questionnaire").select_option("phq9")
    panel.get_by_label("How often").select_option(label="Before each session")
    panel.get_by_role("button", name="Set questionnaire").click()
    expect(desk.get_by_role("status")).to_contain_text("PHQ-9 set")

    # The client, on a phone: the next session on Today, and the PHQ-9 due before it.
    phone = browser_contexts(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto("/accounts/login/")
    phone.fill("input[name=login]", "kai@example.org")
    phone.fill("input[name=password]", PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/client/$"))
    expect(phone.locator("[data-next-session]")).to_contain_text("Next session:")
    expect(phone.locator("[data-next-session]")).to_contain_text(f"{start:%H:%M}")
    assert_fits_the_screen(phone)
    shot(phone, "today")
    phone.locator("[data-questionnaires-due]").get_by_role("link", name="Answer the PHQ-9").tap()
    for number in range(1, 10):
        group = phone.get_by_role("group", name=f"{number}. {PHQ9.items[number - 1]}")
        group.get_by_label("Not at all").tap()
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("heading", name=re.compile("PHQ-9"))).to_be_visible()

    # A private entry, put aside for the session: asked to share it, the client shares it.
    phone.goto("/client/")
    mood = phone.locator("#mood")
    mood.get_by_label("A few words").fill("The argument with my sister on Sunday")
    mood.get_by_role("button", name="3", exact=True).tap()
    expect(phone.get_by_role("status")).to_contain_text("Saved to your journal")
    entry = JournalEntry.objects.get(client=world["client"])
    assert not entry.shared
    phone.goto(f"/client/records/{entry.public_id}/")
    phone.get_by_role("link", name="Add to my next session").tap()
    expect(phone.locator("[data-private]")).to_contain_text("private")
    phone.get_by_role("button", name="Share it and add").tap()
    expect(phone.get_by_role("status")).to_contain_text("Added to your list")
    expect(phone.locator("main")).to_contain_text("My journal entry of")
    entry.refresh_from_db()
    assert entry.shared
    # And a note of their own, from Today's link.
    phone.goto("/client/")
    phone.locator("[data-to-bring]").get_by_role("link").tap()
    phone.get_by_label("What you want to bring").fill("Sleeping badly since the move")
    phone.get_by_role("button", name="Add to my list").tap()
    expect(phone.locator("main")).to_contain_text("Sleeping badly since the move")
    assert BringItem.objects.filter(appointment=first).count() == 2
    assert_fits_the_screen(phone)
    shot(phone, "to-bring")

    # The therapist: the brief from the caseload, the lines first, the PHQ-9's change.
    desk.goto("/therapist/")
    soon = desk.locator("[data-sessions-soon]")
    expect(soon).to_contain_text("Kai Client")
    soon.get_by_role("link", name=re.compile("^Brief")).click()
    parts = desk.locator("[data-brief-part]")
    expect(parts.first).to_have_attribute("data-brief-part", "bring")
    expect(parts.first).to_contain_text("My journal entry of")
    expect(parts.first).to_contain_text("Sleeping badly since the move")
    # The entry itself, shared now, is among the shared entries.
    expect(desk.locator('[data-brief-part="entries"]')).to_contain_text(
        "The argument with my sister on Sunday"
    )
    measures = desk.locator('[data-brief-part="measures"]')
    expect(measures).to_contain_text("PHQ-9 0")
    expect(measures).to_contain_text("was 16")
    shot(desk, "brief-desk")
    desk.set_viewport_size(PHONE)
    shot(desk, "brief-phone")
    assert_fits_the_screen(desk)
    desk.emulate_media(media="print")
    desk.set_viewport_size(DESK)
    shot(desk, "brief-print")
    desk.emulate_media(media="screen")

    # After the session (the clock moved on past its start): held, plan agreed, homework
    # adjusted, and a note to the client.
    with time_machine.travel(first.starts_at + timedelta(minutes=2), tick=True):
        desk.goto(f"/therapist/sessions/{first.public_id}/after/")
        desk.get_by_role("button", name="Held").click()
        first.refresh_from_db()
        assert first.status == Status.HELD
        desk.get_by_role("button", name=re.compile("^Mark version \\d+ as agreed")).click()
        expect(desk.get_by_role("status")).to_contain_text("agreed")
        desk.get_by_role("link", name="Adjust Daily mood and thoughts").click()
        desk.get_by_label("Title").fill("Mood and one good thing")
        desk.get_by_role("button", name="Save changes").click()
        expect(desk.get_by_role("status")).to_contain_text("Changes saved")
        desk.goto(f"/therapist/sessions/{first.public_id}/after/")
        desk.get_by_label(re.compile("^From today's session")).fill(
            "Good work today. Try the wind-down routine before bed this week."
        )
        desk.get_by_role("button", name="Send the note").click()
        expect(desk.get_by_role("status")).to_be_visible()

        # The client sees "From today's session" on Today until it is opened.
        phone.goto("/client/")
        card = phone.locator("[data-recap]")
        expect(card).to_contain_text("From today's session")
        card.get_by_role("link", name="Read the note").tap()
        expect(phone.locator("main")).to_contain_text("Try the wind-down routine")
        phone.goto("/client/")
        expect(phone.locator("[data-recap]")).to_have_count(0)
        # The next session is now the second of the series.
        expect(phone.locator("[data-next-session]")).to_contain_text("Next session:")
        assert_fits_the_screen(phone)
    world["daily"].refresh_from_db()
    assert world["daily"].title == "Mood and one good thing"
