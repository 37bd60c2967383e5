"""The access matrix: every route, by each method it serves, by each of the six personas.

Rules (TRUST.md, "Who sees what"): anonymous people are sent to sign in on pages and refused
(403) by the API; the wrong role gets 403; the right role asking for someone else's object
gets 404, exactly like an object that does not exist; the owner gets the page or the change.
Nobody but client A, A's therapist (and staff in the admin) ever sees client A's details.
"""

import copy
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import date, time, timedelta
from datetime import time as dt_time
from functools import partial
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.checks import iter_routes
from accounts.clock import local_today
from accounts.models import AuditEvent, CareRelationship, CareStatus, User
from accounts.policy import clients_visible_to
from appointments import feeds as session_feeds
from appointments import services as appointment_services
from appointments.models import Appointment, BringItem, Series, Status, TherapistFeed
from careplans import services as careplan_services
from careplans.models import CarePlan, HomeworkLink, PlanItem, PlanVersion, TriggerLog
from clients import services as record_services
from clients.models import (
    Feedback,
    IdempotencyKey,
    JournalEntry,
    LifestyleLog,
    Person,
    SharingPreference,
    SocialActivity,
)
from homework import ical
from homework import services as homework_services
from homework.models import (
    Assignment,
    AssignmentStatus,
    CalendarFeed,
    Completion,
    HomeworkTemplate,
)
from homework.schedules import iso_week_monday
from measures import services as measure_services
from measures.models import MeasureAssignment, MeasureResponse
from notifications import devices as push_devices
from notifications import emails as notification_emails
from notifications import push
from notifications import services as notification_services
from notifications.models import Preferences, PushSubscription
from safety.models import SafetyAlert, Source
from safety.services import raise_alert
from tests.conftest import Personas, make_active_relationship, make_personas
from tests.factories import PASSWORD, AppointmentFactory, ClientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "client_a", "client_b", "therapist_a", "therapist_b", "staff")
# Everyone who must never see client A's details outside the admin.
STRANGERS_TO_A = ("anonymous", "client_b", "therapist_b", "staff")
# Client A's note on their completion (see `world`) is as private as their name.
CLIENT_A_NOTE = "Slept badly after the call"
# Client A's shared journal entry and someone on their list (see `world`).
CLIENT_A_JOURNAL = "The tide turned this afternoon"
CLIENT_A_PERSON = "Aunt Marguerite"
CLIENT_A_DETAILS = (
    "client.a@example.org",
    "Ada Alpha",
    CLIENT_A_NOTE,
    CLIENT_A_JOURNAL,
    CLIENT_A_PERSON,
)
NEW_INVITEE = "new.person@example.org"

# Route families that guard themselves and are walked separately below.
SELF_GUARDED_PREFIXES = ("admin:", "account_", "mfa_")


@dataclass(frozen=True)
class Redirect:
    """A 302 to the named route (any query string, such as `?next=`, is allowed); `kwargs`
    gives the route's URL parameters from the world."""

    to: str
    kwargs: "Callable[[World], dict] | None" = None

    def __repr__(self) -> str:
        return f"302→{self.to}"


Outcome = int | Redirect

LOGIN = Redirect("account_login")


@dataclass
class World:
    """The personas plus a pending invitation from A's therapist (to client B's address);
    client A's homework from their therapist (one active with a completion yesterday, one
    paused) and a template of A's therapist's own."""

    personas: Personas
    invitation: CareRelationship
    today: date  # client A's
    assignment: Assignment
    paused: Assignment
    completion: Completion
    template: HomeworkTemplate
    journal: JournalEntry  # shared, with the therapist's feedback and A's reply to it
    lifestyle: LifestyleLog  # yesterday's, shared
    social: SocialActivity  # shared, with someone on A's list
    person: Person
    alert: SafetyAlert  # open, to A's therapist, from A's shared journal entry
    # Sessions API: A's session with their therapist in two days, a weekly series of three
    # from the day after, and a session held three days ago.
    appointment: Appointment
    series: Series
    held: Appointment
    device: PushSubscription  # A's phone, with push on
    # Each persona's session, signed in once for the module (persona -> session key).
    sessions: dict[str, str] = field(default_factory=dict)

    def user(self, persona: str) -> User | None:
        return self.personas.all()[persona]

    def snapshot(self) -> list[tuple]:
        """The state a refused request must leave untouched."""
        relationships = CareRelationship.objects.order_by("pk").values_list(
            "public_id", "status", "client_id", "invitation_expires_at", "ended_at"
        )
        return [
            *relationships,
            ("users", User.objects.count()),
            *Assignment.objects.order_by("pk").values_list("public_id", "status", "title"),
            *Completion.objects.order_by("pk").values_list("public_id", "due_date"),
            *HomeworkTemplate.objects.order_by("pk").values_list("public_id", "title"),
            *CalendarFeed.objects.order_by("pk").values_list("client_id", "key", "show_titles"),
            *JournalEntry.objects.order_by("pk").values_list(
                "public_id", "text", "shared", "homework_choices"
            ),
            *LifestyleLog.objects.order_by("pk").values_list("public_id", "day", "shared"),
            *SocialActivity.objects.order_by("pk").values_list("public_id", "mode", "shared"),
            *Person.objects.order_by("pk").values_list("public_id", "name"),
            *Feedback.objects.order_by("pk").values_list("public_id", "text", "no_reply_needed_at"),
            *SharingPreference.objects.order_by("pk").values_list(
                "relationship_id", "share_by_default"
            ),
            *careplan_snapshot(),
            *measures_snapshot(),
            *bring_snapshot(),
            *Preferences.objects.order_by("pk").values_list(
                "user_id", "reminders_enabled", "reminder_time", "digest_enabled"
            ),
            *SafetyAlert.objects.order_by("pk").values_list("public_id", "acknowledged_at", "note"),
            *appointments_snapshot(),
            *sessions_snapshot(),
            *TherapistFeed.objects.order_by("pk").values_list("therapist_id", "key", "show_titles"),
            *PushSubscription.objects.order_by("pk").values_list("public_id", "user_id", "name"),
        ]


def row(
    anonymous: Outcome,
    client_a: Outcome,
    client_b: Outcome,
    therapist_a: Outcome,
    therapist_b: Outcome,
    staff: Outcome,
) -> dict[str, Outcome]:
    return dict(
        zip(PERSONAS, (anonymous, client_a, client_b, therapist_a, therapist_b, staff), strict=True)
    )


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(PERSONAS, outcome)


@dataclass(frozen=True)
class Call:
    expect: dict[str, Outcome]
    data: Callable[[World], dict] | None = None
    # Who changes something with this call, and how to see that it happened; for everyone
    # else the database must be left exactly as it was.
    writes: dict[str, Callable[[World], bool]] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    methods: dict[str, Call]
    kwargs: Callable[[World], dict] = field(default=lambda world: {})
    api: bool = False
    # The URL itself is the credential (it ends up in calendar apps): whoever asks, the
    # answer names nobody.
    names_nobody: bool = False


def client_a_id(world: World) -> dict:
    return {"public_id": world.personas.client_a.public_id}


def relationship_a_id(world: World) -> dict:
    return {"public_id": world.personas.relationship_a.public_id}


def invitation_id(world: World) -> dict:
    return {"public_id": world.invitation.public_id}


def invitation_token(world: World) -> dict:
    return {"token": services.invitation_token(world.invitation)}


def new_invitee(world: World) -> dict:
    return {"email": NEW_INVITEE}


def assignment_id(world: World) -> dict:
    return {"public_id": world.assignment.public_id}


def paused_id(world: World) -> dict:
    return {"public_id": world.paused.public_id}


def completion_id(world: World) -> dict:
    return {"public_id": world.completion.public_id}


def template_id(world: World) -> dict:
    return {"public_id": world.template.public_id}


def feed_token_of_a(world: World) -> dict:
    return {"token": ical.feed_token(homework_services.feed_enable(client=world.personas.client_a))}


def therapist_feed_token_of_a(world: World) -> dict:
    feed = session_feeds.feed_enable(therapist=world.personas.therapist_a)
    return {"token": session_feeds.feed_token(feed)}


def appointment_id(world: World) -> dict:
    return {"public_id": world.appointment.public_id}


def therapists_day(world: World, days: int) -> str:
    return (local_today(world.personas.therapist_a.timezone) + timedelta(days=days)).isoformat()


def new_session_form(world: World) -> dict:
    return {
        "day": therapists_day(world, 5),
        "start_time": "10:00",
        "minutes": "50",
        "mode": "video",
        "repeat": "once",
        "status": "scheduled",
    }


def new_session_for_a(world: World) -> bool:
    return Appointment.objects.filter(
        relationship=world.personas.relationship_a, mode="video", start_time=time(10)
    ).exists()


def session_moved_form(world: World) -> dict:
    return {"day": therapists_day(world, 4), "start_time": "18:00", "minutes": "50"}


def session_moved(world: World) -> bool:
    world.appointment.refresh_from_db()
    return world.appointment.start_time == time(18)


def cancel_one(world: World) -> dict:
    return {"scope": "one"}


def session_cancelled(world: World) -> bool:
    world.appointment.refresh_from_db()
    return world.appointment.status == Status.CANCELLED


def session_feed_of(persona: str) -> Callable[[World], bool]:
    def check(world: World) -> bool:
        return TherapistFeed.objects.filter(therapist=world.user(persona)).exists()

    return check


def of_client_a(world: World) -> dict:
    return {"client": str(world.personas.client_a.public_id)}


def journal_id(world: World) -> dict:
    return {"public_id": world.journal.public_id}


def lifestyle_id(world: World) -> dict:
    return {"public_id": world.lifestyle.public_id}


def social_id(world: World) -> dict:
    return {"public_id": world.social.public_id}


def person_id(world: World) -> dict:
    return {"public_id": world.person.public_id}


def journal_of_a(world: World) -> dict:
    return {"public_id": world.personas.client_a.public_id, "record_id": world.journal.public_id}


def share_by_default_form(world: World) -> dict:
    return {"share_by_default": "on"}


def on_journal_of_a(world: World) -> dict:
    return {"record": str(world.journal.public_id)}


def new_feedback(world: World) -> dict:
    return {**on_journal_of_a(world), "text": "New feedback"}


def new_journal(world: World) -> dict:
    return {"text": "New entry"}


def new_lifestyle(world: World) -> dict:
    return {"sleep_hours": 7}


def new_social(world: World) -> dict:
    return {"mode": "call", "minutes": 10}


def new_person(world: World) -> dict:
    return {"name": "New person", "kind": "friend"}


def unshared(world: World) -> dict:
    return {"shared": False}


def share_by_default(world: World) -> dict:
    return {"share_by_default": True}


def own_password(world: World) -> dict:
    return {"password": PASSWORD}


def renamed_person(world: World) -> dict:
    return {"name": "Renamed"}


def renamed(world: World) -> dict:
    return {"title": "Renamed"}


def new_template(world: World) -> dict:
    return {"kind": "social", "title": "New template"}


def new_template_form(world: World) -> dict:
    return {**new_template(world), "frequency": "daily"}


def new_assignment(world: World) -> dict:
    return {**of_client_a(world), "kind": "social", "title": "New homework"}


def new_assignment_form(world: World) -> dict:
    return {
        "kind": "journal",
        "title": "New homework",
        "frequency": "daily",
        "start_date": world.today.isoformat(),
    }


def assignment_renamed_form(world: World) -> dict:
    return {
        "kind": world.assignment.kind,
        "title": "Renamed",
        "frequency": world.assignment.frequency,
        "start_date": world.assignment.start_date.isoformat(),
    }


def template_renamed_form(world: World) -> dict:
    return {"kind": world.template.kind, "title": "Renamed", "frequency": "daily"}


def done_today(world: World) -> dict:
    return {"due_date": world.today.isoformat()}


def completion_of_assignment(world: World) -> dict:
    return {"assignment": str(world.assignment.public_id)}


def enable_feed(world: World) -> dict:
    return {"action": "enable"}


def status_of(relationship: CareRelationship) -> str:
    relationship.refresh_from_db()
    return relationship.status


def relationship_a_ended(world: World) -> bool:
    return status_of(world.personas.relationship_a) == CareStatus.ENDED


def invitation_withdrawn(world: World) -> bool:
    return status_of(world.invitation) == CareStatus.ENDED


