"""Idempotency keys on record creation: a retry answers as the first request did and never
makes a second record; another request with the key is a 409; keys are per person; a
refused request keeps no key; keys are forgotten after a week."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

from clients import idempotency, services
from clients.models import IdempotencyKey, JournalEntry, LifestyleLog, SocialActivity
from clients.tasks import purge_idempotency_keys
from safety.models import SafetyAlert
from tests.clients.conftest import NOW, TODAY
from tests.factories import PASSWORD, IdempotencyKeyFactory, PersonFactory

pytestmark = pytest.mark.django_db

KEY = "5f0c2a8e-6f55-4c1e-9a39-0c8f3b1d7e21"
JOURNAL = "/api/v1/journal/"
LIFESTYLE = "/api/v1/lifestyle/"
SOCIAL = "/api/v1/social/"


def post(client, url: str, body: dict, key: str | None = KEY):
    headers = {idempotency.HEADER: key} if key is not None else {}
    return client.post(url, body, content_type="application/json", headers=headers)


@pytest.fixture
def as_b(client, personas):
    client.force_login(personas.client_b)
    return client


@pytest.fixture
def kinds(personas):
    """Per kind of record: its URL, a body as an offline phone sends it, and its model."""
    sam = PersonFactory(client=personas.client_a, name="Sam")
    return {
        "journal": (JOURNAL, {"mood": 6, "text": "Walked by the river", "shared": False}),
        "lifestyle": (LIFESTYLE, {"day": str(TODAY), "exercise_minutes": 30, "shared": False}),
        "social": (
            SOCIAL,
            {"day": str(TODAY), "person": str(sam.public_id), "mode": "call", "minutes": 20},
        ),
    }


MODELS = {"journal": JournalEntry, "lifestyle": LifestyleLog, "social": SocialActivity}


@pytest.mark.parametrize("kind", ["journal", "lifestyle", "social"])
def test_a_retry_answers_as_the_first_request_and_makes_no_second_record(as_a, kinds, kind):
    url, body = kinds[kind]
    first = post(as_a, url, body)
    assert first.status_code == 201, first.json()
    assert idempotency.REPLAYED_HEADER not in first

    again = post(as_a, url, body)

    assert again.status_code == 201
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert again.json() == first.json()
    assert MODELS[kind].objects.count() == 1
    (stored,) = IdempotencyKey.objects.all()
    assert (stored.key, stored.status_code) == (KEY, 201)
    assert str(stored.record_id) == first.json()["id"]


def test_a_retry_of_a_call_for_help_raises_one_alert_and_shows_help_again(as_a, personas):
    body = {"text": "Everything is too much", "needs_help": True, "mood": 11}
    first = post(as_a, JOURNAL, body)
    assert first.status_code == 201
    assert first.json()["not_saved"] == {"mood": ["Ensure this value is less than or equal to 10."]}

    again = post(as_a, JOURNAL, body)

    assert again.status_code == 201
    assert again.json()["crisis"] == first.json()["crisis"] is not None
    assert again.json()["not_saved"] == first.json()["not_saved"]
    assert JournalEntry.objects.count() == 1
    assert SafetyAlert.objects.count() == 1


def test_a_call_for_help_with_a_malformed_key_is_saved_and_alerted(as_a):
    body = {"text": "Everything is too much", "needs_help": True}
    response = post(as_a, JOURNAL, body, key="short")
    assert response.status_code == 201
    assert response.json()["crisis"] is not None
    assert response.json()["not_saved"] == {idempotency.HEADER: [idempotency.BAD_KEY]}
    assert JournalEntry.objects.count() == 1 and SafetyAlert.objects.count() == 1
    assert not IdempotencyKey.objects.exists()


def test_a_call_for_help_with_a_key_used_for_another_request_is_saved_and_alerted(as_a):
    assert post(as_a, JOURNAL, {"mood": 4, "text": "Tired"}).status_code == 201
    response = post(as_a, JOURNAL, {"text": "I am not safe", "needs_help": True})
    assert response.status_code == 201
    assert response.json()["crisis"] is not None
    assert response.json()["not_saved"] == {idempotency.HEADER: [idempotency.OTHER_REQUEST]}
    assert JournalEntry.objects.count() == 2 and SafetyAlert.objects.count() == 1
    # The key still answers for the request it was first used for.
    assert IdempotencyKey.objects.get().record_id == JournalEntry.objects.earliest("pk").public_id


def test_the_same_body_in_another_spelling_is_the_same_request(as_a):
    post(as_a, JOURNAL, {"mood": 4, "text": "Tired"})
    spelled_otherwise = json.dumps({"text": "Tired", "mood": 4}, indent=2)
    again = as_a.post(
        JOURNAL,
        spelled_otherwise,
        content_type="application/json",
        headers={"Idempotency-Key": KEY},
    )
    assert again.status_code == 201
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert JournalEntry.objects.count() == 1


def test_the_key_with_another_body_is_a_conflict_and_changes_nothing(as_a):
    first = post(as_a, JOURNAL, {"mood": 4, "text": "Tired"})

    other = post(as_a, JOURNAL, {"mood": 5, "text": "Tired"})

    assert other.status_code == 409
    assert other.json() == {"detail": idempotency.OTHER_REQUEST}
    (entry,) = JournalEntry.objects.all()
    assert (str(entry.public_id), entry.mood) == (first.json()["id"], 4)


def test_the_key_on_another_kind_of_record_is_a_conflict(as_a):
    post(as_a, JOURNAL, {"mood": 4})
    other = post(as_a, LIFESTYLE, {"day": str(TODAY), "exercise_minutes": 30})
    assert other.status_code == 409
    assert not LifestyleLog.objects.exists()


@pytest.mark.parametrize(
    "key",
    ["short", "x" * 256, "has a space", "naïve-key-123", "", '"quoted"-inside-1'],
    ids=["too-short", "too-long", "space", "not-ascii", "empty", "quote-inside"],
)
def test_a_malformed_key_is_refused_with_a_message_and_nothing_is_saved(as_a, key):
    response = post(as_a, JOURNAL, {"mood": 4}, key=key)
    assert response.status_code == 400
    assert response.json() == {"Idempotency-Key": [idempotency.BAD_KEY]}
    assert not JournalEntry.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_a_key_sent_as_a_structured_field_string_is_the_same_key(as_a):
    first = post(as_a, JOURNAL, {"mood": 4}, key=f'"{KEY}"')
    again = post(as_a, JOURNAL, {"mood": 4}, key=KEY)
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert again.json()["id"] == first.json()["id"]


def test_without_a_key_each_request_makes_a_record(as_a):
    post(as_a, JOURNAL, {"mood": 4}, key=None)
    post(as_a, JOURNAL, {"mood": 4}, key=None)
    assert JournalEntry.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_keys_are_per_person(client, personas):
    client.force_login(personas.client_a)
    of_a = post(client, JOURNAL, {"mood": 4, "text": "A's words"})
    client.force_login(personas.client_b)

    of_b = post(client, JOURNAL, {"mood": 4, "text": "A's words"})

    assert of_b.status_code == 201
    assert idempotency.REPLAYED_HEADER not in of_b
    assert of_b.json()["id"] != of_a.json()["id"]
    assert JournalEntry.objects.filter(client=personas.client_b).count() == 1
    client.force_login(personas.client_a)
    assert post(client, JOURNAL, {"mood": 4, "text": "A's words"}).json()["id"] == of_a.json()["id"]


# --- Refused requests keep no key ---------------------------------------------------


def test_an_entry_older_than_the_records_window_is_refused_and_keeps_no_key(as_a):
    too_old = (NOW - timedelta(days=61)).isoformat()
    response = post(as_a, JOURNAL, {"mood": 5, "occurred_at": too_old})

    assert response.status_code == 400
    assert response.json() == {"occurred_at": ["Entries go back at most 60 days."]}
    assert not JournalEntry.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_a_day_older_than_the_records_window_is_refused(as_a):
    response = post(as_a, LIFESTYLE, {"day": str(TODAY - timedelta(days=61)), "sleep_hours": 7})
    assert response.status_code == 400
    assert response.json() == {"day": ["Records go back at most 60 days."]}
    assert not IdempotencyKey.objects.exists()


def test_a_refused_entry_put_right_can_be_sent_again_with_the_same_key(as_a):
    assert post(as_a, LIFESTYLE, {"day": str(TODAY), "exercise_minutes": -5}).status_code == 400

    response = post(as_a, LIFESTYLE, {"day": str(TODAY), "exercise_minutes": 5})

    assert response.status_code == 201
    assert LifestyleLog.objects.get().exercise_minutes == 5


def test_a_second_log_of_the_day_is_refused_with_the_days_message(as_a, personas):
    services.lifestyle_create(client=personas.client_a, day=TODAY, sleep_hours=7)
    response = post(as_a, LIFESTYLE, {"day": str(TODAY), "exercise_minutes": 30})
    assert response.status_code == 400
    assert response.json() == {"day": ["There is already a log for this day: edit it."]}
    assert not IdempotencyKey.objects.exists()


# --- What an offline phone sends ----------------------------------------------------


def test_an_entry_keeps_the_moment_it_was_logged_not_when_it_arrives(as_a):
    logged = NOW - timedelta(hours=5)
    response = post(as_a, JOURNAL, {"mood": 3, "occurred_at": logged.isoformat()})
    assert response.status_code == 201
    assert JournalEntry.objects.get().occurred_at == logged
    assert response.json()["recalled"] is False


def test_a_log_keeps_the_day_it_was_logged(as_a):
    yesterday = TODAY - timedelta(days=1)
    response = post(as_a, LIFESTYLE, {"day": str(yesterday), "exercise_minutes": 30})
    assert response.status_code == 201
    assert LifestyleLog.objects.get().day == yesterday


def test_a_retry_of_a_record_deleted_since_says_so_and_makes_nothing(as_a):
    first = post(as_a, JOURNAL, {"mood": 4})
    as_a.delete(f"{JOURNAL}{first.json()['id']}/")

    again = post(as_a, JOURNAL, {"mood": 4})

    assert again.status_code == 410
    assert again.json() == {"detail": idempotency.RECORD_GONE}
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert not JournalEntry.objects.exists()


# --- Keys are kept a week --------------------------------------------------------------


def test_a_key_is_forgotten_after_a_week(as_a, personas):
    post(as_a, JOURNAL, {"mood": 4})
    with time_machine.travel(NOW + timedelta(days=idempotency.KEEP_DAYS, seconds=1), tick=False):
        as_a.force_login(personas.client_a)  # a new session: the first one has ended
        again = post(as_a, JOURNAL, {"mood": 4})
    assert again.status_code == 201
    assert idempotency.REPLAYED_HEADER not in again
    assert IdempotencyKey.objects.count() == 1


def test_the_daily_purge_deletes_keys_older_than_a_week_only(personas):
    old = IdempotencyKeyFactory(created_at=NOW - timedelta(days=idempotency.KEEP_DAYS, seconds=1))
    recent = IdempotencyKeyFactory(created_at=NOW - timedelta(days=idempotency.KEEP_DAYS - 1))

    assert purge_idempotency_keys() == 1

    assert list(IdempotencyKey.objects.all()) == [recent]
    assert not IdempotencyKey.objects.filter(pk=old.pk).exists()


def test_beat_runs_the_purge_every_day():
    entry = settings.CELERY_BEAT_SCHEDULE["clients-purge-idempotency-keys"]
    assert entry["task"] == purge_idempotency_keys.name
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {17}


def test_erasing_the_account_erases_its_keys(personas):
    IdempotencyKeyFactory(user=personas.client_a)
    kept = IdempotencyKeyFactory(user=personas.client_b)
    services.account_erase(client=personas.client_a, password=PASSWORD)
    assert list(IdempotencyKey.objects.all()) == [kept]


# --- The schema -------------------------------------------------------------------------


def test_the_schema_documents_the_key_on_record_creation_only():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    with_key = {
        (method, path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if any(p["name"] == idempotency.HEADER for p in operation.get("parameters", []))
    }
    assert with_key == {("post", JOURNAL), ("post", LIFESTYLE), ("post", SOCIAL)}
    for path in (JOURNAL, LIFESTYLE, SOCIAL):
        operation = schema["paths"][path]["post"]
        (parameter,) = [p for p in operation["parameters"] if p["name"] == idempotency.HEADER]
        assert parameter["in"] == "header" and not parameter.get("required")
        assert parameter["schema"]["pattern"] == idempotency.KEY_PATTERN
        responses = operation["responses"]
        assert "another request" in responses["409"]["description"]
        assert responses["409"]["content"]["application/json"]
        assert responses["410"]["content"]["application/json"]
        assert idempotency.REPLAYED_HEADER in responses["201"]["headers"]
