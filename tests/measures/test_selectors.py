import pytest
import time_machine

from accounts import services as account_services
from accounts.policy import mfa_satisfied
from measures import selectors, services
from measures.instruments import Change
from tests.conftest import make_active_relationship
from tests.factories import ClientFactory
from tests.measures.conftest import answer

pytestmark = pytest.mark.django_db


def assign(personas, instrument, every_weeks=1, relationship=None, therapist=None):
    return services.measure_assign(
        therapist=therapist or personas.therapist_a,
        relationship=relationship or personas.relationship_a,
        instrument=instrument,
        every_weeks=every_weeks,
    )


def weekly_answers(assignment, answers_by_week, traveller, start="2026-01-05"):
    """Answer once in each of the following weeks (Mondays from `start`)."""
    from datetime import date, timedelta

    monday = date.fromisoformat(start)
    for week, answers in enumerate(answers_by_week):
        traveller.move_to(f"{monday + timedelta(weeks=week)} 12:00Z")
        answer(assignment, answers)


def test_due_lists_what_is_unanswered_this_period(personas, phq9):
    assert [d.assignment for d in selectors.due_for_client(personas.client_a)] == [phq9]
    answer(phq9, [0] * 9)
    assert selectors.due_for_client(personas.client_a) == []
    assert selectors.due_for_client(personas.client_b) == []


def test_due_leaves_out_ended_measures_and_ended_relationships(personas, phq9):
    services.measure_end(therapist=personas.therapist_a, assignment=phq9)
    assert selectors.due_for_client(personas.client_a) == []
    assign(personas, "gad7")
    account_services.relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
    assert selectors.due_for_client(personas.client_a) == []


def test_due_costs_two_queries(personas, django_assert_num_queries):
    for instrument in ("phq9", "gad7", "who5"):
        assign(personas, instrument)
    with django_assert_num_queries(2):
        assert len(selectors.due_for_client(personas.client_a)) == 3


def test_results_mark_reliable_change_against_the_first_result(personas):
    with time_machine.travel("2026-01-05 12:00Z", tick=False) as traveller:
        phq9 = assign(personas, "phq9")
        # 12 (baseline), 7 (-5: none), 6 (-6: improved), 18 (+6: deteriorated)
        weekly_answers(
            phq9,
            [[2] * 6 + [0] * 3, [1] * 7 + [0] * 2, [1] * 6 + [0] * 3, [2] * 9],
            traveller,
        )
        [series] = selectors.results(viewer=personas.client_a, client=personas.client_a)
    assert series.definition.key == "phq9"
    assert [(r.response.score, r.baseline, r.change) for r in series.results] == [
        (12, None, Change.BASELINE),
        (7, 12, Change.NONE),
        (6, 12, Change.IMPROVED),
        (18, 12, Change.DETERIORATED),
    ]
    assert [r.delta_text for r in series.results] == ["", "-5", "-6", "+6"]


def test_who5_higher_is_better(personas):
    with time_machine.travel("2026-01-05 12:00Z", tick=False) as traveller:
        who5 = assign(personas, "who5")
        weekly_answers(who5, [[2] * 5, [3] * 5, [1] * 5], traveller)  # 40, 60, 20
        [series] = selectors.results(viewer=personas.therapist_a, client=personas.client_a)
    assert [(r.response.score, r.change) for r in series.results] == [
        (40, Change.BASELINE),
        (60, Change.IMPROVED),
        (20, Change.DETERIORATED),
    ]


def test_results_are_seen_by_the_client_and_their_active_therapist_only(personas, phq9):
    answer(phq9, [1] * 9)
    client_a = personas.client_a
    assert selectors.results(viewer=client_a, client=client_a)
    assert selectors.results(viewer=personas.therapist_a, client=client_a)
    assert selectors.results(viewer=personas.therapist_b, client=client_a) == []
    assert selectors.results(viewer=personas.client_b, client=client_a) == []
    assert selectors.results(viewer=personas.staff, client=client_a) == []
    account_services.relationship_end(
        actor=personas.therapist_a, relationship=personas.relationship_a
    )
    assert selectors.results(viewer=personas.therapist_a, client=client_a) == []
    assert selectors.results(viewer=client_a, client=client_a)  # still the client's own


def test_results_cost_one_query(personas, django_assert_num_queries):
    with time_machine.travel("2026-01-05 12:00Z", tick=False) as traveller:
        phq9, gad7 = assign(personas, "phq9"), assign(personas, "gad7")
        weekly_answers(phq9, [[1] * 9] * 3, traveller)
        weekly_answers(gad7, [[1] * 7] * 3, traveller)
    mfa_satisfied(personas.therapist_a)  # asked once per request, before any view runs
    with django_assert_num_queries(1):
        series = selectors.results(viewer=personas.therapist_a, client=personas.client_a)
        assert [len(s.results) for s in series] == [3, 3]


def test_latest_results_per_client_and_measure(personas):
    with time_machine.travel("2026-01-05 12:00Z", tick=False) as traveller:
        phq9, gad7 = assign(personas, "phq9"), assign(personas, "gad7")
        weekly_answers(phq9, [[2] * 9, [1] * 9], traveller)  # 18 then 9: improved
        weekly_answers(gad7, [[1] * 7], traveller, start="2026-01-19")  # 7: the baseline
        latest = selectors.latest_results(
            [personas.client_a.pk, personas.client_b.pk], viewer=personas.therapist_a
        )
    assert set(latest) == {personas.client_a.pk}
    mine = latest[personas.client_a.pk]
    assert (mine["phq9"].score, mine["phq9"].band.key, mine["phq9"].change) == (
        9,
        "mild",
        Change.IMPROVED,
    )
    assert (mine["gad7"].score, mine["gad7"].band.key, mine["gad7"].change) == (
        7,
        "mild",
        Change.BASELINE,
    )
    # Another therapist asking about client A learns nothing.
    assert selectors.latest_results([personas.client_a.pk], viewer=personas.therapist_b) == {}


def test_latest_results_compare_within_the_same_relationship(personas):
    """A client's second therapist sees change against the first result with them."""
    with time_machine.travel("2026-01-05 12:00Z", tick=False) as traveller:
        phq9 = assign(personas, "phq9")
        weekly_answers(phq9, [[3] * 9], traveller)  # 27 with therapist A
        second = make_active_relationship(personas.therapist_b, personas.client_a)
        with_b = assign(personas, "phq9", relationship=second, therapist=personas.therapist_b)
        weekly_answers(with_b, [[1] * 9, [1] * 9], traveller, start="2026-01-12")  # 9, 9
        latest = selectors.latest_results([personas.client_a.pk], viewer=personas.therapist_b)
    row = latest[personas.client_a.pk]["phq9"]
    assert (row.score, row.change) == (9, Change.NONE)


@pytest.mark.parametrize("clients", [10, 40])
def test_latest_results_cost_one_query_for_any_number_of_clients(
    personas, clients, django_assert_num_queries
):
    therapist = personas.therapist_a
    ids = []
    for _ in range(clients):
        relationship = make_active_relationship(therapist, ClientFactory())
        assignment = assign(personas, "phq9", relationship=relationship)
        answer(assignment, [1] * 9)
        ids.append(relationship.client_id)
    mfa_satisfied(therapist)  # asked once per request, before any view runs
    with django_assert_num_queries(1):
        latest = selectors.latest_results(ids, viewer=therapist)
    assert len(latest) == clients
    assert all(row["phq9"].score == 9 for row in latest.values())
