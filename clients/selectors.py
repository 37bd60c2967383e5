"""Reads about the client's records: trigger suggestions and the therapist's timeline."""

import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from operator import itemgetter

from django.db import connection, router
from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    F,
    Subquery,
    TextChoices,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.clock import local_today
from accounts.models import User
from accounts.prepared import Fixed, prepared
from homework.models import DATE_FIELDS, Assignment, Completion, assignment_only
from homework.schedules import iso_week_monday

from .models import RECORD_MODELS, JournalEntry, LifestyleLog, SocialActivity, tag_key

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
            key = tag_key(trigger)
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


# Each kind of the timeline: the field it is dated by, and whether that is a moment.
TIMELINE_DATES = {
    "journal": ("occurred_at", True),
    "lifestyle": ("day", False),
    "social": ("day", False),
    "completion": ("due_date", False),
}


def _timeline_sources(viewer: User, client_id: int) -> dict:
    """Each kind's records of the client, as the viewer may see them."""
    return {
        "journal": JournalEntry.objects.visible_to(viewer).filter(client_id=client_id),
        "lifestyle": LifestyleLog.objects.visible_to(viewer).filter(client_id=client_id),
        "social": SocialActivity.objects.visible_to(viewer)
        .filter(client_id=client_id)
        .select_related("person"),
        "completion": Completion.objects.visible_to(viewer)
        .filter(client_id=client_id)
        .select_related("assignment"),
    }


@prepared
def _timeline_week_counts(
    *,
    viewer: User,
    client_id: int,
    moment: datetime,
    moment_end: datetime,
    day: date,
    day_end: date,
):
    """This week's count of every kind (from `moment` to `moment_end`, or from `day` to
    `day_end` for kinds dated by day, each end excluded), in one query (a subquery per
    kind). Bounded on both sides, PostgreSQL plans it once and keeps the plan: from one side,
    it judged a plan made for each view's values cheaper, and planned it again every view."""
    this_week = {}
    for kind, queryset in _timeline_sources(viewer, client_id).items():
        date_field, is_moment = TIMELINE_DATES[kind]
        after, before = (moment, moment_end) if is_moment else (day, day_end)
        count = (
            queryset.filter(**{f"{date_field}__gte": after, f"{date_field}__lt": before})
            .select_related(None)
            .order_by()
            .annotate(one=Value(1))
            .values("one")
            .annotate(n=Count("pk"))
            .values("n")
        )
        this_week[kind] = Coalesce(Subquery(count), 0)
    return User.objects.filter(pk=client_id).values(**this_week)


def _bounded(queryset, kind: str, after, before):
    """One kind's records from `after` on, up to `before` (excluded for a moment, included
    for a day), either None for no bound."""
    date_field, is_moment = TIMELINE_DATES[kind]
    if after is not None:
        queryset = queryset.filter(**{f"{date_field}__gte": after})
    if before is not None:
        queryset = queryset.filter(
            **{f"{date_field}__lt" if is_moment else f"{date_field}__lte": before}
        )
    return queryset


@prepared
def _timeline_keys(
    *,
    viewer: User,
    client_id: int,
    kinds: tuple,
    after_moment,
    before_moment,
    after_day,
    before_day,
    limit: int,
):
    """Each kind's newest `limit` records as (kind, id, moment, day), the moment for kinds
    dated by one and the day for the others, within the bounds of `_bounded`: one query,
    no record read whole."""
    sources = _timeline_sources(viewer, client_id)
    parts = []
    for kind in kinds:
        date_field, is_moment = TIMELINE_DATES[kind]
        after, before = (after_moment, before_moment) if is_moment else (after_day, before_day)
        newest = (
            _bounded(sources[kind], kind, after, before)
            .select_related(None)
            .order_by(f"-{date_field}", "-pk")
        )
        moment = F(date_field) if is_moment else Value(None, output_field=DateTimeField())
        day = Value(None, output_field=DateField()) if is_moment else F(date_field)
        columns = {
            "timeline_kind": Value(kind, output_field=CharField()),
            "timeline_moment": moment,
            "timeline_day": day,
        }
        names = ("timeline_kind", "pk", "timeline_moment", "timeline_day")
        if connection.features.supports_slicing_ordering_in_compound:
            # Each kind's newest, read where they are found (PostgreSQL).
            parts.append(newest.annotate(**columns).values_list(*names)[:limit])
            continue
        # SQLite takes no LIMIT in a part of a UNION: each kind's newest found again by key.
        parts.append(
            sources[kind]
            .model.objects.filter(pk__in=newest.values("pk")[:limit])
            .order_by()
            .annotate(**columns)
            .values_list(*names)
        )
    combined = parts[0].union(*parts[1:], all=True)
    # In no order (the caller sorts). One part that is not empty is given back as it is:
    # with its LIMIT, it cannot be ordered again, and needs no other order.
    return combined if combined.query.is_sliced else combined.order_by()


