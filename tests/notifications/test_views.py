from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts.services import invitation_token
from notifications import emails, services
from notifications.models import Preferences
from tests.factories import AssignmentFactory, ClientFactory, CompletionFactory, JournalEntryFactory

from .conftest import NOW, TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def unsubscribe_url(user, what: str = "reminders") -> str:
    return reverse("unsubscribe", kwargs={"token": emails.unsubscribe_token(user, what)})


def prefs_of(user) -> Preferences:
    return services.preferences_for(user)


def test_a_get_only_asks_and_changes_nothing(client):
    person = ClientFactory()
    response = client.get(unsubscribe_url(person))
    assert response.status_code == 200
    assert b"Stop homework reminders?" in response.content
    assert prefs_of(person).reminders_enabled


def test_a_post_without_sign_in_or_cookies_unsubscribes_at_once():
    person = ClientFactory()
    browserless = Client(enforce_csrf_checks=True)  # a mail client's one-click POST
    response = browserless.post(
        unsubscribe_url(person), {"List-Unsubscribe": "One-Click"}, HTTP_COOKIE=""
    )
    assert response.status_code == 200
    prefs = prefs_of(person)
    assert not prefs.reminders_enabled and prefs.next_reminder_at is None
    assert prefs.digest_enabled  # only the list the link names


def test_a_digest_link_stops_the_digest_only(client):
    person = ClientFactory()
    client.post(unsubscribe_url(person, "digest"))
    prefs = prefs_of(person)
    assert prefs.reminders_enabled and not prefs.digest_enabled


def test_a_tampered_token_is_refused_and_changes_nothing(client):
    person = ClientFactory()
    url = unsubscribe_url(person)
    response = client.post(url[:-3] + "xx/")
    assert response.status_code == 400
    assert b"does not work" in response.content
    assert prefs_of(person).reminders_enabled


def test_an_expired_token_is_gone(client, frozen):
    person = ClientFactory()
    url = unsubscribe_url(person)
    frozen.shift(emails.UNSUBSCRIBE_MAX_AGE + timedelta(days=1))
    response = client.post(url)
    assert response.status_code == 410
    assert prefs_of(person).reminders_enabled


def test_a_token_made_for_another_purpose_is_refused(client, personas):
    from tests.factories import RelationshipFactory

    invitation = RelationshipFactory(status="invited", client=None, invited_email="x@example.org")
    response = client.post(reverse("unsubscribe", kwargs={"token": invitation_token(invitation)}))
    assert response.status_code == 400
    forged = signing.dumps({"u": str(personas.client_a.public_id), "l": "reminders"})
    assert client.post(reverse("unsubscribe", kwargs={"token": forged})).status_code == 400
    assert prefs_of(personas.client_a).reminders_enabled


def test_another_persons_token_unsubscribes_only_that_person(client, personas):
    client.force_login(personas.client_b)
    client.post(unsubscribe_url(personas.client_a))
    assert not prefs_of(personas.client_a).reminders_enabled
    assert prefs_of(personas.client_b).reminders_enabled


def test_the_preferences_page_saves_and_moves_the_next_reminder(client, personas):
    client.force_login(personas.client_a)
    response = client.post(
        reverse("client_notifications"),
        {
            "reminders_enabled": "on",
            "reminder_time": "23:30",
            "quiet_start": "23:00",
            "quiet_end": "06:30",
            "digest_weekday": "3",
            "digest_time": "19:00",
            "timezone": "Asia/Kolkata",
        },
    )
    assert response.status_code == 302
    prefs = prefs_of(personas.client_a)
    personas.client_a.refresh_from_db()
    assert personas.client_a.timezone == "Asia/Kolkata"
    assert not prefs.digest_enabled and prefs.next_digest_at is None
    # 23:30 falls in quiet hours: moved to 06:30 the next morning in Kolkata (01:00 UTC).
    assert prefs.next_reminder_at == (NOW + timedelta(days=1)).replace(hour=1, minute=0)


def test_the_preferences_page_answers_bad_input_with_messages(client, personas):
    client.force_login(personas.client_a)
    response = client.post(
        reverse("client_notifications"),
        {
            "reminder_time": "25:99",
            "quiet_start": "22:00",
            "digest_weekday": "9",
            "timezone": "Mars/Base",
        },
    )
    assert response.status_code == 400
    assert b"Give both the start and the end of quiet hours" in response.content
    assert prefs_of(personas.client_a).reminder_time.hour == 18


def test_the_api_reads_and_changes_preferences(client, personas):
    client.force_login(personas.client_a)
    url = reverse("api-notification-preferences")
    assert client.get(url).json()["reminder_time"] == "18:00"
    response = client.patch(
        url,
        {"timezone": "America/New_York", "digest_enabled": False},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["next_digest_at"] is None
    assert response.json()["timezone"] == "America/New_York"


@pytest.mark.parametrize(
    "body",
    [
        {"timezone": "Mars/Base"},
        {"quiet_start": None},
        {"digest_weekday": 7},
        {"reminder_time": "noon"},
        {"quiet_start": "22:00", "quiet_end": "22:00"},
    ],
)
def test_the_api_answers_bad_input_with_400(client, personas, body):
    client.force_login(personas.client_a)
    response = client.patch(
        reverse("api-notification-preferences"), body, content_type="application/json"
    )
    assert response.status_code == 400, response.content


def test_my_week_shows_the_counts_and_the_mood_trend(client):
    assignment = AssignmentFactory(start_date=TODAY - timedelta(days=7))
    CompletionFactory(assignment=assignment, due_date=TODAY)
    JournalEntryFactory(client=assignment.client, mood=8, occurred_at=NOW)
    client.force_login(assignment.client)
    response = client.get(reverse("client_my_week"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 of 2" in body  # Monday and Tuesday due, Tuesday done
    assert "8.0 / 10" in body
    assert client.get(reverse("client_my_week"), {"week": "9999-01-01"}).status_code == 200


def test_the_weekly_review_lists_each_client_by_name(client, personas):
    client.force_login(personas.therapist_a)
    response = client.get(reverse("therapist_weekly_review"))
    assert response.status_code == 200
    assert personas.client_a.name in response.content.decode()
    assert personas.client_b.name not in response.content.decode()


def test_the_preferences_checkboxes_sit_beside_their_labels(client, personas):
    client.force_login(personas.client_a)
    page = client.get(reverse("client_notifications")).content.decode()
    assert (
        '<label for="id_reminders_enabled" class="check"><input type="checkbox"'
        ' name="reminders_enabled"'
    ) in page
    assert '<label for="id_reminders_enabled">' not in page


def test_the_weekly_review_becomes_labelled_blocks_on_a_phone(client, personas):
    client.force_login(personas.therapist_a)
    page = client.get(reverse("therapist_weekly_review")).content.decode()
    assert '<table class="responsive">' in page
    for label in ("Needs attention", "Homework", "Days logged", "Active minutes", "Last active"):
        assert f'<td data-label="{label}"' in page
