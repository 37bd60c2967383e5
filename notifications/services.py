"""Writes: preferences and their next instants, the tick that claims what is due, the
delivery ledger's claims and marks, the sweep, and unsubscribing."""

import logging
import random
import smtplib
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q, Value
from django.db.models.functions import Concat, Greatest, Left
from django.utils import timezone

from accounts.clock import zone_name
from accounts.models import Role, User
from homework.models import Assignment, AssignmentStatus
from homework.schedules import iso_week_label
from progress.caseload import caseload_week
from progress.waiting import waiting_for_therapist

from . import safety, scheduling
from .models import Delivery, Kind, Preferences, Status
from .safety import SAFETY_KINDS

logger = logging.getLogger(__name__)

# A reminder more than this late (the broker or beat was down) is dropped, not sent at night.
REMINDER_GRACE = timedelta(hours=6)
# A row "sending" for longer than the hard time limit belongs to a worker that died.
STUCK_AFTER = timedelta(seconds=120)
# A pending row whose task has not run by then (the broker lost it) is enqueued again.
REQUEUE_AFTER = timedelta(minutes=5)
# A row never handed to the broker (it was down) is the sweep's after this; sooner would race
# the tick's own enqueue after commit.
UNQUEUED_AFTER = timedelta(minutes=1)
TICK_BATCH = 2000
# How long an e-mail the mail server could not take is tried again (TRUST.md: over hours,
# not minutes): a reminder until its lateness limit, a weekly e-mail until shortly before the
# next week's. A safety e-mail has no limit: it stops when the alert is acknowledged.
RETRY_WINDOWS = {
    Kind.REMINDER: REMINDER_GRACE,
    Kind.THERAPIST_REMINDER: REMINDER_GRACE,
    Kind.CATCH_UP: timedelta(days=6),
    Kind.CLIENT_DIGEST: timedelta(days=6),
    Kind.THERAPIST_DIGEST: timedelta(days=6),
}
# A call for help waits at most this long for the next try, whatever the backoff has reached.
SAFETY_RETRY_MAX = timedelta(minutes=5)
# Mail still pending this long after its row was made is late: the tick says so in the log.
LATE_AFTER = timedelta(minutes=15)

ROLE_DEFAULTS = {
    Role.CLIENT: {
        "reminder_time": time(18, 0),
        "quiet_start": time(22, 0),
        "quiet_end": time(7, 0),
        "digest_weekday": 6,  # Sunday evening: the week that just happened
        "digest_time": time(18, 0),
    },
    Role.THERAPIST: {
        "reminder_time": time(8, 30),
        "quiet_start": time(20, 0),
        "quiet_end": time(7, 0),
        "digest_weekday": 0,  # Monday morning: last week's caseload
        "digest_time": time(8, 0),
        "reminder_weekdays": [0, 1, 2, 3, 4],  # working days
    },
}
NOTIFIED_ROLES = (Role.CLIENT, Role.THERAPIST)


def zone_of(user: User) -> str:
    """The user's zone; an unknown name in old data reads as UTC."""
    return zone_name(user.timezone)


def _quiet(prefs: Preferences) -> scheduling.QuietHours | None:
    if prefs.quiet_start is None or prefs.quiet_end is None:
        return None
    return scheduling.QuietHours(prefs.quiet_start, prefs.quiet_end)


def effective_reminder_times(user_ids: list[int]) -> dict[int, time]:
    """The earliest reminder time of each client's active homework that has one."""
    rows = (
        Assignment.objects.filter(
            client_id__in=user_ids, status=AssignmentStatus.ACTIVE, reminder_time__isnull=False
        )
        .values("client_id")
        .annotate(earliest=Min("reminder_time"))
    )
    return {row["client_id"]: row["earliest"] for row in rows}


def _reminder_time(prefs: Preferences, overrides: dict[int, time]) -> time:
    # An assignment's own reminder time comes first; the earliest of them sets the day's one.
    own = overrides.get(prefs.user_id)
    return min(own, prefs.reminder_time) if own else prefs.reminder_time


def _weekdays(prefs: Preferences) -> frozenset[int] | None:
    """A therapist's chosen days; a client's reminder goes every day."""
    if prefs.user.role != Role.THERAPIST:
        return None
    return frozenset(prefs.reminder_weekdays or []) or None


