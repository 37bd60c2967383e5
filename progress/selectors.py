"""What the Progress pages and the API show: the series, its charts and the insights."""

from dataclasses import dataclass
from datetime import date

from accounts.models import User

from .charts import Chart, progress_charts
from .insights import Insight, what_helps
from .series import DEFAULT_RANGE, ProgressSeries, progress_series


@dataclass(frozen=True)
class Progress:
    series: ProgressSeries
    charts: list[Chart]
    insights: list[Insight]


def client_progress(
    *, viewer: User, client: User, range_key: str = DEFAULT_RANGE, today: date | None = None
) -> Progress:
    """Everything on a Progress page, as the viewer may see it. 7 queries whatever the
    length of the history (6 for the series, 1 for the insights)."""
    series = progress_series(viewer=viewer, client=client, range_key=range_key, today=today)
    return Progress(
        series=series,
        charts=progress_charts(series),
        insights=what_helps(viewer=viewer, series=series),
    )
