"""Demo data for `make run`: one therapist and three clients. Idempotent."""

from datetime import timedelta

from django.utils import timezone

from .models import CareRelationship, CareStatus, Role, User

DEMO_PASSWORD = "tandem-demo-2026"
DEMO_THERAPIST = ("therapist@demo.tandem.localhost", "Dr. Robin Avery", "Europe/London")
DEMO_CLIENTS = [
    ("alex@demo.tandem.localhost", "Alex Moreno", "America/New_York"),
    ("sam@demo.tandem.localhost", "Sam Okafor", "Europe/London"),
    ("kim@demo.tandem.localhost", "Kim Tanaka", "Australia/Sydney"),
]


def _person(email: str, name: str, timezone: str, role: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"name": name, "timezone": timezone, "role": role}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def seed_demo() -> list[User]:
    therapist = _person(*DEMO_THERAPIST, role=Role.THERAPIST)
    clients = [_person(*c, role=Role.CLIENT) for c in DEMO_CLIENTS]
    for client in clients:
        if not CareRelationship.objects.filter(therapist=therapist, client=client).exists():
            started = timezone.now() - timedelta(weeks=4)
            CareRelationship.objects.create(
                therapist=therapist,
                client=client,
                status=CareStatus.ACTIVE,
                invited_email=client.email,
                invited_at=started,
                invitation_expires_at=started,
                activated_at=started,
            )
    return [therapist, *clients]
