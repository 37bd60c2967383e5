"""The benchmark's data set: a group practice with a year of history, written in bulk.

Rows are written with PostgreSQL's COPY (on SQLite, `executemany`), with primary keys
chosen here so that children can point at their parents without reading anything back;
the sequences are moved past them at the end. Nothing here is timed by the pages' figures.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, models
from django.db.models import NOT_PROVIDED
from django.utils import timezone

# Shared records older than this have been opened by the therapist (a view each).
SEEN_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class Size:
    therapists: int
    clients: int
    days: int  # of history
    people: int  # for the reminder tick
    big_caseload: int = 100  # therapist 0's clients
    caseload: int = 25  # therapist 1's
    small_caseload: int = 3  # therapist 2's; the other therapists share the rest

    @property
    def label(self) -> str:
        return (
            f"{self.therapists} therapists, {self.clients:,} clients, {self.days} days of history"
        )


SMALL = Size(therapists=8, clients=300, days=56, people=100_000)
DEFAULT = Size(therapists=200, clients=5_000, days=365, people=100_000)


@dataclass
class DataSet:
    size: Size
    rows: int = 0

    persona_ids: dict = field(default_factory=dict)

    @property
    def personas(self) -> dict:
        """The people the pages are measured as: a client of the 25-client caseload, that
        therapist, the therapist with 100 clients and the one with 3; and a client of the
        100 whose records no measured page opens (what waits for their therapist stays)."""
        from accounts.models import User

        users = User.objects.in_bulk(self.persona_ids.values())
        return {name: users[pk] for name, pk in self.persona_ids.items()}


class Loader:
    """Buffered bulk writes with explicit primary keys."""

    BATCH = 20_000

    def __init__(self) -> None:
        self.buffers: dict[type[models.Model], list[tuple]] = {}
        self.next_id: dict[type[models.Model], int] = {}
        self.plans: dict[type[models.Model], tuple] = {}
        self.written = 0
        self.now = timezone.now()
        self.postgres = connection.vendor == "postgresql"

    def _plan(self, model):
        if model not in self.plans:
            fields = [f for f in model._meta.concrete_fields]
            defaults = []
            for f in fields:
                if f.primary_key:
                    defaults.append(None)
                elif f.default is uuid.uuid4:
                    defaults.append(uuid.uuid4)
                elif f.default is timezone.now or getattr(f, "auto_now", False):
                    defaults.append(lambda: self.now)
                elif f.default is not NOT_PROVIDED:
                    value = f.get_default()
                    defaults.append(lambda value=value: value)
                elif f.null or f.blank:
                    empty = f.get_default()
                    defaults.append(lambda value=empty: value)
                else:
                    defaults.append(None)  # must be given
            self.plans[model] = (fields, defaults)
            self.next_id[model] = (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
        return self.plans[model]

    def add(self, model, **values) -> int:
        """Queue one row; returns its primary key."""
        fields, defaults = self._plan(model)
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        values[model._meta.pk.attname] = pk
        row = []
        for f, default in zip(fields, defaults, strict=True):
            if f.attname in values:
                value = values[f.attname]
            elif f.name in values:
                value = values[f.name]
            elif default is None:
                raise TypeError(f"{model.__name__}.{f.name} needs a value")
            else:
                value = default()
            row.append(value)
        buffer = self.buffers.setdefault(model, [])
        buffer.append(tuple(row))
        if len(buffer) >= self.BATCH:
            self.flush(model)
        return pk

    def flush(self, model=None) -> None:
        for m in [model] if model else list(self.buffers):
            rows = self.buffers.get(m) or []
            if rows:
                self._write(m, rows)
                self.written += len(rows)
                self.buffers[m] = []

    def _write(self, model, rows: list[tuple]) -> None:
        fields, _ = self._plan(model)
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        json = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        connection.ensure_connection()
        if self.postgres:
            from psycopg.types.json import Jsonb

            sql = f"COPY {table} ({columns}) FROM STDIN"
            with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    if json:
                        row = list(row)
                        for i in json:
                            row[i] = Jsonb(row[i])
                    copy.write_row(row)
        else:
            prepared = [
                tuple(
                    f.get_db_prep_save(value, connection)
                    for f, value in zip(fields, row, strict=True)
                )
                for row in rows
            ]
            marks = ", ".join(["%s"] * len(fields))
            with connection.cursor() as cursor:
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - our names
                cursor.executemany(sql, prepared)

    def finish(self) -> None:
        """Write what is left and move each table's sequence past the ids used."""
        self.flush()
        from django.core.management.color import no_style

        statements = connection.ops.sequence_reset_sql(no_style(), list(self.plans))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def build(size: Size, *, today: date | None = None) -> DataSet:
    """`_build`, without the data version triggers (accounts.versions) while it loads: a
    version written per row loaded would be millions of updates; the versions the rows
    start with are new anyway."""
    from accounts import versions

    versions.drop()
    try:
        return _build(size, today=today)
    finally:
        versions.install()