# What the timeline's lines show of each kind of record (`record_lines`, `record_title`)
# and what `services.mark_viewed` reads: a page of lines reads only these.
LINE_FIELDS = {
    "journal": ("occurred_at", "recalled", "text", "mood", "emotions"),
    "lifestyle": (
        "day",
        "sleep_hours",
        "exercise_minutes",
        "exercise_kind",
        "meals",
        "outdoor_minutes",
        "note",
    ),
    "social": ("day", "person", "person__name", "mode", "minutes", "feeling", "note"),
}
_RECORD_SHOWN = ("public_id", "client_id", "shared", "first_viewed_at")
COMPLETION_SHOWN = ("public_id", "assignment", "due_date", "note", "source", "completed_at")


@prepared
def _timeline_records(*, viewer: User, client_id: int, kind: str, ids: list[int], lines: bool):
    """The records of one kind with these ids, as the viewer may see them: whole (a
    check-off with what the API writes of it), or with only what their `lines` show."""
    records = _timeline_sources(viewer, client_id)[kind].filter(pk__in=ids)
    if kind == "completion":
        # A check-off and its homework are read for what is shown of them: its line, or
        # what the API writes (`homework.api.CompletionSerializer`), not the homework whole.
        if lines:
            return records.only(
                "public_id", "note", "assignment", *assignment_only("assignment", "title")
            )
        return records.only(*COMPLETION_SHOWN, *assignment_only("assignment", "public_id"))
    if not lines:
        return records
    return records.only(*_RECORD_SHOWN, *LINE_FIELDS[kind])


def therapist_timeline(
    *,
    viewer: User,
    client: User,
    kinds: tuple[str, ...] = TIMELINE_KINDS,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
    limit: int = TIMELINE_LIMIT,
    lines: bool = False,
) -> Timeline:
    """Shared records and completions of one client, newest first, with a count per kind
    for this ISO week. Everything goes through `visible_to(viewer)`: one query for the week's
    counts, one for which records are the newest, and one read per kind among them (plus
    the policy's MFA look-up), however many records. With `lines`, each record holds only
    what its line shows (`clients.record_lines`); any other field is read if asked for."""
    week_counts = timeline_week_counts(viewer=viewer, client=client, today=today)
    kinds = tuple(kind for kind in TIMELINE_DATES if kind in kinds)
    if not kinds:
        return Timeline(items=[], week_counts=week_counts)
    newest = timeline_newest(
        viewer=viewer, client=client, kinds=kinds, start=start, end=end, limit=limit
    )
    items = timeline_items(newest, zone=client.zone, limit=limit)
    records = timeline_records(viewer=viewer, client=client, items=items, lines=lines)
    for item in items:
        item.record = records.get((item.kind, item.record))
    # A record deleted between the two reads is left out.
    return Timeline(
        items=[item for item in items if item.record is not None], week_counts=week_counts
    )


def timeline_week_counts(*, viewer: User, client: User, today: date | None = None) -> dict:
    """This ISO week's count of each kind on the client's timeline (one query)."""
    zone = client.zone
    monday = iso_week_monday(today or local_today(client.timezone))
    [week_counts] = _timeline_week_counts(
        viewer=viewer,
        client_id=client.pk,
        moment=_start_of(monday, zone),
        moment_end=_start_of(monday + timedelta(days=7), zone),
        day=monday,
        day_end=monday + timedelta(days=7),
    )
    return week_counts


