"""Reads about the client's records: trigger suggestions and the therapist's timeline."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Subquery, TextChoices, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from homework.models import Completion
from homework.schedules import iso_week_monday, local_today

from .models import JournalEntry, LifestyleLog, SocialActivity

SUGGESTIONS_FROM = 200  # the latest entries are enough to know someone's usual triggers
TIMELINE_LIMIT = 200


class TimelineKind(TextChoices):
    JOURNAL = "journal", "Journal entry"
    LIFESTYLE = "lifestyle", "Lifestyle log"
    SOCIAL = "social", "Social activity"
    COMPLETION = "completion", "Homework done"


TIMELINE_KINDS = tuple(TimelineKind.values)


def trigger_suggestions(*, client: User, limit: int = 20) -> list[str]:
    """The client's own earlier triggers, most used first. One query."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for triggers in JournalEntry.objects.filter(client=client).values_list("triggers", flat=True)[
        :SUGGESTIONS_FROM
    ]:
        for trigger in triggers or []:
            key = trigger.lower()
            counts[key] += 1
            spelling.setdefault(key, trigger)
    return [spelling[key] for key, _n in counts.most_common(limit)]


@dataclass
class TimelineItem:
    kind: str
    day: date
    at: datetime
    record: object


@dataclass
class Timeline:
    items: list[TimelineItem]
    week_counts: dict[str, int] = field(default_factory=dict)


def _start_of(day: date, zone) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def therapist_timeline(
    *,
    viewer: User,
    client: User,
    kinds: tuple[str, ...] = TIMELINE_KINDS,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
    limit: int = TIMELINE_LIMIT,
) -> Timeline:
    """Shared records and completions of one client, newest first, with a count per kind
    for this ISO week. Everything goes through `visible_to(viewer)`: one query for the week's
    counts and one read per kind (plus the policy's MFA look-up), however many records."""
    zone = client.zone
    today = today or local_today(client.timezone)
    monday = iso_week_monday(today)
    sources = {
        "journal": (
            JournalEntry.objects.visible_to(viewer).filter(client=client),
            "occurred_at",
            True,
        ),
        "lifestyle": (LifestyleLog.objects.visible_to(viewer).filter(client=client), "day", False),
        "social": (
            SocialActivity.objects.visible_to(viewer)
            .filter(client=client)
            .select_related("person"),
            "day",
            False,
        ),
        "completion": (
            Completion.objects.visible_to(viewer)
            .filter(client=client)
            .select_related("assignment"),
            "due_date",
            False,
        ),
    }
    items: list[TimelineItem] = []
    # This week's count of every kind, in one query (a subquery per kind).
    this_week = {}
    for kind, (queryset, date_field, is_moment) in sources.items():
        since = _start_of(monday, zone) if is_moment else monday
        count = (
            queryset.filter(**{f"{date_field}__gte": since})
            .select_related(None)
            .order_by()
            .annotate(one=Value(1))
            .values("one")
            .annotate(n=Count("pk"))
            .values("n")
        )
        this_week[kind] = Coalesce(Subquery(count), 0)
    week_counts = User.objects.filter(pk=client.pk).values(**this_week).get()
    for kind, (queryset, date_field, is_moment) in sources.items():
        if kind not in kinds:
            continue
        if start is not None:
            queryset = queryset.filter(
                **{f"{date_field}__gte": _start_of(start, zone) if is_moment else start}
            )
        if end is not None:
            queryset = queryset.filter(
                **{
                    f"{date_field}__lt" if is_moment else f"{date_field}__lte": (
                        _start_of(end + timedelta(days=1), zone) if is_moment else end
                    )
                }
            )
        for record in queryset.order_by(f"-{date_field}", "-pk")[:limit]:
            value = getattr(record, date_field)
            if is_moment:
                day, at = value.astimezone(zone).date(), value
            else:
                day, at = value, _start_of(value, zone)
            items.append(TimelineItem(kind=kind, day=day, at=at, record=record))
    items.sort(key=lambda item: (item.day, item.at), reverse=True)
    return Timeline(items=items[:limit], week_counts=week_counts)


# --- The client's own records ------------------------------------------------------

FILTER_DAYS = (date(2000, 1, 1), date(2100, 12, 31))


