"""The `get_<thing>_for_user` helpers: one look-up each, strangers get 404."""

from datetime import date, timedelta

import pytest
from django.http import Http404

from homework import selectors
from homework.models import HomeworkTemplate
from tests.factories import AssignmentFactory, CompletionFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def test_it_gets_an_assignment_for_its_client_and_their_therapist(personas):
    assignment = AssignmentFactory(relationship=personas.relationship_a)
    for user in (personas.client_a, personas.therapist_a):
        assert selectors.get_assignment_for_user(user, assignment.public_id) == assignment


@pytest.mark.parametrize("persona", ["client_b", "therapist_b", "staff"])
def test_it_checks_who_may_see_an_assignment(personas, persona):
    assignment = AssignmentFactory(relationship=personas.relationship_a)
    with pytest.raises(Http404):
        selectors.get_assignment_for_user(getattr(personas, persona), assignment.public_id)


@pytest.mark.parametrize("public_id", ["not-a-uuid", "", None, 42])
def test_malformed_ids_are_404(personas, public_id):
    for get in (
        selectors.get_assignment_for_user,
        selectors.get_template_for_user,
        selectors.get_own_template_for_user,
    ):
        with pytest.raises(Http404):
            get(personas.therapist_a, public_id)


def test_a_therapist_reads_shared_and_own_templates_but_writes_only_their_own(personas):
    shared = HomeworkTemplate.objects.get(slug="gratitude")
    own = TemplateFactory(owner=personas.therapist_a)
    theirs = TemplateFactory(owner=personas.therapist_b)
    me = personas.therapist_a
    assert selectors.get_template_for_user(me, shared.public_id) == shared
    assert selectors.get_template_for_user(me, own.public_id) == own
    assert selectors.get_own_template_for_user(me, own.public_id) == own
    for template, get in (
        (theirs, selectors.get_template_for_user),
        (shared, selectors.get_own_template_for_user),
        (theirs, selectors.get_own_template_for_user),
    ):
        with pytest.raises(Http404):
            get(me, template.public_id)


def test_completions_are_counted_for_the_weeks_asked_for_only(personas):
    """The counts' query asks for the span from the first week to the last: a week between
    them that was not asked for is not counted, nor is another's homework."""
    mondays = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(4)]
    walk = AssignmentFactory(relationship=personas.relationship_a, start_date=mondays[0])
    call = AssignmentFactory(relationship=personas.relationship_a, start_date=mondays[0])
    other = AssignmentFactory(relationship=personas.relationship_b, start_date=mondays[0])
    for assignment, week, days in [(walk, 0, 2), (walk, 1, 3), (walk, 2, 1), (call, 3, 1)]:
        for day in range(days):
            CompletionFactory(assignment=assignment, due_date=mondays[week] + timedelta(days=day))
    CompletionFactory(assignment=other, due_date=mondays[0])

    asked = [mondays[0], mondays[3], mondays[2]]  # not the second week, and out of order
    assert selectors.completion_counts([walk, call], asked) == {
        (walk.pk, mondays[0]): 2,
        (walk.pk, mondays[2]): 1,
        (call.pk, mondays[3]): 1,
    }
    assert selectors.completion_counts([walk, call], [mondays[1]]) == {(walk.pk, mondays[1]): 3}
    assert selectors.completion_counts([walk], []) == {}
    assert selectors.completion_counts([], mondays) == {}
