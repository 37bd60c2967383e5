"""Two acknowledgements of one alert at the same moment: exactly one is written.

PostgreSQL only: SQLite runs one writer at a time, so the race cannot happen there. Each
thread has its own connection; a barrier releases them together, many times over.
"""

import threading
import uuid
from collections import Counter

import pytest
from django.db import connection

from accounts.models import AuditAction, AuditEvent
from safety import services
from safety.models import SafetyAlert, Source
from tests.factories import RelationshipFactory

TRIALS = 30
THREADS = 4


def _run_trial() -> tuple[Counter, SafetyAlert]:
    relationship = RelationshipFactory()
    (alert,) = services.raise_alert(
        client=relationship.client, source=Source.JOURNAL, reference=uuid.uuid4()
    )
    barrier = threading.Barrier(THREADS)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def acknowledge(n: int) -> None:
        try:
            mine = SafetyAlert.objects.select_related("relationship").get(pk=alert.pk)
            barrier.wait()
            try:
                services.acknowledge(alert=mine, therapist=relationship.therapist, note=f"Note {n}")
                outcome = "won"
            except services.AlreadyAcknowledged:
                outcome = "already"
            with lock:
                outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=acknowledge, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    alert.refresh_from_db()
    return outcomes, alert


def test_of_acknowledgements_at_once_exactly_one_wins(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so this race cannot happen")
    for _ in range(TRIALS):
        outcomes, alert = _run_trial()
        assert outcomes == {"won": 1, "already": THREADS - 1}, outcomes
        events = AuditEvent.objects.filter(
            action=AuditAction.SAFETY_ALERT_ACKNOWLEDGED, detail__alert=str(alert.public_id)
        )
        assert events.count() == 1
        # The note written is the winner's, whole: no mix of two writes.
        assert alert.note in {f"Note {n}" for n in range(THREADS)}
    print(f"{TRIALS} trials of {THREADS} acknowledgements at once: one won each time")