def invitation_renewed(world: World) -> bool:
    old_expiry = world.invitation.invitation_expires_at
    world.invitation.refresh_from_db()
    return world.invitation.invitation_expires_at > old_expiry


def invitation_accepted_by_b(world: World) -> bool:
    world.invitation.refresh_from_db()
    return world.invitation.client == world.personas.client_b


def new_invitee_invited(world: World) -> bool:
    return CareRelationship.objects.filter(
        invited_email=NEW_INVITEE, status=CareStatus.INVITED
    ).exists()


def new_template_saved(world: World) -> bool:
    return HomeworkTemplate.objects.filter(title="New template").exists()


def template_renamed(world: World) -> bool:
    world.template.refresh_from_db()
    return world.template.title == "Renamed"


def template_deleted(world: World) -> bool:
    return not HomeworkTemplate.objects.filter(pk=world.template.pk).exists()


def new_assignment_for_a(world: World) -> bool:
    return Assignment.objects.filter(
        title="New homework",
        client=world.personas.client_a,
        relationship=world.personas.relationship_a,
    ).exists()


def status_now(assignment: Assignment) -> str:
    assignment.refresh_from_db()
    return assignment.status


def assignment_renamed(world: World) -> bool:
    world.assignment.refresh_from_db()
    return world.assignment.title == "Renamed"


def assignment_paused(world: World) -> bool:
    return status_now(world.assignment) == AssignmentStatus.PAUSED


def paused_resumed(world: World) -> bool:
    return status_now(world.paused) == AssignmentStatus.ACTIVE


def assignment_ended(world: World) -> bool:
    return status_now(world.assignment) == AssignmentStatus.ENDED


def done_by_a_today(world: World) -> bool:
    return Completion.objects.filter(
        assignment=world.assignment, client=world.personas.client_a, due_date=world.today
    ).exists()


def completion_undone(world: World) -> bool:
    return not Completion.objects.filter(pk=world.completion.pk).exists()


def feed_of(persona: str) -> Callable[[World], bool]:
    def check(world: World) -> bool:
        return CalendarFeed.objects.filter(client=world.user(persona)).exists()

    return check


def new_record_of(model, **fields) -> Callable[[str], Callable[[World], bool]]:
    def by(persona: str) -> Callable[[World], bool]:
        def check(world: World) -> bool:
            return model.objects.filter(client=world.user(persona), **fields).exists()

        return check

    return by


new_journal_by = new_record_of(JournalEntry, text="New entry")
new_social_by = new_record_of(SocialActivity, minutes=10)
new_person_by = new_record_of(Person, name="New person")


def new_lifestyle_today_by(persona: str) -> Callable[[World], bool]:
    def check(world: World) -> bool:
        user = world.user(persona)
        return LifestyleLog.objects.filter(client=user, day=local_today(user.timezone)).exists()

    return check


def unshared_now(record_of: Callable[[World], object]) -> Callable[[World], bool]:
    def check(world: World) -> bool:
        record = record_of(world)
        record.refresh_from_db()
        return not record.shared

    return check


def unlinked_from_homework(world: World) -> bool:
    world.journal.refresh_from_db()
    return not world.journal.completions.filter(assignment=world.assignment).exists()


def homework_of_the_journal(world: World) -> dict:
    return {"assignment": str(world.assignment.public_id)}


def deleted(record_of: Callable[[World], object]) -> Callable[[World], bool]:
    def check(world: World) -> bool:
        record = record_of(world)
        return not type(record).objects.filter(pk=record.pk).exists()

    return check


def journal_edited(world: World) -> bool:
    world.journal.refresh_from_db()
    return world.journal.text == "Edited"


def person_renamed(world: World) -> bool:
    world.person.refresh_from_db()
    return world.person.name == "Renamed"


def reply_of_a_marked(world: World) -> bool:
    return Feedback.objects.filter(
        author=world.personas.client_a, no_reply_needed_at__isnull=False
    ).exists()


def feedback_by(persona: str) -> Callable[[World], bool]:
    def check(world: World) -> bool:
        return Feedback.objects.filter(author=world.user(persona), text="New feedback").exists()

    return check


def shares_by_default(world: World) -> bool:
    return SharingPreference.objects.filter(
        relationship=world.personas.relationship_a, share_by_default=True
    ).exists()


def unsubscribe_token_of_a(world: World) -> dict:
    token = notification_emails.unsubscribe_token(world.personas.client_a, "reminders")
    return {"token": token}


def reminders_off_for_a(world: World) -> bool:
    return not Preferences.objects.get(user=world.personas.client_a).reminders_enabled


def preferences_form(world: World) -> dict:
    return {
        "reminders_enabled": "on",
        "reminder_time": "07:15",
        "reminder_weekdays": ["0", "1", "2", "3", "4"],  # a therapist's; a client's form has none
        "quiet_start": "",
        "quiet_end": "",
        "digest_enabled": "on",
        "digest_weekday": "6",
        "digest_time": "18:00",
        "timezone": "Europe/London",
    }


def early_reminders(world: World) -> dict:
    return {"reminder_time": "07:15"}


def reminder_time_changed_by(persona: str) -> Callable[[World], bool]:
    def check(world: World) -> bool:
        prefs = Preferences.objects.get(user=world.user(persona))
        return prefs.reminder_time.strftime("%H:%M") == "07:15"

    return check


def a_push_subscription() -> dict:
    """A browser's subscription, as `PushSubscription.toJSON()` gives it (flattened keys)."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {
        "endpoint": f"https://push.example.org/send/{uuid.uuid4()}",
        "p256dh": push.b64url(point),
        "auth": push.b64url(os.urandom(16)),
    }


def new_push_device(world: World) -> dict:
    sub = a_push_subscription()
    return {
        "endpoint": sub["endpoint"],
        "keys": {"p256dh": sub["p256dh"], "auth": sub["auth"]},
        "name": "New phone",
    }


def new_push_device_of(persona: str) -> Callable[[World], bool]:
    def check(world: World) -> bool:
        return PushSubscription.objects.filter(user=world.user(persona), name="New phone").exists()

    return check


def device_id(world: World) -> dict:
    return {"public_id": world.device.public_id}


def device_renamed(world: World) -> bool:
    world.device.refresh_from_db()
    return world.device.name == "Kitchen tablet"


def kitchen_tablet(world: World) -> dict:
    return {"name": "Kitchen tablet"}


def alert_id(world: World) -> dict:
    return {"public_id": world.alert.public_id}


def acknowledgement(world: World) -> dict:
    return {"note": "Called her; she is safe"}


def alert_acknowledged(world: World) -> bool:
    world.alert.refresh_from_db()
    return world.alert.acknowledged_by == world.personas.therapist_a


def erased(persona: str) -> Callable[[World], bool]:
    def check(world: World) -> bool:
        return not User.objects.filter(pk=world.user(persona).pk).exists()

    return check


# Sessions: the brief and after -------------------------------------------------------


def sessions_snapshot() -> list[tuple]:
    return list(
        Appointment.objects.order_by("pk").values_list(
            "public_id", "status", "recap", "recap_read_at"
        )
    )


@dataclass
class SessionWorld:
    started: Appointment  # client A's, began an hour ago, not marked yet
    held: Appointment  # client A's, last week, held, with a note not opened yet


def session_world(world: World) -> SessionWorld:
    """Client A's sessions with their therapist (made once per test)."""
    if not hasattr(world, "_session_world"):
        now = timezone.now()
        relationship = world.personas.relationship_a
        started = AppointmentFactory(relationship=relationship, starts_at=now - timedelta(hours=1))
        held = AppointmentFactory(
            relationship=relationship,
            starts_at=now - timedelta(days=7),
            status=Status.HELD,
            recap="See you next week",
            recap_at=now - timedelta(days=7),
        )
        world._session_world = SessionWorld(started, held)
    return world._session_world


def started_session(world: World) -> dict:
    return {"public_id": session_world(world).started.public_id}


def held_session(world: World) -> dict:
    return {"public_id": session_world(world).held.public_id}


def started_session_with_a_plan(world: World) -> dict:
    plan_world(world)
    return started_session(world)


def status_held(world: World) -> dict:
    return {"status": "held"}


def a_note(world: World) -> dict:
    return {"recap": "Well done this week"}


def started_marked_held(world: World) -> bool:
    session = session_world(world).started
    session.refresh_from_db()
    return session.status == Status.HELD


def plan_version_agreed(world: World) -> bool:
    return PlanVersion.objects.filter(
        plan=plan_world(world).plan, agreed_by=world.personas.therapist_a
    ).exists()


def note_written(world: World) -> bool:
    session = session_world(world).held
    session.refresh_from_db()
    return session.recap == "Well done this week"


def note_read(world: World) -> bool:
    session = session_world(world).held
    session.refresh_from_db()
    return session.recap_read_at is not None


AFTER_STARTED = Redirect("therapist_session_after", started_session)
AFTER_HELD = Redirect("therapist_session_after", held_session)


# Care plans ---------------------------------------------------------------------------


def careplan_snapshot() -> list[tuple]:
    return [
        *CarePlan.objects.order_by("pk").values_list("public_id", "relationship_id"),
        *PlanItem.objects.order_by("pk").values_list("public_id", "text", "position"),
        *PlanVersion.objects.order_by("pk").values_list("number", "agreed_at"),
        *TriggerLog.objects.order_by("pk").values_list("public_id", "helped"),
        *HomeworkLink.objects.order_by("pk").values_list("item_id", "assignment_id"),
    ]


@dataclass
class PlanWorld:
    plan: CarePlan
    trigger: PlanItem  # "Crowded trains", with two steps
    second: PlanItem  # "Loud rooms", below it
    need: PlanItem
    log: TriggerLog


def plan_world(world: World) -> PlanWorld:
    """Client A's plan with their therapist: two triggers, a need and a log (made once)."""
    if not hasattr(world, "_plan_world"):
        a = world.personas.client_a
        plan = careplan_services.plan_for_relationship(world.personas.relationship_a)
        add = partial(careplan_services.item_add, author=world.personas.therapist_a, plan=plan)
        trigger = add(section="triggers", text="Crowded trains", steps=["Breathe", "Step off"])
        second = add(section="triggers", text="Loud rooms")
        need = add(section="needs", text="Sleep")
        log = careplan_services.trigger_log_create(client=a, plan=plan, item=trigger)
        world._plan_world = PlanWorld(plan, trigger, second, need, log)
    return world._plan_world


def plan_of(persona: str) -> Callable[[World], dict]:
    def kwargs(world: World) -> dict:
        if persona == "client_a":
            return {"public_id": plan_world(world).plan.public_id}
        relationship = world.personas.relationship_b
        return {"public_id": careplan_services.plan_for_relationship(relationship).public_id}

    return kwargs


def relationship_a_body(world: World) -> dict:
    return {"relationship": str(world.personas.relationship_a.public_id)}


def plan_of_a_made(world: World) -> bool:
    return CarePlan.objects.filter(relationship=world.personas.relationship_a).exists()


def plan_of_b_made(world: World) -> bool:
    return CarePlan.objects.filter(relationship=world.personas.relationship_b).exists()


def plan_a_id(world: World) -> dict:
    return plan_of("client_a")(world)


def plan_a_needs(world: World) -> dict:
    return {**plan_a_id(world), "section": "needs"}


def plan_a_version_1(world: World) -> dict:
    return {**plan_a_id(world), "number": 1}


def trigger_of_a(world: World) -> dict:
    return {"public_id": plan_world(world).trigger.public_id}


def second_trigger_of_a(world: World) -> dict:
    return {"public_id": plan_world(world).second.public_id}


def need_of_a(world: World) -> dict:
    return {"public_id": plan_world(world).need.public_id}


def log_of_a(world: World) -> dict:
    return {"public_id": plan_world(world).log.public_id}


def at_plan_version(**fields) -> Callable[[World], dict]:
    def data(world: World) -> dict:
        plan = plan_world(world).plan
        plan.refresh_from_db()
        return {"base_version": plan.version, **fields}

    return data


def homework_of_a(world: World) -> dict:
    return {"assignment": str(world.assignment.public_id), "step": 0}


def plan_item_named(text: str) -> Callable[[World], bool]:
    def check(world: World) -> bool:
        return PlanItem.objects.filter(text=text).exists()

    return check


