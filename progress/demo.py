"""A year of history for one demo client, so the Progress page has a year to show: daily
moods that rise slowly and go with exercise, sleep and time with others, lifestyle and
social logs, and an earlier walking homework with its check-offs. Written with bulk_create
(the services refuse dates this far back). Idempotent: it runs once per demo client."""

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from accounts.clock import local_today
from accounts.models import CareRelationship, CareStatus
from clients.demo import HISTORY_DAYS, PEOPLE
from clients.models import JournalEntry, LifestyleLog, Mode, Person, SocialActivity
from homework.models import Assignment, AssignmentStatus, Completion, CompletionSource, Kind
from homework.schedules import Frequency, iso_week_monday

YEAR_DAYS = 365
WALK_TITLE = "A short walk most days"


def seed_history(relationships: list[CareRelationship]) -> bool:
    """Give the first active demo client the year before their recent demo weeks; True when
    it was added now, False when it was there already (or there is no such client)."""
    relationship = next((r for r in relationships if r.status == CareStatus.ACTIVE), None)
    if relationship is None:
        return False
    client = relationship.client
    today = local_today(client.timezone)
    # The recent weeks belong to clients.demo; this fills the year before them.
    last = today - timedelta(days=HISTORY_DAYS + 1)
    first = today - timedelta(days=YEAR_DAYS - 1)
    if JournalEntry.objects.filter(client=client, occurred_at__date__lte=last).exists():
        return False
    rng = random.Random(f"year:{client.email}")  # noqa: S311 - demo data, not security
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    people = list(Person.objects.filter(client=client)) or [
        Person.objects.create(client=client, name=name, kind=kind, support=support)
        for name, kind, support in PEOPLE
    ]
    journal, lifestyle, social, walked = [], [], [], []
    for number, day in enumerate(days):
        exercise = rng.choice((0, 0, 10, 20, 30, 40, 60))
        sleep = round(rng.uniform(5, 9) * 2) / 2
        met = rng.random() < 0.3 + 0.3 * number / len(days)
        mood = 3.8 + 2.2 * number / len(days) + rng.gauss(0, 1.1)
        mood += 0.9 * (exercise >= 30) + 0.8 * (sleep >= 7) + 0.7 * met
        if rng.random() < 0.85:
            lifestyle.append(
                LifestyleLog(
                    client=client,
                    day=day,
                    sleep_hours=Decimal(str(sleep)),
                    sleep_quality=rng.randint(2, 5),
                    exercise_minutes=exercise,
                    exercise_kind="walk" if exercise else "",
                    shared=rng.random() < 0.85,
                    created_at=_at(client, day, 21),
                )
            )
            if exercise >= 10:
                walked.append(day)
        if met:
            social.append(
                SocialActivity(
                    client=client,
                    day=day,
                    person=rng.choice(people),
                    mode=rng.choice(Mode.values),
                    minutes=rng.choice((15, 30, 45, 90)),
                    feeling=rng.randint(5, 10),
                    shared=rng.random() < 0.85,
                    created_at=_at(client, day, 20),
                )
            )
        if rng.random() < 0.8:
            at = _at(client, day, rng.randint(18, 22))
            journal.append(
                JournalEntry(
                    client=client,
                    occurred_at=at,
                    created_at=at,
                    mood=max(0, min(10, round(mood))),
                    shared=rng.random() < 0.85,
                )
            )
    JournalEntry.objects.bulk_create(journal)
    LifestyleLog.objects.bulk_create(lifestyle)
    SocialActivity.objects.bulk_create(social)
    _walking_homework(relationship, first, last, walked)
    return True


def _at(client, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=client.zone).astimezone(UTC)


def _walking_homework(relationship: CareRelationship, first: date, last: date, walked) -> None:
    """An earlier daily walk, ended before the recent homework began, with its check-offs."""
    assignment = Assignment.objects.create(
        relationship=relationship,
        client=relationship.client,
        therapist=relationship.therapist,
        kind=Kind.LIFESTYLE,
        title=WALK_TITLE,
        instructions="A walk of ten minutes or more, at any pace.",
        frequency=Frequency.DAILY,
        start_date=first,
        end_date=last,
        status=AssignmentStatus.ENDED,
        ended_at=datetime.combine(last, time(12), tzinfo=UTC),
        created_at=datetime.combine(first, time(9), tzinfo=UTC),
    )
    Completion.objects.bulk_create(
        Completion(
            assignment=assignment,
            client=relationship.client,
            due_date=day,
            week=iso_week_monday(day),
            source=CompletionSource.CHECK_OFF,
            completed_at=datetime.combine(day, time(19), tzinfo=UTC),
        )
        for day in walked
    )
