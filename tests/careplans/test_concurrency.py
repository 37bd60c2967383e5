"""Two people save the same item at the same moment, from the same version: one change
lands, the other is a conflict holding both texts, and nothing is lost. Real threads, each
with its own connection (SQLite takes one writer at a time; PostgreSQL locks the plan)."""

import threading

import pytest
from django.db import connection

from careplans import services
from careplans.models import PlanItem, PlanVersion
from tests.factories import RelationshipFactory

TRIALS = 5


def _race(item: PlanItem, authors: dict, base: int) -> dict:
    barrier = threading.Barrier(len(authors))
    outcomes: dict[str, object] = {}

    def save(text: str, author) -> None:
        try:
            barrier.wait()
            services.item_edit(author=author, item=item, base_version=base, text=text)
            outcomes[text] = "saved"
        except services.PlanConflict as exc:
            outcomes[text] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=pair) for pair in authors.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_from_the_same_version_one_lands_the_other_conflicts():
    for _trial in range(TRIALS):
        relationship = RelationshipFactory()
        plan = services.plan_for_relationship(relationship)
        item = services.item_add(
            author=relationship.client, plan=plan, section="needs", text="Rest"
        )
        authors = {"Rest after work": relationship.therapist, "Time alone": relationship.client}
        outcomes = _race(item, authors, base=1)

        saved = [text for text, outcome in outcomes.items() if outcome == "saved"]
        conflicts = [exc for exc in outcomes.values() if outcome_is_conflict(exc)]
        assert len(saved) == 1 and len(conflicts) == 1, outcomes
        (winner,), (conflict,) = saved, conflicts
        loser = next(text for text in authors if text != winner)
        message = conflict.message_dict["base_version"][0]
        assert winner in message and loser in message
        item.refresh_from_db()
        assert item.text == winner
        assert PlanVersion.objects.filter(plan=plan).count() == 2


def outcome_is_conflict(outcome) -> bool:
    return isinstance(outcome, services.PlanConflict)
