"""A double submit records one set of answers, even when both requests arrive together.

PostgreSQL only: SQLite runs one writer at a time, so the race cannot happen there. Each
thread has its own connection; a barrier releases the submits together, many times over.
"""

import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from measures import services
from measures.models import MeasureResponse
from tests.factories import MeasureAssignmentFactory

TRIALS = 20
SUBMITTERS = 4


def _run_trial() -> Counter:
    assignment = MeasureAssignmentFactory()
    barrier = threading.Barrier(SUBMITTERS)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def submit(value: int) -> None:
        try:
            barrier.wait()
            try:
                services.response_submit(
                    client=assignment.client, assignment=assignment, answers=[value] * 9
                )
                outcome = "saved"
            except services.AlreadyAnswered:
                outcome = "already answered"
            except ValidationError as exc:  # anything else would be a bug
                outcome = f"refused: {exc.messages}"
            with lock:
                outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i % 3,)) for i in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert MeasureResponse.objects.filter(assignment=assignment).count() == 1
    return outcomes


def test_submits_released_together_save_exactly_one_response(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so this race cannot happen")
    totals: Counter = Counter()
    for _ in range(TRIALS):
        outcomes = _run_trial()
        assert outcomes == Counter({"saved": 1, "already answered": SUBMITTERS - 1}), outcomes
        totals += outcomes
    print(f"{TRIALS} trials of {SUBMITTERS} submits: {dict(totals)}")
