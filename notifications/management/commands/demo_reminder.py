"""For `make run`: the first demo client's reminder falls a few minutes from now, so an
e-mail appears in var/mail/. Running it again just moves the time."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.demo import DEMO_CLIENTS
from accounts.models import User
from notifications import services


class Command(BaseCommand):
    help = "Set the first demo client's reminder a few minutes from now (make run)."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=3)

    def handle(self, *args, minutes: int = 3, **options):
        client = User.objects.filter(email=DEMO_CLIENTS[0][0]).first()
        if client is None:
            self.stdout.write("No demo client: run seed_demo first.")
            return
        at = (timezone.now() + timedelta(minutes=minutes)).astimezone(client.zone)
        services.preferences_update(
            user=client,
            reminders_enabled=True,
            reminder_time=at.time().replace(second=0, microsecond=0),
            quiet_start=None,
            quiet_end=None,
        )
        self.stdout.write(
            f"Demo reminder for {client.email} at {at:%H:%M} ({client.timezone}); "
            "the e-mail will appear in var/mail/."
        )