def timeline_newest(
    *,
    viewer: User,
    client: User,
    kinds: tuple[str, ...],
    start: date | None,
    end: date | None,
    limit: int,
) -> dict[str, list[tuple]]:
    """Each of `kinds` (in `TIMELINE_DATES`' order): its newest `limit` records from `start`
    to `end`, as (the moment or day it is dated by, id), newest first (the latest made first
    on a day). One query for all of them, no record read whole."""
    zone = client.zone
    # Each bound only where a kind uses it: a prepared query carries all its arguments.
    by_moment = any(TIMELINE_DATES[kind][1] for kind in kinds)
    by_day = not all(TIMELINE_DATES[kind][1] for kind in kinds)
    keys = _timeline_keys(
        viewer=viewer,
        client_id=client.pk,
        kinds=Fixed(kinds),
        after_moment=_start_of(start, zone) if by_moment and start else None,
        before_moment=_start_of(end + timedelta(days=1), zone) if by_moment and end else None,
        after_day=start if by_day else None,
        before_day=end if by_day else None,
        limit=Fixed(limit),
    )
    newest: dict[str, list] = {kind: [] for kind in kinds}
    for kind, pk, moment, day in keys:
        newest[kind].append((moment if moment is not None else day, pk))
    for rows in newest.values():
        rows.sort(reverse=True)
    return newest


def timeline_items(newest: dict[str, list[tuple]], *, zone, limit: int) -> list[TimelineItem]:
    """The newest `limit` of every kind's newest (`timeline_newest`), newest first, each
    holding its record's id: kind by kind in each kind's order, so that items of the same day
    and time keep it."""
    candidates = []  # (day, at, kind, id)
    starts: dict[date, datetime] = {}  # a day's first moment, for the kinds dated by day
    for kind, rows in newest.items():
        for value, pk in rows:
            if isinstance(value, datetime):
                candidates.append((value.astimezone(zone).date(), value, kind, pk))
            else:
                if value not in starts:
                    starts[value] = _start_of(value, zone)
                candidates.append((value, starts[value], kind, pk))
    candidates.sort(key=itemgetter(0, 1), reverse=True)
    return [
        TimelineItem(kind=kind, day=day, at=at, record=pk)
        for day, at, kind, pk in candidates[:limit]
    ]


def timeline_records(
    *, viewer: User, client: User, items: list[TimelineItem], lines: bool = False
) -> dict[tuple[str, int], object]:
    """The records of these items (each holding its record's id), by kind and id, as the
    viewer may see them: one query per kind among them. A record no longer there is left out."""
    chosen: dict[str, list[int]] = {}
    for item in items:
        chosen.setdefault(item.kind, []).append(item.record)
    return {
        (kind, record.pk): record
        for kind, ids in chosen.items()
        for record in _timeline_records(
            viewer=viewer, client_id=client.pk, kind=Fixed(kind), ids=ids, lines=lines
        )
    }


@prepared
def _completions_made(*, kinds: tuple[str, ...], **ids: list[int]):
    """The homework completions made by the records of these ids, one list of ids per kind
    (`kinds`), each with its homework, in the completions' order: one query for every kind,
    as (record kind, record id, then `_MADE_COLUMNS`)."""
    parts = []
    for kind in kinds:
        model = RECORD_MODELS[kind]
        link = f"{model._meta.model_name}_id"
        parts.append(
            model.completions.through.objects.filter(**{f"{link}__in": ids[kind]})
            .order_by()
            .annotate(
                made_by_kind=Value(kind, output_field=CharField()),
                made_by=F(link),
                **{name: F(path) for name, path in _MADE_COLUMNS.items()},
            )
            .values_list("made_by_kind", "made_by", *_MADE_COLUMNS)
        )
    ordering = [f"made_{name}" for name in Completion._meta.ordering]
    return parts[0].union(*parts[1:], all=True).order_by(*ordering)