def second_moved_up(world: World) -> bool:
    pw = plan_world(world)
    order = PlanItem.objects.filter(plan=pw.plan, section="triggers").order_by("position")
    return order.first() == pw.second


def need_removed(world: World) -> bool:
    return not PlanItem.objects.filter(pk=plan_world(world).need.pk).exists()


def version_1_agreed(world: World) -> bool:
    return PlanVersion.objects.filter(plan=plan_world(world).plan, number=1).first().agreed_at


def log_rated(world: World) -> bool:
    log = plan_world(world).log
    log.refresh_from_db()
    return log.helped == "yes"


def trigger_logged_by(persona: str) -> Callable[[World], bool]:
    def check(world: World) -> bool:
        logs = TriggerLog.objects.filter(client=world.user(persona))
        return logs.count() > (1 if persona == "client_a" else 0)

    return check


def homework_linked(world: World) -> bool:
    return HomeworkLink.objects.filter(item=plan_world(world).trigger).exists()


def with_plan_of_a(world: World) -> dict:
    """No URL parameters, but client A's plan made before the snapshot."""
    plan_world(world)
    return {}


def client_a_with_plan(world: World) -> dict:
    plan_world(world)
    return client_a_id(world)


def trigger_removed(world: World) -> bool:
    return not PlanItem.objects.filter(pk=plan_world(world).trigger.pk).exists()


def reorder_triggers(world: World) -> dict:
    pw = plan_world(world)
    order = [str(pw.second.public_id), str(pw.trigger.public_id)]
    return {**at_plan_version(section="triggers", order=order)(world)}


# Measures --------------------------------------------------------------------------------


def measures_snapshot() -> list[tuple]:
    return [
        *MeasureAssignment.objects.order_by("pk").values_list("public_id", "status"),
        *MeasureResponse.objects.order_by("pk").values_list("public_id", "score"),
    ]


@dataclass
class MeasureWorld:
    due: MeasureAssignment  # client A's PHQ-9, not answered yet
    answered: MeasureAssignment  # client A's GAD-7, answered
    response: MeasureResponse


def measure_world(world: World) -> MeasureWorld:
    """Client A's questionnaires from their therapist (made once)."""
    if not hasattr(world, "_measure_world"):
        setting = {
            "therapist": world.personas.therapist_a,
            "relationship": world.personas.relationship_a,
        }
        due = measure_services.measure_assign(**setting, instrument="phq9")
        answered = measure_services.measure_assign(**setting, instrument="gad7")
        response = measure_services.response_submit(
            client=world.personas.client_a, assignment=answered, answers=[1] * 7
        )
        world._measure_world = MeasureWorld(due, answered, response)
    return world._measure_world


def with_measures_of_a(world: World) -> dict:
    measure_world(world)
    return {}


def client_a_with_measures(world: World) -> dict:
    measure_world(world)
    return client_a_id(world)


def due_measure_of_a(world: World) -> dict:
    return {"public_id": measure_world(world).due.public_id}


def measure_response_of_a(world: World) -> dict:
    return {"public_id": measure_world(world).response.public_id}


def latest_response_of_a(world: World) -> dict:
    return {"public_id": MeasureResponse.objects.latest("pk").public_id}


def phq9_answers_form(world: World) -> dict:
    return {f"q{n}": "0" for n in range(1, 10)}


def phq9_answers(world: World) -> dict:
    return {"assignment": str(measure_world(world).due.public_id), "answers": [0] * 9}


def phq9_answered(world: World) -> bool:
    return measure_world(world).due.responses.exists()


def phq9_ended(world: World) -> bool:
    return MeasureAssignment.objects.get(pk=measure_world(world).due.pk).status == "ended"


def who5_set(world: World) -> bool:
    return MeasureAssignment.objects.filter(instrument="who5").exists()


# "To bring to my session" ---------------------------------------------------------------


def bring_snapshot() -> list[tuple]:
    return [*BringItem.objects.order_by("pk").values_list("public_id", "text", "position")]


@dataclass
class BringWorld:
    session: object  # client A's session in three days
    line: BringItem  # "Sleep", the first of two lines
    second: BringItem


def bring_world(world: World) -> BringWorld:
    """Client A's next session with two lines on its list (made once)."""
    if not hasattr(world, "_bring_world"):
        therapist = world.personas.therapist_a
        session = appointment_services.appointment_create(
            therapist=therapist,
            relationship=world.personas.relationship_a,
            day=local_today(therapist.timezone) + timedelta(days=3),
            start_time=dt_time(17),
        ).appointments[0]
        add = partial(appointment_services.bring_add, client=world.personas.client_a)
        line = add(appointment=session, text="Sleep")
        second = add(appointment=session, text="Work")
        world._bring_world = BringWorld(session, line, second)
    return world._bring_world


def with_bring_of_a(world: World) -> dict:
    bring_world(world)
    return {}


def bring_line_of_a(world: World) -> dict:
    return {"public_id": bring_world(world).line.public_id}


def bring_note(world: World) -> dict:
    return {"session": str(bring_world(world).session.public_id), "text": "The weekend"}


def bring_from_journal(world: World) -> dict:
    return {"source": "journal", "id": str(world.journal.public_id)}


def bring_from_journal_form(world: World) -> dict:
    return {**bring_note(world), **bring_from_journal(world), "share": "0"}


def bring_added(world: World) -> bool:
    return BringItem.objects.filter(text="The weekend").exists()


def bring_moved(world: World) -> bool:
    return BringItem.objects.get(pk=bring_world(world).line.pk).position == 1


def bring_removed(world: World) -> bool:
    return not BringItem.objects.filter(pk=bring_world(world).line.pk).exists()


TO_BRING = Redirect("client_bring")


TO_MEASURES_A = Redirect("therapist_measures", kwargs=client_a_id)


# Sessions API ------------------------------------------------------------------------------


def appointments_snapshot() -> list[tuple]:
    return [
        *Appointment.objects.order_by("pk").values_list(
            "public_id", "status", "day", "start_time", "minutes"
        ),
        *Series.objects.order_by("pk").values_list("public_id", "first_day", "count"),
    ]


def sessions_of_a(personas: Personas) -> tuple[Appointment, Series, Appointment]:
    care = {"therapist": personas.therapist_a, "relationship": personas.relationship_a}
    today = local_today(personas.therapist_a.timezone)
    create = partial(appointment_services.appointment_create, **care, start_time=time(10))
    (appointment,) = create(day=today + timedelta(days=2)).appointments
    series = appointment_services.series_create(
        **care, first_day=today + timedelta(days=3), start_time=time(14), count=3
    ).series
    (held,) = create(day=today - timedelta(days=3), status="held").appointments
    return appointment, series, held


def session_id(world: World) -> dict:
    return {"public_id": world.appointment.public_id}


def held_session_id(world: World) -> dict:
    return {"public_id": world.held.public_id}


def series_id(world: World) -> dict:
    return {"public_id": world.series.public_id}


def therapist_a_days_ahead(world: World, days: int) -> str:
    return str(local_today(world.personas.therapist_a.timezone) + timedelta(days=days))


def new_session_of_a(world: World) -> dict:
    return {**of_client_a(world), "day": therapist_a_days_ahead(world, 4), "start_time": "09:00"}


def new_series_of_a(world: World) -> dict:
    return {
        **of_client_a(world),
        "first_day": therapist_a_days_ahead(world, 5),
        "start_time": "08:00",
        "count": 2,
    }


def api_new_session_for_a(world: World) -> bool:
    return Appointment.objects.filter(
        client=world.personas.client_a, start_time=time(9), series__isnull=True
    ).exists()


def new_series_for_a(world: World) -> bool:
    return Series.objects.filter(client=world.personas.client_a, start_time=time(8)).exists()


def moved_later(world: World) -> dict:
    return {"start_time": "11:30"}


def api_session_moved(world: World) -> bool:
    world.appointment.refresh_from_db()
    return world.appointment.start_time == time(11, 30)


def api_session_cancelled(world: World) -> bool:
    world.appointment.refresh_from_db()
    return world.appointment.status == "cancelled"


def held_marked_missed(world: World) -> bool:
    world.held.refresh_from_db()
    return world.held.status == "missed"


TO_PLAN_A = Redirect("plan_detail", kwargs=plan_a_id)
TO_PLAN_B = Redirect("plan_detail", kwargs=plan_of("client_b"))

TO_CLIENT = Redirect("client_home")
TO_THERAPIST = Redirect("therapist_home")
TO_ADMIN = Redirect("admin:index")
TO_CLIENT_A = Redirect("therapist_client_detail", kwargs=client_a_id)
TO_TEMPLATES = Redirect("therapist_templates")
TO_CALENDAR = Redirect("client_calendar")
TO_ACCOUNT = Redirect("client_account")
TO_JOURNAL_ENTRY = Redirect("client_record", kwargs=journal_id)
TO_PEOPLE = Redirect("client_people")
TO_GOODBYE = Redirect("goodbye")
TO_THERAPIST_RECORD = Redirect("therapist_record", kwargs=lambda world: journal_of_a(world))
TO_CLIENT_NOTIFICATIONS = Redirect("client_notifications")
TO_THERAPIST_NOTIFICATIONS = Redirect("therapist_notifications")
TO_THERAPIST_CALENDAR = Redirect("therapist_calendar")