def reminder_kind(prefs: Preferences) -> str:
    return Kind.THERAPIST_REMINDER if prefs.user.role == Role.THERAPIST else Kind.REMINDER


def compute_next(
    prefs: Preferences, *, zone: str, after: datetime, override: time | None = None
) -> None:
    """Set `next_reminder_at`, `next_digest_at` and `zone` from the preferences (unsaved)."""
    prefs.zone = zone
    prefs.next_reminder_at = (
        scheduling.next_reminder_at(
            _reminder_time(prefs, {prefs.user_id: override} if override else {}),
            zone,
            after,
            _quiet(prefs),
            _weekdays(prefs),
        )
        if prefs.reminders_enabled
        else None
    )
    prefs.next_digest_at = (
        scheduling.next_digest_at(prefs.digest_weekday, prefs.digest_time, zone, after)
        if prefs.digest_enabled
        else None
    )


def _new_preferences(user: User, now: datetime, override: time | None = None) -> Preferences:
    defaults = ROLE_DEFAULTS.get(user.role, ROLE_DEFAULTS[Role.CLIENT])
    # A fresh list each time: the weekdays list must not be shared between rows.
    prefs = Preferences(user=user, **{k: copy(v) for k, v in defaults.items()})
    compute_next(prefs, zone=zone_of(user), after=now, override=override)
    return prefs


def preferences_for(user: User) -> Preferences:
    """The user's preferences, made with their role's defaults the first time."""
    prefs = Preferences.objects.filter(user=user).first()
    if prefs is not None:
        return prefs
    prefs = _new_preferences(user, timezone.now(), effective_reminder_times([user.pk]).get(user.pk))
    try:
        with transaction.atomic():
            prefs.save()
    except IntegrityError:
        prefs = Preferences.objects.get(user=user)
    return prefs


PREFERENCE_FIELDS = (
    "reminders_enabled",
    "reminder_time",
    "reminder_weekdays",
    "quiet_start",
    "quiet_end",
    "digest_enabled",
    "digest_weekday",
    "digest_time",
)


@transaction.atomic
def preferences_update(*, user: User, timezone_name: str | None = None, **fields) -> Preferences:
    """Change preferences (and the time zone); the next instants are computed again."""
    unknown = set(fields) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValueError(f"Not preference fields: {sorted(unknown)}")
    prefs = Preferences.objects.select_for_update().get(pk=preferences_for(user).pk)
    for name, value in fields.items():
        setattr(prefs, name, value)
    if timezone_name is not None and timezone_name != user.timezone:
        user.timezone = timezone_name
        user.full_clean(exclude=["password"])
        user.save(update_fields=["timezone"])
    prefs.full_clean(exclude=["user"])
    compute_next(
        prefs,
        zone=zone_of(user),
        after=timezone.now(),
        override=effective_reminder_times([user.pk]).get(user.pk),
    )
    prefs.save()
    return prefs


def preferences_sync(*, now: datetime, limit: int = TICK_BATCH) -> int:
    """Rows for people who have none yet, and new instants for people whose time zone changed
    (in the admin, or when they joined). Run on every tick; two queries when nothing to do."""
    changed = 0
    missing = list(
        User.objects.filter(
            role__in=NOTIFIED_ROLES, is_active=True, notification_prefs__isnull=True
        ).order_by("pk")[:limit]
    )
    if missing:
        overrides = effective_reminder_times([u.pk for u in missing])
        Preferences.objects.bulk_create(
            [_new_preferences(u, now, overrides.get(u.pk)) for u in missing],
            ignore_conflicts=True,
        )
        changed += len(missing)
    moved = list(
        Preferences.objects.exclude(zone=F("user__timezone")).select_related("user")[:limit]
    )
    overrides = effective_reminder_times([p.user_id for p in moved])
    for prefs in moved:
        compute_next(
            prefs, zone=zone_of(prefs.user), after=now, override=overrides.get(prefs.user_id)
        )
        if prefs.zone != prefs.user.timezone:
            prefs.zone = prefs.user.timezone  # an unknown name: scheduled in UTC, once
        prefs.save(update_fields=["zone", "next_reminder_at", "next_digest_at"])
        changed += 1
    return changed


# --- The tick ------------------------------------------------------------------------


@dataclass
class TickResult:
    deliveries: list[int] = field(default_factory=list)
    late: int = 0