# What the API shows of a completion a record made and of its homework (not all of either;
# the homework's dates as `Assignment.from_db` notes them), by the names a read gives them.
_MADE_COMPLETION = ("id", "public_id", "due_date", "assignment_id")
_MADE_ASSIGNMENT = ("id", "public_id", "title", *DATE_FIELDS)
_MADE_COLUMNS = {
    **{f"made_{name}": f"completion__{name}" for name in _MADE_COMPLETION},
    **{f"made_homework_{name}": f"completion__assignment__{name}" for name in _MADE_ASSIGNMENT},
}


def read_completions_made(records: list) -> None:
    """What each record made (`Record.completions_made`), read for all of them at once: one
    query for every kind of record among them. Each completion holds what the API shows of
    it and of its homework; any other field is read if asked for."""
    by_kind: dict[str, list] = {}
    for record in records:
        by_kind.setdefault(record_kind(record), []).append(record)
    if not by_kind:
        return
    made: dict[tuple[str, int], list[Completion]] = defaultdict(list)
    db = router.db_for_read(Completion)
    rows = _completions_made(
        kinds=Fixed(tuple(by_kind)),
        **{kind: [record.pk for record in group] for kind, group in by_kind.items()},
    )
    width = len(_MADE_COMPLETION)
    for kind, record_id, *values in rows:
        completion = Completion.from_db(db, _MADE_COMPLETION, values[:width])
        homework = Assignment.from_db(db, _MADE_ASSIGNMENT, values[width:])
        completion._state.fields_cache["assignment"] = homework
        made[kind, record_id].append(completion)
    for kind, group in by_kind.items():
        for record in group:
            record._completions_made = made[kind, record.pk]


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


def filter_month(value: str | None) -> tuple[date, date] | None:
    """A month asked for as "2026-03": its first and last day, or None when it is missing
    or malformed (a filter never fails a page)."""
    first = filter_day(f"{value}-01") if value and len(value) == 7 else None
    if first is None:
        return None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def months_by_year(months: list[date]) -> list[tuple[int, list[date]]]:
    """[2026-11-01, 2026-10-01, 2025-12-01] -> [(2026, [Nov, Oct]), (2025, [Dec])]."""
    years: dict[int, list[date]] = {}
    for month in months:
        years.setdefault(month.year, []).append(month)
    return list(years.items())


RECORD_KINDS = ("journal", "lifestyle", "social")
RECORD_KIND_LABELS = {
    "journal": "Journal entry",
    "lifestyle": "Lifestyle log",
    "social": "Time with people",
}


@prepared
def _record_of_kind(*, viewer: User, kind: str, public_id: uuid.UUID):
    """The record of one kind with this public id, as the viewer may see it (one or none)."""
    model = RECORD_MODELS[kind]
    return model.objects.visible_to(viewer).select_related("client").filter(public_id=public_id)


def get_record_for_user(user: User, public_id):
    """A record of any kind, as the user may see it (a therapist: only shared ones of an
    active client), or 404 — a record that is not yours answers like one that does not exist."""
    from django.http import Http404

    try:
        public_id = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except ValueError:
        raise Http404("No such record.") from None
    for kind in RECORD_KINDS:
        found = _record_of_kind(viewer=user, kind=Fixed(kind), public_id=public_id)
        if found:
            return found[0]
    raise Http404("No such record.")


def record_kind(record) -> str:
    return _KIND_OF[type(record)]


_KIND_OF = {model: kind for kind, model in RECORD_MODELS.items()}


@dataclass
class RecordRow:
    kind: str
    day: date
    record: object


SEARCH_MAX = 200  # characters of a search that are read
SEARCH_WORDS_MAX = 8
# What the client wrote in each kind of record, searched as one text.
SEARCHED_FIELDS = {
    "journal": ("text", "needed", "triggers", "emotions"),
    "lifestyle": ("note", "exercise_kind"),
    "social": ("note", "person__name"),
}
JSON_FIELDS = {"triggers", "emotions"}


def search_words(value: str | None) -> list[str]:
    """The words of a search: letters and digits only (so nothing typed can change the
    query's syntax), at most a few of them."""
    return re.findall(r"\w+", (value or "")[:SEARCH_MAX])[:SEARCH_WORDS_MAX]


