"""What each side sees about triggers and goals."""

from types import SimpleNamespace

import pytest

from accounts.clock import local_today
from careplans import services
from careplans.selectors import (
    default_comparison,
    goal_figures,
    plan_items,
    plan_tags,
    trigger_figures,
)
from clients import services as record_services
from homework import services as homework_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("steady_day")]


@pytest.fixture
def trigger(personas, plan):
    return services.item_add(
        author=personas.therapist_a,
        plan=plan,
        section="triggers",
        text="Crowded trains",
        steps=["Breathe out slowly", "Step off at the next stop"],
    )


def figures(viewer, plan):
    (figure,) = trigger_figures(viewer=viewer, plan=plan, items=plan_items(plan))
    return figure.count, [(step.text, step.helped) for step in figure.steps]


def test_the_therapists_trigger_figures_change_when_the_client_unshares(personas, plan, trigger):
    client, therapist = personas.client_a, personas.therapist_a
    shared = services.trigger_log_create(
        client=client, plan=plan, item=trigger, note="Packed", shared=True
    )
    services.trigger_log_rate(client=client, log=shared, helped="yes")
    services.trigger_log_create(client=client, plan=plan, item=trigger, note="Again", shared=False)
    record_services.journal_create(
        client=client, text="x", triggers=["crowded TRAINS"], shared=True
    )

    assert figures(therapist, plan) == (
        2,
        [("Breathe out slowly", 1), ("Step off at the next stop", 1)],
    )
    assert figures(client, plan)[0] == 3

    record_services.journal_update(entry=shared.journal_entry, shared=False)

    assert figures(therapist, plan) == (
        1,
        [("Breathe out slowly", 0), ("Step off at the next stop", 0)],
    )
    assert figures(client, plan) == (
        3,
        [("Breathe out slowly", 1), ("Step off at the next stop", 1)],
    )
    assert figures(personas.therapist_b, plan)[0] == 0


def test_a_goal_shows_its_linked_homeworks_adherence(personas, plan):
    goal = services.item_add(author=personas.client_a, plan=plan, section="goals", text="Walk")
    today = local_today(personas.client_a.timezone)
    assignment = homework_services.assignment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        kind="lifestyle",
        title="Walk 20 minutes",
        frequency="daily",
        start_date=today,
    )
    services.homework_link(author=personas.therapist_a, item=goal, assignment=assignment)
    homework_services.completion_create(
        client=personas.client_a, assignment=assignment, due_date=today
    )
    (figure,) = goal_figures(viewer=personas.therapist_a, plan=plan, items=plan_items(plan))
    assert (figure.done, figure.due) == (1, 1)
    assert [link.assignment for link in figure.links] == [assignment]


def test_the_plans_triggers_and_emotions_are_journal_tags(personas, plan, trigger):
    services.item_add(author=personas.client_a, plan=plan, section="emotions", text="Anxiety")
    assert plan_tags(personas.client_a) == {"triggers": ["Crowded trains"], "emotions": ["Anxiety"]}


def test_homework_linked_to_a_coping_step_shows_beside_it(personas, plan, trigger):
    assignment = homework_services.assignment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        kind="lifestyle",
        title="Practise slow breathing",
        frequency="daily",
        start_date=local_today(personas.client_a.timezone),
    )
    services.homework_link(author=personas.therapist_a, item=trigger, assignment=assignment, step=0)
    (figure,) = trigger_figures(viewer=personas.client_a, plan=plan, items=plan_items(plan))
    assert [step.homework for step in figure.steps] == [["Practise slow breathing"], []]


@pytest.mark.parametrize(
    ("agreed", "latest", "expected"),
    [
        ([], 0, (0, 0)),
        ([], 3, (0, 3)),
        ([2], 3, (2, 3)),  # changes since the last agreement
        ([3], 3, (0, 3)),  # just agreed, the first time: the whole plan
        ([1, 3], 3, (1, 3)),  # just agreed: what it changed since the one before
    ],
)
def test_the_history_compares_first_what_matters_now(agreed, latest, expected):
    versions = [
        SimpleNamespace(number=n, agreed_at="then" if n in agreed else None)
        for n in range(latest, 0, -1)
    ]
    assert default_comparison(versions) == expected
