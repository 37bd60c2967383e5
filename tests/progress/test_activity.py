"""One list of activity and one rule for "quiet", and one definition of what waits: the
caseload's flags, "Waiting for you", the therapist's reminder e-mail and the weekly review
agree on the same clients and the same numbers."""

from datetime import date, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import CareRelationship, CareStatus
from clients import services as records
from measures.models import MeasureResponse
from notifications import ledger, services
from notifications.models import Preferences
from progress.activity import QUIET_DAYS, is_quiet
from progress.caseload import SILENT, activity_of, build_rows, caseload_week
from progress.waiting import waiting_for_therapist
from tests.conftest import activate_totp
from tests.factories import (
    FeedbackFactory,
    JournalEntryFactory,
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
    # The caseload page hands over its rows' last activity instead: the same answer, and a
    # client its rows miss (one who joined between the two reads) is read, not taken as
    # never active.
    relationships = list(caseload.select_related("client"))
    activity = activity_of(list(rows.values()))
    for given in (activity, {k: v for k, v in activity.items() if k != newly_quiet.pk}):
        again = waiting_for_therapist(therapist, NOW, relationships, activity=given)
        assert {item.relationship.client for item in again.of("silent")} == waits

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


# --- One fixed world, every reader -----------------------------------------------------


def thread(therapist, client, *, answered: bool = False):
    """A shared entry with the therapist's feedback and the client's reply (and, if
    `answered`, the therapist's answer to it), over the last four days."""
    relationship = CareRelationship.objects.get(client=client, therapist=therapist)
    entry = JournalEntryFactory(client=client, shared=True, created_at=NOW - 4 * DAY)
    messages = [(therapist, 3), (client, 2)] + ([(therapist, 1)] if answered else [])
    for author, days in messages:
        FeedbackFactory(
            relationship=relationship,
            journal_entry=entry,
            author=author,
            created_at=NOW - days * DAY,
        )
    return entry


@pytest.fixture
def world():
    """Seven clients and an invitation: what waits is 2 entries not opened (Sam), 1 reply
    (Rae), 1 quiet client (Quinn) and 1 invitation about to expire; nothing of Ann's (her
    reply answered), Noel's (marked "no reply needed") nor Mia's (active by a questionnaire)."""
    therapist = TherapistFactory(timezone="Europe/London")
    activate_totp(therapist)
    sam = in_care(therapist, "Sam Shared")
    JournalEntryFactory(client=sam, shared=True, created_at=NOW - DAY)
    JournalEntryFactory(client=sam, shared=True, created_at=NOW - 2 * DAY)
    opened = JournalEntryFactory(client=sam, shared=True, created_at=NOW - 3 * DAY)
    records.record_opened(therapist=therapist, record=opened)  # read, left unanswered
    JournalEntryFactory(client=sam, shared=False, created_at=NOW - DAY)  # private
    rae = in_care(therapist, "Rae Reply")
    thread(therapist, rae)
    ann = in_care(therapist, "Ann Answered")
    thread(therapist, ann, answered=True)
    noel = in_care(therapist, "Noel Noreply")
    records.reply_no_reply_needed(therapist=therapist, record=thread(therapist, noel))
    quinn = in_care(therapist, "Quinn Quiet")
    logged(quinn, 9 * DAY)
    mia = in_care(therapist, "Mia Measures")
    logged(mia, 10 * DAY)
    answered(mia, therapist, 2 * DAY)
    RelationshipFactory(
        therapist=therapist,
        client=None,
        status=CareStatus.INVITED,
        invited_email="soon@example.org",
        invitation_expires_at=NOW + timedelta(hours=6),
        activated_at=None,
    )
    return therapist


def test_the_box_the_email_the_caseload_and_the_weekly_review_agree(world, mailoutbox):
    therapist = world
    # The box: one row per client (or invitation), with counts by kind.
    waiting = waiting_for_therapist(therapist, NOW)
    rows = {
        (str(row.relationship.client) if row.relationship.client else "invitation"): (
            row.shared,
            row.replies,
            row.silent,
        )
        for row in waiting.rows
    }
    assert rows == {
        "Sam Shared": (2, 0, False),
        "Rae Reply": (0, 1, False),
        "Quinn Quiet": (0, 0, True),
        "invitation": (0, 0, False),
    }
    counts = (waiting.shared, waiting.replies, waiting.invitations, waiting.silent)
    assert counts == (2, 1, 1, 1) and waiting.total == 5

    browser = Client()
    browser.force_login(therapist)
    page = browser.get(reverse("therapist_home")).content.decode()
    box = page.split('id="waiting-heading"')[1].split("</section>")[0]
    assert 'data-waiting="5"' in page
    assert box.count("data-waiting-row=") == 4
    assert "2 shared entries not viewed yet" in box
    assert "1 reply not answered" in box
    assert box.count('data-waits="silent"') == 1

    # The caseload: the quiet flag is Quinn's alone; Mia's questionnaire is activity.
    caseload = CareRelationship.objects.filter(therapist=therapist)
    built = build_rows(therapist=therapist, relationships=caseload)
    flagged = {str(row.client) for row in built if SILENT in row.flags}
    assert flagged == {"Quinn Quiet"}
    assert flagged == {str(item.relationship.client) for item in waiting.of("silent")}

    # The weekly review: the same quiet count, on the page and in its counts.
    week = caseload_week(therapist=therapist, monday=TODAY)
    assert week.quiet == len(flagged) == waiting.silent
    assert {str(r.client) for r in week.rows if SILENT in r.flags} == flagged
    review = browser.get(reverse("therapist_weekly_review")).content.decode()
    assert f"<dt>No activity for 7 days or more</dt><dd>{week.quiet}</dd>" in review

    # The reminder e-mail: the same counts, in words.
    services.preferences_update(
        user=therapist, quiet_start=None, quiet_end=None, reminder_time=time(9, 0)
    )
    Preferences.objects.filter(user=therapist).update(next_reminder_at=NOW)
    assert [ledger.deliver(pk) for pk in services.tick(now=NOW).deliveries] == ["sent"]
    (message,) = mailoutbox
    assert message.subject == "5 things are waiting for you in Tandem"
    assert (
        "2 shared entries not viewed yet, 1 reply not answered, 1 invitation about to expire, "
        "1 client quiet for a week." in message.body
    )
