"""Two people save the same item at the same moment, from the same version: one change
lands, the other is a conflict holding both texts, and nothing is lost. Real threads, each
with its own connection (SQLite takes one writer at a time; PostgreSQL locks the plan)."""

import threading
from collections import Counter
from functools import partial

import pytest
from django.db import connection
from django.urls import reverse

from careplans import services
from careplans.models import PlanItem, PlanVersion
from tests.conftest import activate_totp
from tests.factories import RelationshipFactory
from tests.races import signed_in, skip_unless_postgresql, statuses, together

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


# --- Agreeing while the relationship ends ----------------------------------------------


def test_agreeing_a_version_while_the_client_ends_the_relationship_never_fails(transactional_db):
    """The therapist marks a version agreed as the client ends the relationship: either the
    agreement lands first, or the therapist is told the relationship is not active (409,
    or 404 once it is visible) — never a 500."""
    skip_unless_postgresql()
    counts: Counter = Counter()
    for _ in range(TRIALS * 3):
        relationship = RelationshipFactory()
        activate_totp(relationship.therapist)
        plan = services.plan_for_relationship(relationship)
        services.item_add(author=relationship.client, plan=plan, section="needs", text="Rest")
        therapist, client = signed_in(relationship.therapist), signed_in(relationship.client)
        agree = reverse("plan_version_agree", args=[plan.public_id, 1])
        end = reverse("client_relationship_end", args=[relationship.public_id])
        agreed, ended = together(partial(therapist.post, agree), partial(client.post, end))
        assert statuses([ended]) == [302]
        assert agreed.status_code in {302, 404, 409}, statuses([agreed])
        version = PlanVersion.objects.get(plan=plan, number=1)
        if agreed.status_code == 409:
            assert "This care relationship is not active." in agreed.content.decode()
        assert (version.agreed_at is not None) == (agreed.status_code == 302)
        counts[agreed.status_code] += 1
    print(f"{TRIALS * 3} agreements as the relationship ended: {dict(counts)}")
    assert counts[409], "the race never reached the service: nothing was proven"
