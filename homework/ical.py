"""A client's homework as a private iCalendar feed (RFC 5545), behind a signed, revocable URL.

Written by hand: the feed is a handful of all-day recurring events, and the few rules that
matter (CRLF, folding at 75 octets, text escaping) are easier to test than a dependency.

What a feed may show: when homework is due and when sessions are, and — only if the client
chose it — titles and instructions, the therapist's name in a session's title and where it
takes place. Never the client's name, notes, recaps or scores: the URL is a bearer credential
that ends up in calendar apps and the people and services they sync with.

The therapist's feed of their sessions (`appointments.feeds`) is written by the same hand:
`render_sessions_calendar`.
"""

import logging
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.models import User
from appointments.models import Appointment
from appointments.portal import MODE_WORDS

from .models import Assignment, AssignmentStatus, CalendarFeed
from .schedules import Frequency

logger = logging.getLogger(__name__)

CALENDAR_SALT = "tandem.homework.calendar"
PRODID = "-//Tandem//Homework//EN"
CALENDAR_NAME = "Tandem homework"
GENERIC_SUMMARY = "Homework — Tandem"
GENERIC_DESCRIPTION = "Open Tandem to see today's homework."
# Paused dates are listed one by one, so the list needs an end: a year past today (or past
# the first occurrence, if later) keeps any pause a subscriber will look at.
EXDATE_HORIZON = timedelta(days=366)
LINE_OCTETS = 75
SESSION_SUMMARY = "Session"
SESSION_DESCRIPTION = "Open Tandem to see this session."
SESSIONS_CALENDAR_NAME = "Tandem sessions"

# Control characters are not allowed in TEXT values (RFC 5545 §3.3.11), except HTAB.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# --- Tokens ----------------------------------------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=CALENDAR_SALT)


def feed_token(feed: CalendarFeed) -> str:
    """The signed key. No timestamp (unlike `signing.dumps`): the link stays the same each
    time the page shows it, and calendar apps poll it for years. Revoking changes the key."""
    return _signer().sign_object(str(feed.key))


def feed_from_token(token: str) -> CalendarFeed | None:
    """The feed this token opens; None when it is forged, mangled or revoked."""
    try:
        key = uuid.UUID(_signer().unsign_object(token))
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        return None
    return (
        CalendarFeed.objects.select_related("client")
        .filter(key=key, client__is_active=True)
        .first()
    )


