"""The delivery ledger: every e-mail or push is one row, unique per (person, kind, period,
channel), made by its sender, handed to the broker after commit, claimed before sending and
marked after. A push row is built as its e-mail is (the same reasons to skip it) and sent to
the person's devices with the e-mail's subject as its text (notifications/push.py).

Below every sender (reminders and digests in services.py, safety.py, invitations.py): it
knows the rows, their retry schedule and the sweep, never how a message is made."""

import functools
import logging
import random
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connections, transaction
from django.db.models import Count, F, Min, Q, Value
from django.db.models.functions import Concat, Greatest, Left
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from . import push
from .channels import channels_for
from .models import SAFETY_KINDS, Channel, Delivery, Kind, Status

logger = logging.getLogger(__name__)

# What publishing a task raises when the broker is away (Redis refused or timed out, the
# filesystem transport's folder missing): the row stays pending, the sweep hands it over.
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)
# A reminder more than this late (the broker or beat was down) is dropped, not sent at night.
REMINDER_GRACE = timedelta(hours=6)
# A row "sending" for longer than the hard time limit belongs to a worker that died.
STUCK_AFTER = timedelta(seconds=120)
# A pending row whose task has not run by then (the broker lost it) is enqueued again.
REQUEUE_AFTER = timedelta(minutes=5)
# A row never handed to the broker (it was down) is the sweep's after this; sooner would race
# the sender's own enqueue after commit.
UNQUEUED_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 2000
# How long an e-mail the mail server could not take is tried again (TRUST.md: over hours,
# not minutes): a reminder until its lateness limit, a weekly e-mail until shortly before the
# next week's. A safety e-mail has no limit: it stops when the alert is acknowledged. An
# invitation's sender gives its own limit: the link's expiry.
RETRY_WINDOWS = {
    Kind.REMINDER: REMINDER_GRACE,
    Kind.THERAPIST_REMINDER: REMINDER_GRACE,
    Kind.CATCH_UP: timedelta(days=6),
    Kind.CLIENT_DIGEST: timedelta(days=6),
    Kind.THERAPIST_DIGEST: timedelta(days=6),
    Kind.REPLY: timedelta(days=1),
}
# A call for help waits at most this long for the next try, whatever the backoff has reached.
SAFETY_RETRY_MAX = timedelta(minutes=5)
# Mail still pending this long after its row was made is late: the tick says so in the log.
LATE_AFTER = timedelta(minutes=15)


class TransientSendError(Exception):
    """The mail server could not take the message now; the row waits for its next try."""


# --- The retry schedule --------------------------------------------------------------


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


# --- Rows ----------------------------------------------------------------------------


def create(
    *,
    user_id: int,
    kind: str,
    period: str,
    now: datetime,
    until: datetime | None = None,
    channels: tuple[str, ...] | None = None,
) -> list[int]:
    """The ids of new pending rows for this key, one per channel the person gets `kind` by
    (notifications/channels.py; `channels` chooses them instead); none for a channel that has
    its row already. `until` replaces the kind's own retry limit."""
    if channels is None:
        channels = channels_for([user_id], kind)[user_id]
    made = []
    for channel in channels:
        try:
            with transaction.atomic():
                made.append(
                    Delivery.objects.create(
                        user_id=user_id,
                        kind=kind,
                        period=period,
                        channel=channel,
                        created_at=now,
                        give_up_at=until or give_up_at(kind, now),
                    ).pk
                )
        except IntegrityError:
            continue
    return made