# One entry per route outside the admin and allauth. Columns of `row`:
#   anonymous, client_a, client_b, therapist_a (A's), therapist_b (B's), staff
CASES: dict[str, Route] = {
    # Portals ------------------------------------------------------------------------
    "home": Route(
        {"GET": Call(row(LOGIN, TO_CLIENT, TO_CLIENT, TO_THERAPIST, TO_THERAPIST, TO_ADMIN))}
    ),
    "healthz": Route({"GET": Call(everyone(200))}),
    # The service worker's script and its "no connection" page (clients.offline).
    "service_worker": Route({"GET": Call(everyone(200))}, names_nobody=True),
    "offline": Route({"GET": Call(everyone(200))}),
    "help": Route({"GET": Call(row(LOGIN, 200, 200, 200, 200, 200))}),
    # The invitation is addressed to client B: the token is the key, B is its owner.
    "invitation_accept": Route(
        {
            "GET": Call(row(200, 410, 200, 410, 410, 410)),
            "POST": Call(
                row(200, 410, TO_CLIENT, 410, 410, 410),
                writes={"client_b": invitation_accepted_by_b},
            ),
        },
        kwargs=invitation_token,
    ),
    "client_home": Route({"GET": Call(row(LOGIN, 200, 200, 403, 403, 403))}),
    "client_relationship_end": Route(
        {
            "POST": Call(
                row(LOGIN, TO_ACCOUNT, 404, 403, 403, 403),
                writes={"client_a": relationship_a_ended},
            )
        },
        kwargs=relationship_a_id,
    ),
    "therapist_home": Route({"GET": Call(row(LOGIN, 403, 403, 200, 200, 403))}),
    "therapist_invite": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST, TO_THERAPIST, 403),
                data=new_invitee,
                writes={"therapist_a": new_invitee_invited, "therapist_b": new_invitee_invited},
            )
        }
    ),
    "therapist_invitation_resend": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST, 404, 403),
                writes={"therapist_a": invitation_renewed},
            )
        },
        kwargs=invitation_id,
    ),
    "therapist_invitation_revoke": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST, 404, 403),
                writes={"therapist_a": invitation_withdrawn},
            )
        },
        kwargs=invitation_id,
    ),
    "therapist_client_detail": Route(
        {"GET": Call(row(LOGIN, 403, 403, 200, 404, 403))}, kwargs=client_a_id
    ),
    "therapist_relationship_end": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST, 404, 403),
                writes={"therapist_a": relationship_a_ended},
            )
        },
        kwargs=relationship_a_id,
    ),
    # Homework, therapist side: A's homework is found through A's active relationship with
    # therapist A only; templates of one's own are nobody else's.
    "therapist_assign": Route(
        {"GET": Call(row(LOGIN, 403, 403, 200, 404, 403))}, kwargs=client_a_id
    ),
    "therapist_assign_form": Route(
        {
            "GET": Call(row(LOGIN, 403, 403, 200, 404, 403)),
            "POST": Call(
                row(LOGIN, 403, 403, TO_CLIENT_A, 404, 403),
                data=new_assignment_form,
                writes={"therapist_a": new_assignment_for_a},
            ),
        },
        kwargs=client_a_id,
    ),
    "therapist_assignment_edit": Route(
        {
            "GET": Call(row(LOGIN, 403, 403, 200, 404, 403)),
            "POST": Call(
                row(LOGIN, 403, 403, TO_CLIENT_A, 404, 403),
                data=assignment_renamed_form,
                writes={"therapist_a": assignment_renamed},
            ),
        },
        kwargs=assignment_id,
    ),
    "therapist_assignment_pause": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_CLIENT_A, 404, 403),
                writes={"therapist_a": assignment_paused},
            )
        },
        kwargs=assignment_id,
    ),
    "therapist_assignment_resume": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_CLIENT_A, 404, 403),
                writes={"therapist_a": paused_resumed},
            )
        },
        kwargs=paused_id,
    ),
    "therapist_assignment_end": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_CLIENT_A, 404, 403),
                writes={"therapist_a": assignment_ended},
            )
        },
        kwargs=assignment_id,
    ),
    "therapist_templates": Route({"GET": Call(row(LOGIN, 403, 403, 200, 200, 403))}),
    "therapist_template_new": Route(
        {
            "GET": Call(row(LOGIN, 403, 403, 200, 200, 403)),
            "POST": Call(
                row(LOGIN, 403, 403, TO_TEMPLATES, TO_TEMPLATES, 403),
                data=new_template_form,
                writes={"therapist_a": new_template_saved, "therapist_b": new_template_saved},
            ),
        }
    ),
    "therapist_template_edit": Route(
        {
            "GET": Call(row(LOGIN, 403, 403, 200, 404, 403)),
            "POST": Call(
                row(LOGIN, 403, 403, TO_TEMPLATES, 404, 403),
                data=template_renamed_form,
                writes={"therapist_a": template_renamed},
            ),
        },
        kwargs=template_id,
    ),
    "therapist_template_delete": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_TEMPLATES, 404, 403),
                writes={"therapist_a": template_deleted},
            )
        },
        kwargs=template_id,
    ),
    # Homework, client side: each client sees their own week and their own calendar link
    # (those pages have no id); A's homework and completions are A's alone.
    "client_week": Route({"GET": Call(row(LOGIN, 200, 200, 403, 403, 403))}),
    "client_account": Route({"GET": Call(row(LOGIN, 200, 200, 403, 403, 403))}),
    "client_complete": Route(
        {
            "POST": Call(
                row(LOGIN, TO_CLIENT, 404, 403, 403, 403),
                data=done_today,
                writes={"client_a": done_by_a_today},
            )
        },
        kwargs=assignment_id,
    ),
    "client_undo": Route(
        {
            "POST": Call(
                row(LOGIN, TO_CLIENT, 404, 403, 403, 403),
                writes={"client_a": completion_undone},
            )
        },
        kwargs=completion_id,
    ),
    "client_calendar": Route(
        {
            "GET": Call(row(LOGIN, 200, 200, 403, 403, 403)),
            "POST": Call(
                row(LOGIN, TO_CALENDAR, TO_CALENDAR, 403, 403, 403),
                data=enable_feed,
                writes={"client_a": feed_of("client_a"), "client_b": feed_of("client_b")},
            ),
        }
    ),
    # The signed key in the URL is the credential, whoever holds it (signed in or not).
    "calendar_feed": Route({"GET": Call(everyone(200))}, kwargs=feed_token_of_a, names_nobody=True),
    # Records pages, client side: each client's own; client A's records are A's alone. ----
    "client_journal": Route({"GET": Call(row(LOGIN, 200, 200, 403, 403, 403))}),
    "client_journal_new": Route(
        {
            "GET": Call(row(LOGIN, 200, 200, 403, 403, 403)),
            "POST": Call(
                row(LOGIN, TO_CLIENT, TO_CLIENT, 403, 403, 403),
                data=lambda world: {**new_journal(world), "next": "today"},
                writes={
                    "client_a": new_journal_by("client_a"),
                    "client_b": new_journal_by("client_b"),
                },
            ),
        }
    ),
    "client_lifestyle_new": Route(
        {
            "GET": Call(row(LOGIN, 200, 200, 403, 403, 403)),
            "POST": Call(
                row(LOGIN, TO_CLIENT, TO_CLIENT, 403, 403, 403),
                data=lambda world: {
                    "day": world.today.isoformat(),
                    "sleep_hours": "7",
                    "next": "today",
                },
                writes={
                    "client_a": new_lifestyle_today_by("client_a"),
                    "client_b": new_lifestyle_today_by("client_b"),
                },
            ),
        }
    ),
    "client_social_new": Route(
        {
            "GET": Call(row(LOGIN, 200, 200, 403, 403, 403)),
            "POST": Call(
                row(LOGIN, TO_CLIENT, TO_CLIENT, 403, 403, 403),
                data=lambda world: {
                    "day": world.today.isoformat(),
                    **new_social(world),
                    "next": "today",
                },
                writes={
                    "client_a": new_social_by("client_a"),
                    "client_b": new_social_by("client_b"),
                },
            ),
        }
    ),
    "client_record": Route({"GET": Call(row(LOGIN, 200, 404, 403, 403, 403))}, kwargs=journal_id),
    "client_record_edit": Route(
        {
            "GET": Call(row(LOGIN, 200, 404, 403, 403, 403)),
            "POST": Call(
                row(LOGIN, TO_JOURNAL_ENTRY, 404, 403, 403, 403),
                data=lambda world: {"text": "Edited", "shared": "on"},
                writes={"client_a": journal_edited},
            ),
        },
        kwargs=journal_id,
    ),
    "client_record_delete": Route(
        {
            "POST": Call(
                row(LOGIN, Redirect("client_journal"), 404, 403, 403, 403),
                writes={"client_a": deleted(lambda world: world.journal)},
            )
        },
        kwargs=journal_id,
    ),
    "client_record_unlink": Route(
        {
            "POST": Call(
                row(LOGIN, TO_JOURNAL_ENTRY, 404, 403, 403, 403),
                data=homework_of_the_journal,
                writes={"client_a": unlinked_from_homework},
            )
        },
        kwargs=journal_id,
    ),
    # Only the journal entry completed homework: unlinking the others is a 409.
    "api-journal-unlink": Route(
        {
            "POST": Call(
                row(403, 200, 404, 403, 403, 403),
                data=homework_of_the_journal,
                writes={"client_a": unlinked_from_homework},
            )
        },
        kwargs=journal_id,
        api=True,
    ),
    "api-lifestyle-unlink": Route(
        {"POST": Call(row(403, 409, 404, 403, 403, 403), data=homework_of_the_journal)},
        kwargs=lifestyle_id,
        api=True,
    ),
    "api-social-unlink": Route(
        {"POST": Call(row(403, 409, 404, 403, 403, 403), data=homework_of_the_journal)},
        kwargs=social_id,
        api=True,
    ),
    "client_record_share": Route(
        {
            "POST": Call(
                row(LOGIN, TO_JOURNAL_ENTRY, 404, 403, 403, 403),
                data=lambda world: {"shared": "0"},
                writes={"client_a": unshared_now(lambda world: world.journal)},
            )
        },
        kwargs=journal_id,
    ),
    "client_record_reply": Route(
        {
            "POST": Call(
                row(LOGIN, TO_JOURNAL_ENTRY, 404, 403, 403, 403),
                data=lambda world: {"text": "New feedback"},
                writes={"client_a": feedback_by("client_a")},
            )
        },
        kwargs=journal_id,
    ),
    "client_people": Route(
        {
            "GET": Call(row(LOGIN, 200, 200, 403, 403, 403)),
            "POST": Call(
                row(LOGIN, TO_PEOPLE, TO_PEOPLE, 403, 403, 403),
                data=lambda world: {**new_person(world), "support": "mutual"},
                writes={
                    "client_a": new_person_by("client_a"),
                    "client_b": new_person_by("client_b"),
                },
            ),
        }
    ),
    "client_person_edit": Route(
        {
            "GET": Call(row(LOGIN, 200, 404, 403, 403, 403)),
            "POST": Call(
                row(LOGIN, TO_PEOPLE, 404, 403, 403, 403),
                data=lambda world: {"name": "Renamed", "kind": "family", "support": "mutual"},
                writes={"client_a": person_renamed},
            ),
        },
        kwargs=person_id,
    ),
    "client_person_delete": Route(
        {
            "POST": Call(
                row(LOGIN, TO_PEOPLE, 404, 403, 403, 403),
                writes={"client_a": deleted(lambda world: world.person)},
            )
        },
        kwargs=person_id,
    ),
    "client_sharing_default": Route(
        {
            "POST": Call(
                row(LOGIN, TO_ACCOUNT, 404, 403, 403, 403),
                data=share_by_default_form,
                writes={"client_a": shares_by_default},
            )
        },
        kwargs=relationship_a_id,
    ),
    "client_export": Route({"GET": Call(row(LOGIN, 200, 200, 403, 403, 403))}),
    "client_erase": Route(
        {
            "GET": Call(row(LOGIN, 200, 200, 403, 403, 403)),
            "POST": Call(
                row(LOGIN, TO_GOODBYE, TO_GOODBYE, 403, 403, 403),
                data=lambda world: {**own_password(world), "confirm": "on"},
                writes={"client_a": erased("client_a"), "client_b": erased("client_b")},
            ),
        }
    ),
    "goodbye": Route({"GET": Call(everyone(200))}),
    "crisis": Route({"GET": Call(everyone(200))}),
    # Records pages, therapist side: A's shared records, through A's active relationship.
    "therapist_timeline": Route(
        {"GET": Call(row(LOGIN, 403, 403, 200, 404, 403))}, kwargs=client_a_id
    ),
    "therapist_record": Route(
        {
            "GET": Call(row(LOGIN, 403, 403, 200, 404, 403)),
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST_RECORD, 404, 403),
                data=lambda world: {"text": "New feedback"},
                writes={"therapist_a": feedback_by("therapist_a")},
            ),
        },
        kwargs=journal_of_a,
    ),
    "therapist_record_no_reply_needed": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST_RECORD, 404, 403),
                writes={"therapist_a": reply_of_a_marked},
            )
        },
        kwargs=journal_of_a,
    ),
    # API: DRF answers 403 to anonymous requests (SessionAuthentication comes first and
    # sends no WWW-Authenticate challenge, so there is no 401). ------------------------
    "api-schema": Route({"GET": Call(everyone(200))}, api=True),
    "api-docs": Route({"GET": Call(everyone(200))}, api=True),
    "api-me": Route({"GET": Call(row(403, 200, 200, 200, 200, 200))}, api=True),
    "api-client-list": Route({"GET": Call(row(403, 403, 403, 200, 200, 403))}, api=True),
    "api-client-detail": Route(
        {"GET": Call(row(403, 403, 403, 200, 404, 403))}, kwargs=client_a_id, api=True
    ),
    "api-invitation-list": Route(
        {
            "GET": Call(row(403, 403, 403, 200, 200, 403)),
            "POST": Call(
                row(403, 403, 403, 201, 201, 403),
                data=new_invitee,
                writes={"therapist_a": new_invitee_invited, "therapist_b": new_invitee_invited},
            ),
        },
        api=True,
    ),
    "api-invitation-detail": Route(
        {
            "GET": Call(row(403, 403, 403, 200, 404, 403)),
            "DELETE": Call(
                row(403, 403, 403, 204, 404, 403), writes={"therapist_a": invitation_withdrawn}
            ),
        },
        kwargs=invitation_id,
        api=True,
    ),
    "api-relationship-list": Route({"GET": Call(row(403, 200, 200, 200, 200, 200))}, api=True),
    "api-relationship-detail": Route(
        {"GET": Call(row(403, 200, 404, 200, 404, 404))}, kwargs=relationship_a_id, api=True
    ),
    "api-relationship-end": Route(
        {
            "POST": Call(
                row(403, 200, 404, 200, 404, 404),
                writes={"client_a": relationship_a_ended, "therapist_a": relationship_a_ended},
            )
        },
        kwargs=relationship_a_id,
        api=True,
    ),
    # Homework API: templates are the therapists' (own ones theirs alone); assignments and
    # completions are seen by their client and their therapist; `ActionAccess` gives each
    # write to one role (403 for the other roles, before any object is looked up).
    "api-template-list": Route(
        {
            "GET": Call(row(403, 403, 403, 200, 200, 403)),
            "POST": Call(
                row(403, 403, 403, 201, 201, 403),
                data=new_template,
                writes={"therapist_a": new_template_saved, "therapist_b": new_template_saved},
            ),
        },
        api=True,
    ),
    "api-template-detail": Route(
        {
            "GET": Call(row(403, 403, 403, 200, 404, 403)),
            "PATCH": Call(
                row(403, 403, 403, 200, 404, 403),
                data=renamed,
                writes={"therapist_a": template_renamed},
            ),
            "DELETE": Call(
                row(403, 403, 403, 204, 404, 403), writes={"therapist_a": template_deleted}
            ),
        },
        kwargs=template_id,
        api=True,
    ),
    "api-assignment-list": Route(
        {
            "GET": Call(row(403, 200, 200, 200, 200, 200)),
            "POST": Call(
                row(403, 403, 403, 201, 404, 403),
                data=new_assignment,
                writes={"therapist_a": new_assignment_for_a},
            ),
        },
        api=True,
    ),
    "api-assignment-detail": Route(
        {
            "GET": Call(row(403, 200, 404, 200, 404, 404)),
            "PATCH": Call(
                row(403, 403, 403, 200, 404, 403),
                data=renamed,
                writes={"therapist_a": assignment_renamed},
            ),
            # Homework is ended, never deleted: its completions and adherence remain.
            "DELETE": Call(row(403, 405, 405, 405, 405, 405)),
        },
        kwargs=assignment_id,
        api=True,
    ),
    "api-assignment-pause": Route(
        {
            "POST": Call(
                row(403, 403, 403, 200, 404, 403), writes={"therapist_a": assignment_paused}
            )
        },
        kwargs=assignment_id,
        api=True,
    ),
    "api-assignment-resume": Route(
        {"POST": Call(row(403, 403, 403, 200, 404, 403), writes={"therapist_a": paused_resumed})},
        kwargs=paused_id,
        api=True,
    ),
    "api-assignment-end": Route(
        {"POST": Call(row(403, 403, 403, 200, 404, 403), writes={"therapist_a": assignment_ended})},
        kwargs=assignment_id,
        api=True,
    ),
    "api-completion-list": Route(
        {
            "GET": Call(row(403, 200, 200, 200, 200, 200)),
            "POST": Call(
                row(403, 201, 404, 403, 403, 403),
                data=completion_of_assignment,
                writes={"client_a": done_by_a_today},
            ),
        },
        api=True,
    ),
    "api-completion-detail": Route(
        {
            "GET": Call(row(403, 200, 404, 200, 404, 404)),
            "DELETE": Call(
                row(403, 204, 404, 403, 403, 403), writes={"client_a": completion_undone}
            ),
        },
        kwargs=completion_id,
        api=True,
    ),
    "api-adherence": Route(
        {"GET": Call(row(403, 200, 404, 200, 404, 404), data=of_client_a)}, api=True
    ),
    # Progress: the client's own charts and insights; a therapist's for an active client.
    "client_progress": Route({"GET": Call(row(LOGIN, 200, 200, 403, 403, 403))}),
    "therapist_client_progress": Route(
        {"GET": Call(row(LOGIN, 403, 403, 200, 404, 403))}, kwargs=client_a_id
    ),
    "api-progress-series": Route(
        {"GET": Call(row(403, 200, 404, 200, 404, 404), data=of_client_a)}, api=True
    ),
    "api-progress-insights": Route(
        {"GET": Call(row(403, 200, 404, 200, 404, 404), data=of_client_a)}, api=True
    ),
    # Records API: the client writes their own; a therapist reads the shared records of an
    # active client, named in the query (a client's own list ignores the name). -------
    **{
        f"api-{kind}-list": Route(
            {
                "GET": Call(row(403, 200, 200, 200, 404, 404), data=of_client_a),
                "POST": Call(
                    row(403, 201, 201, 403, 403, 403),
                    data=data,
                    writes={"client_a": made_by("client_a"), "client_b": made_by("client_b")},
                ),
            },
            api=True,
        )
        for kind, data, made_by in (
            ("journal", new_journal, new_journal_by),
            ("lifestyle", new_lifestyle, new_lifestyle_today_by),
            ("social", new_social, new_social_by),
        )
    },
    **{
        f"api-{kind}-detail": Route(
            {
                "GET": Call(row(403, 200, 404, 200, 404, 404)),
                "PATCH": Call(
                    row(403, 200, 404, 403, 403, 403),
                    data=unshared,
                    writes={"client_a": unshared_now(record_of)},
                ),
                "DELETE": Call(
                    row(403, 204, 404, 403, 403, 403), writes={"client_a": deleted(record_of)}
                ),
                "PUT": Call(row(403, 405, 405, 405, 405, 405), data=unshared),
            },
            kwargs=record_id,
            api=True,
        )
        for kind, record_id, record_of in (
            ("journal", journal_id, lambda world: world.journal),
            ("lifestyle", lifestyle_id, lambda world: world.lifestyle),
            ("social", social_id, lambda world: world.social),
        )
    },
    # A client's list of people is theirs alone: their therapist does not see it.
    "api-person-list": Route(
        {
            "GET": Call(row(403, 200, 200, 403, 403, 403)),
            "POST": Call(
                row(403, 201, 201, 403, 403, 403),
                data=new_person,
                writes={
                    "client_a": new_person_by("client_a"),
                    "client_b": new_person_by("client_b"),
                },
            ),
        },
        api=True,
    ),
    "api-person-detail": Route(
        {
            "GET": Call(row(403, 200, 404, 403, 403, 403)),
            "PATCH": Call(
                row(403, 200, 404, 403, 403, 403),
                data=renamed_person,
                writes={"client_a": person_renamed},
            ),
            "DELETE": Call(
                row(403, 204, 404, 403, 403, 403),
                writes={"client_a": deleted(lambda world: world.person)},
            ),
        },
        kwargs=person_id,
        api=True,
    ),
    "api-sharing-list": Route({"GET": Call(row(403, 200, 200, 403, 403, 403))}, api=True),
    "api-sharing-detail": Route(
        {
            "GET": Call(row(403, 200, 404, 403, 403, 403)),
            "PATCH": Call(
                row(403, 200, 404, 403, 403, 403),
                data=share_by_default,
                writes={"client_a": shares_by_default},
            ),
        },
        kwargs=relationship_a_id,
        api=True,
    ),
    # The thread on A's shared entry: A's therapist writes, A replies.
    "api-feedback": Route(
        {
            "GET": Call(row(403, 200, 404, 200, 404, 404), data=on_journal_of_a),
            "POST": Call(
                row(403, 201, 404, 201, 404, 404),
                data=new_feedback,
                writes={
                    "client_a": feedback_by("client_a"),
                    "therapist_a": feedback_by("therapist_a"),
                },
            ),
        },
        api=True,
    ),
    # Replies to each client on their own records: client B sees only B's (none).
    "api-replies-unread": Route({"GET": Call(row(403, 200, 200, 403, 403, 403))}, api=True),
    "api-feedback-no-reply-needed": Route(
        {
            "POST": Call(
                row(403, 403, 403, 200, 404, 403),
                data=on_journal_of_a,
                writes={"therapist_a": reply_of_a_marked},
            )
        },
        api=True,
    ),
    "api-timeline": Route(
        {"GET": Call(row(403, 403, 403, 200, 404, 403), data=of_client_a)}, api=True
    ),
    "api-trigger-suggestions": Route({"GET": Call(row(403, 200, 200, 403, 403, 403))}, api=True),
    "api-export": Route({"GET": Call(row(403, 200, 200, 403, 403, 403))}, api=True),
    # Each client erases their own account (the password is checked again).
    "api-erasure": Route(
        {
            "POST": Call(
                row(403, 204, 204, 403, 403, 403),
                data=own_password,
                writes={"client_a": erased("client_a"), "client_b": erased("client_b")},
            )
        },
        api=True,
    ),
    # Care plans: the client and their therapist; strangers get 404 -------------------
    # The portal makes a client's plan when it is first opened (client B's here).
    "client_plan": Route(
        {
            "GET": Call(
                row(LOGIN, TO_PLAN_A, TO_PLAN_B, 403, 403, 403),
                writes={"client_b": plan_of_b_made},
            )
        },
        kwargs=with_plan_of_a,
    ),
    "client_triggered": Route(
        {"GET": Call(row(LOGIN, 200, 200, 403, 403, 403))}, kwargs=with_plan_of_a
    ),
    "client_triggered_other": Route(
        {
            "GET": Call(row(LOGIN, 200, 200, 403, 403, 403), writes={"client_b": plan_of_b_made}),
            "POST": Call(
                row(LOGIN, TO_CLIENT, TO_CLIENT, 403, 403, 403),
                writes={
                    "client_a": trigger_logged_by("client_a"),
                    "client_b": trigger_logged_by("client_b"),
                },
            ),
        },
        kwargs=with_plan_of_a,
    ),
    "client_triggered_steps": Route(
        {
            "GET": Call(row(LOGIN, 200, 404, 403, 403, 403)),
            "POST": Call(
                row(LOGIN, TO_CLIENT, 404, 403, 403, 403),
                writes={"client_a": trigger_logged_by("client_a")},
            ),
        },
        kwargs=trigger_of_a,
    ),
    "client_trigger_rate": Route(
        {
            "POST": Call(
                row(LOGIN, TO_CLIENT, 404, 403, 403, 403),
                data=lambda world: {"helped": "yes"},
                writes={"client_a": log_rated},
            )
        },
        kwargs=log_of_a,
    ),
    "therapist_client_plan": Route(
        {"GET": Call(row(LOGIN, 403, 403, TO_PLAN_A, 404, 403))}, kwargs=client_a_with_plan
    ),
    "plan_detail": Route({"GET": Call(row(LOGIN, 200, 404, 200, 404, 404))}, kwargs=plan_a_id),
    "plan_history": Route({"GET": Call(row(LOGIN, 200, 404, 200, 404, 404))}, kwargs=plan_a_id),
    "plan_item_add": Route(
        {
            "GET": Call(row(LOGIN, 200, 404, 200, 404, 404)),
            "POST": Call(
                row(LOGIN, TO_PLAN_A, 404, TO_PLAN_A, 404, 404),
                data=lambda world: {"text": "New need"},
                writes={
                    "client_a": plan_item_named("New need"),
                    "therapist_a": plan_item_named("New need"),
                },
            ),
        },
        kwargs=plan_a_needs,
    ),
    "plan_version_agree": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, Redirect("plan_history", kwargs=plan_a_id), 404, 403),
                writes={"therapist_a": version_1_agreed},
            )
        },
        kwargs=plan_a_version_1,
    ),
    "plan_item_edit": Route(
        {
            "GET": Call(row(LOGIN, 200, 404, 200, 404, 404)),
            "POST": Call(
                row(LOGIN, TO_PLAN_A, 404, TO_PLAN_A, 404, 404),
                data=at_plan_version(text="Packed trains", steps="Breathe"),
                writes={
                    "client_a": plan_item_named("Packed trains"),
                    "therapist_a": plan_item_named("Packed trains"),
                },
            ),
        },
        kwargs=trigger_of_a,
    ),
    "plan_item_move": Route(
        {
            "POST": Call(
                row(LOGIN, TO_PLAN_A, 404, TO_PLAN_A, 404, 404),
                data=at_plan_version(direction="up"),
                writes={"client_a": second_moved_up, "therapist_a": second_moved_up},
            )
        },
        kwargs=second_trigger_of_a,
    ),
    "plan_item_remove": Route(
        {
            "POST": Call(
                row(LOGIN, TO_PLAN_A, 404, TO_PLAN_A, 404, 404),
                data=at_plan_version(),
                writes={"client_a": need_removed, "therapist_a": need_removed},
            )
        },
        kwargs=need_of_a,
    ),
    "plan_item_link": Route(
        {
            "POST": Call(
                row(
                    LOGIN,
                    Redirect("plan_item_edit", kwargs=trigger_of_a),
                    404,
                    Redirect("plan_item_edit", kwargs=trigger_of_a),
                    404,
                    404,
                ),
                data=homework_of_a,
                writes={"client_a": homework_linked, "therapist_a": homework_linked},
            )
        },
        kwargs=trigger_of_a,
    ),
    "api-plan-list": Route(
        {
            "GET": Call(row(403, 200, 200, 200, 200, 200)),
            # Opens (makes) the plan of A's relationship: its two people only.
            "POST": Call(
                row(403, 201, 400, 201, 400, 400),
                data=relationship_a_body,
                writes={"client_a": plan_of_a_made, "therapist_a": plan_of_a_made},
            ),
        },
        api=True,
    ),
    "api-plan-detail": Route(
        {"GET": Call(row(403, 200, 404, 200, 404, 404))}, kwargs=plan_a_id, api=True
    ),
    "api-plan-items": Route(
        {
            "POST": Call(
                row(403, 201, 404, 201, 404, 404),
                data=lambda world: {"section": "needs", "text": "New need"},
                writes={
                    "client_a": plan_item_named("New need"),
                    "therapist_a": plan_item_named("New need"),
                },
            )
        },
        kwargs=plan_a_id,
        api=True,
    ),
    "api-plan-reorder": Route(
        {
            "POST": Call(
                row(403, 204, 404, 204, 404, 404),
                data=reorder_triggers,
                writes={"client_a": second_moved_up, "therapist_a": second_moved_up},
            )
        },
        kwargs=plan_a_id,
        api=True,
    ),
    "api-plan-versions": Route(
        {"GET": Call(row(403, 200, 404, 200, 404, 404))}, kwargs=plan_a_id, api=True
    ),
    "api-plan-diff": Route(
        {"GET": Call(row(403, 200, 404, 200, 404, 404))}, kwargs=plan_a_id, api=True
    ),
    "api-plan-agree": Route(
        {
            "POST": Call(
                row(403, 403, 403, 200, 404, 403),
                data=lambda world: {"number": 1},
                writes={"therapist_a": version_1_agreed},
            )
        },
        kwargs=plan_a_id,
        api=True,
    ),
    "api-plan-item-detail": Route(
        {
            "GET": Call(row(403, 200, 404, 200, 404, 404)),
            "PATCH": Call(
                row(403, 200, 404, 200, 404, 404),
                data=at_plan_version(text="Packed trains"),
                writes={
                    "client_a": plan_item_named("Packed trains"),
                    "therapist_a": plan_item_named("Packed trains"),
                },
            ),
            "DELETE": Call(
                row(403, 204, 404, 204, 404, 404),
                data=at_plan_version(),
                writes={"client_a": trigger_removed, "therapist_a": trigger_removed},
            ),
        },
        kwargs=trigger_of_a,
        api=True,
    ),
    "api-plan-item-homework": Route(
        {
            "POST": Call(
                row(403, 201, 404, 201, 404, 404),
                data=homework_of_a,
                writes={"client_a": homework_linked, "therapist_a": homework_linked},
            )
        },
        kwargs=trigger_of_a,
        api=True,
    ),
    "api-trigger-log-list": Route(
        {
            "GET": Call(row(403, 200, 200, 200, 200, 200)),
            "POST": Call(
                row(403, 201, 201, 403, 403, 403),
                data=lambda world: {"note": "New moment"},
                writes={
                    "client_a": trigger_logged_by("client_a"),
                    "client_b": trigger_logged_by("client_b"),
                },
            ),
        },
        kwargs=with_plan_of_a,
        api=True,
    ),
    "api-trigger-log-detail": Route(
        {
            "GET": Call(row(403, 200, 404, 404, 404, 404)),
            "PATCH": Call(
                row(403, 200, 404, 403, 403, 403),
                data=lambda world: {"helped": "yes"},
                writes={"client_a": log_rated},
            ),
        },
        kwargs=log_of_a,
        api=True,
    ),
    # "To bring to my session": the client writes the lines of their own sessions; their
    # therapist reads them through the API ------------------------------------------------
    "client_bring": Route(
        {
            "GET": Call(row(LOGIN, 200, 200, 403, 403, 403)),
            "POST": Call(
                row(LOGIN, TO_BRING, 404, 403, 403, 403),
                data=bring_note,
                writes={"client_a": bring_added},
            ),
        },
        kwargs=with_bring_of_a,
    ),
    "client_bring_add": Route(
        {
            "GET": Call(row(LOGIN, 200, 404, 403, 403, 403), data=bring_from_journal),
            "POST": Call(
                row(LOGIN, TO_BRING, 404, 403, 403, 403),
                data=bring_from_journal_form,
                writes={"client_a": bring_added},
            ),
        },
        kwargs=with_bring_of_a,
    ),
    "client_bring_move": Route(
        {
            "POST": Call(
                row(LOGIN, TO_BRING, 404, 403, 403, 403),
                data=lambda world: {"direction": "down"},
                writes={"client_a": bring_moved},
            )
        },
        kwargs=bring_line_of_a,
    ),
    "client_bring_remove": Route(
        {
            "POST": Call(
                row(LOGIN, TO_BRING, 404, 403, 403, 403), writes={"client_a": bring_removed}
            )
        },
        kwargs=bring_line_of_a,
    ),
    "api-bring-item-list": Route(
        {
            "GET": Call(row(403, 200, 200, 200, 200, 200)),
            "POST": Call(
                row(403, 201, 400, 403, 403, 403),
                data=bring_note,
                writes={"client_a": bring_added},
            ),
        },
        kwargs=with_bring_of_a,
        api=True,
    ),
    "api-bring-item-detail": Route(
        {
            "GET": Call(row(403, 200, 404, 200, 404, 404)),
            "PATCH": Call(
                row(403, 200, 404, 403, 403, 403),
                data=lambda world: {"position": 1},
                writes={"client_a": bring_moved},
            ),
            "DELETE": Call(row(403, 204, 404, 403, 403, 403), writes={"client_a": bring_removed}),
        },
        kwargs=bring_line_of_a,
        api=True,
    ),
    # Measures: the client answers; their therapist sets them and reads the results --------
    "client_measures": Route(
        {"GET": Call(row(LOGIN, 200, 200, 403, 403, 403))}, kwargs=with_measures_of_a
    ),
    "client_measure_take": Route(
        {
            "GET": Call(row(LOGIN, 200, 404, 403, 403, 403)),
            "POST": Call(
                row(
                    LOGIN,
                    Redirect("client_measure_result", kwargs=latest_response_of_a),
                    404,
                    403,
                    403,
                    403,
                ),
                data=phq9_answers_form,
                writes={"client_a": phq9_answered},
            ),
        },
        kwargs=due_measure_of_a,
    ),
    "client_measure_result": Route(
        {"GET": Call(row(LOGIN, 200, 404, 403, 403, 403))}, kwargs=measure_response_of_a
    ),
    "therapist_measures": Route(
        {"GET": Call(row(LOGIN, 403, 403, 200, 404, 403))}, kwargs=client_a_with_measures
    ),
    "therapist_measure_assign": Route(
        {
            "GET": Call(row(LOGIN, 403, 403, 200, 404, 403)),
            "POST": Call(
                row(LOGIN, 403, 403, TO_MEASURES_A, 404, 403),
                data=lambda world: {"instrument": "who5", "every_weeks": "0"},
                writes={"therapist_a": who5_set},
            ),
        },
        kwargs=client_a_with_measures,
    ),
    "therapist_measure_end": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, TO_MEASURES_A, 404, 403),
                writes={"therapist_a": phq9_ended},
            )
        },
        kwargs=due_measure_of_a,
    ),
    "api-measure-assignment-list": Route(
        {
            "GET": Call(row(403, 200, 200, 200, 200, 200)),
            "POST": Call(
                row(403, 403, 403, 201, 404, 403),
                data=lambda world: {**of_client_a(world), "instrument": "who5"},
                writes={"therapist_a": who5_set},
            ),
        },
        kwargs=with_measures_of_a,
        api=True,
    ),
    "api-measure-assignment-detail": Route(
        {"GET": Call(row(403, 200, 404, 200, 404, 404))}, kwargs=due_measure_of_a, api=True
    ),
    "api-measure-assignment-end": Route(
        {"POST": Call(row(403, 403, 403, 200, 404, 403), writes={"therapist_a": phq9_ended})},
        kwargs=due_measure_of_a,
        api=True,
    ),
    "api-measure-response-list": Route(
        {
            "GET": Call(row(403, 200, 404, 200, 404, 404), data=of_client_a),
            "POST": Call(
                row(403, 201, 400, 403, 403, 403),
                data=phq9_answers,
                writes={"client_a": phq9_answered},
            ),
        },
        kwargs=with_measures_of_a,
        api=True,
    ),
    "api-measure-response-detail": Route(
        {"GET": Call(row(403, 200, 404, 200, 404, 404))}, kwargs=measure_response_of_a, api=True
    ),
    # Notifications: each person's own settings and weeks; the unsubscribe link is its own
    # credential (RFC 8058: the POST works without sign-in or cookies, for whoever holds it).
    "client_notifications": Route(
        {
            "GET": Call(row(LOGIN, 200, 200, 403, 403, 403)),
            "POST": Call(
                row(LOGIN, TO_CLIENT_NOTIFICATIONS, TO_CLIENT_NOTIFICATIONS, 403, 403, 403),
                data=preferences_form,
                writes={
                    "client_a": reminder_time_changed_by("client_a"),
                    "client_b": reminder_time_changed_by("client_b"),
                },
            ),
        }
    ),
    "therapist_notifications": Route(
        {
            "GET": Call(row(LOGIN, 403, 403, 200, 200, 403)),
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST_NOTIFICATIONS, TO_THERAPIST_NOTIFICATIONS, 403),
                data=preferences_form,
                writes={
                    "therapist_a": reminder_time_changed_by("therapist_a"),
                    "therapist_b": reminder_time_changed_by("therapist_b"),
                },
            ),
        }
    ),
    "client_my_week": Route({"GET": Call(row(LOGIN, 200, 200, 403, 403, 403))}),
    # Sessions: A's therapist records, moves and cancels A's; another therapist gets 404.
    "therapist_session_new": Route(
        {
            "GET": Call(row(LOGIN, 403, 403, 200, 404, 403)),
            "POST": Call(
                row(LOGIN, 403, 403, TO_CLIENT_A, 404, 403),
                data=new_session_form,
                writes={"therapist_a": new_session_for_a},
            ),
        },
        kwargs=client_a_id,
    ),
    "therapist_session_move": Route(
        {
            "GET": Call(row(LOGIN, 403, 403, 200, 404, 403)),
            "POST": Call(
                row(LOGIN, 403, 403, TO_CLIENT_A, 404, 403),
                data=session_moved_form,
                writes={"therapist_a": session_moved},
            ),
        },
        kwargs=appointment_id,
    ),
    "therapist_session_cancel": Route(
        {
            "GET": Call(row(LOGIN, 403, 403, 200, 404, 403)),
            "POST": Call(
                row(LOGIN, 403, 403, TO_CLIENT_A, 404, 403),
                data=cancel_one,
                writes={"therapist_a": session_cancelled},
            ),
        },
        kwargs=appointment_id,
    ),
    # Each therapist's own calendar link (the page has no id).
    "therapist_calendar": Route(
        {
            "GET": Call(row(LOGIN, 403, 403, 200, 200, 403)),
            "POST": Call(
                row(LOGIN, 403, 403, TO_THERAPIST_CALENDAR, TO_THERAPIST_CALENDAR, 403),
                data=enable_feed,
                writes={
                    "therapist_a": session_feed_of("therapist_a"),
                    "therapist_b": session_feed_of("therapist_b"),
                },
            ),
        }
    ),
    # The signed key in the URL is the credential, whoever holds it (signed in or not).
    "therapist_calendar_feed": Route(
        {"GET": Call(everyone(200))}, kwargs=therapist_feed_token_of_a, names_nobody=True
    ),
    "therapist_weekly_review": Route({"GET": Call(row(LOGIN, 403, 403, 200, 200, 403))}),
    "unsubscribe": Route(
        {
            "GET": Call(everyone(200)),
            "POST": Call(everyone(200), writes=dict.fromkeys(PERSONAS, reminders_off_for_a)),
        },
        kwargs=unsubscribe_token_of_a,
        names_nobody=True,
    ),
    # Safety alerts: the therapist's own, through the active relationship; strangers 404.
    "therapist_alerts": Route({"GET": Call(row(LOGIN, 403, 403, 200, 200, 403))}),
    "therapist_alert_acknowledge": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, Redirect("therapist_alerts"), 404, 403),
                data=acknowledgement,
                writes={"therapist_a": alert_acknowledged},
            )
        },
        kwargs=alert_id,
    ),
    "api-alert-list": Route({"GET": Call(row(403, 403, 403, 200, 200, 403))}, api=True),
    "api-alert-acknowledge": Route(
        {
            "POST": Call(
                row(403, 403, 403, 200, 404, 403),
                data=acknowledgement,
                writes={"therapist_a": alert_acknowledged},
            )
        },
        kwargs=alert_id,
        api=True,
    ),
    # Sessions, the brief and after: the therapist's own sessions; the client's own note.
    "therapist_session_brief": Route(
        {"GET": Call(row(LOGIN, 403, 403, 200, 404, 403))}, kwargs=started_session
    ),
    "therapist_session_after": Route(
        {"GET": Call(row(LOGIN, 403, 403, 200, 404, 403))}, kwargs=started_session
    ),
    "therapist_session_mark": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, AFTER_STARTED, 404, 403),
                data=status_held,
                writes={"therapist_a": started_marked_held},
            )
        },
        kwargs=started_session,
    ),
    "therapist_session_agree": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, AFTER_STARTED, 404, 403),
                writes={"therapist_a": plan_version_agreed},
            )
        },
        kwargs=started_session_with_a_plan,
    ),
    "therapist_session_recap": Route(
        {
            "POST": Call(
                row(LOGIN, 403, 403, AFTER_HELD, 404, 403),
                data=a_note,
                writes={"therapist_a": note_written},
            )
        },
        kwargs=held_session,
    ),
    "client_session_recap": Route(
        {"GET": Call(row(LOGIN, 200, 404, 403, 403, 403), writes={"client_a": note_read})},
        kwargs=held_session,
    ),
    "api-session-brief": Route(
        {"GET": Call(row(403, 403, 403, 200, 404, 403))}, kwargs=started_session, api=True
    ),
    # Sessions API: the client's own sessions, their therapist's through the active care
    # relationship; only the therapist records, moves, cancels and marks them.
    "api-session-list": Route(
        {
            "GET": Call(row(403, 200, 404, 200, 404, 404), data=of_client_a),
            "POST": Call(
                row(403, 403, 403, 201, 404, 403),
                data=new_session_of_a,
                writes={"therapist_a": api_new_session_for_a},
            ),
        },
        api=True,
    ),
    "api-session-detail": Route(
        {
            "GET": Call(row(403, 200, 404, 200, 404, 404)),
            "PATCH": Call(
                row(403, 403, 403, 200, 404, 403),
                data=moved_later,
                writes={"therapist_a": api_session_moved},
            ),
            # Sessions are cancelled, never deleted.
            "DELETE": Call(row(403, 405, 405, 405, 405, 405)),
        },
        kwargs=session_id,
        api=True,
    ),
    "api-session-cancel": Route(
        {
            "POST": Call(
                row(403, 403, 403, 200, 404, 403),
                data=lambda world: {"rest_of_series": False},
                writes={"therapist_a": api_session_cancelled},
            )
        },
        kwargs=session_id,
        api=True,
    ),
    "api-session-mark": Route(
        {
            "POST": Call(
                row(403, 403, 403, 200, 404, 403),
                data=lambda world: {"status": "missed"},
                writes={"therapist_a": held_marked_missed},
            )
        },
        kwargs=held_session_id,
        api=True,
    ),
    "api-series-list": Route(
        {
            "GET": Call(row(403, 200, 200, 200, 200, 200)),
            "POST": Call(
                row(403, 403, 403, 201, 404, 403),
                data=new_series_of_a,
                writes={"therapist_a": new_series_for_a},
            ),
        },
        api=True,
    ),
    "api-series-detail": Route(
        {"GET": Call(row(403, 200, 404, 200, 404, 404))}, kwargs=series_id, api=True
    ),
    "api-session-recap": Route(
        {
            "POST": Call(
                row(403, 403, 403, 200, 404, 403),
                data=a_note,
                writes={"therapist_a": note_written},
            )
        },
        kwargs=held_session,
        api=True,
    ),
    # Push devices: each person's own; another's is not found.
    "api-push-key": Route({"GET": Call(row(403, 200, 200, 200, 200, 200))}, api=True),
    "api-push-subscription-list": Route(
        {
            "GET": Call(row(403, 200, 200, 200, 200, 200)),
            "POST": Call(
                row(403, 201, 201, 201, 201, 201),
                data=new_push_device,
                writes={
                    persona: new_push_device_of(persona)
                    for persona in PERSONAS
                    if persona != "anonymous"
                },
            ),
        },
        api=True,
    ),
    "api-push-subscription-detail": Route(
        {
            "GET": Call(row(403, 200, 404, 404, 404, 404)),
            "PATCH": Call(
                row(403, 200, 404, 404, 404, 404),
                data=kitchen_tablet,
                writes={"client_a": device_renamed},
            ),
            "DELETE": Call(
                row(403, 204, 404, 404, 404, 404),
                writes={"client_a": deleted(lambda world: world.device)},
            ),
        },
        kwargs=device_id,
        api=True,
    ),
    "push_device_rename": Route(
        {
            "POST": Call(
                row(LOGIN, TO_CLIENT_NOTIFICATIONS, 404, 404, 404, 404),
                data=kitchen_tablet,
                writes={"client_a": device_renamed},
            )
        },
        kwargs=device_id,
    ),
    "push_device_remove": Route(
        {
            "POST": Call(
                row(LOGIN, TO_CLIENT_NOTIFICATIONS, 404, 404, 404, 404),
                writes={"client_a": deleted(lambda world: world.device)},
            )
        },
        kwargs=device_id,
    ),
    "api-notification-preferences": Route(
        {
            "GET": Call(row(403, 200, 200, 200, 200, 200)),
            "PATCH": Call(
                row(403, 200, 200, 200, 200, 200),
                data=early_reminders,
                writes={
                    persona: reminder_time_changed_by(persona)
                    for persona in PERSONAS
                    if persona != "anonymous"
                },
            ),
        },
        api=True,
    ),
}

