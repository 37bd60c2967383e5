"""Reads on measures: what is due for a client today, a client's results with their bands
and reliable-change marks, and the latest result per client for the caseload."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import F, QuerySet, Window
from django.db.models.functions import FirstValue, RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.clock import local_midnight, local_today
from accounts.models import User
from accounts.prepared import prepared
from appointments.models import Appointment, Status

from . import instruments
from .models import MeasureAssignment, MeasureResponse


@dataclass(frozen=True)
class Due:
    assignment: MeasureAssignment
    period: int
    appointment: Appointment | None = None  # the session it is answered for, if any

    @property
    def definition(self) -> instruments.Instrument:
        return self.assignment.definition


@dataclass(frozen=True)
class Result:
    """One response with what it means: its band and its change against the baseline."""

    response: MeasureResponse
    baseline: int | None  # the first score on this measure in the relationship; None: this is it
    change: instruments.Change

    @property
    def definition(self) -> instruments.Instrument:
        return self.response.definition

    @property
    def band(self) -> instruments.Band:
        return self.response.band_info

    @property
    def change_label(self) -> str:
        return instruments.CHANGE_LABELS[self.change]

    @property
    def delta_text(self) -> str:
        """The difference from the baseline, signed ("+3", "-7", "0"); "" for the baseline."""
        if self.baseline is None:
            return ""
        return f"{self.response.score - self.baseline:+d}".replace("+0", "0")


@dataclass(frozen=True)
class Series:
    """A client's results on one measure, oldest first, with the bands a chart draws."""

    definition: instruments.Instrument
    results: list[Result]

    @property
    def latest(self) -> Result:
        return self.results[-1]


def get_assignment_for_user(user, public_id) -> MeasureAssignment:
    return get_object_or_404(
        MeasureAssignment.objects.visible_to(user).select_related("relationship", "client"),
        public_id=public_id,
    )


def get_response_for_user(user, public_id) -> MeasureResponse:
    return get_object_or_404(
        MeasureResponse.objects.visible_to(user).select_related(
            "assignment", "client", "appointment"
        ),
        public_id=public_id,
    )


def _sessions_ahead(assignments: list[MeasureAssignment], client: User, today: date, now):
    """Scheduled sessions still to come whose day (the client's) is within the longest
    `days_before` of today, per relationship, soonest first. One query."""
    if not assignments:
        return {}
    last_day = today + timedelta(days=max(a.days_before for a in assignments) + 1)
    sessions = Appointment.objects.filter(
        relationship_id__in={a.relationship_id for a in assignments},
        status=Status.SCHEDULED,
        starts_at__gt=now,
        starts_at__lt=local_midnight(last_day, client.zone),
    ).order_by("starts_at", "id")
    by_relationship: dict[int, list[Appointment]] = defaultdict(list)
    for session in sessions:
        by_relationship[session.relationship_id].append(session)
    return by_relationship


def _session_period(
    assignment: MeasureAssignment, sessions: list[Appointment], client: User, today: date
) -> tuple[int, Appointment] | None:
    """Before each session: the next session, if it is `days_before` days away or fewer
    (in the client's days); its id is the period, so each session is answered once."""
    if not sessions:
        return None
    session = sessions[0]
    if session.starts_at >= local_midnight(
        today + timedelta(days=assignment.days_before + 1), client.zone
    ):
        return None
    return session.pk, session


def period_due(
    assignment: MeasureAssignment, client: User, today: date | None = None, now=None
) -> tuple[int, Appointment | None] | None:
    """The period of the questionnaire due today (and the session it is for), or None."""
    today = today or local_today(client.timezone)
    if assignment.start_date > today:
        return None
    if not assignment.before_sessions:
        period = assignment.period_on(today)
        return None if period is None else (period, None)
    sessions = _sessions_ahead([assignment], client, today, now or timezone.now())
    return _session_period(assignment, sessions.get(assignment.relationship_id, []), client, today)


@prepared
def _started(*, client: User, today: date) -> QuerySet[MeasureAssignment]:
    return (
        MeasureAssignment.objects.visible_to(client)
        .active()
        .filter(start_date__lte=today)
        .order_by("start_date", "id")
    )


@prepared
def _answered(*, assignment_ids: list[int]) -> QuerySet:
    return MeasureResponse.objects.filter(assignment_id__in=assignment_ids).values_list(
        "assignment_id", "period"
    )