def filter_day(value: str | None) -> date | None:
    """A day typed into a filter, or None when it is missing, malformed or out of bounds
    (a filter never fails a page, and year 9999 would overflow the day after it)."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    if day is None or not FILTER_DAYS[0] <= day <= FILTER_DAYS[1]:
        return None
    return day


RECORD_KINDS = ("journal", "lifestyle", "social")
RECORD_KIND_LABELS = {
    "journal": "Journal entry",
    "lifestyle": "Lifestyle log",
    "social": "Time with people",
}


def get_record_for_user(user: User, public_id):
    """A record of any kind, as the user may see it (a therapist: only shared ones of an
    active client), or 404 — a record that is not yours answers like one that does not exist."""
    from django.http import Http404

    for model in (JournalEntry, LifestyleLog, SocialActivity):
        record = (
            model.objects.visible_to(user)
            .select_related("client")
            .filter(public_id=public_id)
            .first()
        )
        if record is not None:
            return record
    raise Http404("No such record.")


def record_kind(record) -> str:
    return {JournalEntry: "journal", LifestyleLog: "lifestyle", SocialActivity: "social"}[
        type(record)
    ]


@dataclass
class RecordRow:
    kind: str
    day: date
    record: object


def _own_records(
    client: User,
    kinds: tuple[str, ...],
    start: date | None,
    end: date | None,
    shared: bool | None,
):
    """One UNION of the client's records as (public id, kind, local day, moment) rows."""
    from django.db.models import CharField, F, Value
    from django.db.models.functions import TruncDate

    zone = client.zone
    parts = []
    for kind in kinds:
        model = {"journal": JournalEntry, "lifestyle": LifestyleLog, "social": SocialActivity}[kind]
        queryset = model.objects.visible_to(client).filter(client=client)
        if kind == "journal":
            day = TruncDate("occurred_at", tzinfo=zone)
            moment = F("occurred_at")
        else:
            day = F("day")
            moment = F("created_at")
        queryset = queryset.annotate(
            row_kind=Value(kind, output_field=CharField()), row_day=day, row_at=moment
        )
        if start is not None:
            queryset = queryset.filter(row_day__gte=start)
        if end is not None:
            queryset = queryset.filter(row_day__lte=end)
        if shared is not None:
            queryset = queryset.filter(shared=shared)
        parts.append(queryset.order_by().values_list("public_id", "row_kind", "row_day", "row_at"))
    if not parts:
        return JournalEntry.objects.none().values_list("public_id")
    first, *rest = parts
    union = first.union(*rest, all=True) if rest else first
    return union.order_by("-row_day", "-row_at")


def client_records(
    *,
    client: User,
    kinds: tuple[str, ...] = RECORD_KINDS,
    start: date | None = None,
    end: date | None = None,
    shared: bool | None = None,
    page: int = 1,
    per_page: int = 20,
):
    """The client's own records, newest first, one page of them: a count, one UNION read
    of the page and one read per kind on it, however many records there are."""
    from django.core.paginator import Paginator

    paginator = Paginator(_own_records(client, kinds, start, end, shared), per_page)
    page_obj = paginator.get_page(page)
    wanted: dict[str, list] = {}
    for public_id, kind, _day, _at in page_obj.object_list:
        wanted.setdefault(kind, []).append(public_id)
    found = {}
    for kind, ids in wanted.items():
        model = {"journal": JournalEntry, "lifestyle": LifestyleLog, "social": SocialActivity}[kind]
        queryset = model.objects.filter(client=client, public_id__in=ids)
        if kind == "social":
            queryset = queryset.select_related("person")
        for record in queryset:
            record.client = client
            found[record.public_id] = record
    rows = [
        RecordRow(kind=kind, day=day, record=found[public_id])
        for public_id, kind, day, _at in page_obj.object_list
        if public_id in found
    ]
    return page_obj, rows


@dataclass
class LoggedToday:
    journal: list
    lifestyle: object | None
    social: list

    @property
    def count(self) -> int:
        return len(self.journal) + len(self.social) + (1 if self.lifestyle else 0)


def logged_today(*, client: User, today: date | None = None) -> LoggedToday:
    """What the client logged today (their local day): three queries."""
    today = today or local_today(client.timezone)
    zone = client.zone
    start = _start_of(today, zone)
    journal = list(
        JournalEntry.objects.filter(
            client=client,
            occurred_at__gte=start,
            occurred_at__lt=_start_of(today + timedelta(days=1), zone),
        ).order_by("-occurred_at")
    )
    lifestyle = LifestyleLog.objects.filter(client=client, day=today).first()
    social = list(
        SocialActivity.objects.filter(client=client, day=today)
        .select_related("person")
        .order_by("-created_at")
    )
    for record in (*journal, *social, *([lifestyle] if lifestyle else [])):
        record.client = client
    return LoggedToday(journal=journal, lifestyle=lifestyle, social=social)


def feedback_thread(*, viewer: User, record) -> list:
    from .models import FEEDBACK_FIELD, Feedback

    return list(
        Feedback.objects.visible_to(viewer)
        .filter(**{FEEDBACK_FIELD[type(record)]: record})
        .select_related("author")
    )
