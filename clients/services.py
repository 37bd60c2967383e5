"""Writes about the client's records: create, edit, share, delete; the homework they
complete; feedback threads; first views; and erasure of the whole account."""

import logging
from collections.abc import Mapping
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import versions
from accounts.clock import local_today
from accounts.models import AuditAction, AuditEvent, CareRelationship, CareStatus, Role, User
from accounts.prepared import Fixed, prepared
from accounts.services import audit, lock_active_relationship
from homework.models import Assignment
from safety.models import Source
from safety.services import raise_alert

from . import rules
from .models import (
    FEEDBACK_FIELD,
    LIFESTYLE_LOG_FIELDS,
    Emotion,
    Feedback,
    JournalEntry,
    LifestyleLog,
    Person,
    RecordView,
    SharingPreference,
    SocialActivity,
)
from .signals import reply_left

logger = logging.getLogger(__name__)

RECORD_MAX_AGE_DAYS = 60
RECALLED_AFTER = timedelta(days=1)
CLOCK_SKEW = timedelta(minutes=5)
ERASED_LABEL = "erased client"
THREAD_MAX = 20  # feedback is a short exchange, not a chat

JOURNAL_FIELDS = (
    "occurred_at",
    "text",
    "mood",
    "emotions",
    "triggers",
    "needed",
    "shared",
    "needs_help",
)
LIFESTYLE_FIELDS = (
    *LIFESTYLE_LOG_FIELDS,
    "shared",
)
SOCIAL_FIELDS = ("day", "person", "mode", "minutes", "feeling", "support", "note", "shared")
PERSON_FIELDS = ("name", "kind", "support")


# --- Sharing -------------------------------------------------------------------------


def default_shared(client: User) -> bool:
    """New records are private unless the client chose to share by default with every
    therapist they are in active care with: a shared record is seen by all of them, so one
    relationship left private keeps new records private."""
    active = CareRelationship.objects.filter(client=client, status=CareStatus.ACTIVE)
    return (
        active.exists() and not active.exclude(sharing_preference__share_by_default=True).exists()
    )


def default_shared_among(relationships) -> bool:
    """`default_shared` for active relationships already loaded with their preference."""
    return bool(relationships) and all(
        getattr(r, "sharing_preference", None) is not None and r.sharing_preference.share_by_default
        for r in relationships
    )


@transaction.atomic
def sharing_default_set(
    *, client: User, relationship: CareRelationship, share_by_default: bool
) -> SharingPreference:
    if relationship.client_id != client.pk:
        raise ValidationError("This care relationship is not yours.")
    preference, _created = SharingPreference.objects.update_or_create(
        relationship=relationship, defaults={"share_by_default": share_by_default}
    )
    return preference


# --- Shared checks -------------------------------------------------------------------


def _check_day(client: User, day: date, field: str = "day") -> None:
    today = local_today(client.timezone)
    if day > today:
        raise ValidationError({field: "This day is in the future."})
    if day < today - timedelta(days=RECORD_MAX_AGE_DAYS):
        raise ValidationError({field: f"Records go back at most {RECORD_MAX_AGE_DAYS} days."})


def _tags(values, *, standard: tuple[str, ...] = ()) -> list[str]:
    """Trimmed, de-duplicated (ignoring case); standard words in their standard spelling."""
    seen: dict[str, str] = {}
    for value in values or []:
        if not isinstance(value, str):
            raise ValidationError("Give a list of words.")
        word = " ".join(value.split())
        if word.lower() in standard:
            word = word.lower()
        seen.setdefault(word.lower(), word)
    return list(seen.values())


def _save(record, *, exclude: list[str]) -> None:
    """Validate and save; a constraint another request won meanwhile is a 400, not a 500."""
    record.full_clean(exclude=exclude)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:
        raise ValidationError({"day": "There is already a log for this day: edit it."}) from exc


# --- Journal -------------------------------------------------------------------------


def _clean_journal(entry: JournalEntry) -> None:
    now = timezone.now()
    if entry.occurred_at is None:
        entry.occurred_at = now
    if entry.occurred_at > now + CLOCK_SKEW:
        raise ValidationError({"occurred_at": "This moment is in the future."})
    if entry.occurred_at < now - timedelta(days=RECORD_MAX_AGE_DAYS):
        raise ValidationError(
            {"occurred_at": f"Entries go back at most {RECORD_MAX_AGE_DAYS} days."}
        )
    entry.recalled = (entry.created_at or now) - entry.occurred_at > RECALLED_AFTER
    entry.text = (entry.text or "").strip()
    entry.needed = (entry.needed or "").strip()
    entry.emotions = _tags(entry.emotions, standard=tuple(Emotion.values))
    entry.triggers = _tags(entry.triggers)
    entry.full_clean(exclude=["client"])