def create_many(keys: list[tuple[int, str, str]], *, now: datetime) -> list[int]:
    """The ids of new pending rows for `keys` (user id, kind, period), in their order, one per
    channel of each; a key and channel that has a row already gets none. On PostgreSQL one
    INSERT for any number of rows (`_insert_returning`); elsewhere an INSERT and a read."""
    if not keys:
        return []
    by_kind: dict[str, list[int]] = {}
    for user_id, kind, _ in keys:
        by_kind.setdefault(kind, []).append(user_id)
    routes = {kind: channels_for(users, kind) for kind, users in by_kind.items()}
    rows = [
        (user_id, kind, period, channel)
        for user_id, kind, period in keys
        for channel in routes[kind][user_id]
    ]
    connection = connections[Delivery.objects.db]
    if connection.vendor == "postgresql":
        made = _insert_returning(connection, rows, now)
    else:
        Delivery.objects.bulk_create(
            [
                Delivery(
                    user_id=user_id,
                    kind=kind,
                    period=period,
                    channel=channel,
                    created_at=now,
                    give_up_at=give_up_at(kind, now),
                )
                for user_id, kind, period, channel in rows
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        made = {
            (user_id, kind, period, channel): pk
            for pk, user_id, kind, period, channel in Delivery.objects.filter(
                created_at=now,
                status=Status.PENDING,
                kind__in=set(by_kind),
                user_id__in={user_id for user_id, _, _ in keys},
            ).values_list("pk", "user_id", "kind", "period", "channel")
        }
    return [made[row] for row in rows if row in made]


def _insert_returning(connection, rows: list[tuple], now: datetime) -> dict[tuple, int]:
    """The rows inserted (a key and channel with a row already is skipped), each column
    passed as one array: the statement's text is the same for any number of rows, and
    nothing is read back. What the ORM's INSERT would store (tested)."""
    columns = list(zip(*rows, strict=True))
    given_up = [give_up_at(kind, now) for kind in columns[1]]
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_sql(),
            [
                Status.PENDING,
                connection.ops.adapt_datetimefield_value(now),
                *map(list, columns),
                [connection.ops.adapt_datetimefield_value(value) for value in given_up],
            ],
        )
        return {(user, kind, period, channel): pk for pk, user, kind, period, channel in cursor}


@functools.cache
def _insert_sql() -> str:
    quote = connections[Delivery.objects.db].ops.quote_name
    column = {name: quote(Delivery._meta.get_field(name).column) for name in INSERTED}
    # Names from the model's meta; every value is a parameter.
    return (
        f"INSERT INTO {quote(Delivery._meta.db_table)} "  # noqa: S608
        f"({', '.join(column[name] for name in INSERTED[:-1])}) "
        "SELECT u, k, p, c, %s, '', 0, '', %s, g "
        "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::timestamptz[]) "
        "AS given (u, k, p, c, g) ON CONFLICT DO NOTHING "
        f"RETURNING {column['id']}, {column['user']}, {column['kind']}, {column['period']}, "
        f"{column['channel']}"
    )


# The INSERT's columns, in its order; the last of them (`id`) is only returned.
INSERTED = (
    "user",
    "kind",
    "period",
    "channel",
    "status",
    "message_id",
    "attempts",
    "error",
    "created_at",
    "give_up_at",
    "id",
)


def reopen_skipped(
    *, user_id: int, kind: str, period: str, reason: str, now: datetime
) -> list[int]:
    """The ids of the rows for this key (any channel) made pending again, those skipped for
    `reason` (nothing was sent for them). Conditional, so two callers reopen each once."""
    rows = Delivery.objects.filter(
        user_id=user_id, kind=kind, period=period, status=Status.SKIPPED, error=reason
    )
    reopened = []
    for pk in rows.values_list("pk", flat=True):
        if rows.filter(pk=pk).update(
            status=Status.PENDING,
            error="",
            created_at=now,
            queued_at=None,
            claimed_at=None,
            finished_at=None,
            next_attempt_at=None,
            give_up_at=give_up_at(kind, now),
        ):
            reopened.append(pk)
    return reopened


# Rows handed to one worker task: Celery's own cost per task is paid once for them, and the
# batch is claimed, loaded and (digests) counted in a few queries.
BATCH = 50


def batches(delivery_ids: list[int], workers: int) -> list[list[int]]:
    """`delivery_ids` in order, cut into batches of at most BATCH and as even as they can be:
    as many batches as it takes, rounded up to a multiple of `workers` (the worker processes),
    so that a tick's rows keep every process busy to the end instead of leaving a short last
    batch, or one process, to finish alone."""
    if not delivery_ids:
        return []
    count = -(-len(delivery_ids) // BATCH)
    count = min(-(-count // workers) * workers, len(delivery_ids))
    size, longer = divmod(len(delivery_ids), count)
    cut, start = [], 0
    for n in range(count):
        end = start + size + (n < longer)
        cut.append(list(delivery_ids[start:end]))
        start = end
    return cut


def enqueue(*groups: list[int]) -> int:
    """Hand rows to the broker, each group (a tick's rows of one kind) in batches of its own
    (`batches`; a single e-mail, such as an alert, in a task of its own); those it refuses
    stay pending for the sweep. Returns how many were handed over.

    The rows are marked queued before their tasks go: a worker claims its rows as soon as
    its task arrives, locking them in id order, and an UPDATE of all of them after that
    would lock them in the table's order, each waiting on the other (a deadlock)."""
    from .tasks import deliver, deliver_batch  # the worker's side of the ledger

    workers = max(1, settings.CELERY_WORKER_CONCURRENCY)
    cut = [batch for group in groups for batch in batches(group, workers)]
    ids = [pk for batch in cut for pk in batch]
    if not ids:
        return 0
    Delivery.objects.filter(pk__in=ids).update(queued_at=timezone.now())
    handed = 0
    for batch in cut:
        try:
            if len(batch) == 1:
                deliver.delay(batch[0])
            else:
                deliver_batch.delay(batch)
        except BROKER_ERRORS as exc:
            logger.warning(
                "could not enqueue delivery %s and %s more (%s): left for the sweep",
                batch[0],
                len(ids) - handed - 1,
                type(exc).__name__,
            )
            Delivery.objects.filter(pk__in=ids[handed:], status=Status.PENDING).update(
                queued_at=None
            )
            break
        handed += len(batch)
    return handed


def enqueue_on_commit(*groups: list[int]) -> None:
    groups = tuple(list(group) for group in groups if group)
    if groups:
        transaction.on_commit(lambda: enqueue(*groups))


def claim(delivery_id: int, *, now: datetime | None = None) -> bool:
    """pending -> sending, once: a retried or duplicated task finds nothing to claim."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=Status.PENDING).update(
            status=Status.SENDING,
            claimed_at=now or timezone.now(),
            attempts=F("attempts") + 1,
        )
    )


def claim_many(delivery_ids: list[int], *, now: datetime | None = None) -> list[int]:
    """pending -> sending for those of `delivery_ids` still pending, once: the ids claimed.
    The rows are locked in id order first, so that two workers given the same rows (a
    duplicated task, a sweep's hand-over) each claim a row at most once between them."""
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=delivery_ids, status=Status.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(
                status=Status.SENDING,
                claimed_at=now or timezone.now(),
                attempts=F("attempts") + 1,
            )
    return ids


def unclaim(delivery_ids: list[int], *, due: datetime) -> None:
    """Claimed rows not tried after all (their batch stopped): pending again, due at `due`,
    the claim not counted as a try."""
    if delivery_ids:
        Delivery.objects.filter(pk__in=delivery_ids, status=Status.SENDING).update(
            status=Status.PENDING,
            attempts=Greatest(F("attempts") - 1, 0),
            next_attempt_at=due,
        )


def finish(delivery_id: int, *, status: str, message_id: str = "", error: str = "") -> None:
    """sending -> `status`, with what the try gave. Run for every message, so its SQL is
    written once per process: the ORM building it each time cost a worker about 0.16 ms of
    CPU, the UPDATE as written 0.04 ms (it does what the ORM's does: tested)."""
    connection = connections[Delivery.objects.db]
    with connection.cursor() as cursor:
        cursor.execute(
            _finish_sql(connection.vendor),
            [
                status,
                message_id,
                error[:200],
                connection.ops.adapt_datetimefield_value(timezone.now()),
                delivery_id,
                Status.SENDING,
            ],
        )


@functools.cache
def _finish_sql(vendor: str) -> str:
    quote = connections[Delivery.objects.db].ops.quote_name
    column = {name: quote(Delivery._meta.get_field(name).column) for name in FINISHED}
    assigned = ", ".join(f"{column[name]} = %s" for name in FINISHED[:4])
    # Names from the model's meta; every value is a parameter.
    table = quote(Delivery._meta.db_table)
    where = f"{column['id']} = %s AND {column['status']} = %s"
    return f"UPDATE {table} SET {assigned} WHERE {where}"  # noqa: S608


FINISHED = ("status", "message_id", "error", "finished_at", "id")


def release(delivery_id: int, *, error: str, now: datetime | None = None) -> str:
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


# --- Sending one row -----------------------------------------------------------------


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


# --- Senders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sender:
    """How the rows of some kinds become messages: `build` gives the message or a reason (str)
    to skip the row; `on_sent` records what the kind keeps once a message is out. `prepare`,
    if any, reads what a batch of rows needs at once and returns it by row id; `build` then
    gets each row's share as its second argument (None for a row it did not prepare)."""

    build: Callable[..., EmailMessage | str]
    on_sent: Callable[[Delivery], None] | None = None
    needs_active_user: bool = True
    prepare: Callable[[list[Delivery]], dict[int, object]] | None = None


SENDERS: dict[str, Sender] = {}


def register(kinds, sender: Sender) -> None:
    """Each sender module names the kinds it builds (at import, from the app's ready())."""
    for kind in kinds:
        SENDERS[kind] = sender


# --- Sending rows --------------------------------------------------------------------

RETRY_LATER = "retry later"
NOT_TRIED = "not tried"
COULD_NOT_BUILD = "could not build"
# A message refused for itself; any other failure (no connection, the server hung up) is
# the server's, and the rest of a batch would meet it too.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def deliver(delivery_id: int) -> str:
    """Send one row of any kind, once. Raises TransientSendError when the row waits for
    another try."""
    outcome = deliver_many([delivery_id])[delivery_id]
    if outcome.startswith(RETRY_LATER):
        raise TransientSendError(outcome.removeprefix(f"{RETRY_LATER}: "))
    return outcome


def deliver_many(delivery_ids: list[int]) -> dict[int, str]:
    """Send rows of any kind, each once, and say what became of each.

    The rows are claimed together, then each is built, sent and marked in turn: a worker that
    dies mid-batch leaves what it sent marked sent, and the rest "sending" for the sweep,
    which hands them over again (only the row in flight can go twice, with its Message-ID).
    A row that cannot be built or sent now waits for its next try without holding up the
    others; when the mail server cannot be reached, the rows not yet tried wait with it.
    Rows skipped (nothing to send) are marked together at the end."""
    outcomes = dict.fromkeys(delivery_ids, "not pending")
    if len(delivery_ids) == 1:  # one conditional UPDATE claims a single row
        claimed = list(delivery_ids) if claim(delivery_ids[0]) else []
    else:
        claimed = claim_many(delivery_ids)
    if not claimed:
        return outcomes
    rows = list(
        Delivery.objects.select_related("user__notification_prefs")
        .filter(pk__in=claimed)
        .order_by("pk")
    )
    try:
        prepared = _prepare(rows)
    except Exception:
        logger.exception("deliveries %s..: could not read what their messages need", claimed[0])
        for row in rows:
            release(row.pk, error="could not build the message")
            outcomes[row.pk] = COULD_NOT_BUILD
        return outcomes
    untried = {row.pk: row for row in rows}
    skipped: dict[str, list[int]] = {}
    try:
        for row in rows:
            # From here the row is this try's: if the worker stops mid-send, it stays
            # "sending" for the sweep rather than being handed back as not tried.
            del untried[row.pk]
            outcome, unreachable = _deliver_row(row, prepared.get(row.pk), skipped)
            outcomes[row.pk] = outcome
            if unreachable:
                _wait_with(list(untried.values()), row)
                for pk in untried:
                    outcomes[pk] = NOT_TRIED
                untried = {}
                break
    finally:
        for reason, ids in skipped.items():
            Delivery.objects.filter(pk__in=ids, status=Status.SENDING).update(
                status=Status.SKIPPED, error=reason[:200], finished_at=timezone.now()
            )
        unclaim(list(untried), due=timezone.now())
    return outcomes


def _prepare(rows: list[Delivery]) -> dict[int, object]:
    """What each sender with a `prepare` reads for its rows of the batch, by row id."""
    groups: dict[int, tuple[Sender, list[Delivery]]] = {}
    for row in rows:
        sender = SENDERS.get(row.kind)
        if sender is None or sender.prepare is None:
            continue
        if sender.needs_active_user and (row.user is None or not row.user.is_active):
            continue
        groups.setdefault(id(sender), (sender, []))[1].append(row)
    prepared: dict[int, object] = {}
    for sender, group in groups.values():
        prepared.update(sender.prepare(group))
    return prepared


def _build(row: Delivery, prepared: object) -> EmailMessage | str:
    sender = SENDERS.get(row.kind)
    if sender is None:
        return f"no sender for {row.kind}"
    if sender.needs_active_user and (row.user is None or not row.user.is_active):
        return "no recipient"
    if sender.prepare is not None:
        return sender.build(row, prepared)
    return sender.build(row)


def _deliver_row(
    row: Delivery, prepared: object, skipped: dict[str, list[int]]
) -> tuple[str, bool]:
    """Build, send and mark one claimed row: its outcome, and whether the mail server could
    not be reached (the rest of the batch then waits)."""
    try:
        message = _build(row, prepared)
    except Exception:
        logger.exception("delivery %s (%s): could not build the message", row.pk, row.kind)
        release(row.pk, error="could not build the message")
        return COULD_NOT_BUILD, False
    if isinstance(message, str):
        skipped.setdefault(message, []).append(row.pk)
        return f"skipped: {message}", False
    if row.channel == Channel.PUSH:
        return _push_row(row, message), False
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        reason = _smtp_reason(exc)
        if _smtp_permanent(exc):
            finish(row.pk, status=Status.FAILED, error=f"refused ({reason})")
            return "refused", False
        release(row.pk, error=reason)
        return f"{RETRY_LATER}: {reason}", not isinstance(exc, MESSAGE_ERRORS)
    finish(row.pk, status=Status.SENT, message_id=message.extra_headers["Message-ID"])
    if (sender := SENDERS[row.kind]).on_sent is not None:
        sender.on_sent(row)
    return "sent", False


NO_DEVICE = "no device: sent by e-mail"


def _push_row(row: Delivery, message) -> str:
    """Send a claimed push row to the person's devices and mark it: sent when a device's
    push service took it; waiting for its next try when they could not take it now; when no
    device is left, its e-mail goes instead (a choice of push never means nothing arrives)."""
    try:
        outcome = push.send_to_devices(
            user_id=row.user_id,
            kind=row.kind,
            data=push.payload(row.kind, message.subject),
            give_up_at=row.give_up_at,
        )
    except push.PushNotConfigured:
        outcome = push.Outcome()
    if outcome.accepted:
        finish(row.pk, status=Status.SENT, message_id=f"push to {outcome.accepted} devices")
        if (sender := SENDERS[row.kind]).on_sent is not None:
            sender.on_sent(row)
        return "sent"
    if outcome.transient:
        release(row.pk, error=outcome.reason)
        return f"{RETRY_LATER}: {outcome.reason}"
    if outcome.refused:
        finish(row.pk, status=Status.FAILED, error=f"refused ({outcome.reason})")
        return "refused"
    email = create(
        user_id=row.user_id,
        kind=row.kind,
        period=row.period,
        now=timezone.now(),
        until=row.give_up_at,
        channels=(Channel.EMAIL,),
    )
    enqueue_on_commit(email)
    finish(row.pk, status=Status.SKIPPED, error=NO_DEVICE)
    return f"skipped: {NO_DEVICE}"


def _wait_with(rows: list[Delivery], failed: Delivery) -> None:
    """The rows of a batch not tried because the mail server could not be reached: due when
    the row that found it away is tried again (a safety e-mail within SAFETY_RETRY_MAX)."""
    now = timezone.now()
    due = now + retry_delay(kind=failed.kind, attempts=failed.attempts)
    safety = [row.pk for row in rows if row.kind in SAFETY_KINDS]
    unclaim([row.pk for row in rows if row.kind not in SAFETY_KINDS], due=due)
    unclaim(safety, due=min(due, now + SAFETY_RETRY_MAX))


# --- The sweep -----------------------------------------------------------------------


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
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    # Cleared before the hand-over: a worker may try (and reschedule) a row at once.
    Delivery.objects.filter(pk__in=ids, status=Status.PENDING).update(next_attempt_at=None)
    _report_waiting(now)
    return enqueue(ids)


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
