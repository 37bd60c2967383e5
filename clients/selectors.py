"""Reads about the client's records: trigger suggestions and the therapist's timeline."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, TextChoices

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
    for this ISO week. Everything goes through `visible_to(viewer)`: per kind one count and
    one read (plus the policy's MFA look-ups), however many records there are."""
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
    week_counts: dict[str, int] = {}
    for kind, (queryset, date_field, is_moment) in sources.items():
        week = (
            {f"{date_field}__gte": _start_of(monday, zone)}
            if is_moment
            else {f"{date_field}__gte": monday}
        )
        week_counts[kind] = queryset.filter(**week).aggregate(n=Count("pk"))["n"]
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
