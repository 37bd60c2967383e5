"""The pre-session brief: everything since the last session held (or the last four weeks),
on one page for the therapist, from what the client shares.

Every read goes through `visible_to(therapist)`: a private record never counts, not even as
a day without a mood. The number of queries does not grow with the length of the period or
the size of the caseload (tests/progress/test_brief.py pins it)."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, F, OuterRef, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from accounts.clock import local_day
from accounts.models import User
from appointments.models import Appointment, BringItem, Status
from careplans.models import Helped, TriggerLog
from clients.models import Feedback, JournalEntry, LifestyleLog, SocialActivity
from homework.models import Assignment, Completion
from homework.schedules import Frequency, iso_week_monday
from homework.selectors import assignments_with_pauses, log_bad_row
from measures import instruments
from measures.models import MeasureResponse
from safety.models import SafetyAlert, Source

from .series import AVERAGE_DAYS, daily_moods, one_decimal, trailing_average
from .summary import MoodDay, PlanChanges, _plan_changes

# Without a session held before this one, the brief covers this many days.
DEFAULT_DAYS = 28
# The mood strip shows at most this many days (the last ones of the period).
STRIP_DAYS = 28
EXCERPT = 80
HELPING = (Helped.YES, Helped.A_LITTLE)


@dataclass(frozen=True)
class Period:
    start: datetime  # the last session held began then; else four weeks before `end`
    end: datetime  # when the brief was read
    first: date  # the client's local days
    last: date
    since_session: datetime | None  # the start of the last session held, if any

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Bring:
    text: str
    source: str  # "" for a note, else the kind of record it came from
    source_label: str


@dataclass(frozen=True)
class HomeworkLine:
    assignment_id: str
    title: str
    status: str
    weekly: bool  # N a week: due per week, so no single day is missed
    done: int
    due: int
    missed: tuple[date, ...]  # due days before today with nothing done

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.due) if self.due else None


@dataclass(frozen=True)
class Mood:
    days: tuple[MoodDay, ...]  # the period's last STRIP_DAYS days, oldest first
    average: float | None  # of the days of the period with a mood
    days_with_mood: int
    last_7: float | None  # the mean of the daily moods of the last 7 days of the period
    trend: tuple[float | None, ...]  # the 7-day average ending on each day of `days`


@dataclass(frozen=True)
class StepHelped:
    step: str
    helped: int  # logs rated "yes" or "a little" in which this step was shown


@dataclass(frozen=True)
class TriggerLine:
    trigger: str
    logs: int
    rated: int
    steps: tuple[StepHelped, ...]


@dataclass(frozen=True)
class MeasureLine:
    instrument: str
    name: str
    score: int
    band: str
    submitted_at: datetime
    previous: int | None  # the result before it, in or before the period
    previous_at: datetime | None
    change: str  # instruments.Change, against the previous result
    change_label: str

    @property
    def delta_text(self) -> str:
        if self.previous is None:
            return ""
        return f"{self.score - self.previous:+d}".replace("+0", "0")


@dataclass(frozen=True)
class AlertLine:
    alert_id: str
    source: str
    source_label: str
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str
    note: str


@dataclass(frozen=True)
class Entry:
    kind: str  # journal, lifestyle or social
    record_id: str
    day: date
    text: str
    has_feedback: bool


@dataclass(frozen=True)
class Brief:
    appointment: Appointment
    client: User
    period: Period
    bring: tuple[Bring, ...]
    homework: tuple[HomeworkLine, ...]
    mood: Mood
    logged: tuple[tuple[str, int, str], ...]  # (kind, count, "2 journal entries"), none: out
    triggers: tuple[TriggerLine, ...]
    measures: tuple[MeasureLine, ...]
    alerts: tuple[AlertLine, ...]
    plan: PlanChanges | None
    entries: tuple[Entry, ...]  # newest first


def get_session_for_therapist(therapist: User, public_id) -> Appointment:
    """The therapist's own session, in an active relationship; anything else is a 404."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    appointment = (
        Appointment.objects.visible_to(therapist)
        .filter(public_id=public_id, therapist=therapist)
        .select_related("relationship", "client", "therapist")
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


