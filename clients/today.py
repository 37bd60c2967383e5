"""The client's Today page, grouped for a gentle read: what is open now (today, any day this
week, once by a date), what is done, and past days not logged yet, one group per homework."""

from dataclasses import dataclass, field
from datetime import date

from accounts.models import User
from homework import selectors
from homework.models import Assignment, Completion
from homework.schedules import Frequency

from .selectors import RECORD_KIND_LABELS, UnreadReply


@dataclass
class Item:
    """One thing the client can do (or did) today."""

    assignment: Assignment
    due_date: date
    when: str  # "Today", "Any day this week", "Due by Thu 3 Dec"
    reader: str = ""  # who will read the note
    completion: Completion | None = None
    done: int | None = None  # N-times-a-week progress
    target: int | None = None

    @property
    def kind(self) -> str:
        return self.assignment.frequency


@dataclass
class Backlog:
    """Past days of one homework not logged yet, oldest first."""

    assignment: Assignment
    days: list[date]
    reader: str = ""


@dataclass
class TodayPage:
    today: date
    has_homework: bool
    open: list[Item] = field(default_factory=list)
    done: list[Item] = field(default_factory=list)
    backlog: list[Backlog] = field(default_factory=list)
    weekly: list[selectors.WeeklyProgress] = field(default_factory=list)

    @property
    def backlog_days(self) -> int:
        return sum(len(group.days) for group in self.backlog)


def _due_by(day: date) -> str:
    return f"Due by {day:%a} {day.day} {day:%b}"


def today_page(*, client: User, readers: dict[int, str], today: date | None = None) -> TodayPage:
    """`readers` maps a care relationship's id to the name of the therapist who reads notes."""
    summary, assignments, completions = selectors.client_today_page(client=client, today=today)
    today = summary.today
    page = TodayPage(today=today, has_homework=bool(assignments), weekly=summary.weekly)

    def reader(assignment: Assignment) -> str:
        return readers.get(assignment.relationship_id, "")

    for occurrence in summary.due:
        page.open.append(Item(occurrence.assignment, today, "Today", reader(occurrence.assignment)))
    for occurrence in summary.done:
        page.done.append(
            Item(
                occurrence.assignment,
                today,
                "Today",
                reader(occurrence.assignment),
                completion=occurrence.completion,
            )
        )
    for progress in summary.weekly:
        item = Item(
            progress.assignment,
            today,
            "Any day this week",
            reader(progress.assignment),
            completion=progress.done_today,
            done=progress.done,
            target=progress.target,
        )
        if progress.done_today or progress.done >= progress.target:
            page.done.append(item)
        else:
            page.open.append(item)
    # Once by a date: open from its start date, so it can be done early.
    for assignment in assignments:
        if assignment.frequency != Frequency.ONCE or assignment.due_date is None:
            continue
        due = assignment.due_date
        if not (assignment.start_date <= today < due):
            continue
        if assignment.schedule().is_paused_on(today):
            continue
        completion = completions.get(assignment.pk, {}).get(due)
        item = Item(assignment, due, _due_by(due), reader(assignment), completion=completion)
        (page.done if completion else page.open).append(item)
    # Due today first, then by date, then by title: what can wait, waits at the bottom.
    page.open.sort(key=lambda i: (i.due_date != today, i.due_date, i.assignment.title.lower()))
    for occurrence in summary.overdue:
        if page.backlog and page.backlog[-1].assignment.pk == occurrence.assignment.pk:
            page.backlog[-1].days.append(occurrence.due_date)
            continue
        found = next((g for g in page.backlog if g.assignment.pk == occurrence.assignment.pk), None)
        if found:
            found.days.append(occurrence.due_date)
        else:
            page.backlog.append(
                Backlog(occurrence.assignment, [occurrence.due_date], reader(occurrence.assignment))
            )
    for group in page.backlog:
        group.days.sort()
    page.backlog.sort(key=lambda g: g.assignment.title.lower())
    return page


@dataclass
class RepliedRecord:
    """A record of the client's with replies they have not opened yet."""

    kind: str
    label: str  # "Journal entry"
    record_id: object
    day: date
    authors: list[str]


@dataclass
class NewReplies:
    """Today's "New from …" card: each record with unread replies, newest reply first."""

    records: list[RepliedRecord]
    authors: list[str]  # everyone who wrote them, in order of their newest reply

    @property
    def heading(self) -> str:
        return "New from " + " and ".join(self.authors)


def new_replies(replies: list[UnreadReply]) -> NewReplies:
    """`replies` (newest first) grouped by record."""
    records: dict[object, RepliedRecord] = {}
    authors: list[str] = []
    for reply in replies:
        if reply.author_name not in authors:
            authors.append(reply.author_name)
        found = records.get(reply.record_id)
        if found is None:
            records[reply.record_id] = RepliedRecord(
                kind=reply.record_kind,
                label=RECORD_KIND_LABELS[reply.record_kind],
                record_id=reply.record_id,
                day=reply.record_day,
                authors=[reply.author_name],
            )
        elif reply.author_name not in found.authors:
            found.authors.append(reply.author_name)
    return NewReplies(records=list(records.values()), authors=authors)


def week_page(*, client: User, readers: dict[int, str]):
    """This week day by day, each day with how much of it is done and who reads the notes."""
    days, summary = selectors.week_days_and_today(client=client)
    for day in days:
        day.done_count = sum(1 for o in day.occurrences if o.completion)
        for occurrence in day.occurrences:
            occurrence.reader = readers.get(occurrence.assignment.relationship_id, "")
    return days, summary
