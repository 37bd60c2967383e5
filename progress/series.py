"""Per-day series of one client's records over a chosen range, as the viewer may see them.

Every figure comes from one GROUP BY per kind of record, so the number of queries does not
grow with the length of the history: the client sees all their records, a therapist only
those the client shared (`visible_to`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Sum
from django.db.models.functions import TruncDate

from accounts import versions
from accounts.clock import local_days_bounds, local_today
from accounts.clock import zone as named_zone
from accounts.models import User
from accounts.prepared import Fixed, prepared
from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework.schedules import iso_week_monday
from homework.selectors import Adherence, client_adherence

# The ranges offered, in days; anything else is refused.
RANGES: dict[str, int] = {"4w": 28, "12w": 84, "1y": 365}
RANGE_LABELS: dict[str, str] = {"4w": "4 weeks", "12w": "12 weeks", "1y": "1 year"}
DEFAULT_RANGE = "4w"
AVERAGE_DAYS = 7
# Daily values stay readable for 4 weeks; longer ranges are drawn and tabled by week.
AGGREGATION: dict[str, str] = {"4w": "daily", "12w": "weekly", "1y": "weekly"}


def parse_range(value: str | None) -> str:
    """The range key asked for, the default when none is given; ValidationError otherwise."""
    if value is None or value == "":
        return DEFAULT_RANGE
    if value not in RANGES:
        choices = ", ".join(f"“{key}”" for key in RANGES)
        raise ValidationError(f"Choose one of {choices}.", code="invalid_range")
    return value


class DayPoint(NamedTuple):
    """One day of the series. A named tuple: a year's 365 are made in less than half the time
    frozen dataclasses took, and are as immutable."""

    day: date
    mood: float | None  # mean of the day's journal moods, 0 to 10, to one decimal
    mood_average: float | None  # mean of the daily moods of the 7 days ending this day
    sleep_hours: float | None
    exercise_minutes: int | None
    social_contacts: int
    social_minutes: int
    mood_exact: float | None = None  # the unrounded mean, for the insights


@dataclass(frozen=True)
class WeekPoint:
    monday: date
    done: int
    due: int

    @property
    def percent(self) -> int | None:
        return Adherence(self.done, self.due).percent


@dataclass(frozen=True)
class WeekValues:
    """One week of the daily values: means for mood and sleep, totals for minutes and
    contacts, each with the number of days behind it. The range may start or end inside
    the week, so `first` and `last` are the days it covers."""

    first: date
    last: date
    mood: float | None  # mean of the daily moods
    mood_days: int
    sleep_hours: float | None  # mean of the nights logged
    sleep_days: int
    exercise_minutes: int | None  # total; None when no day was logged
    exercise_days: int
    social_contacts: int  # total
    social_minutes: int  # total
    social_days: int  # days with a contact


def _mean(values: list[float]) -> float | None:
    return one_decimal(sum(values) / len(values)) if values else None


def week_values(days: Iterable[DayPoint]) -> tuple[WeekValues, ...]:
    """The days grouped by ISO week (Monday to Sunday), oldest first."""
    weeks: dict[date, list[DayPoint]] = {}
    for point in days:
        weeks.setdefault(iso_week_monday(point.day), []).append(point)
    result = []
    for points in weeks.values():
        moods = [p.mood_exact for p in points if p.mood_exact is not None]
        sleep = [p.sleep_hours for p in points if p.sleep_hours is not None]
        exercise = [p.exercise_minutes for p in points if p.exercise_minutes is not None]
        social = [p for p in points if p.social_contacts]
        result.append(
            WeekValues(
                first=points[0].day,
                last=points[-1].day,
                mood=_mean(moods),
                mood_days=len(moods),
                sleep_hours=_mean(sleep),
                sleep_days=len(sleep),
                exercise_minutes=sum(exercise) if exercise else None,
                exercise_days=len(exercise),
                social_contacts=sum(p.social_contacts for p in social),
                social_minutes=sum(p.social_minutes for p in social),
                social_days=len(social),
            )
        )
    return tuple(result)


@dataclass(frozen=True)
class ProgressSeries:
    client: User
    range: str
    first: date
    last: date
    days: tuple[DayPoint, ...]
    weeks: tuple[WeekPoint, ...]

    @property
    def aggregation(self) -> str:
        """ "daily" or "weekly": how the charts, their tables and the API group the days."""
        return AGGREGATION[self.range]

    @cached_property
    def weekly(self) -> tuple[WeekValues, ...]:
        """Worked out once per series: the charts, their tables and the API each read it."""
        return week_values(self.days)

    @property
    def has_mood(self) -> bool:
        return any(point.mood is not None for point in self.days)

    @property
    def has_lifestyle(self) -> bool:
        return any(p.sleep_hours is not None or p.exercise_minutes is not None for p in self.days)

    @property
    def has_social(self) -> bool:
        return any(point.social_contacts for point in self.days)

    @property
    def has_homework(self) -> bool:
        return any(week.due for week in self.weeks)

    @property
    def has_data(self) -> bool:
        return self.has_mood or self.has_lifestyle or self.has_social or self.has_homework


# A year's series rounds a thousand values, most of them the same few: each is worked out
# once per process (by type too: a float and the Decimal of its exact value may round apart).
@lru_cache(maxsize=4096, typed=True)
def one_decimal(value) -> float | None:
    """Rounded half up to one decimal, as shown everywhere (charts, tables, the API)."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def daily_moods(*, viewer: User, client: User, first: date, last: date) -> dict[date, float]:
    """Mean journal mood per local day (unrounded). 1 query."""
    start, end = local_days_bounds(first, last, client.zone)
    rows = _daily_moods(
        viewer=viewer, client_id=client.pk, zone=Fixed(client.timezone), start=start, end=end
    )
    return {row["local_day"]: float(row["mean"]) for row in rows}