def give_up_at(kind: str, created_at: datetime) -> datetime | None:
    """When a row made at `created_at` stops being retried; None: never (safety e-mails)."""
    if kind in SAFETY_KINDS:
        return None
    return created_at + RETRY_WINDOWS.get(kind, REMINDER_GRACE)


def retry_delay(*, kind: str, attempts: int) -> timedelta:
    """Exponential backoff from TANDEM_MAIL_RETRY_SECONDS, capped, with a little jitter so
    that a queue refused at once is not retried all in the same second."""
    seconds = min(
        settings.TANDEM_MAIL_RETRY_SECONDS * 2 ** min(max(attempts - 1, 0), 30),
        settings.TANDEM_MAIL_RETRY_MAX_SECONDS,
    )
    if kind in SAFETY_KINDS:
        seconds = min(seconds, SAFETY_RETRY_MAX.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.9, 1.1))  # noqa: S311 - not a secret


def _ledger_row(user_id: int, kind: str, period: str, now: datetime) -> int | None:
    """The id of a new pending row, or None when one exists for this key already."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                user_id=user_id,
                kind=kind,
                period=period,
                created_at=now,
                give_up_at=give_up_at(kind, now),
            ).pk
    except IntegrityError:
        return None


def tick(*, now: datetime, limit: int = TICK_BATCH) -> TickResult:
    """Claim every reminder and digest due at `now` and make its ledger row; first make the
    rows of safety alerts not yet e-mailed or due a re-alert (notifications/safety.py).

    Each claim moves the row's `next_*_at` from the value read to the next instant, in one
    conditional UPDATE, so two ticks at once (two beats) claim each instant once; the ledger's
    unique key is the second guard. The caller enqueues `result.deliveries` after commit.
    """
    from .safety import safety_deliveries
    from .selectors import anything_due, due_digests, due_reminders

    result = TickResult()
    # Safety notices first, whatever anyone's preferences say.
    result.deliveries.extend(safety_deliveries(now=now))
    if not anything_due(now=now):
        return result
    reminders = due_reminders(now=now, limit=limit)
    overrides = effective_reminder_times([p.user_id for p in reminders])
    for prefs in reminders:
        due_at = prefs.next_reminder_at
        zone = zone_of(prefs.user)
        following = scheduling.next_reminder_at(
            _reminder_time(prefs, overrides),
            zone,
            max(now, due_at),
            _quiet(prefs),
            _weekdays(prefs),
        )
        claimed = Preferences.objects.filter(pk=prefs.pk, next_reminder_at=due_at).update(
            next_reminder_at=following
        )
        if not claimed:
            continue
        if now - due_at > REMINDER_GRACE:
            result.late += 1
            continue
        period = scheduling.reminder_period(due_at, zone)
        if (pk := _ledger_row(prefs.user_id, reminder_kind(prefs), period, now)) is not None:
            result.deliveries.append(pk)
    for prefs in due_digests(now=now, limit=limit):
        due_at = prefs.next_digest_at
        zone = zone_of(prefs.user)
        following = scheduling.next_digest_at(
            prefs.digest_weekday, prefs.digest_time, zone, max(now, due_at)
        )
        claimed = Preferences.objects.filter(pk=prefs.pk, next_digest_at=due_at).update(
            next_digest_at=following
        )
        if not claimed:
            continue
        kind = Kind.THERAPIST_DIGEST if prefs.user.role == Role.THERAPIST else Kind.CLIENT_DIGEST
        period = scheduling.digest_period(due_at, zone)
        if (pk := _ledger_row(prefs.user_id, kind, period, now)) is not None:
            result.deliveries.append(pk)
    return result


def delivery_enqueue(delivery_ids: list[int]) -> int:
    """Hand deliveries to the broker; those it refuses stay pending for the sweep."""
    from accounts.services import BROKER_ERRORS

    from .tasks import deliver

    sent = 0
    for pk in delivery_ids:
        try:
            deliver.delay(pk)
        except BROKER_ERRORS:
            logger.warning("broker away: delivery %s left for the sweep", pk)
            break
        sent += 1
    if sent:
        Delivery.objects.filter(pk__in=delivery_ids[:sent]).update(queued_at=timezone.now())
    return sent


def tick_and_enqueue(*, now: datetime | None = None) -> TickResult:
    now = now or timezone.now()
    preferences_sync(now=now)
    with transaction.atomic():
        result = tick(now=now)
        ids = list(result.deliveries)
        transaction.on_commit(lambda: delivery_enqueue(ids))
    sweep(now=now)
    return result


# --- The ledger ----------------------------------------------------------------------


def delivery_claim(delivery_id: int, *, now: datetime | None = None) -> bool:
    """pending -> sending, once: a retried or duplicated task finds nothing to claim."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=Status.PENDING).update(
            status=Status.SENDING,
            claimed_at=now or timezone.now(),
            attempts=F("attempts") + 1,
        )
    )