ALL_ROUTES = list(iter_routes())
ROUTE_NAMES = {name for _path, name in ALL_ROUTES}

# allauth routes are walked whole; those with URL parameters get a made-up key.
ALLAUTH_KWARGS = {
    "account_confirm_email": {"key": "not-a-real-key"},
    "account_reset_password_from_key": {"uidb36": "1", "key": "not-a-real-key"},
}
ALLAUTH_ROUTES = sorted(
    name for name in ROUTE_NAMES if name and name.startswith(("account_", "mfa_"))
)

# The admin is walked by its entry points: staff only, sign-in through allauth.
ADMIN_ROUTES = [
    "admin:index",
    "admin:login",
    *sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
    ),
    "admin:accounts_user_change",
]
ADMIN_EXPECT = {
    **dict.fromkeys(ADMIN_ROUTES, row(LOGIN, 403, 403, 403, 403, 200)),
    # The admin's own sign-in page (allauth's `secure_admin_login`) sends staff on.
    "admin:login": row(LOGIN, 403, 403, 403, 403, Redirect("admin:index")),
}


@pytest.fixture(scope="module")
def world_of_this_module(django_db_setup, django_db_blocker):
    """The world, built once for the module (it takes longer than most requests here):
    inside a transaction of its own that is rolled back when the module is done. Each test
    runs in a savepoint within it (pytest-django's `db`), so what a test writes is undone
    before the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world(make_personas())
        for persona, user in world.personas.all().items():
            if user is not None:
                signed_in = Client()
                signed_in.force_login(user)
                world.sessions[persona] = signed_in.session.session_key
        yield world
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def snapshot_of_the_world(world_of_this_module, django_db_blocker) -> list[tuple]:
    """The module's world as `World.snapshot` sees it: the state each test starts from."""
    with django_db_blocker.unblock():
        return world_of_this_module.snapshot()


