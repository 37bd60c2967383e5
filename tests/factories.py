from datetime import date, time, timedelta
from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.clock import local_time_to_utc
from accounts.models import CareRelationship, CareStatus, Role, User
from appointments.models import Appointment
from homework.models import Assignment, Completion, HomeworkTemplate, Kind
from homework.schedules import Frequency, iso_week_monday
from measures import instruments
from notifications.models import Preferences

PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name")
    role = Role.CLIENT
    timezone = "Europe/London"
    # Hashing with Argon2 is slow on purpose: hash the shared test password once per run.
    password = factory.LazyFunction(lambda: password_hash())


class ClientFactory(UserFactory):
    role = Role.CLIENT


class TherapistFactory(UserFactory):
    role = Role.THERAPIST


class StaffFactory(UserFactory):
    role = Role.STAFF
    is_staff = True
    is_superuser = True


@cache
def password_hash() -> str:
    return make_password(PASSWORD)


class RelationshipFactory(factory.django.DjangoModelFactory):
    """An active care relationship; `status=CareStatus.INVITED` etc. for the others."""

    class Meta:
        model = CareRelationship

    therapist = factory.SubFactory(TherapistFactory)
    client = factory.SubFactory(ClientFactory)
    status = CareStatus.ACTIVE
    invited_email = factory.LazyAttribute(lambda o: o.client.email if o.client else "x@example.org")
    invitation_expires_at = factory.LazyFunction(timezone.now)
    activated_at = factory.LazyFunction(timezone.now)


class TemplateFactory(factory.django.DjangoModelFactory):
    """A therapist's own template."""

    class Meta:
        model = HomeworkTemplate

    owner = factory.SubFactory(TherapistFactory)
    kind = Kind.JOURNAL
    title = factory.Sequence(lambda n: f"Template {n}")
    frequency = Frequency.DAILY


class AssignmentFactory(factory.django.DjangoModelFactory):
    """Daily homework since today (UTC) within an active relationship."""

    class Meta:
        model = Assignment

    relationship = factory.SubFactory(RelationshipFactory)
    client = factory.SelfAttribute("relationship.client")
    therapist = factory.SelfAttribute("relationship.therapist")
    kind = Kind.JOURNAL
    title = "Mood journal"
    frequency = Frequency.DAILY
    start_date = factory.LazyFunction(lambda: timezone.now().date())


class CompletionFactory(factory.django.DjangoModelFactory):
    """One occurrence done, on the assignment's start date unless `due_date` is given."""

    class Meta:
        model = Completion

    assignment = factory.SubFactory(AssignmentFactory)
    client = factory.SelfAttribute("assignment.client")
    due_date = factory.SelfAttribute("assignment.start_date")
    week = factory.LazyAttribute(lambda o: iso_week_monday(o.due_date))


# --- Client records -------------------------------------------------------------------


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.Person"

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Friend {n}")
    kind = "friend"


class JournalEntryFactory(factory.django.DjangoModelFactory):
    """A row as stored (no service rules: use `clients.services` to test those)."""

    class Meta:
        model = "clients.JournalEntry"

    client = factory.SubFactory(ClientFactory)
    text = "A quiet day."
    mood = 6
    emotions = factory.LazyFunction(lambda: ["calm"])


class LifestyleLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.LifestyleLog"

    client = factory.SubFactory(ClientFactory)
    # Distinct days for one client, far in the past: a default never reads as recent activity.
    day = factory.Sequence(lambda n: date(2000, 1, 1) + timedelta(days=n))
    sleep_hours = 7


class SocialActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.SocialActivity"

    client = factory.SubFactory(ClientFactory)
    day = date(2026, 11, 20)
    mode = "call"
    minutes = 20


class MeasureAssignmentFactory(factory.django.DjangoModelFactory):
    """A PHQ-9 to answer once, from today (UTC), within an active relationship."""

    class Meta:
        model = "measures.MeasureAssignment"

    relationship = factory.SubFactory(RelationshipFactory)
    client = factory.SelfAttribute("relationship.client")
    instrument = "phq9"
    every_weeks = None
    start_date = factory.LazyFunction(lambda: timezone.now().date())


class SafetyAlertFactory(factory.django.DjangoModelFactory):
    """An open alert on an active relationship, from a journal entry (by reference)."""

    class Meta:
        model = "safety.SafetyAlert"

    relationship = factory.SubFactory(RelationshipFactory)
    source = "journal"
    reference = factory.Faker("uuid4", cast_to=None)


