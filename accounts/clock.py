"""Time at the ground floor: a person's zone, their local day, and a local day's bounds.

Every app reads "today" and "midnight" for a person through these few functions, so a day
means the same thing on Today, in the caseload, the e-mails and the charts.
"""

import math
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

# Entries of the tz database that name no place: "localtime" is the server's own zone and
# "Factory" a placeholder ("-00"); "posixrules" appears on some systems.
NOT_IANA_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@cache
def iana_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - NOT_IANA_ZONES)


def zone_name(name: str) -> str:
    """`name` if it is a known IANA zone, else "UTC" (a name saved before validation was strict)."""
    return name if name in iana_timezones() else "UTC"


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone called `name`; an unknown name reads as UTC."""
    return zoneinfo.ZoneInfo(zone_name(name))


def require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"`{name}` must be an aware datetime.")


def local_today(tz_name: str, now: datetime | None = None) -> date:
    """The local date in zone `tz_name` at `now` (aware; default: the current time)."""
    if now is None:
        now = datetime.now(UTC)
    require_aware(now, "now")
    return now.astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def local_day(moment: datetime, tz: zoneinfo.ZoneInfo) -> date:
    """The local date of the aware instant `moment` in `tz`."""
    return moment.astimezone(tz).date()


def local_midnight(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    """The instant (aware, UTC) at which local date `day` begins in `tz`."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def local_days_bounds(first: date, last: date, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) as aware UTC instants."""
    return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)


def local_time_to_utc(day: date, at: time, tz_name: str) -> datetime:
    """The UTC instant of the wall-clock time `at` (naive) on local date `day`.

    A time that does not exist (the gap when clocks spring forward) moves to the first valid
    time after the gap, e.g. 02:30 on 2026-03-08 in New York -> 03:00 EDT = 07:00 UTC. A time
    that happens twice (clocks fall back) means its first occurrence, e.g. 01:30 on
    2026-11-01 in New York -> 01:30 EDT = 05:30 UTC.
    """
    if at.tzinfo is not None:
        raise ValueError("`at` must be a naive wall-clock time.")
    tz = zoneinfo.ZoneInfo(tz_name)
    wall = datetime.combine(day, at.replace(fold=0))
    # fold=0 picks the first occurrence of a repeated time; in a gap it applies the offset
    # from before the transition, which lands after the gap — the round trip tells.
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    return _gap_end(wall, tz)


def _gap_end(wall: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant at which the clocks jumped over the non-existent naive `wall`."""
    # With fold=1 a gap time gets the offset from after the transition, so the transition
    # lies in (wall - offset after, wall - offset before]. Search it to the second.
    lo = math.floor(wall.replace(tzinfo=tz, fold=1).timestamp())  # still before the transition
    hi = math.floor(wall.replace(tzinfo=tz, fold=0).timestamp()) + 1  # past it
    before = datetime.fromtimestamp(lo, tz).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)