def _period(appointment: Appointment, now: datetime) -> Period:
    zone = appointment.client.zone
    held = (
        Appointment.objects.filter(
            relationship_id=appointment.relationship_id,
            status=Status.HELD,
            starts_at__lt=min(appointment.starts_at, now),
        )
        .exclude(pk=appointment.pk)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    start = held or now - timedelta(days=DEFAULT_DAYS)
    return Period(
        start=start,
        end=now,
        first=local_day(start, zone),
        last=local_day(now, zone),
        since_session=held,
    )


def _bring(therapist: User, appointment: Appointment) -> tuple[Bring, ...]:
    labels = dict(BringItem.Source.choices)
    return tuple(
        Bring(item.text, item.source, labels.get(item.source, ""))
        for item in BringItem.objects.visible_to(therapist).filter(appointment=appointment)
    )


def _homework(
    therapist: User, client: User, period: Period
) -> tuple[tuple[HomeworkLine, ...], int]:
    """Done / due per homework over the period's days, and the check-offs in it. 3 queries."""
    assignments = list(
        assignments_with_pauses(
            Assignment.objects.visible_to(therapist)
            .filter(client=client, start_date__lte=period.last)
            .exclude(ended_at__lt=period.start)
        ).order_by("status", "title", "id")
    )
    done: dict[int, set[date]] = defaultdict(set)
    checked = 0
    for assignment_id, day in (
        Completion.objects.visible_to(therapist)
        .filter(client=client, due_date__range=(period.first, period.last))
        .values_list("assignment_id", "due_date")
    ):
        done[assignment_id].add(day)
        checked += 1
    lines = []
    for assignment in assignments:
        last = period.last
        if assignment.ended_at:
            last = min(last, local_day(assignment.ended_at, client.zone))
        try:
            lines.append(_homework_line(assignment, done[assignment.pk], period, last))
        except (ValueError, OverflowError):
            log_bad_row(assignment)
    return tuple(line for line in lines if line.due or line.done), checked


def _homework_line(
    assignment: Assignment, done_days: set[date], period: Period, last: date
) -> HomeworkLine:
    schedule = assignment.schedule()
    if assignment.frequency == Frequency.WEEKLY:
        mondays = []
        monday = iso_week_monday(period.first)
        while monday <= last:
            mondays.append(monday)
            monday += timedelta(weeks=1)
        due = sum(schedule.weekly_target(monday) for monday in mondays)
        done = len([d for d in done_days if d <= last])
        return HomeworkLine(
            str(assignment.public_id),
            assignment.title,
            assignment.status,
            True,
            min(done, due),
            due,
            (),
        )
    due_days = schedule.due_dates(period.first, last) if last >= period.first else []
    return HomeworkLine(
        str(assignment.public_id),
        assignment.title,
        assignment.status,
        False,
        sum(1 for d in due_days if d in done_days),
        len(due_days),
        tuple(d for d in due_days if d not in done_days and d < period.last),
    )


def _mood(therapist: User, client: User, period: Period) -> Mood:
    """One query: the daily moods from six days before the period on, for the averages."""
    moods = daily_moods(
        viewer=therapist,
        client=client,
        first=period.first - timedelta(days=AVERAGE_DAYS - 1),
        last=period.last,
    )
    in_period = [mood for day, mood in moods.items() if period.first <= day <= period.last]
    shown = min(period.days, STRIP_DAYS)
    days = [period.last - timedelta(days=i) for i in reversed(range(shown))]
    return Mood(
        days=tuple(MoodDay(day, one_decimal(moods.get(day))) for day in days),
        average=one_decimal(sum(in_period) / len(in_period)) if in_period else None,
        days_with_mood=len(in_period),
        last_7=one_decimal(trailing_average(moods, period.last)),
        trend=tuple(one_decimal(trailing_average(moods, day)) for day in days),
    )


def _entries(therapist: User, client: User, period: Period) -> tuple[Entry, ...]:
    """The shared journal entries, lifestyle logs and times with people of the period, with
    whether each has feedback. 3 queries."""
    entries = []
    feedback = Feedback.objects.filter
    for entry in (
        JournalEntry.objects.visible_to(therapist)
        .filter(client=client, occurred_at__gte=period.start, occurred_at__lte=period.end)
        .annotate(has_feedback=Exists(feedback(journal_entry=OuterRef("pk"))))
        .only("public_id", "occurred_at", "text", "mood")
    ):
        words = " ".join(entry.text.split())
        text = words[:EXCERPT] + ("…" if len(words) > EXCERPT else "")
        if entry.mood is not None:
            text = f"Mood {entry.mood}" + (f": {text}" if text else "")
        day = local_day(entry.occurred_at, client.zone)
        entries.append(Entry("journal", str(entry.public_id), day, text, entry.has_feedback))
    for log in (
        LifestyleLog.objects.visible_to(therapist)
        .filter(client=client, day__range=(period.first, period.last))
        .annotate(has_feedback=Exists(feedback(lifestyle_log=OuterRef("pk"))))
    ):
        parts = []
        if log.sleep_hours is not None:
            parts.append(f"slept {float(log.sleep_hours):g} h")
        if log.exercise_minutes:
            parts.append(f"moved {log.exercise_minutes} min")
        text = ", ".join(parts).capitalize() or "Lifestyle log"
        entries.append(Entry("lifestyle", str(log.public_id), log.day, text, log.has_feedback))
    for social in (
        SocialActivity.objects.visible_to(therapist)
        .filter(client=client, day__range=(period.first, period.last))
        .annotate(has_feedback=Exists(feedback(social_activity=OuterRef("pk"))))
    ):
        minutes = f", {social.minutes} min" if social.minutes else ""
        text = f"{social.get_mode_display()}{minutes}"
        entries.append(
            Entry("social", str(social.public_id), social.day, text, social.has_feedback)
        )
    entries.sort(key=lambda e: (e.day, e.kind), reverse=True)
    return tuple(entries)


def _triggers(therapist: User, relationship_id: int, period: Period) -> tuple[TriggerLine, ...]:
    """Each trigger logged in the period (from shared entries), and which of its steps were
    shown in a moment the client said helped. 1 query."""
    groups: dict[str, list] = defaultdict(list)
    for log in (
        TriggerLog.objects.visible_to(therapist)
        .filter(
            plan__relationship_id=relationship_id,
            created_at__gte=period.start,
            created_at__lte=period.end,
        )
        .select_related("item")
        .order_by("created_at", "id")
    ):
        name = (log.item.text if log.item else "") or log.trigger or "Something else"
        groups[name].append(log)
    lines = []
    for name, logs in groups.items():
        helped: dict[str, int] = {}
        for log in logs:
            for step in log.steps or []:
                helped.setdefault(step, 0)
                if log.helped in HELPING:
                    helped[step] += 1
        lines.append(
            TriggerLine(
                trigger=name,
                logs=len(logs),
                rated=sum(1 for log in logs if log.helped),
                steps=tuple(StepHelped(step, n) for step, n in helped.items()),
            )
        )
    lines.sort(key=lambda line: (-line.logs, line.trigger))
    return tuple(lines)


def _measures(therapist: User, client: User, period: Period) -> tuple[MeasureLine, ...]:
    """Per measure answered in the period: the latest result and the one before it (in or
    before the period), with its band and reliable change against that one. 1 query."""
    rows = (
        MeasureResponse.objects.visible_to(therapist)
        .filter(client=client, submitted_at__lte=period.end)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("instrument")],
                order_by=[F("submitted_at").desc(), F("id").desc()],
            )
        )
        .filter(recency__lte=2)
        .values_list("instrument", "recency", "score", "band", "submitted_at")
    )
    by_instrument: dict[str, dict[int, tuple]] = defaultdict(dict)
    for key, recency, score, band, submitted_at in rows:
        by_instrument[key][recency] = (score, band, submitted_at)
    lines = []
    for key, definition in instruments.INSTRUMENTS.items():
        pair = by_instrument.get(key, {})
        if 1 not in pair or pair[1][2] < period.start:
            continue
        score, band, submitted_at = pair[1]
        previous, _band, previous_at = pair.get(2, (None, None, None))
        change = definition.change(previous, score)
        lines.append(
            MeasureLine(
                instrument=key,
                name=definition.name,
                score=score,
                band=definition.band(band).label,
                submitted_at=submitted_at,
                previous=previous,
                previous_at=previous_at,
                change=str(change),
                change_label=instruments.CHANGE_LABELS[change],
            )
        )
    return tuple(lines)


