"""The client's calendar settings page and the feed it hands out."""

from datetime import UTC, date, time, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts.clock import local_today
from accounts.services import relationship_end
from appointments import services as session_services
from homework import ical, services
from homework import services as homework_services
from homework.models import Assignment, CalendarFeed
from tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def homework(personas):
    """Two current assignments and one ended, with a note on a completion."""
    today = local_today(personas.client_a.timezone)

    def assign(**fields):
        return AssignmentFactory(relationship=personas.relationship_a, start_date=today, **fields)

    daily = assign(title="Gratitude journal", frequency="daily", instructions="Three things.")
    weekly = assign(title="Call a friend", frequency="weekly", times_per_week=2)
    ended = assign(title="Old exercise", frequency="daily")
    services.assignment_end(assignment=ended)
    services.completion_create(
        client=personas.client_a, assignment=daily, note="Private note about my mood"
    )
    return daily, weekly, ended


@pytest.fixture
def client_a(client, personas):
    client.force_login(personas.client_a)
    return client


def settings_url() -> str:
    return reverse("client_calendar")


def enable(client) -> str:
    """Turn the feed on; the feed URL as the page shows it."""
    response = client.post(settings_url(), {"action": "enable"})
    assert response.status_code == 302
    return client.get(settings_url()).context["feed_url"]


def fetch(url: str):
    """Fetch a feed URL the way a calendar app does: no cookies, no session."""
    return Client().get(urlsplit(url).path)


# --- The settings page --------------------------------------------------------------------


def test_it_shows_the_page_with_the_feed_off(client_a):
    response = client_a.get(settings_url())
    assert response.status_code == 200
    assert response.context["feed"] is None
    assert b'value="enable"' in response.content
    assert b"feed-url" not in response.content


def test_enabling_shows_the_full_feed_url(client_a, personas):
    response = client_a.post(settings_url(), {"action": "enable"}, follow=True)
    assert response.redirect_chain == [(settings_url(), 302)]
    assert "Your calendar link is ready." in [str(m) for m in response.context["messages"]]
    url = response.context["feed_url"]
    feed = CalendarFeed.objects.get(client=personas.client_a)
    assert url == settings.SITE_URL + reverse(
        "calendar_feed", kwargs={"token": ical.feed_token(feed)}
    )
    assert url.endswith(".ics")
    page = response.content.decode()
    assert '<label for="feed-url">' in page
    assert f'id="feed-url" value="{url}" readonly' in page
    assert "webcal://" in page
    assert feed.show_titles is False


def test_enabling_twice_keeps_the_same_link(client_a):
    assert enable(client_a) == enable(client_a)