def _build(size: Size, *, today: date | None = None) -> DataSet:
    """Therapists with their caseloads; per client a year (or `size.days`) of history."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.clock import local_time_to_utc
    from accounts.models import CareRelationship, CareStatus, Role, User
    from appointments.models import Appointment, Status
    from careplans.models import CarePlan, PlanItem, PlanVersion
    from clients.models import (
        JournalEntry,
        LifestyleLog,
        Person,
        RecordView,
        SharingPreference,
        SocialActivity,
    )
    from homework.models import Assignment, Completion, CompletionSource
    from homework.schedules import iso_week_monday
    from measures import instruments
    from measures.models import MeasureAssignment, MeasureResponse
    from notifications.models import Preferences
    from safety.models import SafetyAlert, Source

    today = today or timezone.now().date()
    first = today - timedelta(days=size.days - 1)
    started = datetime.combine(first, time(9), tzinfo=UTC)
    password = make_password(None)
    load = Loader()
    data = DataSet(size=size)

    with transaction.atomic():
        therapist_ids = [
            load.add(
                User,
                email=f"t{t}@bench.tandem.localhost",
                name=f"Dr. Bench {t}",
                role=Role.THERAPIST,
                password=password,
                timezone="Europe/London",
            )
            for t in range(size.therapists)
        ]
        for pk in therapist_ids:
            load.add(Preferences, user_id=pk, zone="Europe/London", reminders_enabled=False)

        data.persona_ids["therapist25"] = therapist_ids[1]
        data.persona_ids["therapist100"] = therapist_ids[0]
        data.persona_ids["therapist3"] = therapist_ids[2]
        named = size.big_caseload + size.caseload + size.small_caseload
        rest = size.clients - named
        others = size.therapists - 3
        if rest < 0 or (rest and others < 1):
            raise ValueError(f"{size} cannot give the three measured therapists their caseloads")

        def therapist_of(i: int) -> int:
            if i < size.big_caseload:
                return therapist_ids[0]
            if i < size.big_caseload + size.caseload:
                return therapist_ids[1]
            if i < named:
                return therapist_ids[2]
            return therapist_ids[3 + (i - named) * others // rest]

        days = [first + timedelta(days=d) for d in range(size.days)]
        for i in range(size.clients):
            therapist = therapist_of(i)
            client = load.add(
                User,
                email=f"c{i}@bench.tandem.localhost",
                name=f"Client {i}",
                role=Role.CLIENT,
                password=password,
                timezone="Europe/London",
            )
            load.add(Preferences, user_id=client, zone="Europe/London", reminders_enabled=False)
            if i == size.big_caseload:
                data.persona_ids["client"] = client
            if i == 0:
                data.persona_ids["client100"] = client
            relationship = load.add(
                CareRelationship,
                therapist_id=therapist,
                client_id=client,
                status=CareStatus.ACTIVE,
                invited_email=f"c{i}@bench.tandem.localhost",
                invited_at=started,
                invitation_expires_at=started + timedelta(days=7),
                invitation_sent_at=started,
                activated_at=started,
            )
            load.add(SharingPreference, relationship_id=relationship, share_by_default=True)
            people = [
                load.add(Person, client_id=client, name=name, kind=kind)
                for name, kind in (("Sam", "friend"), ("Mum", "family"), ("Jo", "colleague"))
            ]
            common = {
                "relationship_id": relationship,
                "client_id": client,
                "therapist_id": therapist,
                "start_date": first,
                "created_at": started,
            }
            journal = load.add(
                Assignment, kind="journal", title="Evening journal", frequency="daily", **common
            )
            exercise = load.add(
                Assignment,
                kind="lifestyle",
                title="A walk outside",
                frequency="weekdays",
                weekdays=[0, 2, 4],
                target_value=Decimal(30),
                target_unit="minutes",
                **common,
            )
            social = load.add(
                Assignment,
                kind="social",
                title="Time with someone",
                frequency="weekly",
                times_per_week=3,
                **common,
            )
            entries = []  # the last journal entries (public id, moment), for safety alerts
            shared_entries = []  # (primary key, moment), for feedback threads
            for n, day in enumerate(days):
                at = datetime.combine(day, time(20, 30), tzinfo=UTC)
                shared = (n + i) % 4 != 0
                # The therapist opened what was shared before the last week the next
                # afternoon (a view each); the last week's still waits ("Waiting for you").
                seen = at + timedelta(hours=20) if shared and day < today - SEEN_AFTER else None
                view = {"therapist_id": therapist, "client_id": client, "viewed_at": seen}
                week = iso_week_monday(day)
                if n % 2 == 0:
                    done = load.add(
                        Completion,
                        assignment_id=journal,
                        client_id=client,
                        due_date=day,
                        week=week,
                        source=CompletionSource.LOG,
                        completed_at=at,
                    )
                    entry = uuid.uuid4()
                    entries = [*entries[-1:], (entry, at)]
                    entry_pk = load.add(
                        JournalEntry,
                        public_id=entry,
                        client_id=client,
                        shared=shared,
                        occurred_at=at,
                        created_at=at,
                        text=f"Day {n}: a quiet evening, wrote down three good things.",
                        mood=(n * 7 + i) % 11,
                        emotions=["calm"] if n % 3 else ["worried", "tired"],
                        triggers=["work"] if n % 5 == 0 else [],
                        completion_id=done,
                        first_viewed_at=seen,
                    )
                    if shared:
                        shared_entries.append((entry_pk, at))
                    if seen:
                        load.add(RecordView, **view, journal_entry_id=entry_pk)
                log = load.add(
                    LifestyleLog,
                    client_id=client,
                    shared=shared,
                    created_at=at,
                    day=day,
                    sleep_hours=Decimal("7.5"),
                    sleep_quality=1 + (n + i) % 5,
                    exercise_minutes=20 + (n % 4) * 10,
                    outdoor_minutes=30,
                    first_viewed_at=seen,
                )
                if seen:
                    load.add(RecordView, **view, lifestyle_log_id=log)
                weekday = day.weekday()
                if weekday in (0, 2, 4) and n % 3:
                    load.add(
                        Completion,
                        assignment_id=exercise,
                        client_id=client,
                        due_date=day,
                        week=week,
                        completed_at=at,
                    )
                if weekday in (1, 3, 5):
                    activity = load.add(
                        SocialActivity,
                        client_id=client,
                        shared=shared,
                        created_at=at,
                        day=day,
                        person_id=people[n % 3],
                        mode="in_person",
                        minutes=45,
                        feeling=n % 11,
                        first_viewed_at=seen,
                    )
                    if seen:
                        load.add(RecordView, **view, social_activity_id=activity)
                    load.add(
                        Completion,
                        assignment_id=social,
                        client_id=client,
                        due_date=day,
                        week=week,
                        source=CompletionSource.LOG,
                        completed_at=at,
                    )
            threads(load, shared_entries, relationship, client, therapist, today)
            # Questionnaires every four weeks from the first day, all answered.
            for instrument in (instruments.PHQ9, instruments.WHO5):
                measure = load.add(
                    MeasureAssignment,
                    relationship_id=relationship,
                    client_id=client,
                    instrument=instrument.key,
                    every_weeks=4,
                    start_date=first,
                    created_at=started,
                )
                for period in range((size.days - 1) // 28 + 1):
                    answers = [(period + i + q) % 3 for q in range(len(instrument.items))]
                    if instrument is instruments.PHQ9:
                        answers[8] = 0  # question 9 would raise a safety alert
                    score = instrument.score(answers)
                    load.add(
                        MeasureResponse,
                        assignment_id=measure,
                        client_id=client,
                        instrument=instrument.key,
                        period=period,
                        answers=answers,
                        raw_total=score.raw,
                        score=score.score,
                        band=score.band.key,
                        submitted_at=started + timedelta(weeks=4 * period, hours=10),
                    )
            # Two safety alerts on the measured client's last journal entries: one
            # acknowledged, one open.
            if i == size.big_caseload:
                for k, (entry, at) in enumerate(entries):
                    load.add(
                        SafetyAlert,
                        relationship_id=relationship,
                        source=Source.JOURNAL,
                        reference=entry,
                        raised_at=at,
                        acknowledged_at=None if k else at + timedelta(hours=1),
                        acknowledged_by_id=None if k else therapist,
                        note="" if k else "We spoke on the phone.",
                    )
            # A session a week at 17:00 (London): the last four held, the next four to come.
            for week in range(-4, 4):
                day = today + timedelta(days=2 + 7 * week)
                starts_at = local_time_to_utc(day, time(17), "Europe/London")
                load.add(
                    Appointment,
                    relationship_id=relationship,
                    therapist_id=therapist,
                    client_id=client,
                    day=day,
                    start_time=time(17),
                    zone="Europe/London",
                    starts_at=starts_at,
                    status=Status.HELD if week < 0 else Status.SCHEDULED,
                    status_changed_at=starts_at if week < 0 else None,
                    created_at=started,
                )
            plan = load.add(CarePlan, relationship_id=relationship, client_id=client, version=1)
            items = [
                ("needs", "Rest when I am tired", {}),
                ("emotions", "Anxious", {"signs": "Tight chest", "helps": "Slow breathing"}),
                ("triggers", "Deadlines at work", {"steps": ["Pause", "Breathe", "Call Sam"]}),
                ("empowers", "Walking by the river", {}),
                ("circle", "Sam", {"person_id": people[0]}),
                ("goals", "Sleep seven hours", {"measure": "Most nights"}),
            ]
            snapshot = []
            for position, (section, text, extra) in enumerate(items):
                public_id = uuid.uuid4()
                load.add(
                    PlanItem,
                    public_id=public_id,
                    plan_id=plan,
                    section=section,
                    position=position,
                    text=text,
                    changed_in=1,
                    **extra,
                )
                snapshot.append(
                    {
                        "id": str(public_id),
                        "section": section,
                        "text": text,
                        "signs": extra.get("signs", ""),
                        "helps": extra.get("helps", ""),
                        "steps": extra.get("steps", []),
                        "measure": extra.get("measure", ""),
                        "review_date": None,
                        "person": "Sam" if "person_id" in extra else "",
                    }
                )
            load.add(
                PlanVersion,
                plan_id=plan,
                number=1,
                author_id=therapist,
                author_label="Bench therapist",
                created_at=started,
                change="add",
                section="needs",
                snapshot=snapshot,
            )
        load.finish()
        data.rows = load.written

    # The three therapists the pages are measured as have TOTP, as production requires.
    from allauth.mfa.totp.internal.auth import TOTP

    for therapist in User.objects.filter(pk__in=therapist_ids[:3]):
        if not Authenticator.objects.filter(user=therapist).exists():
            TOTP.activate(therapist, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return data


def threads(load, entries: list, relationship: int, client: int, therapist: int, today) -> None:
    """Feedback threads on shared journal entries a day old or more: on one in ten, the
    therapist wrote, the client replied and the therapist answered, all read. On the newest
    the same, the answer not read yet (the thread the pages open); on the one before, a
    message not read yet (for the unread replies); on the one before that, a reply of the
    client's that waits for the therapist."""
    from clients.models import Feedback

    def message(entry: int, at: datetime, author: int, text: str, **fields) -> None:
        load.add(
            Feedback,
            relationship_id=relationship,
            client_id=client,
            author_id=author,
            journal_entry_id=entry,
            text=text,
            created_at=at,
            **fields,
        )

    older = [(pk, at) for pk, at in entries if at.date() < today]
    newest = older[-3:]
    for n, (entry, at) in enumerate(older):
        last = len(older) - 1 - n  # 0 for the newest
        if last >= len(newest) and n % 10:
            continue
        feedback = at + timedelta(hours=1)
        read = None if last == 1 else at + timedelta(hours=2)
        message(
            entry, feedback, therapist, "Thank you for writing this down.", read_by_client_at=read
        )
        if last == 1:
            continue
        message(entry, at + timedelta(hours=3), client, "It helped to see it written.")
        if last == 2:
            continue  # the client's reply waits
        message(
            entry,
            at + timedelta(hours=4),
            therapist,
            "Let's look at it together on Thursday.",
            read_by_client_at=None if last == 0 else at + timedelta(hours=5),
        )


def add_people(count: int, *, start: datetime) -> None:
    """`count` more people whose next reminders are spread over the day from `start`, for
    the reminder tick: a minute's tick finds about count / 1440 of them due."""
    from accounts.models import Role, User
    from notifications.models import Preferences

    load = Loader()
    for n in range(count):
        user = load.add(
            User,
            email=f"p{n}@people.bench.localhost",
            name=f"Person {n}",
            role=Role.CLIENT,
            password="!",
        )
        load.add(
            Preferences,
            user_id=user,
            zone="UTC",
            digest_enabled=False,
            next_reminder_at=start + timedelta(minutes=n % 1440),
        )
    load.finish()