# Tables a refused request may write to without changing anything the snapshot reads.
OUTSIDE_THE_SNAPSHOT = ("django_session", "cache", AuditEvent._meta.db_table)


def rows_written() -> int:
    """Rows this connection has inserted, updated or deleted so far (PostgreSQL: in this
    transaction, outside OUTSIDE_THE_SNAPSHOT). Unchanged over a request, the request changed
    nothing: one query instead of the snapshot's twenty."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                " FROM pg_stat_xact_user_tables WHERE NOT relname = ANY(%s)",
                [list(OUTSIDE_THE_SNAPSHOT)],
            )
        else:
            cursor.execute("SELECT total_changes()")
        return cursor.fetchone()[0]


@pytest.fixture
def world(world_of_this_module, db) -> World:
    """A copy per test, of the world and of each of its objects: a test may change them in
    memory (refresh_from_db) or hang objects of its own on the world (a care plan)."""
    return copy_of(world_of_this_module)


def copy_of(world: World) -> World:
    personas = world.personas
    objects = {f.name: copy.copy(getattr(personas, f.name)) for f in fields(personas)}
    copied = {
        f.name: copy.copy(getattr(world, f.name))
        for f in fields(world)
        if f.name not in ("personas", "today", "sessions")
    }
    return replace(world, personas=replace(personas, **objects), **copied)


@pytest.fixture
def personas(world) -> Personas:
    """The world's personas (the module's database already holds them)."""
    return world.personas


def build_world(personas: Personas) -> World:
    invitation = services.invitation_create(
        therapist=personas.therapist_a, email=personas.client_b.email
    )
    today = local_today(personas.client_a.timezone)
    homework = {
        "therapist": personas.therapist_a,
        "relationship": personas.relationship_a,
        "frequency": "daily",
        "start_date": today - timedelta(days=3),
    }
    assignment = homework_services.assignment_create(
        **homework, kind="journal", title="Mood journal"
    )
    paused = homework_services.assignment_create(**homework, kind="social", title="Call a friend")
    homework_services.assignment_pause(assignment=paused)
    paused.refresh_from_db()
    yesterday = today - timedelta(days=1)
    completion = Completion.objects.create(
        assignment=assignment,
        client=personas.client_a,
        due_date=yesterday,
        week=iso_week_monday(yesterday),
        note=CLIENT_A_NOTE,
    )
    template = homework_services.template_create(
        owner=personas.therapist_a, kind="social", title="Call Sam"
    )
    client_a = personas.client_a
    # Written yesterday: it counts for yesterday's check-off, and today's homework stays open.
    journal = record_services.journal_create(
        client=client_a,
        text=CLIENT_A_JOURNAL,
        shared=True,
        occurred_at=timezone.now() - timedelta(days=1),
    )
    record_services.feedback_create(author=personas.therapist_a, record=journal, text="Noted")
    record_services.feedback_create(author=client_a, record=journal, text="Thank you")
    lifestyle = record_services.lifestyle_create(
        client=client_a, day=yesterday, sleep_hours=8, shared=True
    )
    person = record_services.person_create(client=client_a, name=CLIENT_A_PERSON, kind="family")
    social = record_services.social_create(
        client=client_a, person=person, mode="in_person", minutes=60, shared=True
    )
    for user in personas.all().values():
        if user is not None:
            notification_services.preferences_for(user)
    (alert,) = raise_alert(client=client_a, source=Source.JOURNAL, reference=journal.public_id)
    appointment, series, held = sessions_of_a(personas)
    device, _ = push_devices.subscribe(user=client_a, name="Ada's phone", **a_push_subscription())
    return World(
        personas=personas,
        invitation=invitation,
        today=today,
        assignment=assignment,
        paused=paused,
        completion=completion,
        template=template,
        journal=journal,
        lifestyle=lifestyle,
        social=social,
        person=person,
        alert=alert,
        appointment=appointment,
        series=series,
        held=held,
        device=device,
    )


# Writes that change nothing a cached page shows: the session, API tokens, the audit trail.
CHANGES_NO_PAGE = {"account_logout", "api-token-create", "api-token-revoke"}


def data_versions() -> dict[int, int]:
    return dict(User.objects.values_list("pk", "data_version"))


def sign_in(client, user: User | None) -> None:
    client.logout()
    if user is not None:
        client.force_login(user)


def sign_in_as(client, world: World, persona: str) -> None:
    """The persona's session of the module: a request that changes or ends it (signing out,
    a new password) does so inside the test's savepoint, undone after the test."""
    client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    if persona in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]


