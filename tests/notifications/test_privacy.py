"""No e-mail carries clinical content: markers in every clinical field and in client names
appear nowhere in any reminder, catch-up note, digest or note that a reply waits (subject,
bodies, headers, links), except a client's own name in the greeting of the e-mails sent to
her."""

from datetime import time, timedelta

import pytest

from appointments.services import appointment_create
from clients import services as records
from clients.models import JournalEntry
from notifications import ledger, services
from notifications.models import Delivery, Kind, Preferences
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    CompletionFactory,
    RelationshipFactory,
    TherapistFactory,
)

from .conftest import NOW, TODAY, due_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

MARKERS = {
    "client_name": "Zephyrine Quackenbush",
    "other_client_name": "Ottoline Marchbanks",
    "title": "MARKER-TITLE-hw",
    "instructions": "MARKER-INSTRUCTIONS-hw",
    "completion_note": "MARKER-COMPLETION-NOTE",
    "journal_text": "MARKER-JOURNAL-TEXT",
    "journal_needed": "MARKER-JOURNAL-NEEDED",
    "emotion": "marker-emotion",
    "trigger": "marker-trigger",
    "lifestyle_note": "MARKER-LIFESTYLE-NOTE",
    "exercise_kind": "MARKER-EXERCISE",
    "social_note": "MARKER-SOCIAL-NOTE",
    "person": "MARKER-PERSON-NAME",
    "feedback": "MARKER-FEEDBACK",
    "reply": "MARKER-REPLY",
    "mood": "Mood 7",
    "session_place": "MARKER-SESSION-ROOM",
}


def everything_of(client, therapist, relationship) -> None:
    journal = AssignmentFactory(
        relationship=relationship,
        title=MARKERS["title"],
        instructions=MARKERS["instructions"],
        start_date=TODAY - timedelta(days=14),
    )
    CompletionFactory(
        assignment=journal, due_date=TODAY - timedelta(days=2), note=MARKERS["completion_note"]
    )
    AssignmentFactory(relationship=relationship, title=MARKERS["title"] + "-2", start_date=TODAY)
    entry = records.journal_create(
        client=client,
        text=MARKERS["journal_text"],
        needed=MARKERS["journal_needed"],
        mood=7,
        emotions=[MARKERS["emotion"]],
        triggers=[MARKERS["trigger"]],
        shared=True,
        occurred_at=NOW - timedelta(days=5),
    )
    records.feedback_create(author=therapist, record=entry, text=MARKERS["feedback"])
    records.feedback_create(author=client, record=entry, text=MARKERS["reply"])
    records.lifestyle_create(
        client=client,
        day=TODAY - timedelta(days=5),
        note=MARKERS["lifestyle_note"],
        exercise_kind=MARKERS["exercise_kind"],
        exercise_minutes=30,
    )
    person = records.person_create(client=client, name=MARKERS["person"], kind="friend")
    records.social_create(
        client=client,
        person=person,
        day=TODAY - timedelta(days=5),
        mode="call",
        minutes=15,
        note=MARKERS["social_note"],
    )


def whole(message) -> str:
    """Everything a mail server or reader sees: headers, both parts, every link."""
    parts = [message.message().as_string(), message.subject, message.body]
    parts += [content for content, _ in message.alternatives]
    parts += [f"{name}: {value}" for name, value in message.extra_headers.items()]
    return "\n".join(parts)


def test_no_email_of_any_kind_carries_clinical_content_or_client_names(mailoutbox):
    therapist = TherapistFactory(name="Dr. Therapist Marker")
    client = ClientFactory(name=MARKERS["client_name"])
    other = ClientFactory(name=MARKERS["other_client_name"])
    relationship = RelationshipFactory(therapist=therapist, client=client)
    RelationshipFactory(therapist=therapist, client=other)
    everything_of(client, therapist, relationship)
    for person in (client, therapist):
        due_now(person)
        Preferences.objects.filter(user=person).update(next_digest_at=NOW)
    # Something waits for the therapist: the client's reply, and a record not opened yet.
    records.journal_create(
        client=client,
        text=MARKERS["journal_text"] + "-2",
        mood=7,
        shared=True,
        occurred_at=NOW - timedelta(days=3),
    )
    JournalEntry.objects.filter(client=client).update(created_at=NOW - timedelta(days=3))

    # A session tomorrow: the client's reminder, and a brief counted in the therapist's.
    appointment_create(
        therapist=therapist,
        relationship=relationship,
        day=TODAY + timedelta(days=1),
        start_time=time(17, 0),
        location=MARKERS["session_place"],
    )
    Preferences.objects.filter(user=client).update(reminder_time=time(9, 0))

    result = services.tick(now=NOW)
    for pk in result.deliveries:
        ledger.deliver(pk)
    # The catch-up note too, sent for this client's week directly.
    catch_up = Delivery.objects.create(user=client, kind=Kind.CATCH_UP, period="2026-W49")
    assert ledger.deliver(catch_up.pk) == "sent"
    # The note that her therapist replied, made when the feedback was saved.
    reply = Delivery.objects.get(user=client, kind=Kind.REPLY)
    assert ledger.deliver(reply.pk) == "sent"

    kinds = set(Delivery.objects.filter(status="sent").values_list("kind", flat=True))
    assert kinds == {
        Kind.REMINDER,
        Kind.CATCH_UP,
        Kind.CLIENT_DIGEST,
        Kind.THERAPIST_DIGEST,
        Kind.THERAPIST_REMINDER,
        Kind.REPLY,
        Kind.SESSION_REMINDER,
    }
    assert len(mailoutbox) == 7
    reminder = next(m for m in mailoutbox if m.to == [therapist.email] and "waiting" in m.subject)
    assert "1 shared entry not viewed yet, 1 reply not answered" in reminder.body
    assert "1 session brief for tomorrow." in reminder.body
    [session] = [m for m in mailoutbox if m.subject.startswith("You have a session")]
    assert session.subject == "You have a session tomorrow at 17:00"
    assert "dr. therapist marker" not in whole(session).lower()
    for message in mailoutbox:
        text = whole(message)
        if message.to == [client.email]:
            # Her own e-mails greet her by her own name, and carry it nowhere else.
            greeting = f"Hello {client.name},"
            assert greeting in message.body
            text = text.replace(greeting, "Hello,")
        for field, marker in MARKERS.items():
            assert marker.lower() not in text.lower(), f"{field} in {message.subject!r}"
        assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in text
        assert "<http" in message.extra_headers["List-Unsubscribe"]
    # The note that a reply waits names neither who wrote it nor on what kind of record.
    [note] = [m for m in mailoutbox if m.subject == "You have a new reply in Tandem"]
    text = whole(note).lower()
    for word in ("therapist marker", "journal", "lifestyle", "social", "entry", "people"):
        assert word not in text, word