def journal_create(*, client: User, assignment: Assignment | None = None, **fields) -> JournalEntry:
    """A journal entry; with a journaling assignment it completes that day's occurrence.

    With "I need help now" the entry and its alert are saved whatever else is wrong: a
    field that does not validate, or the homework link, is left out and named in
    `entry.not_saved` ({field: [messages]}) instead of failing the save."""
    if fields.get("needs_help") is True:
        return _journal_create_asking_for_help(client=client, assignment=assignment, **fields)
    with transaction.atomic():
        entry = _journal_entry(client, assignment, fields)
        _clean_journal(entry)
        if not (entry.text or entry.mood is not None or entry.emotions):
            raise ValidationError({"text": "Write something, or give a mood or an emotion."})
        entry.save()
        _journal_homework(entry, assignment)
    entry.not_saved = {}
    return entry


def _journal_entry(client: User, assignment: Assignment | None, fields: dict) -> JournalEntry:
    entry = JournalEntry(client=client, **{k: fields[k] for k in JOURNAL_FIELDS if k in fields})
    if "shared" not in fields:
        # Homework answers are private until the client says otherwise.
        entry.shared = False if assignment else default_shared(client)
    return entry


def _journal_homework(entry: JournalEntry, assignment: Assignment | None) -> None:
    """The homework the entry completes: by the rules, and the one the client chose."""
    rules.sync(entry)
    if assignment is not None:
        rules.link_chosen(entry, assignment)


def _clean_leaving_out(build, fields: dict) -> tuple[JournalEntry, dict[str, list[str]]]:
    """The entry `build(fields)` makes, cleaned, with every field that does not validate left
    out (and its messages kept): an entry asking for help is valid with no other field."""
    fields = dict(fields)
    left_out: dict[str, list[str]] = {}
    while True:
        entry = build(fields)
        try:
            _clean_journal(entry)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {}
            wrong = [name for name in errors if name in fields and name != "needs_help"]
            if not wrong:
                raise
            for name in wrong:
                left_out[name] = errors[name]
                del fields[name]
        else:
            return entry, left_out


def _journal_create_asking_for_help(
    *, client: User, assignment: Assignment | None, **fields
) -> JournalEntry:
    with transaction.atomic():
        entry, not_saved = _clean_leaving_out(
            lambda kept: _journal_entry(client, assignment, {**kept, "needs_help": True}),
            {k: v for k, v in fields.items() if k in JOURNAL_FIELDS},
        )
        entry.save()
        _ask_for_help(entry)
    # Committed: the entry and its alert (and so its e-mail) stand whatever follows.
    try:
        with transaction.atomic():
            _journal_homework(entry, assignment)
    except ValidationError as exc:
        not_saved["assignment"] = exc.messages
    entry.not_saved = not_saved
    return entry


def journal_update(*, entry: JournalEntry, **fields) -> JournalEntry:
    """Edit an entry. Turning on "I need help now" saves the entry and raises its alert
    whatever else is wrong: the fields that do not validate keep their old values and are
    named in `entry.not_saved`."""
    with transaction.atomic():
        current = JournalEntry.objects.select_for_update().select_related("client").get(pk=entry.pk)
        asked_before = current.needs_help

        def build(kept: dict) -> JournalEntry:
            edited = JournalEntry.objects.select_related("client").get(pk=current.pk)
            for name in JOURNAL_FIELDS:
                if name in kept:
                    setattr(edited, name, kept[name])
            return edited

        changes = {k: v for k, v in fields.items() if k in JOURNAL_FIELDS}
        if fields.get("needs_help") is True and not asked_before:
            entry, not_saved = _clean_leaving_out(build, changes)
        else:
            entry, not_saved = build(changes), {}
            _clean_journal(entry)
        entry.save()
        if entry.needs_help and not asked_before:
            _ask_for_help(entry)
        # What it completes follows what it now says, and the day it is now on. In a
        # savepoint: homework bookkeeping never undoes the edit, nor a call for help.
        try:
            with transaction.atomic():
                rules.sync(entry)
        except ValidationError:
            logger.warning("homework completions not updated after a journal edit")
    entry.not_saved = not_saved
    return entry