def due_for_client(client: User, today: date | None = None) -> list[Due]:
    """Questionnaires the client can answer today: active, started, and not yet answered for
    the current period (before each session: for the next session, from `days_before` days
    before it until it starts). Two queries, three with questionnaires before sessions."""
    today = today or local_today(client.timezone)
    assignments = _started(client=client, today=today)
    if not assignments:
        return []
    answered = set(_answered(assignment_ids=[a.pk for a in assignments]))
    sessions = _sessions_ahead(
        [a for a in assignments if a.before_sessions], client, today, timezone.now()
    )
    due = []
    for assignment in assignments:
        if assignment.before_sessions:
            found = _session_period(
                assignment, sessions.get(assignment.relationship_id, []), client, today
            )
        else:
            period = assignment.period_on(today)
            found = None if period is None else (period, None)
        if found is not None and (assignment.pk, found[0]) not in answered:
            due.append(Due(assignment, *found))
    return due


def get_due_for_client(client: User, public_id) -> Due | None:
    """The questionnaire if it is the client's and due today; None if answered or not due
    (404 when it is not theirs)."""
    assignment = get_assignment_for_user(client, public_id)
    return next((d for d in due_for_client(client) if d.assignment.pk == assignment.pk), None)


def _results(responses: Iterable[MeasureResponse]) -> list[Result]:
    """Marks for responses in time order: each against the first of its relationship."""
    baselines: dict[tuple[int, str], int] = {}
    results = []
    for response in responses:
        key = (response.assignment.relationship_id, response.instrument)
        baseline = baselines.get(key)
        results.append(
            Result(response, baseline, response.definition.change(baseline, response.score))
        )
        baselines.setdefault(key, response.score)
    return results


def results(*, viewer: User, client: User) -> list[Series]:
    """The client's results the viewer may see, one series per measure (in the order of the
    instruments), oldest first. One query."""
    responses = (
        MeasureResponse.objects.visible_to(viewer)
        .filter(client=client)
        .select_related("assignment", "client", "appointment")
        .order_by("submitted_at", "id")
    )
    by_instrument: dict[str, list[Result]] = defaultdict(list)
    for result in _results(responses):
        by_instrument[result.response.instrument].append(result)
    return [
        Series(definition, by_instrument[key])
        for key, definition in instruments.INSTRUMENTS.items()
        if by_instrument[key]
    ]


def scores(
    *, viewer: User, client: User, start: datetime, end: datetime
) -> dict[str, list[tuple[datetime, int]]]:
    """The client's scores submitted in [start, end) that the viewer may see, as (when,
    score) by instrument key, oldest first: what a chart of them draws. One query."""
    by_instrument: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for instrument, submitted_at, score in _scores(
        viewer=viewer, client_id=client.pk, start=start, end=end
    ):
        by_instrument[instrument].append((submitted_at, score))
    return by_instrument


@prepared
def _scores(*, viewer: User, client_id: int, start: datetime, end: datetime) -> QuerySet:
    return (
        MeasureResponse.objects.visible_to(viewer)
        .filter(client_id=client_id, submitted_at__gte=start, submitted_at__lt=end)
        .order_by("submitted_at", "id")
        .values_list("instrument", "submitted_at", "score")
    )


@dataclass(frozen=True)
class Latest:
    instrument: str
    score: int
    band: instruments.Band
    change: instruments.Change
    submitted_at: datetime

    @property
    def definition(self) -> instruments.Instrument:
        return instruments.get(self.instrument)

    @property
    def change_label(self) -> str:
        return instruments.CHANGE_LABELS[self.change]


@prepared
def _latest_rows(*, viewer: User, client_ids: list[int]) -> QuerySet:
    """`latest_results`' query."""
    return (
        MeasureResponse.objects.visible_to(viewer)
        .filter(client_id__in=client_ids)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("client_id"), F("instrument")],
                order_by=[F("submitted_at").desc(), F("id").desc()],
            ),
            baseline=Window(
                FirstValue("score"),
                partition_by=[F("client_id"), F("instrument"), F("assignment__relationship_id")],
                order_by=[F("submitted_at").asc(), F("id").asc()],
            ),
            first_id=Window(
                FirstValue("id"),
                partition_by=[F("client_id"), F("instrument"), F("assignment__relationship_id")],
                order_by=[F("submitted_at").asc(), F("id").asc()],
            ),
        )
        .filter(recency=1)
        .values_list(
            "client_id", "instrument", "score", "band", "submitted_at", "baseline", "id", "first_id"
        )
    )


def latest_results(client_ids: Iterable[int], *, viewer: User) -> dict[int, dict[str, Latest]]:
    """Per client id and instrument key, the latest result the viewer may see, with its band
    and its reliable-change mark against the baseline (the first result on that measure in
    the same relationship). One query, however many clients."""
    client_ids = list(client_ids)
    if not client_ids:
        return {}
    rows = _latest_rows(viewer=viewer, client_ids=client_ids)
    latest: dict[int, dict[str, Latest]] = defaultdict(dict)
    for client_id, key, score, band, submitted_at, baseline, pk, first_id in rows:
        definition = instruments.get(key)
        change = definition.change(None if pk == first_id else baseline, score)
        latest[client_id][key] = Latest(key, score, definition.band(band), change, submitted_at)
    return dict(latest)
