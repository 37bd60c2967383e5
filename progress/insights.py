""" "What helps": how the client's mood went on days with and without something they did.

Associations in the client's own records, never causes, each worded by its direction (the
mood was higher, or lower). A factor is shown only with enough days behind it, both groups
big enough to compare, and a difference worth mentioning. The same viewer rule as the series:
the client's own view counts all their records, a therapist's only what the client shared.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Value
from django.db.models.functions import TruncDate

from accounts.clock import local_days_bounds
from accounts.clock import zone as named_zone
from accounts.models import User
from accounts.prepared import Fixed, prepared
from careplans.models import TriggerLog
from homework.models import Completion

from .series import DayPoint, ProgressSeries, kept_parts, one_decimal

# Days with both the factor known and a mood before anything is said.
MIN_DAYS = 14
# Days in each group (with / without) before the two are compared.
MIN_GROUP_DAYS = 5
EXERCISE_MINUTES = 30
SLEEP_HOURS = 7
# Points between the two averages (as shown, one decimal) before a difference is mentioned.
MIN_DIFFERENCE = 0.5


@dataclass(frozen=True)
class Insight:
    key: str
    mean_with: float
    days_with: int
    mean_without: float
    days_without: int
    text: str

    @property
    def direction(self) -> str:
        """ "higher" or "lower": the mood with the factor, against without it."""
        return "higher" if self.mean_with > self.mean_without else "lower"


@dataclass(frozen=True)
class _Factor:
    key: str
    # The factor on a day: True, False, or None when it is not known.
    test: Callable[[DayPoint, dict], bool | None]
    # 0: mood the same day; 1: mood the next day.
    lag: int
    when: str  # the days with the factor, opening the sentence
    otherwise: str  # the other days


FACTORS = (
    _Factor(
        "exercise",
        lambda p, _: None if p.exercise_minutes is None else p.exercise_minutes >= EXERCISE_MINUTES,
        0,
        f"On days with {EXERCISE_MINUTES}+ minutes of exercise",
        "on other days",
    ),
    _Factor(
        "sleep",
        lambda p, _: None if p.sleep_hours is None else p.sleep_hours >= SLEEP_HOURS,
        0,
        f"On days with {SLEEP_HOURS}+ hours of sleep",
        "on other days",
    ),
    _Factor(
        "social",
        lambda p, _: p.social_contacts > 0,
        0,
        "On days with a social contact",
        "on days without one",
    ),
    _Factor(
        "homework",
        lambda p, extra: p.day in extra["homework"],
        0,
        "On days with homework done",
        "on other days",
    ),
    _Factor(
        "coping",
        lambda p, extra: p.day in extra["coping"],
        1,
        "On the day after using coping steps from the plan,",
        "after other days",
    ),
)


def _days_with(queryset, field: str, kind: str, client_id: int, zone: str, start, end):
    return (
        queryset.filter(client_id=client_id, **{f"{field}__gte": start, f"{field}__lt": end})
        .annotate(local_day=TruncDate(field, tzinfo=named_zone(zone)), kind=Value(kind))
        .values("local_day", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )


def _activity_days(viewer: User, series: ProgressSeries) -> dict[str, set[date]]:
    """The local days with homework done and with coping steps used, kept until the client
    writes homework or a coping step (or shares an entry, or no longer: `activity_parts`).
    1 query (a UNION) when not kept."""
    client = series.client
    parts = kept_parts(
        "insights",
        activity_parts(viewer=viewer, client=client, first=series.first, last=series.last),
        viewer=viewer,
        client=client,
        bounds=(series.first, series.last),
    )
    return parts["activity"]


def activity_parts(*, viewer: User, client: User, first: date, last: date) -> dict:
    """The days of activity as a part kept by the kinds of data it is read from."""

    def activity() -> dict[str, set[date]]:
        start, end = local_days_bounds(first, last, client.zone)
        days: dict[str, set[date]] = {"homework": set(), "coping": set()}
        for row in _activity_rows(
            viewer=viewer, client_id=client.pk, zone=Fixed(client.timezone), start=start, end=end
        ):
            days[row["kind"]].add(row["local_day"])
        return days

    # A therapist sees the coping steps of shared journal entries only: an entry shared or
    # no longer shared gives a new version of the coping steps too (`versions.SHOWN_BY`).
    return {"activity": (("homework", "coping"), activity)}


@prepared
def _activity_rows(*, viewer: User, client_id: int, zone: str, start: datetime, end: datetime):
    homework = _days_with(
        Completion.objects.visible_to(viewer),
        "completed_at",
        "homework",
        client_id,
        zone,
        start,
        end,
    )
    coping = _days_with(
        TriggerLog.objects.visible_to(viewer), "created_at", "coping", client_id, zone, start, end
    )
    # Both models have a default ordering, which a compound query cannot use.
    return homework.union(coping, all=True).order_by()


def _mean(values: list[float]) -> float:
    return one_decimal(sum(values) / len(values))


def what_helps(
    *, viewer: User, series: ProgressSeries, activity: dict[str, set[date]] | None = None
) -> list[Insight]:
    """The factors with enough data over the series' range, as the viewer may see them.
    1 query (the days with homework done and with coping steps used) unless those days are
    given (`activity_parts`) or kept."""
    client = series.client
    extra = _activity_days(viewer, series) if activity is None else activity
    moods = {point.day: point.mood_exact for point in series.days}
    # Each day with the mood of the day `lag` days later, for each lag, once.
    later = {
        lag: [
            (point, mood)
            for point in series.days
            if (mood := moods.get(point.day + timedelta(days=lag))) is not None
        ]
        for lag in {factor.lag for factor in FACTORS}
    }
    whose = "your" if viewer.pk == client.pk else "their"
    insights = []
    for factor in FACTORS:
        groups: dict[bool, list[float]] = {True: [], False: []}
        for point, mood in later[factor.lag]:
            known = factor.test(point, extra)
            if known is not None:
                groups[known].append(mood)
        with_, without = groups[True], groups[False]
        if len(with_) + len(without) < MIN_DAYS or min(len(with_), len(without)) < MIN_GROUP_DAYS:
            continue
        mean_with, mean_without = _mean(with_), _mean(without)
        # Compared as shown: 5.6 against 5.1 is a difference of 0.5.
        if round(abs(mean_with - mean_without), 1) < MIN_DIFFERENCE:
            continue
        direction = "higher" if mean_with > mean_without else "lower"
        text = (
            f"{factor.when} {whose} mood was {direction}: {mean_with:.1f} on average "
            f"({_days(len(with_))}), against {mean_without:.1f} {factor.otherwise} "
            f"({_days(len(without))})."
        )
        insights.append(
            Insight(
                key=factor.key,
                mean_with=mean_with,
                days_with=len(with_),
                mean_without=mean_without,
                days_without=len(without),
                text=text,
            )
        )
    return insights


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"
