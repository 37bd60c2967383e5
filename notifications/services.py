"""Writes: preferences and their next instants, reminders, weekly digests and notes that a
reply waits, the tick that claims what is due (and asks safety.py for its rows), sending one
row of any kind, and unsubscribing. Above the ledger and the other senders; nothing here is
imported by them."""

from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from accounts.clock import local_day, zone_name
from accounts.clock import zone as clock_zone
from accounts.models import Role, User
from appointments.models import Appointment
from appointments.models import Status as SessionStatus
from clients.selectors import unread_replies_queryset
from homework.models import Assignment, AssignmentStatus
from homework.schedules import iso_week_label
from progress.caseload import caseload_week, caseload_weeks
from progress.waiting import waiting_for_therapist

from . import channels, emails, ledger, safety, scheduling, selectors
from .ledger import REMINDER_GRACE
from .models import Delivery, Kind, Preferences, Status

TICK_BATCH = 2000

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
    if prefs.next_reply_at is not None:
        # A reply's note waiting for quiet hours: for the quiet hours (and zone) now set.
        prefs.next_reply_at = (
            scheduling.out_of_quiet(after, zone, _quiet(prefs)) if prefs.replies_enabled else None
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
    "replies_enabled",
    "session_reminders_enabled",
    "channels",
)


@transaction.atomic
def preferences_update(*, user: User, timezone_name: str | None = None, **fields) -> Preferences:
    """Change preferences (and the time zone); the next instants are computed again."""
    unknown = set(fields) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValueError(f"Not preference fields: {sorted(unknown)}")
    prefs = Preferences.objects.select_for_update().get(pk=preferences_for(user).pk)
    if "channels" in fields:
        try:
            fields["channels"] = {
                **(prefs.channels or {}),
                **channels.validate(fields["channels"] or {}, user.role),
            }
        except ValueError as exc:
            raise ValidationError({"channels": str(exc)}) from None
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
        prefs.save(update_fields=["zone", "next_reminder_at", "next_digest_at", "next_reply_at"])
        changed += 1
    return changed


# --- The tick ------------------------------------------------------------------------


@dataclass
class TickResult:
    # The new rows, by kind: the workers take each group in batches of its own (ledger.enqueue).
    groups: list[list[int]] = field(default_factory=list)
    late: int = 0
    more: bool = False  # a claim reached its limit: more may be due at the same instant

    @property
    def deliveries(self) -> list[int]:
        return [pk for group in self.groups for pk in group]

    def add(self, ids: list[int]) -> None:
        if ids:
            self.groups.append(list(ids))

    def take(self, part: "TickResult") -> None:
        """Add a step's rows and counts to these."""
        self.groups += part.groups
        self.late += part.late
        self.more |= part.more


def tick(*, now: datetime, limit: int = TICK_BATCH) -> TickResult:
    """Claim every reminder and digest due at `now` and make its ledger row; first make the
    rows of safety alerts not yet e-mailed or due a re-alert (notifications/safety.py).

    Runs in the caller's transaction. The due preferences are locked as they are read (rows
    another tick holds are skipped, PostgreSQL; SQLite runs one writing transaction at a
    time) and each moves to its next instant, all in one UPDATE, so two ticks at once (two
    beats) claim each instant once; the ledger's unique key is the second guard. The rows
    are made together too. The caller enqueues `result.groups` after commit.
    """
    result = TickResult()
    for part in tick_steps(now=now, limit=limit, round_size=limit):
        result.take(part)
    return result


def tick_steps(*, now: datetime, limit: int, round_size: int) -> Iterator[TickResult]:
    """The tick, one step at a time, safety first: each step is whole on its own (what it
    claimed, moved to its next instant, and the ledger rows made for it), and runs when the
    caller asks for it, in the caller's transaction, so that the caller may commit and hand
    over each step's rows before the next. Reminders and digests are claimed in rounds of
    at most `round_size`, up to `limit` of each kind."""
    # Safety notices first, whatever anyone's preferences say.
    yield _made(safety.safety_deliveries(now=now))
    yield _made(session_reminder_rows(now=now))
    if not selectors.anything_due(now=now):
        return
    yield from _rounds(
        _due_reminders, selectors.due_reminders, now=now, limit=limit, round_size=round_size
    )
    yield from _rounds(
        _due_digests, selectors.due_digests, now=now, limit=limit, round_size=round_size
    )
    yield _due_replies(now=now, limit=limit)


