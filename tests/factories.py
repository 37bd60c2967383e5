import factory

from accounts.models import Role, User

PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name")
    role = Role.CLIENT
    timezone = "Europe/London"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ClientFactory(UserFactory):
    role = Role.CLIENT


class TherapistFactory(UserFactory):
    role = Role.THERAPIST


class StaffFactory(UserFactory):
    role = Role.STAFF
    is_staff = True
    is_superuser = True