def _searched(queryset, kind: str, words: list[str]):
    """Records whose own text holds every word. On PostgreSQL a full-text match with the
    'simple' configuration and prefix terms: the client's language is not known, a language's
    stemmer would mangle words of another, and a prefix ("walk" finds "walking") gives most of
    what stemming would. Elsewhere (SQLite) each word is a substring of one of the fields."""
    from django.contrib.postgres.search import SearchQuery, SearchVector
    from django.db import connection
    from django.db.models import Q, TextField
    from django.db.models.functions import Cast

    fields = SEARCHED_FIELDS[kind]
    columns = {name: Cast(name, TextField()) if name in JSON_FIELDS else F(name) for name in fields}
    if connection.vendor == "postgresql":
        terms = " & ".join(f"{word}:*" for word in words)
        vector = SearchVector(*columns.values(), config="simple")
        query = SearchQuery(terms, config="simple", search_type="raw")
        return queryset.annotate(search=vector).filter(search=query)
    queryset = queryset.annotate(
        **{f"search_{i}": column for i, column in enumerate(columns.values())}
    )
    for word in words:
        match = Q()
        for i in range(len(columns)):
            match |= Q(**{f"search_{i}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


def _own_parts(
    client: User,
    kinds: tuple[str, ...],
    start: date | None,
    end: date | None,
    shared: bool | None,
    words: list[str],
    zone_name: str,
) -> list:
    """Per kind, the client's records after the filters, each with its kind, local day (in
    the client's time zone, `zone_name`) and moment as `row_kind`, `row_day` and `row_at`."""
    from django.db.models.functions import TruncDate

    from accounts.clock import zone

    parts = []
    for kind in kinds:
        model = RECORD_MODELS[kind]
        queryset = model.objects.visible_to(client).filter(client=client)
        if kind == "journal":
            day = TruncDate("occurred_at", tzinfo=zone(zone_name))
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
        if words:
            queryset = _searched(queryset, kind, words)
        parts.append(queryset.order_by())
    return parts


def _union(querysets: list, *, all: bool = True):
    first, *rest = querysets
    return first.union(*rest, all=all) if rest else first


def _own_records(parts: list):
    """One UNION of the client's records as (public id, kind, local day, moment) rows."""
    if not parts:
        return JournalEntry.objects.none().values_list("public_id")
    rows = [part.values_list("public_id", "row_kind", "row_day", "row_at") for part in parts]
    return _union(rows).order_by("-row_day", "-row_at")


# The client's own records after the filters, as prepared queries: the filters the client
# chose (kinds, their time zone, the words of a search) are the shape, the days the values.


@prepared
def _own_counts(*, viewer: User, zone_name: str, kinds: tuple, start, end, shared, words: tuple):
    """How many records of each kind, in one row (a subquery per kind)."""
    parts = _own_parts(viewer, kinds, start, end, shared, list(words), zone_name)
    counts = {
        f"n{i}": Coalesce(
            Subquery(part.annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")),
            0,
        )
        for i, part in enumerate(parts)
    }
    return User.objects.filter(pk=viewer.pk).values(**counts)


@prepared
def _own_window(
    *, viewer: User, zone_name: str, kinds: tuple, start, end, shared, words: tuple, window: tuple
):
    """The records `window` (first, past the last) of the UNION, newest first."""
    parts = _own_parts(viewer, kinds, start, end, shared, list(words), zone_name)
    first, after = window
    return _own_records(parts)[first:after]


@prepared
def _own_months(*, viewer: User, zone_name: str, kinds: tuple, start, end, shared, words: tuple):
    """The first day of each month that holds a record (in no order)."""
    from django.db.models.functions import TruncMonth

    parts = _own_parts(viewer, kinds, start, end, shared, list(words), zone_name)
    months = [
        part.annotate(row_month=TruncMonth("row_day")).values_list("row_month") for part in parts
    ]
    return _union(months, all=False).order_by()


def _own(query, client: User, kinds, start, end, shared, search, **more) -> list:
    """`query` of the client's records after the filters. A search runs as the ORM builds it:
    its words would make a shape of their own for every search."""
    words = search_words(search)
    args = {
        "viewer": client,
        "zone_name": Fixed(client.timezone),
        "kinds": Fixed(tuple(kinds)),
        "start": start,
        "end": end,
        "shared": shared,
        "words": Fixed(tuple(words)),
        **more,
    }
    return query.plain(**args) if words else query(**args)


class _OwnRecords:
    """The client's records after the filters, as a `Paginator` reads them: counted, and
    read a page at a time."""

    def __init__(self, client, kinds, start, end, shared, search):
        self.filters = (client, kinds, start, end, shared, search)

    def count(self) -> int:
        if not self.filters[1]:
            return 0
        [counts] = _own(_own_counts, *self.filters)
        return sum(counts.values())

    def __getitem__(self, window: slice) -> list:
        if not self.filters[1]:
            return []
        return _own(_own_window, *self.filters, window=Fixed((window.start, window.stop)))


def record_months(
    *,
    client: User,
    kinds: tuple[str, ...] = RECORD_KINDS,
    shared: bool | None = None,
    search: str | None = None,
) -> list[date]:
    """The first day of every month that has a record after the filters (not the dates),
    newest first: one query."""
    if not kinds:
        return []
    found = {value for (value,) in _own(_own_months, client, kinds, None, None, shared, search)}
    # SQLite may hand back a string for a truncated date; read it as a date either way.
    days = {
        value if isinstance(value, date) else date.fromisoformat(str(value)[:10]) for value in found
    }
    return sorted(days, reverse=True)


def client_records(
    *,
    client: User,
    kinds: tuple[str, ...] = RECORD_KINDS,
    start: date | None = None,
    end: date | None = None,
    shared: bool | None = None,
    search: str | None = None,
    page: int = 1,
    per_page: int = 20,
):
    """The client's own records, newest first, one page of them: a count, one UNION read
    of the page and one read per kind on it, however many records there are. `search`
    keeps records whose own words hold every word of it; each record read says whether the
    therapist wrote something the client has not opened yet (`has_new_reply`)."""
    from django.core.paginator import Paginator

    paginator = Paginator(_OwnRecords(client, kinds, start, end, shared, search), per_page)
    page_obj = paginator.get_page(page)
    wanted: dict[str, list] = {}
    for public_id, kind, _day, _at in page_obj.object_list:
        wanted.setdefault(kind, []).append(public_id)
    found = {}
    for kind, ids in wanted.items():
        for record in _own_records_of_kind(client_id=client.pk, kind=Fixed(kind), ids=ids):
            record.client = client
            found[record.public_id] = record
    rows = [
        RecordRow(kind=kind, day=day, record=found[public_id])
        for public_id, kind, day, _at in page_obj.object_list
        if public_id in found
    ]
    return page_obj, rows


@prepared
def _own_records_of_kind(*, client_id: int, kind: str, ids: list[uuid.UUID]):
    """The client's records of one kind with these public ids, each saying whether the
    therapist wrote something the client has not opened yet (`has_new_reply`)."""
    from django.db.models import Exists, OuterRef

    from .models import FEEDBACK_FIELD, Feedback

    model = RECORD_MODELS[kind]
    unread = Feedback.objects.filter(
        client_id=client_id,
        read_by_client_at__isnull=True,
        **{FEEDBACK_FIELD[model]: OuterRef("pk")},
    ).exclude(author_id=client_id)
    queryset = model.objects.filter(client_id=client_id, public_id__in=ids).annotate(
        has_new_reply=Exists(unread)
    )
    return queryset.select_related("person") if kind == "social" else queryset


@dataclass
class LoggedToday:
    journal: list
    lifestyle: object | None
    social: list

    @property
    def count(self) -> int:
        return len(self.journal) + len(self.social) + (1 if self.lifestyle else 0)

    @property
    def mood(self):
        """Today's latest entry with a mood, if any."""
        return next((entry for entry in self.journal if entry.mood is not None), None)


@prepared
def _journal_between(*, client_id: int, start: datetime, end: datetime):
    return JournalEntry.objects.filter(
        client_id=client_id, occurred_at__gte=start, occurred_at__lt=end
    ).order_by("-occurred_at")


@prepared
def _lifestyle_of_day(*, client_id: int, day: date):
    return LifestyleLog.objects.filter(client_id=client_id, day=day).order_by("pk")[:1]


@prepared
def _social_of_day(*, client_id: int, day: date):
    return (
        SocialActivity.objects.filter(client_id=client_id, day=day)
        .select_related("person")
        .order_by("-created_at")
    )


def logged_today(*, client: User, today: date | None = None) -> LoggedToday:
    """What the client logged today (their local day): three queries."""
    today = today or local_today(client.timezone)
    zone = client.zone
    start = _start_of(today, zone)
    journal = _journal_between(
        client_id=client.pk, start=start, end=_start_of(today + timedelta(days=1), zone)
    )
    lifestyle = next(iter(_lifestyle_of_day(client_id=client.pk, day=today)), None)
    social = _social_of_day(client_id=client.pk, day=today)
    for record in (*journal, *social, *([lifestyle] if lifestyle else [])):
        record.client = client
    return LoggedToday(journal=journal, lifestyle=lifestyle, social=social)


# --- Replies the client has not read yet ---------------------------------------------

UNREAD_REPLIES_MAX = 50  # Today lists the newest; the journal marks every record anyway


@dataclass(frozen=True)
class UnreadReply:
    """One message from someone else in a thread on the client's record, not opened yet."""

    feedback_id: object  # the feedback's public id
    created_at: datetime
    author_name: str
    record_kind: str  # "journal", "lifestyle" or "social"
    record_id: object  # the record's public id
    record_day: date  # the record's local day


def unread_replies_queryset(*, client: User, since: datetime | None = None):
    """What others wrote in threads on the client's records that they have not opened since
    (their own replies are never unread)."""
    from .models import Feedback

    queryset = (
        Feedback.objects.visible_to(client)
        .filter(client=client, read_by_client_at__isnull=True)
        .exclude(author=client)
    )
    if since is not None:
        queryset = queryset.filter(created_at__gt=since)
    return queryset


def unread_reply_rows(*, client: User):
    """The client's unread replies, newest first, as rows for `as_unread_replies`: one
    query, however many there are (slice or paginate it)."""
    return (
        unread_replies_queryset(client=client)
        .order_by("-created_at", "-id")
        .values_list(
            "public_id",
            "created_at",
            "author__name",
            "author__email",
            "journal_entry__public_id",
            "journal_entry__occurred_at",
            "lifestyle_log__public_id",
            "lifestyle_log__day",
            "social_activity__public_id",
            "social_activity__day",
        )
    )


def as_unread_replies(rows, *, zone) -> list[UnreadReply]:
    replies = []
    for public_id, at, name, email, journal, moment, lifestyle, day, social, social_day in rows:
        if journal is not None:
            kind, record_id, record_day = "journal", journal, moment.astimezone(zone).date()
        elif lifestyle is not None:
            kind, record_id, record_day = "lifestyle", lifestyle, day
        else:
            kind, record_id, record_day = "social", social, social_day
        replies.append(
            UnreadReply(
                feedback_id=public_id,
                created_at=at,
                author_name=name or email,  # as `str(user)` names them everywhere
                record_kind=kind,
                record_id=record_id,
                record_day=record_day,
            )
        )
    return replies


def unread_replies(*, client: User, limit: int = UNREAD_REPLIES_MAX) -> list[UnreadReply]:
    """The client's newest unread replies, with their record: one query."""
    return as_unread_replies(
        _newest_unread_rows(client=client, limit=Fixed(limit)), zone=client.zone
    )


@prepared
def _newest_unread_rows(*, client: User, limit: int):
    return unread_reply_rows(client=client)[:limit]


def feedback_thread(*, viewer: User, record) -> list:
    from .models import FEEDBACK_FIELD, Feedback

    return list(
        Feedback.objects.visible_to(viewer)
        .filter(**{FEEDBACK_FIELD[type(record)]: record})
        .select_related("author")
    )