def _alerts(therapist: User, relationship_id: int, period: Period) -> tuple[AlertLine, ...]:
    return tuple(
        AlertLine(
            alert_id=str(alert.public_id),
            source=alert.source,
            source_label=Source(alert.source).label,
            raised_at=alert.raised_at,
            acknowledged_at=alert.acknowledged_at,
            acknowledged_by=str(alert.acknowledged_by) if alert.acknowledged_by else "",
            note=alert.note,
        )
        for alert in SafetyAlert.objects.visible_to(therapist)
        .filter(relationship_id=relationship_id, raised_at__gte=period.start)
        .filter(raised_at__lte=period.end)
        .select_related("acknowledged_by")
        .order_by("raised_at", "id")
    )


LOGGED_LABELS = {
    "journal": ("journal entry", "journal entries"),
    "lifestyle": ("lifestyle log", "lifestyle logs"),
    "social": ("time with people", "times with people"),
    "trigger": ('"I\'m triggered" moment', '"I\'m triggered" moments'),
    "homework": ("homework check-off", "homework check-offs"),
}


def session_brief(*, therapist: User, appointment: Appointment, now: datetime) -> Brief:
    """The brief for `appointment` (the therapist's own) as read at `now`. 13 queries (and
    the policy's MFA look-up, memoised per request), whatever the period or the caseload."""
    client = appointment.client
    relationship_id = appointment.relationship_id
    period = _period(appointment, now)
    homework, checked = _homework(therapist, client, period)
    entries = _entries(therapist, client, period)
    triggers = _triggers(therapist, relationship_id, period)
    counts = {
        kind: sum(1 for entry in entries if entry.kind == kind)
        for kind in ("journal", "lifestyle", "social")
    }
    counts["trigger"] = sum(line.logs for line in triggers)
    counts["homework"] = checked
    return Brief(
        appointment=appointment,
        client=client,
        period=period,
        bring=_bring(therapist, appointment),
        homework=homework,
        mood=_mood(therapist, client, period),
        logged=tuple(
            (kind, n, f"{n} {LOGGED_LABELS[kind][n != 1]}") for kind, n in counts.items() if n
        ),
        triggers=triggers,
        measures=_measures(therapist, client, period),
        alerts=_alerts(therapist, relationship_id, period),
        plan=_plan_changes(therapist, appointment.relationship),
        entries=entries,
    )