class FeedbackFactory(factory.django.DjangoModelFactory):
    """The therapist's message on a shared journal entry of their client; for another kind
    of record pass it (`lifestyle_log=...`) with `journal_entry=None`."""

    class Meta:
        model = "clients.Feedback"

    relationship = factory.SubFactory(RelationshipFactory)
    client = factory.SelfAttribute("relationship.client")
    author = factory.SelfAttribute("relationship.therapist")
    journal_entry = factory.SubFactory(
        JournalEntryFactory, client=factory.SelfAttribute("..client"), shared=True
    )
    text = "Thank you for writing this down."


# --- Care plans -----------------------------------------------------------------------


class CarePlanFactory(factory.django.DjangoModelFactory):
    """The plan of a care relationship: the one it has, else a new empty one (as
    `careplans.services.plan_for_relationship` gives)."""

    class Meta:
        model = "careplans.CarePlan"
        django_get_or_create = ("relationship",)

    relationship = factory.SubFactory(RelationshipFactory)
    client = factory.SelfAttribute("relationship.client")


class PlanItemFactory(factory.django.DjangoModelFactory):
    """A trigger on the plan, as stored (no service rules, no version)."""

    class Meta:
        model = "careplans.PlanItem"

    plan = factory.SubFactory(CarePlanFactory)
    section = "triggers"
    text = factory.Sequence(lambda n: f"Trigger {n}")


class TriggerLogFactory(factory.django.DjangoModelFactory):
    """One "I'm triggered" moment, not rated yet."""

    class Meta:
        model = "careplans.TriggerLog"

    plan = factory.SubFactory(CarePlanFactory)
    client = factory.SelfAttribute("plan.client")
    trigger = "crowds"


# --- Measures -------------------------------------------------------------------------


class MeasureResponseFactory(factory.django.DjangoModelFactory):
    """Period 0's answers to the assignment's questionnaire (1 to each question, 0 to a
    PHQ-9's last), scored as the instrument scores them unless the scores are given."""

    class Meta:
        model = "measures.MeasureResponse"

    class Params:
        scored = factory.LazyAttribute(lambda o: instruments.get(o.instrument).score(o.answers))

    assignment = factory.SubFactory(MeasureAssignmentFactory)
    client = factory.SelfAttribute("assignment.client")
    instrument = factory.SelfAttribute("assignment.instrument")
    period = 0
    answers = factory.LazyAttribute(
        lambda o: [1] * (len(instruments.get(o.instrument).items) - 1) + [0]
    )
    raw_total = factory.SelfAttribute("scored.raw")
    score = factory.SelfAttribute("scored.score")
    band = factory.SelfAttribute("scored.band.key")


# --- Notifications --------------------------------------------------------------------


class PreferencesFactory(factory.django.DjangoModelFactory):
    """A client's e-mail settings, the model's defaults, in the client's zone."""

    class Meta:
        model = Preferences

    user = factory.SubFactory(ClientFactory)
    zone = factory.SelfAttribute("user.timezone")


class DeliveryFactory(factory.django.DjangoModelFactory):
    """A pending reminder in the ledger, for a new client unless `user` is given."""

    class Meta:
        model = "notifications.Delivery"

    user = factory.SubFactory(ClientFactory)
    kind = "reminder"
    period = "2026-12-01"


# --- Sessions -------------------------------------------------------------------------


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A scheduled session in two days at 17:00, the therapist's time; a row as it is, with
    none of the services' checks (a session already started, say)."""

    class Meta:
        model = Appointment

    relationship = factory.SubFactory(RelationshipFactory)
    therapist = factory.LazyAttribute(lambda o: o.relationship.therapist)
    client = factory.LazyAttribute(lambda o: o.relationship.client)
    day = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=2))
    start_time = time(17)
    zone = factory.LazyAttribute(lambda o: o.therapist.timezone)
    starts_at = factory.LazyAttribute(lambda o: local_time_to_utc(o.day, o.start_time, o.zone))


# --- "To bring to my session" ---------------------------------------------------------


class BringItemFactory(factory.django.DjangoModelFactory):
    """A free note on the list of a session (give `appointment`), after the others."""

    class Meta:
        model = "appointments.BringItem"

    client = factory.SelfAttribute("appointment.client")
    text = factory.Sequence(lambda n: f"Something to talk about {n}")
    position = factory.LazyAttribute(lambda o: o.appointment.bring_items.count())