def _ask_for_help(entry: JournalEntry) -> None:
    """Tell each active therapist that the client asked for help, in this transaction: the
    alert names the entry, and the therapist sees its content only if it is shared."""
    raise_alert(client=entry.client, source=Source.JOURNAL, reference=entry.public_id)


# --- Lifestyle -----------------------------------------------------------------------


@transaction.atomic
def lifestyle_create(*, client: User, day: date | None = None, **fields) -> LifestyleLog:
    day = day or local_today(client.timezone)
    _check_day(client, day)
    if LifestyleLog.objects.filter(client=client, day=day).exists():
        raise ValidationError({"day": "There is already a log for this day: edit it."})
    log = LifestyleLog(
        client=client, day=day, **{k: fields[k] for k in LIFESTYLE_FIELDS if k in fields}
    )
    if "shared" not in fields:
        log.shared = default_shared(client)
    _save(log, exclude=["client"])
    rules.sync(log)
    return log


@transaction.atomic
def lifestyle_update(*, log: LifestyleLog, **fields) -> LifestyleLog:
    log = LifestyleLog.objects.select_for_update().select_related("client").get(pk=log.pk)
    for name in LIFESTYLE_FIELDS:
        if name in fields:
            setattr(log, name, fields[name])
    _save(log, exclude=["client"])
    rules.sync(log)
    return log


# --- Social --------------------------------------------------------------------------


def _clean_social(activity: SocialActivity) -> None:
    if activity.day is None:
        activity.day = local_today(activity.client.timezone)
    _check_day(activity.client, activity.day)
    if activity.person is not None and activity.person.client_id != activity.client_id:
        raise ValidationError({"person": "Choose someone from your own list."})
    activity.full_clean(exclude=["client", "person"])


@transaction.atomic
def social_create(*, client: User, **fields) -> SocialActivity:
    activity = SocialActivity(client=client, **{k: fields[k] for k in SOCIAL_FIELDS if k in fields})
    if "shared" not in fields:
        activity.shared = default_shared(client)
    _clean_social(activity)
    activity.save()
    rules.sync(activity)
    return activity


@transaction.atomic
def social_update(*, activity: SocialActivity, **fields) -> SocialActivity:
    activity = (
        SocialActivity.objects.select_for_update().select_related("client").get(pk=activity.pk)
    )
    for name in SOCIAL_FIELDS:
        if name in fields:
            setattr(activity, name, fields[name])
    _clean_social(activity)
    activity.save()
    rules.sync(activity)
    return activity


# --- Any record ----------------------------------------------------------------------


@transaction.atomic
def record_delete(*, record) -> None:
    """Delete a record and the completions it made (a check-off it took over stays)."""
    rules.release_all(record)
    record.delete()


@transaction.atomic
def record_unlink(*, record, assignment: Assignment):
    """The client says the record is not for this homework: what it completed there is
    undone, and it is left alone by that homework's rule from now on."""
    record = type(record).objects.select_for_update().select_related("client").get(pk=record.pk)
    rules.unlink(record, assignment)
    return record


@transaction.atomic
def record_sharing_set(*, record, shared: bool):
    """Share a record or make it private, and nothing else: however old the record, the
    client can always take it back (the date rules are for writing, not for sharing)."""
    type(record).objects.filter(pk=record.pk).update(shared=shared, updated_at=timezone.now())
    record.shared = shared
    return record


def mark_viewed(*, viewer: User, records) -> None:
    """Note when a therapist first opened each shared record. One UPDATE per kind."""
    if viewer.role != Role.THERAPIST:
        return
    by_model: dict[type, list[int]] = {}
    for record in records:
        if record.first_viewed_at is None:
            by_model.setdefault(type(record), []).append(record.pk)
    mark_ids_viewed(viewer=viewer, ids=by_model)


def mark_ids_viewed(*, viewer: User, ids: Mapping[type, list[int]]) -> None:
    """`mark_viewed` for records known by their model and ids. One UPDATE per model."""
    if viewer.role != Role.THERAPIST:
        return
    now = timezone.now()
    for model, pks in ids.items():
        if pks:
            model.objects.filter(pk__in=pks, first_viewed_at__isnull=True).update(
                first_viewed_at=now
            )


