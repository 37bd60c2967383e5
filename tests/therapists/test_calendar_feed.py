"""The therapist's calendar feed of all their sessions: the settings page and the feed, built
and protected as the client's (tests/clients/test_calendar.py)."""

from datetime import UTC, time, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts.clock import local_today
from accounts.services import relationship_end
from appointments import feeds
from appointments import services as session_services
from appointments.models import TherapistFeed
from tests.factories import RelationshipFactory, TherapistFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_therapist(client, personas):
    client.force_login(personas.therapist_a)
    return client


def settings_url() -> str:
    return reverse("therapist_calendar")


def enable(client) -> str:
    assert client.post(settings_url(), {"action": "enable"}).status_code == 302
    return client.get(settings_url()).context["feed_url"]


def fetch(url: str):
    """As a calendar app does: no cookies, no session."""
    return Client().get(urlsplit(url).path)


def book(relationship, days: int, at: time = time(17), **fields):
    therapist = relationship.therapist
    return session_services.appointment_create(
        therapist=therapist,
        relationship=relationship,
        day=local_today(therapist.timezone) + timedelta(days=days),
        start_time=at,
        **fields,
    ).appointments[0]


def test_the_page_shows_the_feed_off_then_its_url(as_therapist, personas):
    response = as_therapist.get(settings_url())
    assert response.status_code == 200
    assert response.context["feed"] is None
    assert b'value="enable"' in response.content
    response = as_therapist.post(settings_url(), {"action": "enable"}, follow=True)
    assert "Your calendar link is ready." in [str(m) for m in response.context["messages"]]
    feed = TherapistFeed.objects.get(therapist=personas.therapist_a)
    url = response.context["feed_url"]
    assert url == settings.SITE_URL + reverse(
        "therapist_calendar_feed", kwargs={"token": feeds.feed_token(feed)}
    )
    assert f'id="feed-url" value="{url}" readonly' in response.content.decode()
    assert "webcal://" in response.content.decode()
    assert feed.show_titles is False
    assert enable(as_therapist) == url  # turning it on again keeps the link


def test_the_menu_leads_to_it(as_therapist):
    assert settings_url() in as_therapist.get(reverse("therapist_home")).content.decode()


def test_the_feed_lists_every_clients_sessions_titled_session(as_therapist, personas):
    other = RelationshipFactory(therapist=personas.therapist_a)
    mine = book(personas.relationship_a, 2, location="Room 2")
    theirs = book(other, 3, at=time(9, 30), minutes=60)
    response = fetch(enable(as_therapist))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'inline; filename="tandem-sessions.ics"'
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 2
    for session in (mine, theirs):
        start = session.starts_at.astimezone(UTC)
        end = start + timedelta(minutes=session.minutes)
        assert f"UID:session-{session.public_id}@tandem" in text
        assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\n" in text
        assert f"DTEND:{end:%Y%m%dT%H%M%SZ}\r\n" in text
    assert text.count("SUMMARY:Session\r\n") == 2
    for secret in (
        personas.client_a.name,
        personas.client_a.email,
        other.client.name,
        personas.therapist_a.name,
        "Room 2",
    ):
        assert secret not in text


def test_names_and_places_show_once_chosen_and_hide_again(as_therapist, personas):
    book(personas.relationship_a, 2, mode="video", location="https://meet.example.org/x")
    url = enable(as_therapist)
    response = as_therapist.post(settings_url(), {"action": "titles", "show_titles": "on"})
    assert response.status_code == 302
    page = as_therapist.get(settings_url()).content.decode()
    assert 'name="show_titles" aria-describedby="titles-help" checked' in page
    text = fetch(url).content.decode()
    assert "SUMMARY:Session with Ada Alpha\r\n" in text
    assert "LOCATION:https://meet.example.org/x\r\n" in text
    as_therapist.post(settings_url(), {"action": "titles"})
    text = fetch(url).content.decode()
    assert "Ada Alpha" not in text and "meet.example.org" not in text


