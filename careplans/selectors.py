"""Reads on care plans, for the portal and the API alike. Query counts are fixed: they do
not grow with the number of items, versions or logs."""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import CareStatus, User
from accounts.prepared import Fixed, prepared
from clients.models import JournalEntry, tag_key
from clients.selectors import trigger_suggestions
from homework.selectors import client_adherence

from .diff import Change, diff
from .models import CarePlan, Helped, HomeworkLink, PlanItem, PlanVersion, Section, TriggerLog

FIGURES_DAYS = 28
HELPING = (Helped.YES, Helped.A_LITTLE)


def _uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def get_plan_for_user(user: User, public_id) -> CarePlan:
    return get_object_or_404(
        CarePlan.objects.visible_to(user).select_related(
            "client", "relationship__therapist", "relationship__client"
        ),
        public_id=_uuid(public_id),
    )


def get_item_for_user(user: User, public_id) -> PlanItem:
    return get_object_or_404(
        PlanItem.objects.visible_to(user).select_related("plan__relationship", "person"),
        public_id=_uuid(public_id),
    )


def removed_item_version(user: User, public_id) -> PlanVersion | None:
    """The version that removed this item, in a plan the user may see; None if it is not
    removed (or not theirs)."""
    return (
        PlanVersion.objects.filter(
            item_public_id=_uuid(public_id),
            change="remove",
            plan__in=CarePlan.objects.visible_to(user),
        )
        .select_related("plan")
        .first()
    )


def get_version_for_user(user: User, plan: CarePlan, number) -> PlanVersion:
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise Http404 from None
    return get_object_or_404(plan.versions.all(), number=number)


def get_log_for_user(user: User, public_id) -> TriggerLog:
    return get_object_or_404(
        TriggerLog.objects.visible_to(user).select_related("journal_entry"),
        public_id=_uuid(public_id),
    )


@dataclass
class SectionView:
    section: Section
    items: list[PlanItem]

    @property
    def key(self) -> str:
        return self.section.value

    @property
    def label(self) -> str:
        return self.section.label


@dataclass
class StepFigure:
    text: str
    helped: int = 0  # times rated "yes" or "a little" when this step was shown
    homework: list[str] = field(default_factory=list)  # titles of homework linked to it


@dataclass
class TriggerFigure:
    item: PlanItem
    count: int  # journal entries tagged with it in the last four weeks
    logs: int
    rated: int
    steps: list[StepFigure] = field(default_factory=list)


@dataclass
class GoalFigure:
    item: PlanItem
    links: list[HomeworkLink]
    done: int
    due: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.due) if self.due else None


@dataclass
class PlanPage:
    plan: CarePlan
    sections: list[SectionView]
    triggers: list[TriggerFigure]
    goals: list[GoalFigure]
    one_way: list[PlanItem]  # people where support goes one way only
    last_agreed: PlanVersion | None
    changes_since_agreed: list[Change]


def plan_items(plan: CarePlan) -> list[PlanItem]:
    return list(plan.items.select_related("person").order_by("position", "id"))


def sections_of(items: list[PlanItem]) -> list[SectionView]:
    by_section: dict[str, list[PlanItem]] = {section: [] for section in Section.values}
    for item in items:
        by_section[item.section].append(item)
    return [SectionView(Section(key), by_section[key]) for key in Section.values]


def plan_links(plan: CarePlan) -> list[HomeworkLink]:
    """The homework linked to the plan's goals and coping steps. 1 query."""
    return list(HomeworkLink.objects.filter(item__plan=plan).select_related("assignment"))


def trigger_figures(
    *,
    viewer: User,
    plan: CarePlan,
    items: list[PlanItem],
    links: list[HomeworkLink] | None = None,
) -> list[TriggerFigure]:
    """Per trigger: journal entries tagged with it in the last four weeks, which of its
    steps helped, and the homework linked to each step. The therapist's figures count only
    what the client shares. 2 queries (3 without `links`)."""
    links = plan_links(plan) if links is None else links
    since = timezone.now() - timedelta(days=FIGURES_DAYS)
    triggers = [item for item in items if item.section == Section.TRIGGERS]
    tagged = Counter()
    entries = JournalEntry.objects.visible_to(viewer).filter(
        client_id=plan.client_id, occurred_at__gte=since
    )
    for tags in entries.values_list("triggers", flat=True):
        for tag in {tag_key(tag) for tag in tags or []}:
            tagged[tag] += 1
    logs = list(
        TriggerLog.objects.visible_to(viewer)
        .filter(plan=plan, created_at__gte=since, item__isnull=False)
        .values_list("item_id", "steps", "helped")
    )
    figures = []
    for item in triggers:
        mine = [(steps, helped) for item_id, steps, helped in logs if item_id == item.pk]
        helped_steps = Counter(
            step for steps, helped in mine if helped in HELPING for step in set(steps)
        )
        figures.append(
            TriggerFigure(
                item=item,
                count=tagged[tag_key(item.tag)],
                logs=len(mine),
                rated=sum(1 for _steps, helped in mine if helped),
                steps=[
                    StepFigure(
                        step,
                        helped_steps[step],
                        [
                            link.assignment.title
                            for link in links
                            if link.item_id == item.pk and link.step == index
                        ],
                    )
                    for index, step in enumerate(item.steps)
                ],
            )
        )
    return figures


