"""What the Progress pages and the API show: the series, its charts and the insights."""

from dataclasses import dataclass
from datetime import date, datetime

from accounts.clock import local_days_bounds
from accounts.models import Role, User
from measures import instruments
from measures import selectors as measure_selectors

from .charts import Planned, planned_charts, planned_score_chart
from .insights import Insight, activity_parts, what_helps
from .series import (
    DEFAULT_RANGE,
    ProgressSeries,
    kept_parts,
    range_dates,
    series_of,
    series_parts,
)


@dataclass(frozen=True)
class Progress:
    series: ProgressSeries
    charts: list[Planned]
    insights: list[Insight]
    measure_charts: list[Planned]


def client_progress(
    *, viewer: User, client: User, range_key: str = DEFAULT_RANGE, today: date | None = None
) -> Progress:
    """Everything on a Progress page, as the viewer may see it. 8 queries whatever the
    length of the history (6 for the series, 1 for the insights, 1 for the measures) when
    nothing is kept; after a write, only those of the parts of its kind. Every part is read
    from the page cache at once."""
    first, last = range_dates(client, range_key, today)
    start, end = local_days_bounds(first, last, client.zone)
    parts = kept_parts(
        "progress",
        {
            **series_parts(viewer=viewer, client=client, first=first, last=last),
            **activity_parts(viewer=viewer, client=client, first=first, last=last),
            **score_parts(viewer=viewer, client=client, start=start, end=end),
        },
        viewer=viewer,
        client=client,
        bounds=(first, last),
    )
    series = series_of(client, range_key, first, last, parts)
    return Progress(
        series=series,
        charts=planned_charts(series),
        insights=what_helps(viewer=viewer, series=series, activity=parts["activity"]),
        measure_charts=measure_charts(
            viewer=viewer, client=client, series=series, scores=parts["scores"]
        ),
    )


def measure_charts(
    *, viewer: User, client: User, series: ProgressSeries, scores: dict
) -> list[Planned]:
    """One chart per questionnaire answered in the range, with its band boundaries, from
    its `scores` (`score_parts`). The client reads the plain band names; the therapist the
    published ones."""
    charts = []
    plain = viewer.role == Role.CLIENT
    zone = client.zone
    for key, definition in instruments.INSTRUMENTS.items():
        points = [(at.astimezone(zone).date(), score) for at, score in scores.get(key, ())]
        if not points:
            continue
        charts.append(
            planned_score_chart(
                points,
                [(b.low, b.client_label if plain else b.label) for b in definition.bands],
                title=f"{definition.name} score",
                y_range=(0, definition.score_max),
                key=f"measure-{definition.key}",
                y_title=f"{definition.name} (0 to {definition.score_max})",
            )
        )
    return charts


def score_parts(*, viewer: User, client: User, start: datetime, end: datetime) -> dict:
    """The scores of [start, end) as a part kept by the kind of data they are read from."""

    def scores() -> dict[str, list[tuple[datetime, int]]]:
        return dict(measure_selectors.scores(viewer=viewer, client=client, start=start, end=end))

    return {"scores": (("measures",), scores)}
