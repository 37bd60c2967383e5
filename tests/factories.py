from datetime import date, timedelta
from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import CareRelationship, CareStatus, Role, User
from homework.models import Assignment, Completion, HomeworkTemplate, Kind
from homework.schedules import Frequency, iso_week_monday

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
    day = factory.Sequence(lambda n: date(2026, 1, 1) + timedelta(days=n))
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