def delivery_finish(
    delivery_id: int, *, status: str, message_id: str = "", error: str = ""
) -> None:
    Delivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(
        status=status, message_id=message_id, error=error[:200], finished_at=timezone.now()
    )


def delivery_release(delivery_id: int, *, error: str, now: datetime | None = None) -> str:
    """A transient failure: back to pending, due again after a backoff; failed once the next
    try would come after the row's `give_up_at`. Returns the new status."""
    now = now or timezone.now()
    row = (
        Delivery.objects.filter(pk=delivery_id, status=Status.SENDING)
        .values("kind", "attempts", "give_up_at")
        .first()
    )
    if row is None:
        return ""
    due = now + retry_delay(kind=row["kind"], attempts=row["attempts"])
    sending = Delivery.objects.filter(pk=delivery_id, status=Status.SENDING)
    if row["give_up_at"] is not None and due >= row["give_up_at"]:
        sending.update(
            status=Status.FAILED,
            error=f"gave up: {error}"[:200],
            finished_at=now,
            next_attempt_at=None,
        )
        logger.warning(
            "delivery %s (%s) failed after %s attempts: %s",
            delivery_id,
            row["kind"],
            row["attempts"],
            error,
        )
        return Status.FAILED
    sending.update(status=Status.PENDING, error=error[:200], next_attempt_at=due)
    return Status.PENDING


def sweep(
    *,
    now: datetime | None = None,
    stuck_after: timedelta = STUCK_AFTER,
    requeue_after: timedelta = REQUEUE_AFTER,
    unqueued_after: timedelta = UNQUEUED_AFTER,
) -> int:
    """Hand pending rows to the workers again: retries that are due, rows the broker never
    took (it was down) or lost. Rows stuck in "sending" (their worker died) go back to
    pending, due at once; the interrupted try is not counted. Rows past their `give_up_at`
    stop. None of this spends a row's retries: only its own clock does.
    The claim makes a duplicate task harmless."""
    now = now or timezone.now()
    Delivery.objects.filter(status=Status.SENDING, claimed_at__lt=now - stuck_after).update(
        status=Status.PENDING, attempts=Greatest(F("attempts") - 1, 0), next_attempt_at=now
    )
    expired = Delivery.objects.filter(status=Status.PENDING, give_up_at__lte=now)
    expired.filter(attempts=0).update(
        status=Status.SKIPPED, error="too late", finished_at=now, next_attempt_at=None
    )
    expired.update(
        status=Status.FAILED,
        error=Left(Concat(Value("gave up: "), "error"), 200),
        finished_at=now,
        next_attempt_at=None,
    )
    ids = list(
        Delivery.objects.filter(status=Status.PENDING)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(
                next_attempt_at__isnull=True,
                queued_at__isnull=True,
                created_at__lt=now - unqueued_after,
            )
            | Q(next_attempt_at__isnull=True, queued_at__lt=now - requeue_after)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:TICK_BATCH]
    )
    # Cleared before the hand-over: a worker may try (and reschedule) a row at once.
    Delivery.objects.filter(pk__in=ids, status=Status.PENDING).update(next_attempt_at=None)
    _report_waiting(now)
    return delivery_enqueue(ids)


