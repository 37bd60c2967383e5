"""homework.ical: the calendar feed's tokens and its RFC 5545 text."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.rrule import rrulestr
from django.conf import settings
from django.core import signing

from accounts.clock import local_today
from homework import ical, services
from homework import services as homework_services
from homework.models import Assignment, AssignmentStatus, CalendarFeed, Kind
from homework.selectors import assignments_with_pauses
from tests.factories import AssignmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("steady_day")]

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
MONDAY = date(2026, 3, 2)


# --- A tiny parser: enough RFC 5545 to read back what we write --------------------------


def physical_lines(text: str) -> list[str]:
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # no bare LF or CR anywhere
    return text.split("\r\n")[:-1]


def unfold(text: str) -> list[str]:
    lines: list[str] = []
    for line in physical_lines(text):
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars)
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(char)
    return "".join(out)


def parse(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """(calendar properties, events); each maps "NAME;PARAMS" to the raw value."""
    calendar: dict[str, str] = {}
    events: list[dict[str, str]] = []
    current = calendar
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    for line in lines[1:-1]:
        if line == "BEGIN:VEVENT":
            current = {}
            events.append(current)
        elif line == "END:VEVENT":
            current = calendar
        else:
            name, value = line.split(":", 1)
            assert name not in current, f"{name} twice"
            current[name] = value
    return calendar, events


def ymd(value: str) -> date:
    return datetime.strptime(value, "%Y%m%d").date()


def occurrences(event: dict[str, str], first: date, last: date) -> list[date]:
    """The dates an RFC 5545 reader would show in first..last, EXDATEs taken out."""
    start = datetime.combine(ymd(event["DTSTART;VALUE=DATE"]), time())
    if "RRULE" in event:
        rule = rrulestr("RRULE:" + event["RRULE"], dtstart=start)
        days = [
            m.date()
            for m in rule.between(*(datetime.combine(d, time()) for d in (first, last)), inc=True)
        ]
    else:
        days = [start.date()] if first <= start.date() <= last else []
    excluded = {ymd(v) for v in event.get("EXDATE;VALUE=DATE", "").split(",") if v}
    return [day for day in days if day not in excluded]


# --- Fixtures ---------------------------------------------------------------------------


@pytest.fixture
def assign(personas):
    def assign(**fields) -> Assignment:
        fields = {"kind": Kind.LIFESTYLE, "title": "Walk", "start_date": MONDAY, **fields}
        return AssignmentFactory(relationship=personas.relationship_a, **fields)

    return assign


def fresh(*assignments: Assignment) -> list[Assignment]:
    """Reloaded with pauses, the way the feed reads them."""
    ids = [a.pk for a in assignments]
    by_id = {a.pk: a for a in assignments_with_pauses(Assignment.objects.filter(pk__in=ids))}
    return [by_id[pk] for pk in ids]


def render(*assignments: Assignment, show_titles: bool = False) -> str:
    return ical.render_calendar(assignments=fresh(*assignments), show_titles=show_titles, now=NOW)


def only_event(text: str) -> dict[str, str]:
    _calendar, events = parse(text)
    assert len(events) == 1
    return events[0]


# --- The calendar -------------------------------------------------------------------------


def test_it_renders_a_calendar_with_the_required_properties(assign):
    text = render(assign(frequency="daily"))
    calendar, events = parse(text)
    assert calendar == {
        "VERSION": "2.0",
        "PRODID": "-//Tandem//Homework//EN",
        "CALSCALE": "GREGORIAN",
        "METHOD": "PUBLISH",
        "X-WR-CALNAME": "Tandem homework",
    }
    assert len(events) == 1


def test_it_renders_an_empty_calendar_without_assignments():
    calendar, events = parse(ical.render_calendar(assignments=[], show_titles=False, now=NOW))
    assert events == []
    assert calendar["VERSION"] == "2.0"


def test_each_event_has_uid_stamp_and_an_all_day_start(assign):
    assignment = assign(frequency="daily")
    event = only_event(render(assignment))
    assert event["UID"] == f"{assignment.public_id}@tandem"
    assert event["DTSTAMP"] == "20260301T110000Z"  # 12:00 in Paris, in UTC
    assert event["DTSTART;VALUE=DATE"] == "20260302"
    assert event["DTEND;VALUE=DATE"] == "20260303"
    assert event["URL"] == f"{settings.SITE_URL}/client/"


def test_it_refuses_a_naive_now(assign):
    with pytest.raises(ValueError, match="aware"):
        ical.render_calendar(assignments=[], show_titles=False, now=datetime(2026, 3, 1))


def test_a_daily_assignment_recurs_every_day_until_its_end(assign):
    assignment = assign(frequency="daily", end_date=date(2026, 6, 30))
    event = only_event(render(assignment))
    assert event["RRULE"] == "FREQ=DAILY;UNTIL=20260630"
    assert "EXDATE;VALUE=DATE" not in event


def test_a_weekdays_assignment_starts_on_the_first_chosen_day(assign):
    # Start on a Monday, due on Wednesdays and Fridays: the first occurrence is Wednesday.
    event = only_event(render(assign(frequency="weekdays", weekdays=[4, 2])))
    assert event["DTSTART;VALUE=DATE"] == "20260304"
    assert event["RRULE"] == "FREQ=WEEKLY;BYDAY=WE,FR"


def test_n_times_a_week_is_a_weekly_nudge_on_the_start_weekday(assign):
    event = only_event(
        render(assign(frequency="weekly", times_per_week=3, start_date=date(2026, 3, 5)))
    )
    assert event["DTSTART;VALUE=DATE"] == "20260305"
    assert event["RRULE"] == "FREQ=WEEKLY;BYDAY=TH"


def test_a_one_off_is_a_single_event_on_its_due_date(assign):
    event = only_event(render(assign(frequency="once", due_date=date(2026, 3, 20))))
    assert event["DTSTART;VALUE=DATE"] == "20260320"
    assert event["DTEND;VALUE=DATE"] == "20260321"
    assert "RRULE" not in event
    assert "EXDATE;VALUE=DATE" not in event


def test_ended_assignments_are_left_out(assign):
    kept = assign(frequency="daily", title="Kept")
    ended = assign(frequency="daily", title="Ended")
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        services.assignment_end(assignment=ended)
    _calendar, events = parse(render(kept, ended))
    assert [e["UID"] for e in events] == [f"{kept.public_id}@tandem"]


def test_an_assignment_that_is_never_due_has_no_event(assign):
    # Monday to Thursday, due on Fridays only.
    never = assign(frequency="weekdays", weekdays=[4], end_date=date(2026, 3, 5))
    _calendar, events = parse(render(never))
    assert events == []


def test_a_past_pause_becomes_exdates(assign):
    assignment = assign(frequency="daily")
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        services.assignment_pause(assignment=assignment)
    with time_machine.travel(datetime(2026, 3, 13, 12, tzinfo=UTC), tick=False):
        services.assignment_resume(assignment=assignment)
    event = only_event(render(assignment))
    # Paused on the 10th, resumed on the 13th: nothing due on the 10th, 11th and 12th.
    assert event["EXDATE;VALUE=DATE"] == "20260310,20260311,20260312"


def test_an_open_pause_excludes_every_date_for_a_year_ahead(assign):
    assignment = assign(frequency="weekdays", weekdays=[0])
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        services.assignment_pause(assignment=assignment)
    [assignment] = fresh(assignment)
    assert assignment.status == AssignmentStatus.PAUSED
    event = only_event(render(assignment))
    shown = occurrences(event, MONDAY, NOW.date() + timedelta(days=366))
    assert shown == [MONDAY, date(2026, 3, 9)]  # the two Mondays before the pause


def test_a_one_off_due_in_a_pause_has_no_event(assign):
    assignment = assign(frequency="once", due_date=date(2026, 3, 12))
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        services.assignment_pause(assignment=assignment)
    _calendar, events = parse(render(assignment))
    assert events == []


@pytest.mark.parametrize(
    "fields",
    [
        {"frequency": "daily"},
        {"frequency": "daily", "end_date": date(2026, 4, 15)},
        {"frequency": "weekdays", "weekdays": [0, 3, 6]},
        {"frequency": "weekdays", "weekdays": [5], "end_date": date(2026, 5, 2)},
    ],
    ids=["daily", "daily-until", "weekdays", "weekdays-until"],
)
def test_the_rrule_yields_exactly_the_due_dates(assign, fields):
    assignment = assign(**fields)
    with time_machine.travel(datetime(2026, 3, 18, 12, tzinfo=UTC), tick=False):
        services.assignment_pause(assignment=assignment)
    with time_machine.travel(datetime(2026, 3, 29, 12, tzinfo=UTC), tick=False):
        services.assignment_resume(assignment=assignment)
    [assignment] = fresh(assignment)
    event = only_event(render(assignment))
    first, last = date(2026, 2, 1), date(2026, 8, 31)
    expected = assignment.schedule().due_dates(first, last)
    assert expected  # the comparison means something
    assert occurrences(event, first, last) == expected


# --- What the events say ------------------------------------------------------------------


def test_events_are_generic_by_default(assign, personas):
    assignment = assign(frequency="daily", title="Gratitude journal", instructions="Three things.")
    event = only_event(render(assignment))
    assert unescape(event["SUMMARY"]) == "Homework — Tandem"
    assert unescape(event["DESCRIPTION"]) == "Open Tandem to see today's homework."
    text = render(assignment)
    for secret in ("Gratitude", "Three things", personas.client_a.name, personas.therapist_a.name):
        assert secret not in text


def test_titles_and_instructions_show_when_the_client_chooses(assign):
    assignment = assign(
        frequency="daily", title="Gratitude journal", instructions="Three things.\nBefore bed."
    )
    event = only_event(render(assignment, show_titles=True))
    assert unescape(event["SUMMARY"]) == "Gratitude journal — Tandem"
    assert unescape(event["DESCRIPTION"]) == "Three things.\nBefore bed."


def test_without_instructions_the_description_stays_generic(assign):
    event = only_event(render(assign(frequency="daily", instructions=""), show_titles=True))
    assert unescape(event["DESCRIPTION"]) == "Open Tandem to see today's homework."


def test_it_never_shows_names_notes_or_scores(assign, personas):
    today = local_today(personas.client_a.timezone)
    assignment = assign(frequency="daily", start_date=today - timedelta(days=1))
    services.completion_create(
        client=personas.client_a, assignment=assignment, note="Felt anxious, score 7"
    )
    text = ical.render_calendar(
        assignments=fresh(assignment), show_titles=True, now=datetime.now(UTC)
    )
    for secret in (
        personas.client_a.name,
        personas.client_a.email,
        personas.therapist_a.name,
        personas.therapist_a.email,
        "anxious",
        "score",
    ):
        assert secret not in text


def test_text_is_escaped(assign):
    title = "Walk; talk, rest \\ breathe\nagain"
    event = only_event(render(assign(frequency="daily", title=title), show_titles=True))
    assert event["SUMMARY"] == "Walk\\; talk\\, rest \\\\ breathe\\nagain — Tandem"
    assert unescape(event["SUMMARY"]) == f"{title} — Tandem"


def test_escape_text_handles_every_kind_of_newline_and_drops_control_characters():
    assert ical.escape_text("a\r\nb\rc\nd") == "a\\nb\\nc\\nd"
    assert ical.escape_text("bell\x07 tab\t") == "bell tab\t"


# --- Lines ------------------------------------------------------------------------------


def test_long_lines_are_folded_at_75_octets_without_splitting_characters(assign):
    title = "Spaziergänge im Grünen 🌿 mit Atemübungen — ça va, 日本語のテキスト " * 2
    instructions = "Ünïcødé 🌿 " * 40
    text = render(
        assign(frequency="daily", title=title[:120], instructions=instructions), show_titles=True
    )
    raw_lines = text.encode().split(b"\r\n")[:-1]
    assert max(len(line) for line in raw_lines) <= 75
    assert any(line.startswith(b" ") for line in raw_lines)
    for line in raw_lines:
        line.decode("utf-8")  # every physical line is whole UTF-8: no split sequence
    event = only_event(text)
    assert unescape(event["SUMMARY"]) == f"{title[:120]} — Tandem"
    assert unescape(event["DESCRIPTION"]) == instructions.strip()


def test_long_exdate_lists_are_folded(assign):
    assignment = assign(frequency="daily")
    with time_machine.travel(datetime(2026, 3, 3, 12, tzinfo=UTC), tick=False):
        services.assignment_pause(assignment=assignment)
    text = render(assignment)
    assert all(len(line.encode()) <= 75 for line in physical_lines(text))
    exdates = only_event(text)["EXDATE;VALUE=DATE"].split(",")
    assert exdates[0] == "20260303"
    assert len(exdates) > 300


@pytest.mark.parametrize("length", [0, 1, 74, 75, 76, 150, 151, 300])
def test_fold_keeps_every_line_within_75_octets(length):
    line = "X" * length
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line


def test_fold_never_splits_a_multibyte_character():
    line = "SUMMARY:" + "é" * 40 + "🌿" * 20
    for part in ical.fold(line).encode().split(b"\r\n"):
        assert len(part) <= 75
        part.decode("utf-8")


# --- Tokens ---------------------------------------------------------------------------


@pytest.fixture
def feed(personas) -> CalendarFeed:
    return homework_services.feed_enable(client=personas.client_a)


def test_a_token_opens_its_feed(feed):
    assert ical.feed_from_token(ical.feed_token(feed)) == feed


def test_a_tampered_token_opens_nothing(feed):
    token = ical.feed_token(feed)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert ical.feed_from_token(tampered) is None
    assert ical.feed_from_token("") is None
    assert ical.feed_from_token("not-a-token") is None


def test_a_token_for_another_purpose_opens_nothing(feed):
    assert ical.feed_from_token(signing.dumps(str(feed.key), salt="another.purpose")) is None


def test_a_signed_non_key_opens_nothing(feed):
    signer = signing.Signer(salt=ical.CALENDAR_SALT)
    assert ical.feed_from_token(signer.sign_object("nope")) is None
    assert ical.feed_from_token(signer.sign_object(["x"])) is None
    assert ical.feed_from_token(signer.sign_object(str(uuid.uuid4()))) is None
    # A timestamped token over the same key is another format, not a second way in.
    assert ical.feed_from_token(signing.dumps(str(feed.key), salt=ical.CALENDAR_SALT)) is None


def test_the_token_is_the_same_every_time(feed):
    first = ical.feed_token(feed)
    with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC)):
        assert ical.feed_token(feed) == first


def test_revoking_stops_the_old_token_at_once(feed):
    old = ical.feed_token(feed)
    homework_services.feed_revoke(feed=feed)
    assert ical.feed_from_token(old) is None
    assert ical.feed_from_token(ical.feed_token(feed)) == feed


def test_disabling_stops_the_token(feed):
    token = ical.feed_token(feed)
    homework_services.feed_disable(feed=feed)
    assert ical.feed_from_token(token) is None


def test_a_deactivated_client_has_no_feed(feed, personas):
    personas.client_a.is_active = False
    personas.client_a.save(update_fields=["is_active"])
    assert ical.feed_from_token(ical.feed_token(feed)) is None


def test_enabling_twice_keeps_one_feed_with_titles_hidden(feed, personas):
    again = homework_services.feed_enable(client=personas.client_a)
    assert again.pk == feed.pk
    assert again.key == feed.key
    assert again.show_titles is False


def test_titles_can_be_switched(feed):
    homework_services.feed_set_titles(feed=feed, show_titles=True)
    feed.refresh_from_db()
    assert feed.show_titles is True
