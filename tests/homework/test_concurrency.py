"""Nothing is written after a care relationship ends, even with check-offs in flight.

PostgreSQL only: SQLite runs one writer at a time, so the race cannot happen there (and
`select_for_update` is a no-op). Each thread has its own connection; a barrier releases the
check-offs and the end together, many times over.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts import services as account_services
from accounts.clock import local_today
from homework import services
from homework.models import Completion
from tests.factories import AssignmentFactory, RelationshipFactory

TRIALS = 30
CHECKERS = 6  # threads checking off, one assignment each
DAYS = 7  # each checks off the last seven days, one after the other


def _run_trial() -> tuple[Counter, int]:
    relationship = RelationshipFactory()
    client = relationship.client
    today = local_today(client.timezone)
    assignments = [
        AssignmentFactory(relationship=relationship, start_date=today - timedelta(days=DAYS))
        for _ in range(CHECKERS)
    ]
    barrier = threading.Barrier(CHECKERS + 1)
    first_saved = threading.Event()
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def check_off(assignment) -> None:
        try:
            barrier.wait()
            for back in range(DAYS):
                try:
                    services.completion_create(
                        client=client, assignment=assignment, due_date=today - timedelta(days=back)
                    )
                    outcome = "saved"
                    first_saved.set()
                except ValidationError:
                    outcome = "refused"
                with lock:
                    outcomes[outcome] += 1
        finally:
            connection.close()

    def end() -> None:
        try:
            barrier.wait()
            # End while the check-offs are under way, not before the first one lands.
            first_saved.wait(timeout=10)
            account_services.relationship_end(actor=client, relationship=relationship)
        finally:
            connection.close()

    threads = [threading.Thread(target=check_off, args=(a,)) for a in assignments]
    threads.append(threading.Thread(target=end))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    relationship.refresh_from_db()
    assert relationship.ended_at is not None
    late = Completion.objects.filter(
        assignment__relationship=relationship, completed_at__gt=relationship.ended_at
    ).count()
    return outcomes, late


def test_no_completion_is_saved_after_the_relationship_ends(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so this race cannot happen")
    totals: Counter = Counter()
    mixed = violations = late_trials = 0
    for _ in range(TRIALS):
        outcomes, late = _run_trial()
        totals += outcomes
        mixed += bool(outcomes["saved"] and outcomes["refused"])
        violations += late
        late_trials += bool(late)
    print(
        f"{TRIALS} trials: {dict(totals)}, {mixed} mixed, "
        f"{violations} saved after the end in {late_trials} trials"
    )
    assert violations == 0
    # The race really ran: in every trial check-offs landed on both sides of the end.
    assert mixed == TRIALS, f"only {mixed} of {TRIALS} trials had both outcomes: {totals}"