def goal_figures(
    *,
    viewer: User,
    plan: CarePlan,
    items: list[PlanItem],
    links: list[HomeworkLink] | None = None,
) -> list[GoalFigure]:
    """Per goal: its linked homework and their adherence over the last five weeks. 1 query
    for the links (none when given), and 3 more for the adherence when there are any."""
    goals = [item for item in items if item.section == Section.GOALS]
    goal_ids = {item.pk for item in goals}
    links = [
        link for link in (plan_links(plan) if links is None else links) if link.item_id in goal_ids
    ]
    totals: dict[int, tuple[int, int]] = {}
    if links:
        report = client_adherence(viewer=viewer, client=plan.client)
        for row in report.rows:
            done = sum(week.done for week in row.weeks)
            due = sum(week.due for week in row.weeks)
            totals[row.assignment.pk] = (done, due)
    figures = []
    for item in goals:
        mine = [link for link in links if link.item_id == item.pk]
        done = sum(totals.get(link.assignment_id, (0, 0))[0] for link in mine)
        due = sum(totals.get(link.assignment_id, (0, 0))[1] for link in mine)
        figures.append(GoalFigure(item=item, links=mine, done=done, due=due))
    return figures


def plan_page(*, viewer: User, plan: CarePlan) -> PlanPage:
    items = plan_items(plan)
    last_agreed = plan.versions.filter(agreed_at__isnull=False).order_by("-number").first()
    latest = plan.versions.order_by("-number").first()
    changes = (
        diff(last_agreed.snapshot if last_agreed else [], latest.snapshot)
        if latest is not None and latest != last_agreed
        else []
    )
    links = plan_links(plan)
    triggers = trigger_figures(viewer=viewer, plan=plan, items=items, links=links)
    goals = goal_figures(viewer=viewer, plan=plan, items=items, links=links)
    for figure in (*triggers, *goals):
        figure.item.figure = figure  # for the template, next to the item
    return PlanPage(
        plan=plan,
        sections=sections_of(items),
        triggers=triggers,
        goals=goals,
        one_way=[
            item
            for item in items
            if item.section == Section.CIRCLE
            and item.person is not None
            and item.person.support != "mutual"
        ],
        last_agreed=last_agreed,
        changes_since_agreed=changes,
    )


def versions_of(plan: CarePlan):
    return plan.versions.defer("snapshot").select_related("agreed_by").order_by("-number")


def default_comparison(versions: list[PlanVersion]) -> tuple[int, int]:
    """The two versions the history compares first, from `versions` newest first: what
    changed since the last agreed version; once the newest is agreed, what that agreement
    changed since the one before it (0, the empty plan, when there is none)."""
    if not versions:
        return 0, 0
    agreed = [v.number for v in versions if v.agreed_at]
    latest = versions[0].number
    if not agreed:
        return 0, latest
    if agreed[0] != latest:
        return agreed[0], latest
    return (agreed[1] if len(agreed) > 1 else 0), latest


def versions_diff(plan: CarePlan, first: int, second: int) -> list[Change]:
    """The changes from version `first` to version `second` (0 is the empty plan)."""
    snapshots = dict(
        plan.versions.filter(number__in=[first, second]).values_list("number", "snapshot")
    )
    snapshots[0] = []
    if first not in snapshots or second not in snapshots:
        raise Http404
    return diff(snapshots[first], snapshots[second])


def plan_tags(client: User, plan: CarePlan | None = None) -> dict[str, list[str]]:
    """The triggers and emotions of the client's plans in active care (or of one plan), to
    pick as journal tags. 1 query."""
    tags: dict[str, list[str]] = {"triggers": [], "emotions": []}
    rows = PlanItem.objects.filter(
        plan__client=client,
        plan__relationship__status=CareStatus.ACTIVE,
        section__in=(Section.TRIGGERS, Section.EMOTIONS),
    ).order_by("position", "id")
    if plan is not None:
        rows = rows.filter(plan=plan)
    seen: set[tuple[str, str]] = set()
    for item in rows:
        if (item.section, tag_key(item.tag)) not in seen:
            seen.add((item.section, tag_key(item.tag)))
            tags[item.section].append(item.tag)
    return tags


def journal_trigger_choices(client: User) -> list[str]:
    """The triggers a journal entry offers to tick: the plan's first, in its spelling, then
    the client's own earlier ones that are not already there. 2 queries."""

    choices = plan_tags(client)["triggers"]
    keys = {tag_key(tag) for tag in choices}
    for tag in trigger_suggestions(client=client):
        if tag_key(tag) not in keys:
            keys.add(tag_key(tag))
            choices.append(tag)
    return choices


def unrated_logs(client: User, limit: int = 3) -> list[TriggerLog]:
    """Recent "I'm triggered" moments the client has not yet said helped or not."""
    since = timezone.now() - timedelta(days=7)
    return _unrated(client_id=client.pk, since=since, limit=Fixed(limit))


@prepared
def _unrated(*, client_id: int, since: datetime, limit: int) -> QuerySet[TriggerLog]:
    return TriggerLog.objects.filter(
        client_id=client_id, helped="", created_at__gte=since
    ).order_by("-created_at")[:limit]


def triggers_of_client(client: User) -> list[PlanItem]:
    """The triggers of the client's plans in active care, in their order. 1 query."""
    return list(
        PlanItem.objects.filter(
            plan__client=client,
            plan__relationship__status=CareStatus.ACTIVE,
            section=Section.TRIGGERS,
        ).order_by("plan_id", "position", "id")
    )


def get_trigger_for_client(client: User, public_id) -> PlanItem:
    return get_object_or_404(
        PlanItem.objects.filter(
            plan__client=client,
            plan__relationship__status=CareStatus.ACTIVE,
            section=Section.TRIGGERS,
        ).select_related("plan"),
        public_id=_uuid(public_id),
    )
