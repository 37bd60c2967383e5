"""Demo records for `make run`: four weeks of journal entries, lifestyle logs and social
activity per demo client (some shared, some private, feedback on a few) and the homework
completions they imply. Rows are written directly: the services refuse to complete
homework more than a week back, and the history is older than that. Idempotent."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.clock import local_today
from accounts.models import CareRelationship, CareStatus
from homework.models import Assignment, Completion, CompletionSource
from homework.schedules import iso_week_monday

from .models import (
    Emotion,
    Feedback,
    JournalEntry,
    LifestyleLog,
    Meals,
    Mode,
    Person,
    RecordView,
    SharingPreference,
    SocialActivity,
    Support,
)
from .rules import lifestyle_target_met, social_target_met

HISTORY_DAYS = 28
PEOPLE = [
    ("Maya", "partner", "mutual"),
    ("Mum", "family", "they_support_me"),
    ("Jonas", "friend", "mutual"),
    ("Running club", "group", "mutual"),
]
LINES = [
    "Busy day at work, but I took a proper lunch break.",
    "Felt low in the morning. A walk helped more than I expected.",
    "Argued with my brother on the phone; I noticed the tightness in my chest.",
    "Slept badly. Kept going over tomorrow's meeting.",
    "Good talk with a friend. I said what I needed for once.",
    "Quiet evening. Read for an hour and went to bed early.",
    "- woke up anxious\n- breathing exercise\n- **better** by noon",
]
TRIGGERS = ["work deadlines", "crowded places", "phone calls", "poor sleep", "family visits"]
NEEDS = ["Some time alone.", "Someone to listen.", "A clear plan for tomorrow.", ""]
FEEDBACK = [
    "Thank you for sharing this. Noticing the tightness early is real progress.",
    "The walk helping is worth remembering for the next low morning.",
    "Let's look at this pattern together on Thursday.",
]


def seed_records(relationships: list[CareRelationship]) -> int:
    """Give each active demo client their records once; returns how many clients got them."""
    seeded = 0
    for index, relationship in enumerate(relationships):
        client = relationship.client
        if (
            relationship.status != CareStatus.ACTIVE
            or JournalEntry.objects.filter(client=client).exists()
        ):
            continue
        rng = random.Random(f"records:{client.email}")  # noqa: S311 - demo data, not security
        share_default = index % 3 == 0
        SharingPreference.objects.update_or_create(
            relationship=relationship, defaults={"share_by_default": share_default}
        )
        today = local_today(client.timezone)
        days = [today - timedelta(days=i) for i in range(HISTORY_DAYS, 0, -1)]
        people = [
            Person.objects.create(client=client, name=name, kind=kind, support=support)
            for name, kind, support in PEOPLE
        ]
        homework = list(
            Assignment.objects.filter(relationship=relationship).select_related("template")
        )
        entries = _journal(client, relationship, days, rng, share_default, homework)
        _lifestyle(client, days, rng, share_default, homework)
        _social(client, days, rng, share_default, people, homework)
        _feedback(relationship, entries, rng)
        _read_until(relationship, today - timedelta(days=READ_UNTIL_DAYS))
        seeded += 1
    return seeded


# The demo therapist has read what was shared up to a few days ago: "Waiting for you" holds
# the last days' entries, as in a practice in use, not a month of them.
READ_UNTIL_DAYS = 3


def _read_until(relationship: CareRelationship, last: date) -> None:
    therapist, client = relationship.therapist, relationship.client
    views = []
    for model, field, day in (
        (JournalEntry, "journal_entry", "occurred_at__date__lte"),
        (LifestyleLog, "lifestyle_log", "day__lte"),
        (SocialActivity, "social_activity", "day__lte"),
    ):
        for record in model.objects.filter(client=client, shared=True, **{day: last}):
            seen = record.first_viewed_at or record.created_at + timedelta(hours=20)
            model.objects.filter(pk=record.pk).update(first_viewed_at=seen)
            views.append(
                RecordView(therapist=therapist, client=client, viewed_at=seen, **{field: record})
            )
    RecordView.objects.bulk_create(views, ignore_conflicts=True)


def _shared(rng: random.Random, share_default: bool) -> bool:
    return share_default or rng.random() < 0.4


def _complete(assignment: Assignment, day: date) -> Completion | None:
    """The completion a record implies: one made by the log, or the check-off already there."""
    schedule = assignment.schedule()
    in_range = assignment.start_date <= day and (
        assignment.end_date is None or day <= assignment.end_date
    )
    if not in_range or schedule.is_paused_on(day):
        return None
    if assignment.frequency != "weekly" and not schedule.is_due_on(day):
        return None
    completion, _created = Completion.objects.get_or_create(
        assignment=assignment,
        due_date=day,
        defaults={
            "client": assignment.client,
            "week": iso_week_monday(day),
            "source": CompletionSource.LOG,
        },
    )
    return completion


def _journal(client, relationship, days, rng, share_default, homework) -> list[JournalEntry]:
    journaling = next((a for a in homework if a.kind == "journal"), None)
    entries = []
    for day in days:
        if rng.random() > 0.7:
            continue
        occurred = datetime.combine(day, time(rng.randint(18, 22), rng.choice((0, 15, 30))))
        occurred = occurred.replace(tzinfo=client.zone)
        recalled = rng.random() < 0.1
        completion = _complete(journaling, day) if journaling and not recalled else None
        emotions = rng.sample(Emotion.values, rng.randint(1, 3))
        if rng.random() < 0.2:
            emotions.append("restless")
        entry = JournalEntry.objects.create(
            client=client,
            occurred_at=occurred,
            created_at=occurred + (timedelta(days=2) if recalled else timedelta(minutes=5)),
            recalled=recalled,
            text=rng.choice(LINES),
            mood=max(0, min(10, round(rng.gauss(5.5, 2)))),
            emotions=emotions,
            triggers=rng.sample(TRIGGERS, rng.randint(0, 2)),
            needed=rng.choice(NEEDS),
            # A homework answer is shared only when the client says so.
            shared=rng.random() < 0.5 if completion else _shared(rng, share_default),
        )
        if completion is not None:
            entry.completions.add(completion)
        entries.append(entry)
    return entries


def _lifestyle(client, days, rng, share_default, homework) -> None:
    lifestyle = [a for a in homework if a.kind == "lifestyle"]
    for day in days:
        if rng.random() > 0.8:
            continue
        log = LifestyleLog.objects.create(
            client=client,
            day=day,
            sleep_hours=Decimal(str(round(rng.uniform(5, 9) * 2) / 2)),
            sleep_quality=rng.randint(1, 5),
            exercise_minutes=rng.choice((0, 0, 15, 30, 45, 60)),
            exercise_kind=rng.choice(("walk", "cycling", "yoga", "")),
            meals=rng.choice(Meals.values),
            outdoor_minutes=rng.choice((0, 10, 20, 40)),
            alcohol_units=Decimal(rng.choice((0, 0, 0, 1, 2, 4))),
            shared=_shared(rng, share_default),
        )
        for assignment in lifestyle:
            if lifestyle_target_met(log, assignment) and (done := _complete(assignment, day)):
                log.completions.add(done)


def _social(client, days, rng, share_default, people, homework) -> None:
    social = [a for a in homework if a.kind == "social"]
    for day in days:
        if rng.random() > 0.35:
            continue
        activity = SocialActivity.objects.create(
            client=client,
            day=day,
            person=rng.choice(people),
            mode=rng.choice(Mode.values),
            minutes=rng.choice((10, 20, 45, 90)),
            feeling=rng.randint(3, 10),
            support=rng.choice(Support.values),
            shared=_shared(rng, share_default),
        )
        for assignment in social:
            if social_target_met(activity, assignment) and (done := _complete(assignment, day)):
                activity.completions.add(done)


def _feedback(relationship, entries, rng) -> None:
    shared = [entry for entry in entries if entry.shared]
    now = timezone.now()
    for number, entry in enumerate(rng.sample(shared, min(3, len(shared)))):
        entry.first_viewed_at = entry.created_at + timedelta(hours=20)
        entry.save(update_fields=["first_viewed_at"])
        at = min(now, entry.created_at + timedelta(days=1))
        Feedback.objects.create(
            relationship=relationship,
            client=relationship.client,
            author=relationship.therapist,
            journal_entry=entry,
            text=FEEDBACK[number],
            created_at=at,
        )
        if number == 0:
            Feedback.objects.create(
                relationship=relationship,
                client=relationship.client,
                author=relationship.client,
                journal_entry=entry,
                text="Thanks, that helps.",
                created_at=min(now, at + timedelta(hours=3)),
            )
