"""What counts as a client's activity, when they were last active, and when they are quiet.

One list of activity and one rule for "quiet", read by the caseload's flag, "Waiting for
you" and the therapist's reminder e-mail, so the three always agree."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.clock import local_day
from accounts.models import CareRelationship
from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework.models import Completion
from measures.models import MeasureResponse

QUIET_DAYS = 7  # whole local days with nothing done or logged

# Activity is anything the client did in the portal, shared or not: when they did it
# (ACTIVITY), and the day it was for (LOGGED: a check-off made late, or a log filled in
# after the day, still says the client was there that day). Each entry names the model,
# its column, and whether the column holds an instant ("at") or a local date ("day").
ACTIVITY = (
    (Completion, "completed_at", "at"),
    (JournalEntry, "created_at", "at"),
    (LifestyleLog, "created_at", "at"),
    (SocialActivity, "created_at", "at"),
    (MeasureResponse, "submitted_at", "at"),
)
LOGGED = (
    (Completion, "due_date", "day"),
    (JournalEntry, "occurred_at", "at"),
    (LifestyleLog, "day", "day"),
    (SocialActivity, "day", "day"),
)
MADE_NAMES = tuple(f"made_{i}" for i in range(len(ACTIVITY)))
LOGGED_NAMES = tuple(f"for_{i}" for i in range(len(LOGGED)))


def _latest(model, column: str, kind: str, client: str, bounded: bool) -> Subquery:
    rows = model.objects.filter(client=OuterRef(client))
    if bounded:
        # An instant before the outer `at`; a local date up to the outer `day`.
        lookup = "lte" if kind == "day" else "lt"
        rows = rows.filter(**{f"{column}__{lookup}": OuterRef(kind)})
    # The newest row through the (client, column) index, not a MAX over the whole history.
    return Subquery(
        rows.order_by(f"-{column}").values(column)[:1],
        output_field=model._meta.get_field(column),
    )


def last_activity_annotations(client: str, *, bounded: bool = False) -> dict[str, Subquery]:
    """Annotations for a query with the client's id in its `client` column: the latest
    moment of each kind of activity (MADE_NAMES) and the latest day logged for
    (LOGGED_NAMES). `bounded`: only up to the outer query's `at` and `day` columns."""
    return {
        **{
            name: _latest(*entry, client, bounded)
            for name, entry in zip(MADE_NAMES, ACTIVITY, strict=True)
        },
        **{
            name: _latest(*entry, client, bounded)
            for name, entry in zip(LOGGED_NAMES, LOGGED, strict=True)
        },
    }


def with_last_activity(queryset: QuerySet[CareRelationship]) -> QuerySet[CareRelationship]:
    """`queryset` with each relationship's client and the client's last activity (read
    with `LastActivity.read(vars(relationship), zone)`), in the same query."""
    return queryset.select_related("client").annotate(**last_activity_annotations("client_id"))


@dataclass(frozen=True)
class LastActivity:
    at: datetime | None  # when the client last did something
    logged_day: date | None  # the latest local day they logged something for

    @classmethod
    def read(cls, values: Mapping[str, Any], zone: ZoneInfo) -> "LastActivity":
        """From the values of `last_activity_annotations` (a row's dict, or `vars(obj)`)."""
        made = [values.get(name) for name in MADE_NAMES]
        logged = [values.get(name) for name in LOGGED_NAMES]
        days = [local_day(v, zone) if isinstance(v, datetime) else v for v in logged]
        return cls(
            at=max((m for m in made if m is not None), default=None),
            logged_day=max((d for d in days if d is not None), default=None),
        )

    def day(self, zone: ZoneInfo) -> date | None:
        """The latest local day the client did something or logged something for."""
        made = local_day(self.at, zone) if self.at else None
        return max((d for d in (made, self.logged_day) if d is not None), default=None)


def quiet_from(
    *, last_active_day: date | None, joined: datetime | None, at: datetime, zone: ZoneInfo
) -> date | None:
    """The local day a client's quiet counts from: their last active day or, with none,
    the day care began; None when care had not begun by `at`."""
    if last_active_day is not None:
        return last_active_day
    if joined is None or joined > at:
        return None
    return local_day(joined, zone)


def is_quiet(since: date | None, day: date) -> bool:
    """Nothing done or logged for QUIET_DAYS up to `day` (from `quiet_from`): a client who
    joined lately has time; one not yet in care by then had none."""
    return since is None or (day - since).days >= QUIET_DAYS
