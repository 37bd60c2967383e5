"""A demo care plan per demo client: a few items in each section written by both people, a
short history with an agreed version, homework linked to a goal, and "I'm triggered" logs
that match the client's journal. Idempotent: a plan that has versions is left alone."""

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import CareRelationship, CareStatus
from clients.models import JournalEntry, Person
from homework.models import Assignment

from . import services
from .models import CarePlan, Helped, PlanItem, Section, TriggerLog

TRIGGERS = {
    "work deadlines": ["Write the three next steps on paper", "Take a five-minute walk"],
    "crowded places": ["Breathe out slowly, longer than in", "Step outside or to a quiet corner"],
}


def seed_plans(relationships: list[CareRelationship]) -> int:
    """Give each active demo relationship its plan once; returns how many got one."""
    seeded = 0
    for index, relationship in enumerate(relationships):
        if relationship.status != CareStatus.ACTIVE or relationship.client is None:
            continue
        if CarePlan.objects.filter(relationship=relationship, version__gt=0).exists():
            continue
        rng = random.Random(f"plan:{index}")  # noqa: S311 - demo data, not security
        _seed_plan(relationship, rng)
        seeded += 1
    return seeded


def _seed_plan(relationship: CareRelationship, rng: random.Random) -> None:
    client, therapist = relationship.client, relationship.therapist
    plan = services.plan_for_relationship(relationship)

    def add(author, section, **fields):
        return services.item_add(author=author, plan=plan, section=section, **fields)

    add(therapist, Section.NEEDS, text="Eight hours of sleep")
    add(client, Section.NEEDS, text="Time alone after work")
    add(
        therapist,
        Section.EMOTIONS,
        text="anxiety",
        signs="Tight chest, going over tomorrow again and again",
        helps="Slow breathing; telling someone",
    )
    add(client, Section.EMOTIONS, text="sadness", signs="Staying in bed", helps="A walk outside")
    for trigger, steps in TRIGGERS.items():
        add(therapist, Section.TRIGGERS, text=trigger, signs="Shallow breath", steps=steps)
    add(client, Section.EMPOWERS, text="Running with the club")
    add(client, Section.EMPOWERS, text="Cooking for friends")
    for person in Person.objects.filter(client=client).order_by("pk")[:3]:
        add(client, Section.CIRCLE, person=person)
    homework = Assignment.objects.filter(relationship=relationship).order_by("pk").first()
    goal = add(
        client,
        Section.GOALS,
        text="In bed by eleven on weeknights",
        measure="I wake up before the alarm most days",
        review_date=timezone.localdate() + timedelta(days=30),
    )
    if homework is not None:
        services.homework_link(author=therapist, item=goal, assignment=homework)
    plan.refresh_from_db()
    agreed = plan.versions.get(number=plan.version)
    services.version_agree(therapist=therapist, version=agreed)
    # Since the session: one edit and one addition.
    need = plan.items.get(section=Section.NEEDS, text="Time alone after work")
    services.item_edit(
        author=client, item=need, base_version=plan.version, text="An hour alone after work"
    )
    add(client, Section.GOALS, text="Call Mum on Sundays", measure="We talk, even briefly")
    # A short history: the plan was written a week ago, changed since.
    now = timezone.now()
    plan.refresh_from_db()
    for version in plan.versions.all():
        age = timedelta(days=7) if version.number <= agreed.number else timedelta(days=1)
        version.created_at = now - age + timedelta(minutes=version.number)
        version.save(update_fields=["created_at"])
    _seed_logs(plan, rng)


def _seed_logs(plan: CarePlan, rng: random.Random) -> None:
    """One log for each recent journal entry tagged with a trigger of the plan."""
    triggers = {item.tag.casefold(): item for item in plan.items.filter(section=Section.TRIGGERS)}
    since = timezone.now() - timedelta(days=28)
    entries = JournalEntry.objects.filter(
        client=plan.client, occurred_at__gte=since, trigger_log__isnull=True
    ).order_by("occurred_at")
    for entry in entries:
        item: PlanItem | None = next(
            (triggers[t.casefold()] for t in entry.triggers if t.casefold() in triggers), None
        )
        if item is None:
            continue
        TriggerLog.objects.create(
            plan=plan,
            client=plan.client,
            item=item,
            trigger=item.tag,
            steps=list(item.steps),
            journal_entry=entry,
            helped=rng.choice([Helped.YES, Helped.A_LITTLE, Helped.YES, Helped.NO]),
            rated_at=entry.occurred_at + timedelta(hours=2),
            created_at=entry.occurred_at,
        )