def record_opened(*, therapist: User, record) -> None:
    """A therapist opened a shared record: it no longer waits for them as "not viewed yet",
    and the client sees it was seen. Idempotent (the first view counts)."""
    if therapist.role != Role.THERAPIST:
        return
    mark_viewed(viewer=therapist, records=[record])
    field = FEEDBACK_FIELD[type(record)]
    if not _views_of(therapist_id=therapist.pk, field=Fixed(field), record_id=record.pk):
        RecordView.objects.get_or_create(
            therapist=therapist, **{field: record}, defaults={"client_id": record.client_id}
        )


@prepared
def _views_of(*, therapist_id: int, field: str, record_id: int):
    """The therapist's view of the record, if they opened it before (one row or none)."""
    views = RecordView.objects.filter(therapist_id=therapist_id, **{f"{field}_id": record_id})
    return views.values_list("pk", flat=True)[:1]


class NothingWaits(ValidationError):
    """No reply waits on this record: answered, or marked already. The API answers 409."""

    def __init__(self, record):
        self.conflict = {"record": str(record.public_id)}
        super().__init__("No reply waits for you on this entry: it was answered or marked.")


@transaction.atomic
def reply_no_reply_needed(*, therapist: User, record) -> Feedback:
    """The therapist read the client's last message in their thread on `record` and needs
    not answer: it stops waiting. Raises `NothingWaits` when the thread's last message is
    not the client's, or is marked already (a second click changes nothing)."""
    relationship = CareRelationship.objects.filter(
        therapist=therapist, client_id=record.client_id, status=CareStatus.ACTIVE
    ).first()
    if relationship is None:
        raise ValidationError("This person is not an active client of yours.")
    lock_active_relationship(relationship.pk)
    last = (
        Feedback.objects.filter(relationship=relationship, **{FEEDBACK_FIELD[type(record)]: record})
        .order_by("-created_at", "-id")
        .first()
    )
    if last is None or last.author_id != record.client_id or last.no_reply_needed_at:
        raise NothingWaits(record)
    last.no_reply_needed_at = timezone.now()
    last.save(update_fields=["no_reply_needed_at"])
    return last


# --- People --------------------------------------------------------------------------


@transaction.atomic
def person_create(*, client: User, **fields) -> Person:
    person = Person(client=client, **{k: fields[k] for k in PERSON_FIELDS if k in fields})
    person.name = (person.name or "").strip()
    person.full_clean(exclude=["client"])
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, **fields) -> Person:
    for name in PERSON_FIELDS:
        if name in fields:
            setattr(person, name, fields[name])
    person.name = (person.name or "").strip()
    person.full_clean(exclude=["client"])
    person.save()
    return person


@transaction.atomic
def person_delete(*, person: Person) -> None:
    """Take someone off the client's list; time logged with them stays, with nobody named."""
    person.delete()


# --- Feedback ------------------------------------------------------------------------


@transaction.atomic
def feedback_create(*, author: User, record, text: str) -> Feedback:
    """A therapist's feedback on a shared record, or the client's reply in that thread."""
    field = FEEDBACK_FIELD[type(record)]
    if author.role == Role.THERAPIST:
        relationship = CareRelationship.objects.filter(
            therapist=author, client_id=record.client_id, status=CareStatus.ACTIVE
        ).first()
        if relationship is None:
            raise ValidationError("This person is not an active client of yours.")
    elif author.pk == record.client_id:
        last = (
            Feedback.objects.filter(**{field: record})
            .exclude(author=author)
            .order_by("-created_at", "-id")
            .first()
        )
        if last is None:
            raise ValidationError("You can reply once your therapist has left feedback.")
        relationship = last.relationship
    else:
        raise ValidationError("This record is not yours.")
    relationship = lock_active_relationship(relationship.pk)
    if Feedback.objects.filter(**{field: record}).count() >= THREAD_MAX:
        raise ValidationError({"text": "This thread is full: talk it over in your next session."})
    # Read again under the lock: an entry un-shared a moment ago takes no more feedback.
    if not type(record).objects.filter(pk=record.pk, shared=True).exists():
        raise ValidationError("This record is not shared.")
    feedback = Feedback(
        relationship=relationship,
        client_id=record.client_id,
        author=author,
        text=(text or "").strip(),
        **{field: record},
    )
    feedback.full_clean(exclude=["relationship", "client", "author", *FEEDBACK_FIELD.values()])
    feedback.save()
    audit(
        action=AuditAction.FEEDBACK,
        actor=author,
        subject=relationship.client,
        detail={"record": str(record.public_id), "feedback": str(feedback.public_id)},
    )
    if author.pk != record.client_id:
        # The client's own reply is never news to them.
        reply_left.send(sender=Feedback, feedback=feedback)
    return feedback