def test_the_feed_is_a_calendar_without_names_notes_or_titles(client_a, personas, homework):
    response = fetch(enable(client_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'inline; filename="tandem.ics"'
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 2  # the ended assignment is left out
    daily, weekly, _ended = homework
    assert f"UID:{daily.public_id}@tandem" in text
    assert f"UID:{weekly.public_id}@tandem" in text
    for secret in (
        personas.client_a.name,
        personas.client_a.email,
        personas.therapist_a.name,
        personas.therapist_a.email,
        "Private note",
        "Gratitude",
        "Three things",
        "Old exercise",
    ):
        assert secret not in text
    assert "SUMMARY:Homework — Tandem" in text


def test_a_row_with_dates_out_of_bounds_does_not_break_the_feed(client_a, homework, caplog):
    daily, weekly, _ended = homework
    # Saved before dates had bounds.
    Assignment.objects.filter(pk=weekly.pk).update(start_date=date(9999, 12, 31))
    response = fetch(enable(client_a))
    assert response.status_code == 200
    text = response.content.decode()
    assert f"UID:{daily.public_id}@tandem" in text
    assert f"UID:{weekly.public_id}@tandem" not in text
    assert "left out of the calendar feed" in caplog.text


def test_titles_show_once_chosen_and_hide_again(client_a, personas, homework):
    url = enable(client_a)
    response = client_a.post(settings_url(), {"action": "titles", "show_titles": "on"})
    assert response.status_code == 302
    assert CalendarFeed.objects.get(client=personas.client_a).show_titles is True
    page = client_a.get(settings_url()).content.decode()
    assert 'name="show_titles" aria-describedby="titles-help" checked' in page
    text = fetch(url).content.decode()
    assert "SUMMARY:Gratitude journal — Tandem" in text
    assert "DESCRIPTION:Three things." in text
    assert personas.client_a.name not in text

    client_a.post(settings_url(), {"action": "titles"})  # the box unticked
    assert CalendarFeed.objects.get(client=personas.client_a).show_titles is False
    assert "Gratitude" not in fetch(url).content.decode()


def test_revoking_stops_the_old_url_and_the_new_one_works(client_a, homework):
    old = enable(client_a)
    response = client_a.post(settings_url(), {"action": "revoke"}, follow=True)
    assert "The old one no longer works" in response.content.decode()
    new = response.context["feed_url"]
    assert new != old
    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200


def test_disabling_stops_the_url(client_a, personas):
    url = enable(client_a)
    response = client_a.post(settings_url(), {"action": "disable"}, follow=True)
    assert response.context["feed"] is None
    assert not CalendarFeed.objects.filter(client=personas.client_a).exists()
    assert fetch(url).status_code == 404


def test_disabling_when_off_is_harmless(client_a):
    assert client_a.post(settings_url(), {"action": "disable"}).status_code == 302


def test_changing_a_feed_that_is_off_asks_to_turn_it_on(client_a, personas):
    for action in ("titles", "revoke"):
        response = client_a.post(settings_url(), {"action": action}, follow=True)
        assert "Turn it on first." in response.content.decode()
    assert not CalendarFeed.objects.filter(client=personas.client_a).exists()


@pytest.mark.parametrize("data", [{}, {"action": "explode"}, {"action": ""}])
def test_an_unknown_action_is_a_bad_request(client_a, personas, data):
    assert client_a.post(settings_url(), data).status_code == 400
    assert not CalendarFeed.objects.filter(client=personas.client_a).exists()


def test_the_page_refuses_other_methods(client_a):
    assert client_a.put(settings_url()).status_code == 405


# --- Who may reach it ---------------------------------------------------------------------


def test_it_requires_sign_in(client):
    response = client.get(settings_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["therapist_a", "therapist_b", "staff"])
def test_it_refuses_the_wrong_role(client, personas, persona):
    client.force_login(getattr(personas, persona))
    assert client.get(settings_url()).status_code == 403
    assert client.post(settings_url(), {"action": "enable"}).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_another_client_sees_and_changes_only_their_own_feed(client, personas):
    feed_a = homework_services.feed_enable(client=personas.client_a)
    key_a = feed_a.key
    client.force_login(personas.client_b)
    response = client.get(settings_url())
    assert response.status_code == 200
    assert response.context["feed"] is None
    assert ical.feed_token(feed_a) not in response.content.decode()
    client.post(settings_url(), {"action": "revoke"})
    client.post(settings_url(), {"action": "disable"})
    feed_a.refresh_from_db()
    assert feed_a.key == key_a


# --- The feed URL -------------------------------------------------------------------------


def test_a_tampered_token_is_not_found(client_a, homework):
    url = enable(client_a)
    path = urlsplit(url).path
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert Client().get(f"/calendar/{tampered}.ics").status_code == 404
    assert Client().get("/calendar/nothing.ics").status_code == 404


def test_a_feed_opens_only_with_its_own_token(client, personas, homework):
    """Being signed in gives no way into someone else's feed: only the token does."""
    feed_b = homework_services.feed_enable(client=personas.client_b)
    feed_a = homework_services.feed_enable(client=personas.client_a)
    client.force_login(personas.client_b)
    own = client.get(reverse("calendar_feed", kwargs={"token": ical.feed_token(feed_b)}))
    assert own.status_code == 200
    assert b"BEGIN:VEVENT" not in own.content  # B has no homework; A's is not there
    # Knowing A's key is not enough without Tandem's signature on it.
    for guess in (str(feed_a.key), signing.dumps(str(feed_a.key), salt="another.purpose")):
        assert client.get(reverse("calendar_feed", kwargs={"token": guess})).status_code == 404


def test_the_feed_answers_only_reads(client_a):
    path = urlsplit(enable(client_a)).path
    assert Client().post(path).status_code == 405
    assert Client().head(path).status_code == 200


# --- Sessions in the client's feed ----------------------------------------------------------


def book(personas, days: int, at: time = time(17), **fields):
    today = local_today(personas.therapist_a.timezone)
    return session_services.appointment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        day=today + timedelta(days=days),
        start_time=at,
        **fields,
    ).appointments[0]


def events(text: str) -> list[str]:
    return text.split("BEGIN:VEVENT\r\n")[1:]


def test_the_feed_lists_sessions_in_utc_titled_session(client_a, personas):
    session = book(personas, 3, location="Room 2, 14 Harbour Street")
    text = fetch(enable(client_a)).content.decode()
    (event,) = events(text)
    start = session.starts_at.astimezone(UTC)
    assert f"UID:session-{session.public_id}@tandem\r\n" in event
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\n" in event
    assert f"DTEND:{start + timedelta(minutes=50):%Y%m%dT%H%M%SZ}\r\n" in event
    assert "SUMMARY:Session\r\n" in event
    assert "TRANSP:OPAQUE" in event
    for secret in (personas.therapist_a.name, personas.client_a.name, "Harbour", "LOCATION"):
        assert secret not in text


def test_with_titles_a_session_names_the_therapist_and_where(client_a, personas):
    book(personas, 3, mode="video", location="https://meet.example.org/ada")
    url = enable(client_a)
    client_a.post(settings_url(), {"action": "titles", "show_titles": "on"})
    text = fetch(url).content.decode()
    assert f"SUMMARY:Session with {personas.therapist_a.name}\r\n" in text
    assert "LOCATION:https://meet.example.org/ada\r\n" in text
    assert "DESCRIPTION:Video\\, 50 minutes." in text
    assert personas.client_a.name not in text


def test_cancelled_sessions_and_other_peoples_are_not_listed(client_a, personas):
    kept = book(personas, 3)
    cancelled = book(personas, 4)
    session_services.appointment_cancel(appointment=cancelled)
    held = book(personas, -20, status="held")
    long_ago = book(personas, -100, status="held")
    theirs = session_services.appointment_create(
        therapist=personas.therapist_b,
        relationship=personas.relationship_b,
        day=local_today(personas.therapist_b.timezone) + timedelta(days=3),
        start_time=time(9),
    ).appointments[0]
    text = fetch(enable(client_a)).content.decode()
    assert str(held.public_id) in text and str(kept.public_id) in text
    for absent in (cancelled, long_ago, theirs):
        assert str(absent.public_id) not in text


def test_after_the_end_of_care_the_feed_lists_no_session(client_a, personas):
    book(personas, 3)
    book(personas, -7, status="held")
    url = enable(client_a)
    relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
    assert "BEGIN:VEVENT" not in fetch(url).content.decode()
