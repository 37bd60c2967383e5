"""The tick, step by step: each step commits and goes to the workers on its own, a call for
help's first; a week's digests go in even rounds, the workers starting on one while the
tick claims the next; a step that fails leaves those before it committed and handed over."""

import uuid
from datetime import timedelta

import pytest

from notifications import services, tasks
from notifications.models import Delivery, Kind, Preferences
from safety.models import Source
from safety.services import raise_alert
from tests.factories import AssignmentFactory, RelationshipFactory
from tests.races import skip_unless_postgresql, together

from .conftest import NOW, TODAY, due_now

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("frozen")]


def still_due() -> int:
    return Preferences.objects.filter(next_digest_at__lte=NOW, digest_enabled=True).count()


@pytest.fixture
def handed(monkeypatch, settings):
    """What each task handed to the broker held (its kinds and size), and how many digests
    were still due when it went; the tick claims two of a kind at a time."""
    settings.CELERY_WORKER_CONCURRENCY = 2
    handed = []

    def hand(ids):
        kinds = set(Delivery.objects.filter(pk__in=ids).values_list("kind", flat=True))
        handed.append((kinds, len(ids), still_due()))

    monkeypatch.setattr(tasks.deliver, "delay", lambda pk: hand([pk]))
    monkeypatch.setattr(tasks.deliver_batch, "delay", hand)
    monkeypatch.setattr(services, "claim_round", lambda: 2)
    return handed


@pytest.fixture
def help_asked(personas, handed):
    """A call for help whose e-mail row the tick must make (as if the hook that makes it when
    the alert commits had failed)."""
    raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())
    Delivery.objects.all().delete()
    handed.clear()


def digests_due(therapist, count: int) -> None:
    for _ in range(count):
        due_now(RelationshipFactory(therapist=therapist).client, digest=True)


def test_each_step_goes_to_the_workers_as_it_commits_a_call_for_help_first(
    personas, handed, help_asked
):
    digests_due(personas.therapist_a, 5)
    result = services.tick_and_enqueue(now=NOW)
    alert, *digests = handed
    assert alert == ({Kind.SAFETY_ALERT}, 1, 5)  # before any digest was claimed
    # Rounds of two, two and one, each cut for the two processes and handed over before the
    # next round is claimed.
    assert digests == [({Kind.CLIENT_DIGEST}, 1, due) for due in (3, 3, 1, 1, 0)]
    assert len(result.deliveries) == 6 and not result.more
    assert not Delivery.objects.filter(queued_at__isnull=True).exists()


def test_a_step_that_fails_leaves_the_call_for_help_handed_over_and_the_digests_due(
    personas, handed, help_asked, monkeypatch
):
    digests_due(personas.therapist_a, 1)

    def broken(**kwargs):
        raise RuntimeError("a digest could not be claimed")

    monkeypatch.setattr(services, "_due_digests", broken)
    with pytest.raises(RuntimeError):
        services.tick_and_enqueue(now=NOW)
    assert handed == [({Kind.SAFETY_ALERT}, 1, 1)]
    row = Delivery.objects.get()
    assert row.kind == Kind.SAFETY_ALERT and row.queued_at is not None
    assert still_due() == 1  # for the next tick


def test_two_ticks_at_once_make_and_hand_over_each_row_once(monkeypatch, settings):
    """Two beats' ticks released together, each claiming in rounds of three: every due
    reminder and digest gets one row, handed to the broker once."""
    skip_unless_postgresql()
    settings.CELERY_WORKER_CONCURRENCY = 2
    handed = []
    monkeypatch.setattr(tasks.deliver, "delay", lambda pk: handed.append(pk))
    monkeypatch.setattr(tasks.deliver_batch, "delay", handed.extend)
    monkeypatch.setattr(services, "claim_round", lambda: 3)
    for _ in range(3):
        for n in range(20):
            due_now(AssignmentFactory(start_date=TODAY - timedelta(days=1)).client, digest=n % 2)
        made = Delivery.objects.count()
        handed.clear()
        first, second = together(
            lambda: services.tick_and_enqueue(now=NOW), lambda: services.tick_and_enqueue(now=NOW)
        )
        assert not isinstance(first, Exception) and not isinstance(second, Exception)
        assert not set(first.deliveries) & set(second.deliveries)
        assert len(first.deliveries) + len(second.deliveries) == 20
        assert Delivery.objects.count() == made + 20
        assert sorted(handed) == sorted(first.deliveries + second.deliveries)
        assert still_due() == 0
        assert not Preferences.objects.filter(next_reminder_at__lte=NOW).exists()