def request(client, method: str, url: str, data: dict | None, *, api: bool):
    send = getattr(client, method.lower())
    if method == "GET":
        return send(url, data)  # as the query string
    if api:
        return send(url, data or {}, content_type="application/json")
    return send(url, data or {})


def assert_outcome(response, expected: Outcome, world: World | None = None) -> None:
    if isinstance(expected, Redirect):
        assert response.status_code == 302, response.content[:500]
        kwargs = expected.kwargs(world) if expected.kwargs else None
        assert urlsplit(response["Location"]).path == reverse(expected.to, kwargs=kwargs)
    else:
        assert response.status_code == expected, response.content[:500]


def assert_no_trace_of(response, details, whose: str = "client A") -> None:
    body = response.content.decode(errors="replace")
    for detail in details:
        assert detail not in body, f"{whose}'s {detail!r} leaked"
    for header, value in response.items():
        for detail in details:
            assert detail not in value, f"{whose}'s {detail!r} leaked in {header}"


def assert_no_trace_of_client_a(response) -> None:
    assert_no_trace_of(response, CLIENT_A_DETAILS)


def assert_names_nobody(response, personas: Personas) -> None:
    people = [user for user in personas.all().values() if user is not None]
    details = [*CLIENT_A_DETAILS, *(user.name for user in people), *(u.email for u in people)]
    assert_no_trace_of(response, details, whose="a person")


