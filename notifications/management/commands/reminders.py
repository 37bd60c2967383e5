"""`manage.py reminders --at 2026-12-01T09:00Z --dry-run`: who would get what at a tick."""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications import ledger, scheduling, selectors, services
from notifications.models import Kind


def instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--at: not an ISO 8601 instant: {value!r}") from exc
    if moment.tzinfo is None:
        raise CommandError("--at needs a time zone, e.g. 2026-12-01T09:00Z")
    return moment.astimezone(UTC)


class Command(BaseCommand):
    help = "Run the notifications tick now (or as at --at); --dry-run only lists what is due."

    def add_arguments(self, parser):
        parser.add_argument("--at", type=instant, help="the tick's instant (default: now)")
        parser.add_argument("--dry-run", action="store_true", help="list, claim and send nothing")
        parser.add_argument("--limit", type=int, default=services.TICK_BATCH)

    def handle(self, *args, at=None, dry_run=False, limit=services.TICK_BATCH, **options):
        now = at or timezone.now()
        if not dry_run and now > timezone.now():
            # A real tick at a future instant would claim (and drop) reminders not yet due.
            raise CommandError(
                "--at in the future needs --dry-run: a real tick runs now or earlier"
            )
        if not dry_run:
            result = services.tick_until_done(now=now)
            self.stdout.write(f"{len(result.deliveries)} e-mail(s) handed to the workers")
            return
        rows = []
        for prefs in selectors.due_reminders(now=now, limit=limit):
            zone = services.zone_of(prefs.user)
            period = scheduling.reminder_period(prefs.next_reminder_at, zone)
            late = now - prefs.next_reminder_at > ledger.REMINDER_GRACE
            rows.append(
                (prefs, services.reminder_kind(prefs), period, prefs.next_reminder_at, late)
            )
        for prefs in selectors.due_digests(now=now, limit=limit):
            zone = services.zone_of(prefs.user)
            kind = Kind.THERAPIST_DIGEST if prefs.user.is_therapist else Kind.CLIENT_DIGEST
            period = scheduling.digest_period(prefs.next_digest_at, zone)
            rows.append((prefs, kind, period, prefs.next_digest_at, False))
        self.stdout.write(f"At {now:%Y-%m-%dT%H:%MZ}: {len(rows)} e-mail(s) due (dry run)")
        for prefs, kind, period, due_at, late in rows:
            note = "  (too late: would be dropped)" if late else ""
            self.stdout.write(
                f"  {prefs.user.email:<40} {kind:<17} {period:<10} "
                f"due {due_at:%Y-%m-%dT%H:%MZ} ({services.zone_of(prefs.user)}){note}"
            )
