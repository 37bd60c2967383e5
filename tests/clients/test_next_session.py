"""The client's next session on Today and on their account page, in the client's own zone.

Conftest freezes now at Wednesday 25 November 2026, noon UTC. Here the therapist is in London
(GMT, UTC+0) and the client in New York (EST, UTC-5)."""

import re
from datetime import date, time

import pytest
from django.urls import reverse

from accounts.services import relationship_end
from appointments import services
from appointments.models import Mode, Status

pytestmark = pytest.mark.django_db

TUESDAY = date(2026, 12, 1)


@pytest.fixture
def new_yorker(personas):
    client = personas.client_a
    client.timezone = "America/New_York"
    client.save(update_fields=["timezone"])
    return client


def book(personas, day=TUESDAY, at=time(22), **fields):
    return services.appointment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        day=day,
        start_time=at,
        **fields,
    ).appointments[0]


def text_of(html: str) -> str:
    """The page's words, tags dropped and spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_today_says_the_next_session_in_the_clients_own_zone(as_a, personas, new_yorker):
    book(personas)  # 22:00 in London is 17:00 in New York
    html = as_a.get(reverse("client_home")).content.decode()
    words = text_of(html)
    assert "Next session: Tuesday 1 December, 17:00" in words
    assert "in person" in words and "50 minutes with Dr. Ann Able" in words
    assert "22:00" not in words


def test_it_comes_just_below_the_quick_mood(as_a, personas):
    book(personas)
    html = as_a.get(reverse("client_home")).content.decode()
    assert (
        html.index('id="mood"')
        < html.index("data-next-session")
        < html.index('id="today-homework"')
    )


def test_the_next_one_only_with_its_mode_and_place_or_link(as_a, personas, new_yorker):
    later = book(personas, day=date(2026, 12, 8))
    soon = book(personas, mode=Mode.VIDEO, location="https://meet.example.org/ada")
    html = as_a.get(reverse("client_home")).content.decode()
    assert html.count("data-next-session=") == 1
    assert f'data-next-session="{soon.public_id}"' in html
    assert f'data-next-session="{later.public_id}"' not in html
    assert "<span data-session-mode>video</span>" in html
    assert '<a href="https://meet.example.org/ada"' in html
    phone = book(personas, day=date(2026, 11, 30), mode=Mode.PHONE, location="")
    html = as_a.get(reverse("client_home")).content.decode()
    assert f'data-next-session="{phone.public_id}"' in html
    assert "<span data-session-mode>phone</span>" in html
    assert "<span data-session-mode>phone</span></p>" in html  # no place
    assert "Monday 30 November, 17:00" in text_of(html)


def test_a_place_is_said_as_written(as_a, personas):
    book(personas, location="Room 2, 14 Harbour Street <b>")
    html = as_a.get(reverse("client_home")).content.decode()
    assert "Room 2, 14 Harbour Street &lt;b&gt;" in html
    assert "in person" in text_of(html)


def test_the_account_page_says_the_same(as_a, personas, new_yorker):
    book(personas)
    words = text_of(as_a.get(reverse("client_account")).content.decode())
    assert "Next session: Tuesday 1 December, 17:00" in words


def test_a_year_ahead_says_the_year(as_a, personas, new_yorker):
    book(personas, day=date(2027, 1, 5))
    words = text_of(as_a.get(reverse("client_home")).content.decode())
    assert "Next session: Tuesday 5 January 2027, 17:00" in words


@pytest.mark.parametrize("name", ["client_home", "client_account"])
def test_nothing_when_there_is_no_session_to_come(as_a, personas, name):
    assert "Next session" not in as_a.get(reverse(name)).content.decode()
    cancelled = book(personas)
    services.appointment_cancel(appointment=cancelled)
    book(personas, day=date(2026, 11, 20), status=Status.HELD)
    html = as_a.get(reverse(name)).content.decode()
    assert "Next session" not in html and "data-next-session" not in html


def test_another_clients_session_is_not_theirs(as_a, personas):
    services.appointment_create(
        therapist=personas.therapist_b,
        relationship=personas.relationship_b,
        day=TUESDAY,
        start_time=time(9),
    )
    assert "Next session" not in as_a.get(reverse("client_home")).content.decode()


def test_ending_the_care_cancels_what_was_planned(as_a, personas):
    book(personas)
    relationship_end(actor=personas.therapist_a, relationship=personas.relationship_a)
    for name in ("client_home", "client_account"):
        assert "Next session" not in as_a.get(reverse(name)).content.decode()
