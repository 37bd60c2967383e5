"""One list of activity and one rule for "quiet": the caseload's flag, "Waiting for you" and
the therapist's reminder e-mail agree on the same clients."""

from datetime import date, time, timedelta

import pytest

from accounts.models import CareRelationship
from measures.models import MeasureResponse
from notifications import ledger, services
from notifications.models import Preferences
from progress.activity import QUIET_DAYS, is_quiet
from progress.caseload import SILENT, build_rows
from progress.waiting import waiting_for_therapist
from tests.factories import (
    LifestyleLogFactory,
    MeasureAssignmentFactory,
    RelationshipFactory,
    TherapistFactory,
)

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
LONG_AGO = date(2026, 1, 1)  # the day an old log was for: older than anything else


def in_care(therapist, name: str, *, days: int = 60):
    return RelationshipFactory(
        therapist=therapist, client__name=name, activated_at=NOW - days * DAY
    ).client


def logged(client, age: timedelta) -> None:
    LifestyleLogFactory(client=client, created_at=NOW - age, day=LONG_AGO)


def answered(client, therapist, age: timedelta) -> MeasureResponse:
    relationship = CareRelationship.objects.get(client=client, therapist=therapist)
    return MeasureResponse.objects.create(
        assignment=MeasureAssignmentFactory(relationship=relationship),
        client=client,
        instrument="phq9",
        period=0,
        answers=[0] * 9,
        raw_total=0,
        score=0,
        band="minimal",
        submitted_at=NOW - age,
    )


def test_the_caseload_waiting_for_you_and_the_reminder_agree_on_who_is_quiet(mailoutbox):
    therapist = TherapistFactory()
    answering = in_care(therapist, "Ann Answers")  # only a questionnaire lately
    logged(answering, 10 * DAY)
    response = answered(answering, therapist, 2 * DAY)
    newly_quiet = in_care(therapist, "Ben Newly")
    logged(newly_quiet, 9 * DAY)
    long_quiet = in_care(therapist, "Cat Long")  # the caseload's, no longer a nudge
    logged(long_quiet, 20 * DAY)
    active = in_care(therapist, "Dan Active")
    logged(active, DAY)
    never = in_care(therapist, "Eve Never", days=QUIET_DAYS + 1)  # nothing since care began

    caseload = CareRelationship.objects.filter(therapist=therapist)
    rows = {row.client: row for row in build_rows(therapist=therapist, relationships=caseload)}
    assert rows[answering].last_activity == response.submitted_at
    flagged = {client for client, row in rows.items() if SILENT in row.flags}
    assert flagged == {newly_quiet, long_quiet, never}
    assert flagged == {client for client, row in rows.items() if is_quiet_row(row)}

    waiting = waiting_for_therapist(therapist, NOW)
    waits = {item.relationship.client for item in waiting.of("silent")}
    assert waits == {newly_quiet, never}
    assert waits <= flagged
    assert waiting.silent == len(waits)

    services.preferences_update(
        user=therapist, quiet_start=None, quiet_end=None, reminder_time=time(9, 0)
    )
    Preferences.objects.filter(user=therapist).update(next_reminder_at=NOW)
    sent = [ledger.deliver(pk) for pk in services.tick(now=NOW).deliveries]
    assert sent == ["sent"]
    (message,) = mailoutbox
    assert "2 clients quiet for a week" in message.body


def is_quiet_row(row) -> bool:
    """The rule read directly: the last active day (or, with none, the start of care)."""
    since = row.last_active_day or row.relationship.activated_at.date()
    return is_quiet(since, TODAY)
