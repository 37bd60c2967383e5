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
