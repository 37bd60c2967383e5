"""Every e-mail kind's context holds plain values only (ints, text, dates, booleans, None and
lists or dicts of those): no model, no selector row, no float such as a mood. Each kind is
built by its real sender, from a client whose week holds moods."""

import uuid
from dataclasses import is_dataclass
from datetime import date, time, timedelta

import pytest

from accounts import services as accounts_services
from accounts.models import CareStatus
from appointments.services import appointment_create
from clients import services as records
from notifications import emails, ledger, services
from notifications.models import Delivery, Kind
from notifications.selectors import ClientWeek
from safety.models import Source
from safety.services import raise_alert
from tests.factories import (
    AssignmentFactory,
    CompletionFactory,
    JournalEntryFactory,
    RelationshipFactory,
)

from .conftest import NOW, TODAY, due_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PLAIN = (int, str, date, type(None))  # bool is an int; a datetime is a date


def impurities(value, where: str = "context") -> list[str]:
    """Where `value` holds anything but plain values."""
    if isinstance(value, dict):
        return [
            problem
            for key, item in value.items()
            for problem in (
                ([] if isinstance(key, str) else [f"{where}: key {key!r}"])
                + impurities(item, f"{where}.{key}")
            )
        ]
    if isinstance(value, list | tuple):
        return [p for i, item in enumerate(value) for p in impurities(item, f"{where}[{i}]")]
    if isinstance(value, PLAIN) and not is_dataclass(value):
        return []
    return [f"{where}: {type(value).__name__}"]


@pytest.fixture
def contexts(monkeypatch) -> dict[str, dict]:
    """The context each kind's renderer received, by template."""
    seen: dict[str, dict] = {}
    render = emails.render_email

    def recording(**kwargs):
        seen[kwargs["template"]] = kwargs["context"]
        return render(**kwargs)

    monkeypatch.setattr(emails, "render_email", recording)
    return seen


@pytest.fixture
def rows(personas) -> dict[str, int]:
    """One ledger row of each kind, for client A and their therapist."""
    client, therapist = personas.client_a, personas.therapist_a
    assignment = AssignmentFactory(client=client, start_date=TODAY - timedelta(days=7))
    CompletionFactory(assignment=assignment, due_date=TODAY - timedelta(days=1))
    entries = [JournalEntryFactory(client=client, mood=4 + d % 3, shared=True) for d in range(1, 9)]
    # The therapist's feedback makes the client's note that a reply waits.
    records.feedback_create(author=therapist, record=entries[0], text="Thank you")
    RelationshipFactory(  # waits for the therapist: it expires within a day
        therapist=therapist,
        client=None,
        status=CareStatus.INVITED,
        invited_email="soon@example.org",
        invitation_expires_at=NOW + timedelta(hours=6),
    )
    due_now(client)
    [reminder] = services.tick(now=NOW).deliveries
    (alert,) = raise_alert(client=client, source=Source.JOURNAL, reference=uuid.uuid4())
    invitation = accounts_services.invitation_create(therapist=therapist, email="new@example.org")
    made = {
        Kind.CATCH_UP: (client, "2026-W49"),
        Kind.CLIENT_DIGEST: (client, "2026-W49"),  # this week: the entries are today's
        Kind.THERAPIST_DIGEST: (therapist, "2026-W48"),
        Kind.THERAPIST_REMINDER: (therapist, TODAY.isoformat()),
        Kind.SAFETY_ALERT: (therapist, str(alert.pk)),
    }
    ids = {
        kind: Delivery.objects.create(user=user, kind=kind, period=period).pk
        for kind, (user, period) in made.items()
    }
    ids[Kind.REMINDER] = reminder
    ids[Kind.REPLY] = Delivery.objects.get(
        user=client, kind=Kind.REPLY, period=TODAY.isoformat()
    ).pk
    [session] = appointment_create(
        therapist=therapist,
        relationship=personas.relationship_a,
        day=TODAY + timedelta(days=1),
        start_time=time(17, 0),
        location="Room 4",
    ).appointments
    ids[Kind.SESSION_REMINDER] = Delivery.objects.create(
        user=client,
        kind=Kind.SESSION_REMINDER,
        period=services.session_period(session.public_id, session.starts_at),
    ).pk
    ids[Kind.INVITATION] = Delivery.objects.get(
        kind=Kind.INVITATION, period=f"{invitation.pk}.0"
    ).pk
    return ids


def test_every_kind_s_context_holds_counts_and_plain_values_only(rows, contexts, mailoutbox):
    assert set(rows) == set(Kind.values) - {Kind.SAFETY_REALERT}  # the alert's template again
    for kind, pk in rows.items():
        assert ledger.deliver(pk) == "sent", kind
    assert len(contexts) == len(rows) and len(mailoutbox) == len(rows)
    for template, context in contexts.items():
        assert impurities(context) == [], template
    week = contexts["client_digest"]["week"]
    assert week["journal_entries"] and "moods" not in week


def test_the_check_finds_a_week_with_moods_and_a_model():
    week = ClientWeek(
        monday=date(2026, 11, 23),
        homework_done=1,
        homework_due=2,
        days_logged=1,
        journal_entries=1,
        active_minutes=0,
        social_contacts=0,
        streak=1,
        moods=((date(2026, 11, 23), 6.5),),
    )
    assert impurities({"week": week}) == ["context.week: ClientWeek"]
    assert impurities({"moods": [(date(2026, 11, 23), 6.5)]}) == ["context.moods[0][1]: float"]
    assert impurities({"user": Delivery()}) == ["context.user: Delivery"]
