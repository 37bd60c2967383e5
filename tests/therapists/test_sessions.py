"""One session for the therapist: the brief page (audit, print, access), its JSON twin, the
caseload's "Sessions today and tomorrow", and after the session (held or missed, the plan
agreed, the note to the client, which waits on the client's Today until opened)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from accounts.models import AuditAction, AuditEvent
from appointments.models import Appointment, Status
from careplans import services as plan_services
from progress.brief import session_brief
from tests.factories import AppointmentFactory, BringItemFactory, JournalEntryFactory
from tests.plans import assert_runs_on_a_kept_plan, runs_past_the_first_plans
from therapists.sessions_api import BriefSerializer

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # Friday; London is on UTC


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def session(personas):
    session = AppointmentFactory(
        relationship=personas.relationship_a, starts_at=NOW + timedelta(days=1, hours=5)
    )
    BringItemFactory(appointment=session, text="The letter from work")
    return session


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def brief_url(session) -> str:
    return reverse("therapist_session_brief", kwargs={"public_id": session.public_id})


def url(name: str, session) -> str:
    return reverse(name, kwargs={"public_id": session.public_id})


def views_of(therapist) -> list[dict]:
    return list(
        AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED, actor=therapist).values_list(
            "detail", flat=True
        )
    )


# --- The brief -------------------------------------------------------------------------


def test_the_brief_shows_the_lines_first_and_says_only_shared_records_count(personas, session):
    JournalEntryFactory(client=personas.client_a, shared=True, occurred_at=NOW, text="Shared day")
    JournalEntryFactory(client=personas.client_a, shared=False, occurred_at=NOW, text="Secret day")
    page = signed_in(personas.therapist_a).get(brief_url(session)).content.decode()
    assert page.index("The letter from work") < page.index('data-brief-part="homework"')
    assert "Only what Ada Alpha shares is counted here." in page
    assert "Shared day" in page
    assert "Secret day" not in page
    assert "four weeks ago" in page


def test_each_read_of_the_brief_is_one_audit_row(personas, session):
    browser = signed_in(personas.therapist_a)
    browser.get(brief_url(session))
    browser.get(brief_url(session))
    assert views_of(personas.therapist_a) == [{"what": "session brief"}] * 2


def test_the_brief_prints_on_its_own(personas, session):
    page = signed_in(personas.therapist_a).get(brief_url(session)).content.decode()
    assert 'class="back no-print"' in page
    css = (Path(settings.BASE_DIR) / "static/css/tandem.css").read_text()
    print_rules = css[css.index("/* The pre-session brief") :]
    assert "@media print" in print_rules
    assert ".brief .back, .brief .page-actions" in print_rules


def test_another_therapists_session_is_not_found(personas, session):
    response = signed_in(personas.therapist_b).get(brief_url(session))
    assert response.status_code == 404
    assert "Ada Alpha" not in response.content.decode()
    assert views_of(personas.therapist_b) == []


def test_a_client_is_refused_the_brief(personas, session):
    assert signed_in(personas.client_a).get(brief_url(session)).status_code == 403


def test_the_json_brief_is_the_pages_selector_output(personas, session):
    api = APIClient()
    api.force_authenticate(personas.therapist_a)
    response = api.get(url("api-session-brief", session))
    assert response.status_code == 200
    brief = session_brief(therapist=personas.therapist_a, appointment=session, now=NOW)
    assert response.json() == json.loads(JSONRenderer().render(BriefSerializer(brief).data))
    data = response.json()
    assert data["bring"] == [{"text": "The letter from work", "source": ""}]
    assert data["shared_only"] is True
    assert data["period"]["since_session"] is None
    assert views_of(personas.therapist_a) == [{"what": "session brief"}]


def test_the_json_brief_of_another_therapists_session_is_not_found(personas, session):
    api = APIClient()
    api.force_authenticate(personas.therapist_b)
    assert api.get(url("api-session-brief", session)).status_code == 404


# --- The caseload ---------------------------------------------------------------------


def test_the_caseload_lists_todays_and_tomorrows_sessions_with_their_brief(personas, session):
    later = AppointmentFactory(
        relationship=personas.relationship_a, starts_at=NOW + timedelta(days=3)
    )
    cancelled = AppointmentFactory(
        relationship=personas.relationship_a,
        starts_at=NOW + timedelta(hours=2),
        status=Status.CANCELLED,
    )
    page = signed_in(personas.therapist_a).get(reverse("therapist_home")).content.decode()
    block = page[page.index("data-sessions-soon") :]
    assert "Sessions today and tomorrow" in page
    assert f'data-session="{session.public_id}"' in block
    assert "Tomorrow 17:00</time> · Ada Alpha" in block
    assert brief_url(session) in block
    assert str(later.public_id) not in page
    assert str(cancelled.public_id) not in page
    assert page.index("data-sessions-soon") < page.index('table class="responsive caseload"')


def test_the_caseload_without_sessions_soon_has_no_block(personas):
    page = signed_in(personas.therapist_a).get(reverse("therapist_home")).content.decode()
    assert "data-sessions-soon" not in page


def test_the_caseloads_sessions_are_read_with_one_kept_plan(personas, session):
    """Run on every caseload view: the therapist's own sessions of the two days, soonest
    first, and on PostgreSQL read by the plan the connection keeps for the query, not
    planned again each time (through the relationship alone it was: 0.5 ms a view)."""
    from django.db import connection

    from appointments.selectors import therapist_sessions_between

    sooner = AppointmentFactory(
        relationship=personas.relationship_a, starts_at=NOW + timedelta(hours=3)
    )
    AppointmentFactory(relationship=personas.relationship_b, starts_at=NOW + timedelta(hours=4))
    # A practice's year of sessions behind them, held, as the planner's statistics see it.
    Appointment.objects.bulk_create(
        AppointmentFactory.build(
            relationship=(personas.relationship_a, personas.relationship_b)[i % 2],
            starts_at=NOW - timedelta(days=1 + i // 4),
            status=Status.HELD,
        )
        for i in range(1500)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE appointments_appointment")
    days = {"start": NOW - timedelta(hours=12), "end": NOW + timedelta(days=2)}
    runs = runs_past_the_first_plans()
    for _ in range(runs):
        found = therapist_sessions_between(therapist=personas.therapist_a, **days)
        assert found == [sooner, session]
    assert_runs_on_a_kept_plan(
        'SELECT "appointments_appointment"."id"%"appointments_appointment"."starts_at" < $%'
    )


# --- After the session ----------------------------------------------------------------


@pytest.fixture
def past(personas):
    return AppointmentFactory(
        relationship=personas.relationship_a, starts_at=NOW - timedelta(hours=2)
    )


def test_marking_before_the_start_is_a_clear_error(personas, session):
    response = signed_in(personas.therapist_a).post(
        url("therapist_session_mark", session), {"status": "held"}
    )
    assert response.status_code == 400
    assert "This session has not started yet." in response.content.decode()
    session.refresh_from_db()
    assert session.status == Status.SCHEDULED


@pytest.mark.parametrize("status", [Status.HELD, Status.MISSED])
def test_it_marks_a_session_held_or_missed(personas, past, status):
    response = signed_in(personas.therapist_a).post(
        url("therapist_session_mark", past), {"status": status}
    )
    assert response.status_code == 302
    past.refresh_from_db()
    assert past.status == status
    page = signed_in(personas.therapist_a).get(url("therapist_session_after", past)).content
    assert f'data-status="{status}"'.encode() in page


def test_another_therapist_cannot_mark_it(personas, past):
    response = signed_in(personas.therapist_b).post(
        url("therapist_session_mark", past), {"status": "held"}
    )
    assert response.status_code == 404
    past.refresh_from_db()
    assert past.status == Status.SCHEDULED


def test_it_agrees_the_plans_current_version(personas, past):
    plan = plan_services.plan_for_relationship(personas.relationship_a)
    plan_services.item_add(author=personas.therapist_a, plan=plan, section="needs", text="Rest")
    browser = signed_in(personas.therapist_a)
    assert b"Mark version 1 as agreed" in browser.get(url("therapist_session_after", past)).content
    assert browser.post(url("therapist_session_agree", past)).status_code == 302
    assert plan.versions.get(number=1).agreed_by == personas.therapist_a
    assert b"Version 1 was agreed" in browser.get(url("therapist_session_after", past)).content


def test_agreeing_an_empty_plan_says_so(personas, past):
    response = signed_in(personas.therapist_a).post(url("therapist_session_agree", past))
    assert response.status_code == 400
    assert "The care plan is still empty." in response.content.decode()


def test_the_after_page_links_to_the_homework_pages(personas, past):
    from tests.factories import AssignmentFactory

    assignment = AssignmentFactory(relationship=personas.relationship_a, title="Breathing")
    page = signed_in(personas.therapist_a).get(url("therapist_session_after", past)).content
    page = page.decode()
    assert reverse("therapist_assignment_edit", args=[assignment.public_id]) in page
    assert reverse("therapist_assignment_end", args=[assignment.public_id]) in page
    assert reverse("therapist_assign", args=[personas.client_a.public_id]) in page


def test_the_note_waits_on_today_until_opened(personas, past):
    therapist = signed_in(personas.therapist_a)
    therapist.post(url("therapist_session_mark", past), {"status": "held"})
    therapist.post(url("therapist_session_recap", past), {"recap": "Try the walk at lunch."})
    client = signed_in(personas.client_a)
    today = client.get(reverse("client_home")).content.decode()
    assert "From today's session" in today
    recap_url = url("client_session_recap", past)
    assert recap_url in today
    page = client.get(recap_url).content.decode()
    assert "Try the walk at lunch." in page
    assert "From today's session" not in client.get(reverse("client_home")).content.decode()
    past.refresh_from_db()
    assert past.recap_read_at == NOW


def test_a_note_before_the_session_was_held_is_refused(personas, past):
    response = signed_in(personas.therapist_a).post(
        url("therapist_session_recap", past), {"recap": "Hello"}
    )
    assert response.status_code == 400
    assert "Mark the session as held first." in response.content.decode()
    assert Appointment.objects.get(pk=past.pk).recap == ""


def test_another_client_cannot_open_the_note(personas, past):
    past.status, past.recap, past.recap_at = Status.HELD, "Private words", NOW
    past.save()
    response = signed_in(personas.client_b).get(url("client_session_recap", past))
    assert response.status_code == 404
    past.refresh_from_db()
    assert past.recap_read_at is None


# --- The API actions ------------------------------------------------------------------


def test_the_api_marks_and_writes_the_note(personas, past):
    api = APIClient()
    api.force_authenticate(personas.therapist_a)
    response = api.post(url("api-session-mark", past), {"status": "held"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "held"
    response = api.post(url("api-session-recap", past), {"recap": "Well done."}, format="json")
    assert response.json()["recap"] == "Well done."


def test_the_api_refuses_marking_before_the_start(personas, session):
    api = APIClient()
    api.force_authenticate(personas.therapist_a)
    response = api.post(url("api-session-mark", session), {"status": "held"}, format="json")
    assert response.status_code == 400
    assert response.json()["status"] == ["This session has not started yet."]
