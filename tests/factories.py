from datetime import date, timedelta
from functools import cache

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import Role, User

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
