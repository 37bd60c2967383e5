"""For `make run`: the first demo client's reminder and the demo therapist's fall a few
minutes from now, so two e-mails appear in var/mail/. Something is made to wait for the
therapist (a shared entry not opened yet) when nothing does. Running it again just moves
the times."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.demo import DEMO_CLIENTS, DEMO_THERAPIST
from accounts.models import User
from clients import services as records
from clients.models import JournalEntry
from notifications import services
from progress.waiting import waiting_for_therapist


class Command(BaseCommand):
    help = "Set the demo client's and therapist's reminders a few minutes from now (make run)."

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
        therapist = User.objects.filter(email=DEMO_THERAPIST[0]).first()
        if therapist is None:
            return
        if not waiting_for_therapist(therapist, timezone.now()).total:
            entry = records.journal_create(
                client=client, text="A demo entry, shared.", mood=6, shared=True
            )
            # Shared three days ago and not opened yet: it waits for the therapist.
            JournalEntry.objects.filter(pk=entry.pk).update(
                created_at=timezone.now() - timedelta(days=3)
            )
        at = (timezone.now() + timedelta(minutes=minutes)).astimezone(therapist.zone)
        services.preferences_update(
            user=therapist,
            reminders_enabled=True,
            reminder_time=at.time().replace(second=0, microsecond=0),
            reminder_weekdays=list(range(7)),  # the demo runs on any day
            quiet_start=None,
            quiet_end=None,
        )
        self.stdout.write(
            f"Demo therapist reminder for {therapist.email} at {at:%H:%M} ({therapist.timezone})."
        )
