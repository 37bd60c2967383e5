from datetime import date, timedelta
from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import CareRelationship, CareStatus, Role, User
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


class IdempotencyKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.IdempotencyKey"

    user = factory.SubFactory(ClientFactory)
    key = factory.Faker("uuid4")
    fingerprint = "0" * 64
    status_code = 201


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


# --- Sessions: the brief and after --------------------------------------------------------


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A scheduled session at 17:00 (the therapist's zone) in two days; give `starts_at`
    (aware) to place it at an instant, and `status` for one held or missed."""

    class Meta:
        model = "appointments.Appointment"

    class Params:
        local = factory.LazyAttribute(
            lambda o: timezone.localtime(o.starts_at, o.relationship.therapist.zone)
        )

    relationship = factory.SubFactory(RelationshipFactory)
    therapist = factory.SelfAttribute("relationship.therapist")
    client = factory.SelfAttribute("relationship.client")
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=2)).replace(
            hour=17, minute=0, second=0, microsecond=0
        )
    )
    zone = factory.SelfAttribute("relationship.therapist.timezone")
    day = factory.LazyAttribute(lambda o: o.local.date())
    start_time = factory.LazyAttribute(lambda o: o.local.time().replace(tzinfo=None))


class BringItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "appointments.BringItem"

    appointment = factory.SubFactory(AppointmentFactory)
    client = factory.SelfAttribute("appointment.client")
    text = factory.Sequence(lambda n: f"Something to talk about {n}")
    position = factory.Sequence(lambda n: n)
