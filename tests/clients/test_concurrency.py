"""One entry sent twice at the same moment with one Idempotency-Key (a phone's queue and its
service worker both sending it, or a retry racing the first try): one record, and both
answers name it. Real threads, each with its own connection, released together (PostgreSQL:
the second claim waits on the key's unique index until the first commits)."""

import uuid
from functools import partial

import pytest

from clients import idempotency
from clients.models import IdempotencyKey, JournalEntry, LifestyleLog
from tests.factories import ClientFactory
from tests.races import signed_in, skip_unless_postgresql, statuses, together

TRIALS = 5


def sender(user, url: str, body: dict, key: str):
    return partial(
        signed_in(user).post,
        url,
        body,
        "application/json",
        headers={idempotency.HEADER: key},
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("url", "body", "model"),
    [
        ("/api/v1/journal/", {"mood": 5, "text": "Sent twice"}, JournalEntry),
        ("/api/v1/lifestyle/", {"exercise_minutes": 30}, LifestyleLog),
    ],
    ids=["journal", "lifestyle"],
)
def test_one_key_sent_twice_at_once_makes_one_record(transactional_db, url, body, model):
    skip_unless_postgresql()
    for _ in range(TRIALS):
        client = ClientFactory()
        send = sender(client, url, body, str(uuid.uuid4()))

        results = together(send, send)

        assert statuses(results) == [201, 201], statuses(results)
        assert model.objects.filter(client=client).count() == 1
        (record,) = model.objects.filter(client=client)
        assert {r.json()["id"] for r in results} == {str(record.public_id)}
        replayed = [r.get(idempotency.REPLAYED_HEADER) for r in results]
        assert sorted(replayed, key=str) == [None, "true"], replayed
        assert IdempotencyKey.objects.filter(user=client).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_key_with_two_bodies_at_once_makes_one_record_and_one_conflict(transactional_db):
    skip_unless_postgresql()
    for _ in range(TRIALS):
        client = ClientFactory()
        key = str(uuid.uuid4())
        calm = sender(client, "/api/v1/journal/", {"mood": 7}, key)
        low = sender(client, "/api/v1/journal/", {"mood": 2}, key)

        results = together(calm, low)

        assert sorted(statuses(results)) == [201, 409], statuses(results)
        (made,) = [r for r in results if r.status_code == 201]
        (entry,) = JournalEntry.objects.filter(client=client)
        assert made.json()["id"] == str(entry.public_id)
        assert made.json()["mood"] == entry.mood


@pytest.mark.django_db(transaction=True)
def test_a_key_refused_in_one_request_is_free_for_the_other(transactional_db):
    """A request that fails keeps no key: the one waiting behind it goes on and saves (or,
    when the right one comes first, the wrong one is told the key is taken)."""
    skip_unless_postgresql()
    for _ in range(TRIALS):
        client = ClientFactory()
        key = str(uuid.uuid4())
        wrong = sender(client, "/api/v1/lifestyle/", {"exercise_minutes": -1}, key)
        right = sender(client, "/api/v1/lifestyle/", {"exercise_minutes": 20}, key)

        results = together(wrong, right)

        assert statuses(results) in ([400, 201], [409, 201]), statuses(results)
        assert LifestyleLog.objects.get(client=client).exercise_minutes == 20