# --- Erasure -------------------------------------------------------------------------


def _cancel_pending_deliveries(client: User) -> None:
    """Everything queued for the client stops here. Today that is their calendar feed and
    pending invitations to their address; the delivery ledger joins this function."""
    from homework.models import CalendarFeed

    CalendarFeed.objects.filter(client=client).delete()
    CareRelationship.objects.filter(
        status=CareStatus.INVITED, invited_email__iexact=client.email
    ).update(status=CareStatus.ENDED, ended_at=timezone.now())


@transaction.atomic
def account_erase(*, client: User, password: str) -> None:
    """Erase a client's account after the password is checked again.

    Their records, people, homework, feedback and feed are deleted; their care
    relationships stay as ended rows without a client (the therapist sees "client left");
    audit rows stay, with nothing left that points at the person.
    """
    if client.role != Role.CLIENT:
        raise ValidationError("Only a client account can be erased here.")
    if not password or not client.check_password(password):
        raise ValidationError({"password": "This is not your password."})
    client = User.objects.select_for_update().get(pk=client.pk)
    email = client.email
    now = timezone.now()
    _cancel_pending_deliveries(client)

    from .export import REGISTRY

    relationships = list(CareRelationship.objects.select_for_update().filter(client=client))
    # Clinical content first (feedback, records, homework), then the account itself.
    for spec in reversed(REGISTRY):
        if spec.erase:
            spec.queryset(client).delete()
    SharingPreference.objects.filter(relationship__in=relationships).delete()
    CareRelationship.objects.filter(pk__in=[r.pk for r in relationships]).update(
        client=None,
        status=CareStatus.ENDED,
        invited_email="",
        ended_at=Coalesce("ended_at", Value(now)),
    )
    CareRelationship.objects.filter(invited_email__iexact=email).update(invited_email="")
    # Audit rows are kept but name nobody: no foreign key and no address left.
    AuditEvent.objects.filter(actor=client).update(actor=None, actor_label=ERASED_LABEL)
    AuditEvent.objects.filter(subject=client).update(subject=None)
    AuditEvent.objects.filter(actor_label__iexact=email).update(actor_label=ERASED_LABEL)
    client.delete()
    audit(
        action=AuditAction.ERASURE,
        actor_label=ERASED_LABEL,
        detail={"relationships": [str(r.public_id) for r in relationships]},
    )
    transaction.on_commit(_checkpoint_sqlite)
    # Pages, rows and fragments drawn from their data go too (accounts.versions).
    transaction.on_commit(versions.forget_all)


def _checkpoint_sqlite() -> None:
    """Move the write-ahead log into the database file and empty it. With `secure_delete`
    the erased rows are zeros in the new pages, but until a checkpoint the old pages (and
    every earlier write of those rows) are still readable in the -wal file."""
    connection = transaction.get_connection()
    if connection.vendor != "sqlite":
        return  # PostgreSQL: see the operations section of the README
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _log_frames, _checkpointed = cursor.fetchone()
    if busy:
        # Another process was reading; SQLite checkpoints again as the log grows.
        logger.warning("the write-ahead log could not be emptied after an erasure")


def feedback_mark_read(*, client: User, record, thread: list[Feedback]) -> int:
    """The client opened the record: what others wrote in its thread is read now. Writes
    only when something was unread (the thread is already loaded), so a plain visit costs
    no query."""
    unread = [f.pk for f in thread if f.author_id != client.pk and f.read_by_client_at is None]
    if not unread:
        return 0
    now = timezone.now()
    for feedback in thread:
        if feedback.pk in unread:
            feedback.read_by_client_at = now
    return Feedback.objects.filter(
        pk__in=unread, client=client, **{FEEDBACK_FIELD[type(record)]: record}
    ).update(read_by_client_at=now)