def _report_waiting(now: datetime) -> None:
    """One line in the log on each tick while mail waits longer than it should."""
    waiting = Delivery.objects.filter(status=Status.PENDING).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    if waiting["oldest"] is not None and now - waiting["oldest"] > LATE_AFTER:
        logger.warning(
            "mail is late: %s deliveries pending, the oldest for %s minutes",
            waiting["count"],
            int((now - waiting["oldest"]).total_seconds() // 60),
        )


# --- Unsubscribing -------------------------------------------------------------------

UNSUBSCRIBE_FIELDS = {"reminders": "reminders_enabled", "digest": "digest_enabled"}


def unsubscribe(*, user: User, what: str) -> Preferences:
    if what not in UNSUBSCRIBE_FIELDS:
        raise ValidationError("Unknown list.")
    return preferences_update(user=user, **{UNSUBSCRIBE_FIELDS[what]: False})


# --- Sending one delivery ------------------------------------------------------------


class TransientSendError(Exception):
    """The mail server could not take the message now; the row waits for its next try."""


def _smtp_permanent(exc: Exception) -> bool:
    """A 5xx answer (recipient refused, message rejected) will not change on a retry."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _smtp_reason(exc: Exception) -> str:
    """The error class and SMTP codes: never the server's text, which may echo the address."""
    codes = [getattr(exc, "smtp_code", None)]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
    codes = [str(code) for code in codes if code]
    return f"{type(exc).__name__} {' '.join(codes)}".strip()


def _week_of(period: str) -> date:
    year, week = period.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def _build(delivery: Delivery):
    """The message for a claimed row, or a reason (str) to skip it."""
    from . import emails, selectors

    user = delivery.user
    if user is None or not user.is_active:
        return "no recipient"
    if delivery.kind in SAFETY_KINDS:
        return safety.build(delivery)
    prefs = getattr(user, "notification_prefs", None) or preferences_for(user)
    zone = zone_of(user)
    match delivery.kind:
        case Kind.REMINDER | Kind.CATCH_UP:
            if not prefs.reminders_enabled:
                return "reminders off"
            if delivery.kind == Kind.CATCH_UP:
                return emails.catch_up_email(delivery)
            day = date.fromisoformat(delivery.period)
            if scheduling.local_date(timezone.now(), zone) != day:
                return "too late: the day is over"
            if selectors.needs_catch_up(client=user, today=day):
                week = iso_week_label(day)
                if (pk := _ledger_row(user.pk, Kind.CATCH_UP, week, timezone.now())) is not None:
                    transaction.on_commit(lambda: delivery_enqueue([pk]))
                    return "replaced by the catch-up note"
            counts = selectors.reminder_counts(client=user, today=day)
            if not counts.waiting:
                return "nothing waiting"
            return emails.reminder_email(delivery, waiting=counts.waiting)
        case Kind.CLIENT_DIGEST:
            if not prefs.digest_enabled:
                return "digest off"
            week = selectors.client_week_summary(client=user, monday=_week_of(delivery.period))
            return emails.client_digest_email(delivery, week=week)
        case Kind.THERAPIST_REMINDER:
            if not prefs.reminders_enabled:
                return "reminders off"
            if scheduling.local_date(timezone.now(), zone) != date.fromisoformat(delivery.period):
                return "too late: the day is over"
            waiting = waiting_for_therapist(user, timezone.now())
            if not waiting.total:
                return "nothing waiting"
            return emails.therapist_reminder_email(delivery, waiting=waiting)
        case Kind.THERAPIST_DIGEST:
            if not prefs.digest_enabled:
                return "digest off"
            caseload = caseload_week(therapist=user, monday=_week_of(delivery.period))
            if not caseload.rows:
                return "no clients"
            return emails.therapist_digest_email(delivery, caseload=caseload)
    return "unknown kind"


def delivery_send(delivery_id: int) -> str:
    """Claim, build, send and mark one ledger row. Raises TransientSendError to retry."""
    if not delivery_claim(delivery_id):
        return "not pending"
    delivery = Delivery.objects.select_related("user__notification_prefs").get(pk=delivery_id)
    try:
        message = _build(delivery)
    except Exception:
        delivery_release(delivery_id, error="could not build the message")
        raise
    if isinstance(message, str):
        delivery_finish(delivery_id, status=Status.SKIPPED, error=message)
        return f"skipped: {message}"
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        reason = _smtp_reason(exc)
        if _smtp_permanent(exc):
            delivery_finish(delivery_id, status=Status.FAILED, error=f"refused ({reason})")
            return "refused"
        delivery_release(delivery_id, error=reason)
        raise TransientSendError(reason) from exc
    delivery_finish(delivery_id, status=Status.SENT, message_id=message.extra_headers["Message-ID"])
    if delivery.kind in SAFETY_KINDS:
        safety.audit_sent(delivery)
    return "sent"