# The series' reads are prepared (accounts.prepared): a therapist's read carries the access
# policy's subquery, which the ORM would otherwise build and compile on every view.
@prepared
def _daily_moods(*, viewer: User, client_id: int, zone: str, start: datetime, end: datetime):
    return (
        JournalEntry.objects.visible_to(viewer)
        .filter(
            client_id=client_id, mood__isnull=False, occurred_at__gte=start, occurred_at__lt=end
        )
        .annotate(local_day=TruncDate("occurred_at", tzinfo=named_zone(zone)))
        .values("local_day")
        .annotate(mean=Avg("mood"))
        .order_by()
    )


@prepared
def _lifestyle_rows(*, viewer: User, client_id: int, first: date, last: date):
    return (
        LifestyleLog.objects.visible_to(viewer)
        .filter(client_id=client_id, day__gte=first, day__lte=last)
        .values("day", "sleep_hours", "exercise_minutes")
        .order_by()
    )


@prepared
def _social_rows(*, viewer: User, client_id: int, first: date, last: date):
    return (
        SocialActivity.objects.visible_to(viewer)
        .filter(client_id=client_id, day__gte=first, day__lte=last)
        .values("day")
        .annotate(contacts=Count("id"), minutes=Sum("minutes"))
        .order_by()
    )


def trailing_average(moods: dict[date, float], day: date) -> float | None:
    """Mean of the daily moods in the 7 days ending on `day` (days without one skipped)."""
    window = [moods[d] for d in _days(day - timedelta(days=AVERAGE_DAYS - 1), day) if d in moods]
    return sum(window) / len(window) if window else None


def trailing_averages(moods: dict[date, float], first: date, last: date) -> list[float | None]:
    """`trailing_average` for each day from `first` to `last`, the same sums in the same
    order, without building each window's dates again."""
    values = [moods.get(day) for day in _day_range(first - timedelta(days=AVERAGE_DAYS - 1), last)]
    averages = []
    for end in range(AVERAGE_DAYS, len(values) + 1):
        window = [value for value in values[end - AVERAGE_DAYS : end] if value is not None]
        averages.append(sum(window) / len(window) if window else None)
    return averages