def feed_for_client(client: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(client=client).first()


def feed_url(feed: CalendarFeed) -> str:
    return settings.SITE_URL + reverse("calendar_feed", kwargs={"token": feed_token(feed)})


# --- Rendering -------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return _CONTROL.sub("", value)


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets (RFC 5545 §3.1), never inside
    a UTF-8 sequence; continuation lines start with a space, which counts."""
    lines: list[str] = []
    current, size = "", 0
    for char in line:
        octets = len(char.encode())
        if size + octets > LINE_OCTETS:
            lines.append(current)
            current, size = " ", 1
        current += char
        size += octets
    lines.append(current)
    return "\r\n".join(lines)


def _date(day: date) -> str:
    return f"{day:%Y%m%d}"


def _event(assignment: Assignment, *, show_titles: bool, stamp: str, today: date) -> list[str]:
    """The VEVENT lines of one assignment; [] when nothing will ever be due."""
    schedule = assignment.schedule()
    first = schedule.first_occurrence()
    if first is None:
        return []
    once = assignment.frequency == Frequency.ONCE
    exdates = schedule.exdates(first, max(first, today) + EXDATE_HORIZON)
    if once and exdates:
        return []  # its only day falls in a pause: nothing is due
    if show_titles:
        summary = f"{assignment.title} — Tandem"
        description = assignment.instructions.strip() or GENERIC_DESCRIPTION
    else:
        summary, description = GENERIC_SUMMARY, GENERIC_DESCRIPTION
    lines = [
        "BEGIN:VEVENT",
        f"UID:{assignment.public_id}@tandem",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_date(first)}",
        f"DTEND;VALUE=DATE:{_date(first + timedelta(days=1))}",
    ]
    if not once:
        lines.append(schedule.to_rfc5545())
        if exdates:
            lines.append("EXDATE;VALUE=DATE:" + ",".join(_date(day) for day in exdates))
    lines += [
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{settings.SITE_URL}/client/",
        "TRANSP:TRANSPARENT",  # homework does not make the client look busy
        "END:VEVENT",
    ]
    return lines


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def session_event(
    appointment: Appointment, *, summary: str, details: bool, stamp: str, url: str
) -> list[str]:
    """The VEVENT lines of one session, its start and end in UTC. `details` adds how and where
    it takes place (only where the feed's owner chose titles)."""
    lines = [
        "BEGIN:VEVENT",
        f"UID:session-{appointment.public_id}@tandem",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{_utc(appointment.starts_at)}",
        f"DTEND:{_utc(appointment.ends_at)}",
        f"LAST-MODIFIED:{_utc(appointment.updated_at)}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if details:
        how = MODE_WORDS.get(appointment.mode, appointment.mode)
        description = f"{how.capitalize()}, {appointment.minutes} minutes."
        if appointment.location:
            lines.append(f"LOCATION:{escape_text(appointment.location)}")
    else:
        description = SESSION_DESCRIPTION
    lines += [
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{url}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",  # a session makes its people busy
        "END:VEVENT",
    ]
    return lines


def _calendar_head(name: str) -> list[str]:
    return [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]


def _stamp(now: datetime) -> str:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime.")
    return _utc(now)


def _content(lines: list[str]) -> str:
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def render_calendar(
    *,
    assignments: Iterable[Assignment],
    show_titles: bool,
    now: datetime,
    sessions: Iterable[Appointment] = (),
) -> str:
    """A VCALENDAR with one all-day recurring VEVENT per current assignment, and one VEVENT
    per session (`sessions`: cancelled ones left out by the caller).

    `assignments` should come with their pauses prefetched (`assignments_with_pauses`);
    ended ones are skipped. `now` (aware) is the DTSTAMP and anchors the EXDATE horizon.
    A session is "Session" unless the client chose titles: then "Session with <therapist>",
    with how and where.
    """
    stamp = _stamp(now)
    now = now.astimezone(UTC)
    lines = _calendar_head(CALENDAR_NAME)
    for assignment in assignments:
        if assignment.status == AssignmentStatus.ENDED:
            continue
        try:
            lines += _event(assignment, show_titles=show_titles, stamp=stamp, today=now.date())
        except (ValueError, OverflowError):
            # A row with an invalid schedule or dates near the calendar's end (year 9999)
            # is left out, so that one bad row never breaks the whole feed.
            logger.exception("assignment %s left out of the calendar feed", assignment.pk)
    for appointment in sessions:
        summary = f"Session with {appointment.therapist}" if show_titles else SESSION_SUMMARY
        lines += session_event(
            appointment,
            summary=summary,
            details=show_titles,
            stamp=stamp,
            url=f"{settings.SITE_URL}/client/",
        )
    return _content(lines)


def render_sessions_calendar(
    *, sessions: Iterable[Appointment], show_titles: bool, now: datetime
) -> str:
    """The therapist's feed: one VEVENT per session, "Session" unless the therapist chose
    "Session with <client>" (with how and where)."""
    stamp = _stamp(now)
    lines = _calendar_head(SESSIONS_CALENDAR_NAME)
    for appointment in sessions:
        summary = f"Session with {appointment.client}" if show_titles else SESSION_SUMMARY
        lines += session_event(
            appointment,
            summary=summary,
            details=show_titles,
            stamp=stamp,
            url=f"{settings.SITE_URL}/therapist/",
        )
    return _content(lines)