def test_cancelled_ended_and_other_therapists_sessions_are_left_out(as_therapist, personas):
    kept = book(personas.relationship_a, 2)
    cancelled = book(personas.relationship_a, 3)
    session_services.appointment_cancel(appointment=cancelled)
    ended = RelationshipFactory(therapist=personas.therapist_a)
    gone = book(ended, 4)
    relationship_end(actor=personas.therapist_a, relationship=ended)
    someone_elses = book(personas.relationship_b, 2)
    text = fetch(enable(as_therapist)).content.decode()
    assert str(kept.public_id) in text
    for absent in (cancelled, gone, someone_elses):
        assert str(absent.public_id) not in text


def test_a_new_link_stops_the_old_one(as_therapist):
    old = enable(as_therapist)
    response = as_therapist.post(settings_url(), {"action": "revoke"}, follow=True)
    assert "The old one no longer works" in response.content.decode()
    new = response.context["feed_url"]
    assert new != old
    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200


def test_turning_it_off_stops_the_url(as_therapist, personas):
    url = enable(as_therapist)
    response = as_therapist.post(settings_url(), {"action": "disable"}, follow=True)
    assert response.context["feed"] is None
    assert not TherapistFeed.objects.filter(therapist=personas.therapist_a).exists()
    assert fetch(url).status_code == 404
    assert as_therapist.post(settings_url(), {"action": "disable"}).status_code == 302


def test_changing_a_feed_that_is_off_asks_to_turn_it_on(as_therapist, personas):
    for action in ("titles", "revoke"):
        response = as_therapist.post(settings_url(), {"action": action}, follow=True)
        assert "Turn it on first." in response.content.decode()
    assert not TherapistFeed.objects.exists()


@pytest.mark.parametrize("data", [{}, {"action": "explode"}])
def test_an_unknown_action_is_a_bad_request(as_therapist, data):
    assert as_therapist.post(settings_url(), data).status_code == 400
    assert not TherapistFeed.objects.exists()


def test_a_forged_or_foreign_token_is_not_found(as_therapist, personas):
    feed = feeds.feed_enable(therapist=personas.therapist_a)
    token = feeds.feed_token(feed)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    # The client's feed signs with another salt: its token opens nothing here, and ours
    # opens nothing there.
    client_feed_token = signing.Signer(salt="tandem.homework.calendar").sign_object(str(feed.key))
    for guess in (tampered, str(feed.key), client_feed_token, "nothing"):
        url = reverse("therapist_calendar_feed", kwargs={"token": guess})
        assert Client().get(url).status_code == 404
    assert Client().get(reverse("calendar_feed", kwargs={"token": token})).status_code == 404


def test_the_feed_answers_only_reads(as_therapist):
    path = urlsplit(enable(as_therapist)).path
    assert Client().post(path).status_code == 405
    assert Client().head(path).status_code == 200


def test_a_therapist_without_two_factor_gets_nothing_where_it_is_required(settings):
    settings.TANDEM_REQUIRE_MFA = True
    therapist = TherapistFactory()  # no TOTP
    feed = feeds.feed_enable(therapist=therapist)
    url = reverse("therapist_calendar_feed", kwargs={"token": feeds.feed_token(feed)})
    assert Client().get(url).status_code == 404
    settings.TANDEM_REQUIRE_MFA = False
    assert Client().get(url).status_code == 200


def test_a_deactivated_therapists_feed_is_gone(as_therapist, personas):
    url = enable(as_therapist)
    personas.therapist_a.is_active = False
    personas.therapist_a.save(update_fields=["is_active"])
    assert fetch(url).status_code == 404


# --- Who may reach the settings page --------------------------------------------------------


def test_it_requires_sign_in(client):
    response = client.get(settings_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["client_a", "client_b", "staff"])
def test_it_refuses_the_wrong_role(client, personas, persona):
    client.force_login(getattr(personas, persona))
    assert client.get(settings_url()).status_code == 403
    assert client.post(settings_url(), {"action": "enable"}).status_code == 403
    assert not TherapistFeed.objects.exists()


def test_another_therapist_sees_and_changes_only_their_own(client, personas):
    feed_a = feeds.feed_enable(therapist=personas.therapist_a)
    key_a = feed_a.key
    client.force_login(personas.therapist_b)
    response = client.get(settings_url())
    assert response.context["feed"] is None
    assert feeds.feed_token(feed_a) not in response.content.decode()
    client.post(settings_url(), {"action": "revoke"})
    client.post(settings_url(), {"action": "disable"})
    feed_a.refresh_from_db()
    assert feed_a.key == key_a
