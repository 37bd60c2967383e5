"""A PHQ-9 in Chromium on a phone: the therapist sets it from the client's page; the client
sees it on Today, reads that the therapist will see the answers, answers question 9 above
"not at all" and lands on the crisis page. The therapist sees the alert first on the caseload,
acknowledges it with a note, and it is gone from every page; each step is in the audit log."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import AuditAction, AuditEvent
from measures.instruments import PHQ9
from measures.models import MeasureAssignment, MeasureResponse
from safety.models import SafetyAlert
from tests.conftest import ROOT, activate_totp, make_active_relationship
from tests.e2e.browser import PHONE, assert_fits_the_screen, sign_in_with_totp
from tests.factories import PASSWORD, ClientFactory, TherapistFactory

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ARTIFACTS = ROOT / "var" / "artifacts" / "screenshots"


@pytest.fixture
def people(transactional_db):
    therapist = TherapistFactory(email="dr.lane@example.org", name="Dr. Lee Lane")
    activate_totp(therapist)
    client = ClientFactory(email="kai.client@example.org", name="Kai Client", timezone="UTC")
    relationship = make_active_relationship(therapist, client)
    return therapist, client, relationship


def test_a_phq9_with_question_9_above_zero_ends_on_the_crisis_page(people, browser_contexts):
    therapist, client, relationship = people
    # The therapist, at the desk: client → set a PHQ-9, once.
    desk = browser_contexts(viewport={"width": 1280, "height": 800}).new_page()
    sign_in_with_totp(desk, therapist.email, PASSWORD)
    desk.get_by_role("link", name="Kai Client").click()
    panel = desk.locator("[data-measures-panel]")
    panel.get_by_label("Questionnaire").select_option("phq9")
    panel.get_by_label("How often").select_option("0")
    panel.get_by_role("button", name="Set questionnaire").click()
    expect(desk.get_by_role("status")).to_contain_text("PHQ-9 set: once.")
    assignment = MeasureAssignment.objects.get()
    assert assignment.relationship == relationship

    # The client, on a phone: Today shows it; the notice comes before the questions.
    phone = browser_contexts(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto("/accounts/login/")
    phone.fill("input[name=login]", client.email)
    phone.fill("input[name=password]", PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/client/$"))
    card = phone.locator("[data-questionnaires-due]")
    expect(card).to_contain_text("Questionnaire due")
    expect(card.locator(f'[data-questionnaire-due="{assignment.public_id}"]')).to_be_visible()
    card.get_by_role("link", name="Answer the PHQ-9").tap()
    expect(phone.locator("[data-notice]")).to_contain_text(
        "Your therapist will see your answers and your score"
    )
    assert_fits_the_screen(phone)

    # One question missed: the error names it, nothing is saved.
    for number in range(1, 9):
        group = phone.get_by_role("group", name=f"{number}. {PHQ9.items[number - 1]}")
        group.get_by_label("Not at all").tap()
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.locator("[data-errors]")).to_contain_text("Please answer question 9")
    assert not MeasureResponse.objects.exists()
    assert_fits_the_screen(phone)

    # Question 9 answered "several days": straight to where to find help now.
    phone.get_by_role("group", name=f"9. {PHQ9.items[8]}").get_by_label("Several days").tap()
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone).to_have_url(re.compile(r"/help-now/\?result=[0-9a-f-]+$"))
    expect(phone.get_by_role("heading", name="Help right now")).to_be_visible()
    expect(phone.locator("[data-alerted]")).to_contain_text("your answer to question 9")
    expect(phone.locator("[data-result-link]")).to_have_text("See your result")
    assert_fits_the_screen(phone)
    response = MeasureResponse.objects.get()
    assert (response.score, response.band, response.answers[8]) == (1, "minimal", 1)
    alert = SafetyAlert.objects.get()
    assert (alert.source, alert.reference) == ("phq9_item9", response.public_id)

    # The therapist, back at the desk: the banner first, then the client at the top of the
    # caseload with the alert, ahead of a client whose name sorts first.
    make_active_relationship(therapist, ClientFactory(name="Aaron Able"))
    desk.goto("/therapist/")
    banner = desk.locator("[data-safety-banner]")
    expect(banner).to_contain_text("1 safety alert: a client needs your attention.")
    assert desk.evaluate(
        "document.querySelector('[data-safety-banner]').getBoundingClientRect().top"
    ) < desk.evaluate("document.querySelector('h1').getBoundingClientRect().top")
    first_row = desk.locator("table.caseload tbody tr").first
    expect(first_row).to_contain_text("Kai Client")
    expect(first_row).to_contain_text("Open safety alert")
    expect(first_row.locator("[data-measure=phq9]")).to_contain_text("PHQ-9 1 · minimal")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(ARTIFACTS / "journey-alert-caseload.png"), full_page=True)

    # Acknowledging needs a note; with one, the alert is closed and the banner gone.
    banner.get_by_role("link", name="See the alert").click()
    card = desk.locator(f'[data-alert="{alert.public_id}"]')
    expect(card).to_contain_text("Kai Client")
    card.get_by_role("button", name="Acknowledge").click()
    expect(desk.locator('[role="alert"]').first).to_be_visible()
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    card = desk.locator(f'[data-alert="{alert.public_id}"]')
    card.get_by_label("What you did (required)").fill("Phoned Kai; made a safety plan together.")
    card.get_by_role("button", name="Acknowledge").click()
    expect(desk.locator("[data-done-alerts]")).to_contain_text("Phoned Kai")
    expect(desk.locator("[data-safety-banner]")).to_have_count(0)
    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist and alert.note.startswith("Phoned Kai")
    desk.goto("/therapist/")
    expect(desk.locator("[data-safety-banner]")).to_have_count(0)
    expect(desk.locator("table.caseload tbody tr").first).to_contain_text("Aaron Able")

    actions = list(
        AuditEvent.objects.filter(action__startswith="safety_alert").values_list(
            "action", flat=True
        )
    )
    assert AuditAction.SAFETY_ALERT_RAISED in actions
    assert AuditAction.SAFETY_ALERT_ACKNOWLEDGED in actions
    ack = AuditEvent.objects.get(action=AuditAction.SAFETY_ALERT_ACKNOWLEDGED)
    assert "Phoned" not in str(ack.detail)