def matrix() -> list:
    return [
        pytest.param(name, method, persona, id=f"{name}-{method}-{persona}")
        for name, route in CASES.items()
        for method in route.methods
        for persona in PERSONAS
    ]


@pytest.mark.parametrize(("view_name", "method", "persona"), matrix())
def test_it_answers_each_persona_as_the_policy_says(
    client, world, snapshot_of_the_world, view_name, method, persona
):
    route = CASES[view_name]
    call = route.methods[method]
    expected = call.expect[persona]
    sign_in_as(client, world, persona)
    signed_in = rows_written()
    url = reverse(view_name, kwargs=route.kwargs(world))
    written = rows_written()
    versions = data_versions()
    # The module's snapshot, unless making the route's objects wrote something.
    before = snapshot_of_the_world if written == signed_in else world.snapshot()

    response = request(client, method, url, call.data and call.data(world), api=route.api)

    assert_outcome(response, expected, world)
    if persona in STRANGERS_TO_A:
        assert_no_trace_of_client_a(response)
    if route.names_nobody:
        assert_names_nobody(response, world.personas)
    if persona in call.writes:
        assert call.writes[persona](world), "the request succeeded but nothing changed"
        # Else the snapshot would not notice this change made by someone it is refused to.
        assert world.snapshot() != before, "snapshot() does not see this change"
        assert rows_written() != written, "rows_written() does not see this change"
        # Whatever it changed, the people it belongs to have a new data version, so no page
        # cached before it is shown again (accounts.versions).
        if view_name not in CHANGES_NO_PAGE:
            assert data_versions() != versions, f"{view_name} changed data but no data version"
    elif rows_written() != written:  # else nothing was written: nothing can have changed
        assert world.snapshot() == before, f"{persona}'s {method} changed something"


# Record creation with an Idempotency-Key (clients.idempotency) ----------------------

IDEMPOTENT_CREATES = {
    "api-journal-list": JournalEntry,
    "api-lifestyle-list": LifestyleLog,
    "api-social-list": SocialActivity,
}
MATRIX_KEY = "matrix-key-0001"


def post_with_key(client, view_name: str, world: World):
    data = CASES[view_name].methods["POST"].data(world)
    return client.post(
        reverse(view_name),
        data,
        content_type="application/json",
        headers={"Idempotency-Key": MATRIX_KEY},
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view_name", IDEMPOTENT_CREATES)
def test_an_idempotency_key_changes_nobodys_access(client, world, view_name, persona):
    """Each persona is answered as the matrix says; a refused request claims no key; the
    owner's same request again makes nothing new."""
    expected = CASES[view_name].methods["POST"].expect[persona]
    sign_in_as(client, world, persona)

    first = post_with_key(client, view_name, world)

    assert_outcome(first, expected)
    if persona in STRANGERS_TO_A:
        assert_no_trace_of_client_a(first)
    keys = IdempotencyKey.objects.filter(key=MATRIX_KEY)
    if expected != 201:
        assert not keys.exists()
        return
    user = world.user(persona)
    assert list(keys.values_list("user", flat=True)) == [user.pk]
    made = IDEMPOTENT_CREATES[view_name].objects.filter(client=user).count()
    again = post_with_key(client, view_name, world)
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == first.json()
    assert IDEMPOTENT_CREATES[view_name].objects.filter(client=user).count() == made


@pytest.mark.parametrize("view_name", IDEMPOTENT_CREATES)
def test_a_key_is_its_owners_alone(client, world, view_name):
    """Client B sending client A's key and body makes B's own record and never sees A's."""
    sign_in_as(client, world, "client_a")
    of_a = post_with_key(client, view_name, world)
    sign_in_as(client, world, "client_b")

    of_b = post_with_key(client, view_name, world)

    assert of_b.status_code == 201
    assert "Idempotent-Replayed" not in of_b
    assert of_b.json()["id"] != of_a.json()["id"]
    assert of_b.json()["client"] == str(world.personas.client_b.public_id)
    assert_no_trace_of_client_a(of_b)


def test_every_route_outside_admin_and_allauth_is_in_the_matrix():
    routes = {name for name in ROUTE_NAMES if name and not name.startswith(SELF_GUARDED_PREFIXES)}
    missing = sorted(routes - set(CASES))
    assert not missing, f"add these routes to CASES in {__name__}: {', '.join(missing)}"
    stale = sorted(set(CASES) - routes)
    assert not stale, f"CASES names routes that no longer exist: {', '.join(stale)}"


def test_every_allauth_route_with_parameters_has_made_up_ones():
    with_parameters = {
        name
        for path, name in ALL_ROUTES
        if name in ALLAUTH_ROUTES and ("<" in path or "(?P" in path)
    }
    assert with_parameters == set(ALLAUTH_KWARGS)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view_name", ALLAUTH_ROUTES)
def test_allauth_pages_never_fail_nor_leak(client, world, view_name, persona):
    sign_in_as(client, world, persona)
    response = client.get(reverse(view_name, kwargs=ALLAUTH_KWARGS.get(view_name)))
    assert response.status_code < 500
    if view_name.startswith("mfa_") and persona == "anonymous":
        assert_outcome(response, LOGIN)
    if persona in STRANGERS_TO_A:
        assert_no_trace_of_client_a(response)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view_name", ADMIN_ROUTES)
def test_the_admin_is_for_staff_only(client, world, view_name, persona):
    kwargs = {}
    if view_name == "admin:accounts_user_change":
        kwargs = {"object_id": world.personas.client_a.pk}
    sign_in_as(client, world, persona)
    response = client.get(reverse(view_name, kwargs=kwargs))
    assert_outcome(response, ADMIN_EXPECT[view_name][persona])
    if persona in STRANGERS_TO_A and persona != "staff":
        assert_no_trace_of_client_a(response)


# Who sees client A ------------------------------------------------------------------


@pytest.mark.parametrize("show_titles", [False, True])
def test_the_calendar_feed_names_nobody(client, world, show_titles):
    """The feed URL is a bearer credential: it names no person, except the client's own
    therapist in the title of a session when the client chose titles."""
    feed = homework_services.feed_set_titles(
        feed=homework_services.feed_enable(client=world.personas.client_a), show_titles=show_titles
    )
    response = client.get(reverse("calendar_feed", kwargs={"token": ical.feed_token(feed)}))
    assert response.status_code == 200
    body = response.content.decode()
    sessions = body.count("SUMMARY:Session")
    assert sessions == Appointment.objects.filter(client=world.personas.client_a).count() > 0
    assert body.count("BEGIN:VEVENT") == 2 + sessions  # the active and the paused homework
    assert ("Mood journal" in body) is show_titles
    therapist = world.personas.therapist_a
    if show_titles:
        assert f"SUMMARY:Session with {therapist.name}" in body
        assert body.count(therapist.name) == sessions
        response.content = body.replace(f"Session with {therapist.name}", "").encode()
    else:
        assert "SUMMARY:Session\r\n" in body
    assert_names_nobody(response, world.personas)


@pytest.mark.parametrize("show_titles", [False, True])
def test_the_therapists_feed_names_nobody_unless_they_chose_names(client, world, show_titles):
    feed = session_feeds.feed_set_titles(
        feed=session_feeds.feed_enable(therapist=world.personas.therapist_a),
        show_titles=show_titles,
    )
    url = reverse("therapist_calendar_feed", kwargs={"token": session_feeds.feed_token(feed)})
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    sessions = Appointment.objects.filter(therapist=world.personas.therapist_a).count()
    assert body.count("BEGIN:VEVENT") == sessions > 0
    client_a = world.personas.client_a
    if show_titles:
        assert f"SUMMARY:Session with {client_a.name}" in body
        assert body.count(client_a.name) == sessions
        response.content = body.replace(f"Session with {client_a.name}", "").encode()
    else:
        assert "SUMMARY:Session\r\n" in body
    assert_names_nobody(response, world.personas)


def test_it_shows_client_a_to_their_therapist_only(client, personas):
    sign_in(client, personas.therapist_a)
    assert "Ada Alpha" in client.get(reverse("therapist_home")).content.decode()
    emails = [c["email"] for c in client.get(reverse("api-client-list")).json()["results"]]
    assert emails == ["client.a@example.org"]

    sign_in(client, personas.therapist_b)
    page = client.get(reverse("therapist_home")).content.decode()
    assert "Ada Alpha" not in page
    assert "Bea Beta" in page
    emails = [c["email"] for c in client.get(reverse("api-client-list")).json()["results"]]
    assert emails == ["client.b@example.org"]


@pytest.fixture
def therapist_without_totp(db):
    therapist = TherapistFactory(email="therapist.c@example.org", name="Dr. Cy Cole")
    client_c = ClientFactory(email="client.c@example.org", name="Cal Gamma")
    make_active_relationship(therapist, client_c)
    return therapist, client_c


def test_a_therapist_without_totp_sees_no_client(client, settings, therapist_without_totp):
    settings.TANDEM_REQUIRE_MFA = True
    therapist, _client_c = therapist_without_totp
    sign_in(client, therapist)

    assert_outcome(client.get(reverse("therapist_home")), Redirect("mfa_activate_totp"))
    response = client.get(reverse("api-client-list"))
    assert response.status_code == 403
    assert "Cal Gamma" not in response.content.decode()
    assert not clients_visible_to(therapist).exists()


def test_a_therapist_sees_their_client_when_totp_is_not_required(
    client, settings, therapist_without_totp
):
    settings.TANDEM_REQUIRE_MFA = False
    therapist, client_c = therapist_without_totp
    sign_in(client, therapist)

    assert list(clients_visible_to(therapist)) == [client_c]
    response = client.get(reverse("therapist_home"))
    assert response.status_code == 200
    assert "Cal Gamma" in response.content.decode()
    emails = [c["email"] for c in client.get(reverse("api-client-list")).json()["results"]]
    assert emails == ["client.c@example.org"]


def test_an_ended_relationship_closes_access_at_the_next_request(client, personas):
    sign_in(client, personas.therapist_a)
    detail = reverse("therapist_client_detail", kwargs={"public_id": personas.client_a.public_id})
    assert client.get(detail).status_code == 200
    assert client.get(reverse("api-client-list")).json()["count"] == 1

    services.relationship_end(actor=personas.therapist_a, relationship=personas.relationship_a)

    response = client.get(detail)
    assert response.status_code == 404
    assert_no_trace_of_client_a(response)
    response = client.get(reverse("api-client-list"))
    assert response.json()["count"] == 0
    assert_no_trace_of_client_a(response)
    api_detail = reverse("api-client-detail", kwargs={"public_id": personas.client_a.public_id})
    assert client.get(api_detail).status_code == 404