def _days(first: date, last: date) -> Iterable[date]:
    return (first + timedelta(days=i) for i in range((last - first).days + 1))


@lru_cache(maxsize=64)
def _day_range(first: date, last: date) -> tuple[date, ...]:
    """Every day from `first` to `last`: the same few ranges are asked for all day."""
    return tuple(_days(first, last))


_NONE: dict = {}  # a day without a row (read only)


def range_dates(client: User, range_key: str, today: date | None = None) -> tuple[date, date]:
    today = today or local_today(client.timezone)
    return today - timedelta(days=RANGES[range_key] - 1), today


def progress_series(
    *, viewer: User, client: User, range_key: str = DEFAULT_RANGE, today: date | None = None
) -> ProgressSeries:
    """Mood (with its 7-day average), sleep, exercise and social contacts per day, and
    homework adherence per ISO week, over the range ending today. Each of those four parts
    is kept until the client writes something of its kind (`series_parts`): 6 queries when
    none is kept, none when all are."""
    first, last = range_dates(client, range_key, today)
    parts = kept_parts(
        "series",
        series_parts(viewer=viewer, client=client, first=first, last=last),
        viewer=viewer,
        client=client,
        bounds=(first, last),
    )
    return series_of(client, range_key, first, last, parts)


def series_of(client: User, range_key: str, first: date, last: date, parts: dict) -> ProgressSeries:
    """The series from its parts (`series_parts`, as kept)."""
    moods, lifestyle, social = parts["moods"], parts["lifestyle"], parts["social"]
    # Column by column (a year is 365 days of each), then one point per day.
    dates = _day_range(first, last)
    exact = [moods.get(day) for day in dates]
    logs = [lifestyle.get(day, _NONE) for day in dates]
    contacts = [social.get(day, _NONE) for day in dates]
    days = list(
        map(
            DayPoint,
            dates,
            map(one_decimal, exact),
            map(one_decimal, trailing_averages(moods, first, last)),
            [one_decimal(log.get("sleep_hours")) for log in logs],
            [log.get("exercise_minutes") for log in logs],
            [each.get("contacts", 0) for each in contacts],
            [each.get("minutes") or 0 for each in contacts],
            exact,
        )
    )
    weeks = tuple(WeekPoint(monday, done, due) for monday, done, due in parts["adherence"])
    return ProgressSeries(
        client=client, range=range_key, first=first, last=last, days=tuple(days), weeks=weeks
    )


def kept_parts(name: str, parts: dict, *, viewer: User, client: User, bounds: tuple) -> dict:
    """`parts` of the viewer's Progress of the client over `bounds` (its days or moments),
    as `accounts.versions.kept_parts` keeps them."""
    people = {viewer, client}
    return versions.kept_parts(name, people, parts, viewer.pk, client.pk, client.timezone, *bounds)


def series_parts(*, viewer: User, client: User, first: date, last: date) -> dict:
    """The series' parts as plain values, each with the kinds of data it is read from
    (`accounts.versions.kept_parts`): the daily moods (from a week before `first`, for the
    averages), the lifestyle logs and the social contacts by day, and adherence per week."""
    rows = {"viewer": viewer, "client_id": client.pk, "first": first, "last": last}

    def moods() -> dict[date, float]:
        before = first - timedelta(days=AVERAGE_DAYS - 1)
        return daily_moods(viewer=viewer, client=client, first=before, last=last)

    def adherence() -> tuple[tuple[date, int, int], ...]:
        week_count = (iso_week_monday(last) - iso_week_monday(first)).days // 7 + 1
        report = client_adherence(viewer=viewer, client=client, weeks=week_count, today=last)
        return tuple(
            (monday, total.done, total.due)
            for monday, total in zip(report.weeks, report.totals, strict=True)
        )

    return {
        "moods": (("journal",), moods),
        "lifestyle": (("lifestyle",), lambda: {row["day"]: row for row in _lifestyle_rows(**rows)}),
        "social": (("social",), lambda: {row["day"]: row for row in _social_rows(**rows)}),
        "adherence": (("homework",), adherence),
    }