def _made(ids: list[int]) -> TickResult:
    result = TickResult()
    result.add(ids)
    return result


def _rounds(claim, due, *, now: datetime, limit: int, round_size: int) -> Iterator[TickResult]:
    """`claim(now=, limit=)` in even rounds of at most `round_size`, up to `limit` in all; when
    that takes more than one round, `due(now=, limit=)` (the rows a claim would read) is
    counted first, so that no round is left short. `more` on the last round when the claims
    reached `limit`; a round that claimed less than it asked for is the last."""
    sizes = [limit]
    if round_size < limit:
        count = due(now=now, limit=limit).count()
        rounds = -(-count // round_size)
        sizes = [count // rounds + (n < count % rounds) for n in range(rounds)]
    claimed = 0
    for size in sizes:
        part, got = claim(now=now, limit=size)
        claimed += got
        part.more = claimed >= limit
        yield part
        if got < size:
            return


def _due_reminders(*, now: datetime, limit: int) -> tuple[TickResult, int]:
    result = TickResult()
    reminders = list(selectors.due_reminders(now=now, limit=limit, claim=True))
    overrides = effective_reminder_times([p.user_id for p in reminders])
    rows = []
    for prefs in reminders:
        due_at = prefs.next_reminder_at
        zone = zone_of(prefs.user)
        prefs.next_reminder_at = scheduling.next_reminder_at(
            _reminder_time(prefs, overrides),
            zone,
            max(now, due_at),
            _quiet(prefs),
            _weekdays(prefs),
        )
        if now - due_at > REMINDER_GRACE:
            result.late += 1
            continue
        period = scheduling.reminder_period(due_at, zone)
        rows.append((prefs.user_id, reminder_kind(prefs), period))
    _move(reminders, "next_reminder_at")
    result.add(ledger.create_many(rows, now=now))
    return result, len(reminders)


def _due_digests(*, now: datetime, limit: int) -> tuple[TickResult, int]:
    result = TickResult()
    digests = list(selectors.due_digests(now=now, limit=limit, claim=True))
    rows = []
    for prefs in digests:
        due_at = prefs.next_digest_at
        zone = zone_of(prefs.user)
        prefs.next_digest_at = scheduling.next_digest_at(
            prefs.digest_weekday, prefs.digest_time, zone, max(now, due_at)
        )
        kind = Kind.THERAPIST_DIGEST if prefs.user.role == Role.THERAPIST else Kind.CLIENT_DIGEST
        rows.append((prefs.user_id, kind, scheduling.digest_period(due_at, zone)))
    _move(digests, "next_digest_at")
    # Therapists' digests first, in batches of their own: each costs what many clients' do,
    # so every worker process starts with a share of them, and a batch reads its caseloads
    # together.
    for therapists in (True, False):
        result.add(
            ledger.create_many(
                [row for row in rows if (row[1] == Kind.THERAPIST_DIGEST) is therapists], now=now
            )
        )
    return result, len(digests)


def _due_replies(*, now: datetime, limit: int) -> TickResult:
    result = TickResult()
    replies = list(selectors.due_replies(now=now, limit=limit, claim=True))
    result.more = len(replies) >= limit
    due = [(prefs, prefs.next_reply_at) for prefs in replies]
    for prefs in replies:
        prefs.next_reply_at = None
    _move(replies, "next_reply_at")
    result.add(
        [
            pk
            for prefs, due_at in due
            for pk in _reply_row(prefs.user_id, due_at, zone_of(prefs.user), now)
        ]
    )
    return result


def _move(claimed: list[Preferences], instant: str) -> None:
    """Save each claimed row's next `instant`: one UPDATE per distinct value (people with the
    same time and zone share one), cheaper than one per row or a CASE over all of them."""
    rows_by_value: dict[datetime | None, list[int]] = {}
    for prefs in claimed:
        rows_by_value.setdefault(getattr(prefs, instant), []).append(prefs.pk)
    for value, pks in rows_by_value.items():
        Preferences.objects.filter(pk__in=pks).update(**{instant: value})


def claim_round() -> int:
    """How many of a kind a tick claims, and commits, at a time: one batch for each worker
    process, which starts on it while the tick claims the next round."""
    return ledger.BATCH * max(1, settings.CELERY_WORKER_CONCURRENCY)


def tick_and_enqueue(*, now: datetime | None = None, limit: int = TICK_BATCH) -> TickResult:
    """One tick: each step (`tick_steps`) in a transaction of its own, its rows handed to the
    workers as it commits. A call for help's rows go first; a week's digests go out while
    the tick is still claiming the rest of them."""
    now = now or timezone.now()
    preferences_sync(now=now)
    result = TickResult()
    steps = tick_steps(now=now, limit=limit, round_size=claim_round())
    while True:
        with transaction.atomic():
            part = next(steps, None)
            if part is None:
                break
            ledger.enqueue_on_commit(*part.groups)
        result.take(part)
    ledger.sweep(now=now)
    return result


# A tick claims up to TICK_BATCH of each kind at a time; with more due (a week's digests for a
# large practice), it claims again at once, up to this many times, instead of a minute later.
TICK_ROUNDS = 10


def tick_until_done(
    *, now: datetime | None = None, limit: int = TICK_BATCH, rounds: int = TICK_ROUNDS
) -> TickResult:
    """What beat's minutely tick runs: `tick_and_enqueue` again while a claim reached its
    limit (each round's rows go to the workers as it commits), at most `rounds` times. The
    result holds every round's rows."""
    now = now or timezone.now()
    total = TickResult(more=True)
    for _ in range(rounds):
        result = tick_and_enqueue(now=now, limit=limit)
        total.groups += result.groups
        total.late += result.late
        total.more = result.more
        if not result.more:
            break
    return total


# --- Session reminders --------------------------------------------------------------

# Closer to its start than this, a session gets no reminder (and a late one is dropped).
SESSION_REMINDER_LEAD = timedelta(hours=1)
# A reminder is planned at most two local days (and a DST hour) before its session.
SESSION_LOOKAHEAD = timedelta(hours=50)


def session_period(public_id, starts_at: datetime) -> str:
    """The ledger period of a session's reminder: its id and the UTC minute it starts, so
    that a session moved after its reminder went out gets one for its new time."""
    return f"{public_id}@{starts_at.astimezone(UTC):%Y%m%dT%H%MZ}"


def session_reminder_rows(*, now: datetime) -> list[int]:
    """The rows of the session reminders due at `now`.

    Not a stored instant but a look at every scheduled session of the next two days (one
    indexed range read): a session moved or cancelled, and a client's changed settings or
    zone, count at the next tick with nothing to keep in step. A reminder is due from its
    planned instant (`scheduling.session_reminder_instant`) until an hour before the session,
    and made only out of the client's quiet hours; the ledger's key makes it once."""
    sessions = (
        Appointment.objects.filter(
            status=SessionStatus.SCHEDULED,
            starts_at__gt=now + SESSION_REMINDER_LEAD,
            starts_at__lte=now + SESSION_LOOKAHEAD,
            client__is_active=True,
        )
        .filter(
            Q(client__notification_prefs__isnull=True)
            | Q(client__notification_prefs__session_reminders_enabled=True)
        )
        .values(
            "public_id",
            "starts_at",
            "client_id",
            "client__timezone",
            "client__notification_prefs__reminder_time",
            "client__notification_prefs__quiet_start",
            "client__notification_prefs__quiet_end",
            "client__notification_prefs__pk",
        )
    )
    defaults = ROLE_DEFAULTS[Role.CLIENT]
    due = {}
    for row in sessions:
        zone = zone_name(row["client__timezone"])
        if row["client__notification_prefs__pk"] is None:  # before the tick's sync made them
            at, start, end = (
                defaults["reminder_time"],
                defaults["quiet_start"],
                defaults["quiet_end"],
            )
        else:
            at = row["client__notification_prefs__reminder_time"]
            start = row["client__notification_prefs__quiet_start"]
            end = row["client__notification_prefs__quiet_end"]
        quiet = scheduling.QuietHours(start, end) if start and end else None
        planned = scheduling.session_reminder_instant(row["starts_at"], at, zone, quiet)
        if planned <= now and scheduling.out_of_quiet(now, zone, quiet) == now:
            period = session_period(row["public_id"], row["starts_at"])
            due[(row["client_id"], period)] = row["starts_at"]
    if not due:
        return []
    made = set(
        Delivery.objects.filter(
            kind=Kind.SESSION_REMINDER,
            user_id__in={user_id for user_id, _ in due},
            period__in={period for _, period in due},
        ).values_list("user_id", "period")
    )
    rows = []
    routes = channels.channels_for([user_id for user_id, _ in due], Kind.SESSION_REMINDER)
    for (user_id, period), starts_at in due.items():
        if (user_id, period) in made:
            continue
        rows += ledger.create(
            user_id=user_id,
            kind=Kind.SESSION_REMINDER,
            period=period,
            now=now,
            until=starts_at - SESSION_REMINDER_LEAD,
            channels=routes[user_id],
        )
    return rows


def _session_reminder(delivery: Delivery, zone: str):
    """The reminder of the session the row names, or why not: cancelled, moved (its new
    time has a row of its own), or about to start."""
    public_id, _, _ = delivery.period.partition("@")
    session = Appointment.objects.filter(public_id=public_id, client=delivery.user).first()
    if session is None:
        return "no session"
    if session.status != SessionStatus.SCHEDULED:
        return f"session {session.status}"
    if session_period(session.public_id, session.starts_at) != delivery.period:
        return "session moved"
    now = timezone.now()
    if now > session.starts_at - SESSION_REMINDER_LEAD:
        return "too late: the session is about to start"
    tz = clock_zone(zone)
    day, today = local_day(session.starts_at, tz), local_day(now, tz)
    if day - today not in (timedelta(0), timedelta(days=1)):
        return "not the day before"
    return emails.session_reminder_email(
        delivery,
        tomorrow=day != today,
        day=day,
        at=session.starts_at.astimezone(tz).strftime("%H:%M"),
    )


# --- Replies -------------------------------------------------------------------------


def _reply_row(user_id: int, due_at: datetime, zone: str, now: datetime) -> list[int]:
    """The rows (one per channel) of the client's reply note for the local day of `due_at`:
    at most one a day. Rows of that day skipped because the client had read everything are
    due again (nothing was sent for them)."""
    period = scheduling.reminder_period(due_at, zone)
    rows = ledger.create(user_id=user_id, kind=Kind.REPLY, period=period, now=now)
    return rows or ledger.reopen_skipped(
        user_id=user_id, kind=Kind.REPLY, period=period, reason=REPLY_READ, now=now
    )


def reply_arrived(*, client: User, now: datetime) -> list[int]:
    """Someone replied on the client's record (in the transaction that saves the reply): the
    rows of today's note, or none when there are already, the client turned these notes
    off, or they wait for the end of their quiet hours (the tick makes them then)."""
    prefs = preferences_for(client)
    if not prefs.replies_enabled or not client.is_active:
        return []
    zone = zone_of(client)
    due = scheduling.out_of_quiet(now, zone, _quiet(prefs))
    if due > now:
        Preferences.objects.filter(pk=prefs.pk).filter(
            Q(next_reply_at__isnull=True) | Q(next_reply_at__gt=due)
        ).update(next_reply_at=due)
        return []
    return _reply_row(client.pk, now, zone, now)


def on_reply_left(sender, feedback, **kwargs) -> None:
    """A therapist's feedback is being saved: its note's rows in the same transaction, handed
    to the broker by id after it commits (the sweep's, if the broker is away)."""
    ledger.enqueue_on_commit(reply_arrived(client=feedback.client, now=timezone.now()))


REPLY_READ = "read already"


def _reply_waits(delivery: Delivery) -> bool:
    """Is a reply unread that no earlier note announced? (Read before the note went out, say
    when quiet hours held it back: nothing to say.)"""
    announced = (
        Delivery.objects.filter(user=delivery.user, kind=Kind.REPLY, status=Status.SENT)
        .exclude(pk=delivery.pk)
        .aggregate(last=Max("finished_at"))["last"]
    )
    return unread_replies_queryset(client=delivery.user, since=announced).exists()


# --- Unsubscribing -------------------------------------------------------------------

UNSUBSCRIBE_FIELDS = {
    "reminders": "reminders_enabled",
    "digest": "digest_enabled",
    "replies": "replies_enabled",
    "sessions": "session_reminders_enabled",
}


def unsubscribe(*, user: User, what: str) -> Preferences:
    if what not in UNSUBSCRIBE_FIELDS:
        raise ValidationError("Unknown list.")
    return preferences_update(user=user, **{UNSUBSCRIBE_FIELDS[what]: False})


# --- Sending one delivery ------------------------------------------------------------


def _week_of(period: str) -> date:
    year, week = period.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def _prepare(deliveries: list[Delivery]) -> dict[int, object]:
    """For a batch of rows: the weeks of its client digests and the caseloads' weeks of its
    therapist digests, each kind read together."""
    prepared: dict[int, object] = {}
    for kind, read in (
        (Kind.CLIENT_DIGEST, selectors.client_week_summaries),
        (Kind.THERAPIST_DIGEST, caseload_weeks),
    ):
        digests = [
            delivery
            for delivery in deliveries
            if delivery.kind == kind and _prefs(delivery.user).digest_enabled
        ]
        if digests:
            weeks = read([(d.user, _week_of(d.period)) for d in digests])
            prepared.update(zip((d.pk for d in digests), weeks, strict=True))
    return prepared


def _catch_up_made_on(user: User, week: str, day: date, zone: str) -> bool:
    """Was this week's catch-up note made on `day`? (By the same reminder's other channel:
    it replaces the reminder there too.)"""
    made = (
        Delivery.objects.filter(user=user, kind=Kind.CATCH_UP, period=week)
        .values_list("created_at", flat=True)
        .first()
    )
    return made is not None and local_day(made, clock_zone(zone)) == day


def _prefs(user: User) -> Preferences:
    return getattr(user, "notification_prefs", None) or preferences_for(user)


def _build(delivery: Delivery, prepared: object = None):
    """The message for a claimed reminder or digest row, or a reason (str) to skip it;
    `prepared` is what `_prepare` read for it with its batch."""
    user = delivery.user
    prefs = _prefs(user)
    zone = zone_of(user)
    match delivery.kind:
        case Kind.REMINDER | Kind.CATCH_UP:
            if not prefs.reminders_enabled:
                return "reminders off"
            if delivery.kind == Kind.CATCH_UP:
                return emails.catch_up_email(delivery)
            day = date.fromisoformat(delivery.period)
            if local_day(timezone.now(), clock_zone(zone)) != day:
                return "too late: the day is over"
            if selectors.needs_catch_up(client=user, today=day):
                week = iso_week_label(day)
                catch_up = ledger.create(
                    user_id=user.pk, kind=Kind.CATCH_UP, period=week, now=timezone.now()
                )
                ledger.enqueue_on_commit(catch_up)
                if catch_up or _catch_up_made_on(user, week, day, zone):
                    return "replaced by the catch-up note"
            counts = selectors.reminder_counts(client=user, today=day)
            if not counts.waiting:
                return "nothing waiting"
            return emails.reminder_email(delivery, waiting=counts.waiting)
        case Kind.CLIENT_DIGEST:
            if not prefs.digest_enabled:
                return "digest off"
            if (week := prepared) is None:
                week = selectors.client_week_summary(client=user, monday=_week_of(delivery.period))
            return emails.client_digest_email(delivery, week=emails.WeekCounts.of(week))
        case Kind.THERAPIST_REMINDER:
            if not prefs.reminders_enabled:
                return "reminders off"
            if local_day(timezone.now(), clock_zone(zone)) != date.fromisoformat(delivery.period):
                return "too late: the day is over"
            waiting = waiting_for_therapist(user, timezone.now())
            briefs = selectors.sessions_tomorrow(therapist=user, now=timezone.now())
            if not waiting.total and not briefs:
                return "nothing waiting"
            return emails.therapist_reminder_email(
                delivery, waiting=emails.WaitingCounts.of(waiting), briefs_tomorrow=briefs
            )
        case Kind.THERAPIST_DIGEST:
            if not prefs.digest_enabled:
                return "digest off"
            if (caseload := prepared) is None:
                caseload = caseload_week(therapist=user, monday=_week_of(delivery.period))
            if not caseload.rows:
                return "no clients"
            return emails.therapist_digest_email(
                delivery, caseload=emails.CaseloadCounts.of(caseload)
            )
        case Kind.REPLY:
            if not prefs.replies_enabled:
                return "replies off"
            if not _reply_waits(delivery):
                return REPLY_READ
            return emails.reply_email(delivery)
        case Kind.SESSION_REMINDER:
            if not prefs.session_reminders_enabled:
                return "session reminders off"
            return _session_reminder(delivery, zone)
    return "unknown kind"


ledger.register(
    (
        Kind.REMINDER,
        Kind.CATCH_UP,
        Kind.CLIENT_DIGEST,
        Kind.THERAPIST_REMINDER,
        Kind.THERAPIST_DIGEST,
        Kind.REPLY,
        Kind.SESSION_REMINDER,
    ),
    ledger.Sender(build=_build, prepare=_prepare),
)
