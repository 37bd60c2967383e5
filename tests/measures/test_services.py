from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import services as account_services
from accounts.clock import local_today
from accounts.models import AuditAction, AuditEvent
from measures import services
from measures.models import MeasureAssignment, MeasureResponse, MeasureStatus
from safety.models import SafetyAlert, Source
from tests.factories import MeasureResponseFactory
from tests.measures.conftest import answer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("steady_day")]


def test_it_scores_and_records_the_answers(phq9):
    response = answer(phq9, [1, 2, 1, 0, 0, 3, 2, 1, 0])
    response.refresh_from_db()
    assert (response.raw_total, response.score, response.band) == (10, 10, "moderate")
    assert response.answers == [1, 2, 1, 0, 0, 3, 2, 1, 0]
    assert response.period == 0
    assert response.client == phq9.client
    assert not SafetyAlert.objects.exists()


def test_question_9_above_zero_raises_an_alert_in_the_same_transaction(phq9, personas):
    response = answer(phq9, [0] * 8 + [1])
    alert = SafetyAlert.objects.get()
    assert alert.source == Source.PHQ9_ITEM9
    assert alert.reference == response.public_id
    assert alert.relationship == personas.relationship_a
    assert services.needs_crisis_page(response)
    assert AuditEvent.objects.filter(action=AuditAction.SAFETY_ALERT_RAISED).count() == 1


def test_a_high_score_without_question_9_raises_no_alert(phq9):
    answer(phq9, [3] * 8 + [0])
    assert not SafetyAlert.objects.exists()


@pytest.mark.parametrize("instrument", ["gad7", "who5"])
def test_other_measures_never_raise_an_alert(personas, instrument):
    assignment = services.measure_assign(
        therapist=personas.therapist_a, relationship=personas.relationship_a, instrument=instrument
    )
    count = len(assignment.definition.items)
    response = answer(assignment, [3] * count)
    assert not services.needs_crisis_page(response)
    assert not SafetyAlert.objects.exists()


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ([0] * 8, "PHQ-9 has 9 questions; 8 answers were given."),
        ([0] * 10, "PHQ-9 has 9 questions; 10 answers were given."),
        ([0, None, 0, 0, 0, 0, 0, 0, 0], "Question 2 (“Feeling down, depressed, or hopeless”)"),
        ([0, 0, 0, 4, 0, 0, 0, 0, 0], "Question 4"),
        ([0, 0, 0, 0, 0, 0, 0, 0, -1], "Question 9"),
    ],
)
def test_bad_answers_are_refused_with_a_message_naming_the_question(phq9, answers, fragment):
    with pytest.raises(ValidationError) as caught:
        answer(phq9, answers)
    assert any(fragment in message for message in caught.value.message_dict["answers"])
    assert not MeasureResponse.objects.exists()
    assert not SafetyAlert.objects.exists()


def test_a_bad_question_9_raises_no_alert(phq9):
    with pytest.raises(ValidationError):
        answer(phq9, [0] * 8 + [7])
    assert not SafetyAlert.objects.exists()


def test_a_double_submit_records_nothing_twice(phq9):
    first = answer(phq9, [0] * 9)
    with pytest.raises(services.AlreadyAnswered) as caught:
        answer(phq9, [3] * 9)
    assert caught.value.response == first
    assert caught.value.conflict == {"response": str(first.public_id)}
    assert MeasureResponse.objects.get().score == 0


def test_the_database_refuses_a_second_row_for_the_same_period(phq9):
    first = answer(phq9, [0] * 9)
    copy = MeasureResponseFactory.build(assignment=phq9, period=first.period, answers=[0] * 9)
    with (
        pytest.raises(IntegrityError, match=r"once_per_period|assignment_id, measures_measure"),
        transaction.atomic(),
    ):
        copy.save()


def test_answers_cannot_be_changed_once_submitted(phq9):
    response = answer(phq9, [0] * 9)
    response.answers = [3] * 9
    with pytest.raises(ValidationError, match="cannot be changed"):
        response.save()
    response.refresh_from_db()
    assert response.answers == [0] * 9


def test_the_database_refuses_a_score_that_does_not_match_the_measure(phq9):
    bad = MeasureResponseFactory.build(
        assignment=phq9,
        instrument="who5",
        answers=[5] * 5,
        score=25,  # not 25 * 4
    )
    with (
        pytest.raises(IntegrityError, match="measures_response_score_in_range"),
        transaction.atomic(),
    ):
        bad.save()


def test_clean_refuses_answers_that_do_not_match_the_score(phq9):
    bad = MeasureResponseFactory.build(assignment=phq9, answers=[1] * 9, raw_total=8, score=8)
    with pytest.raises(ValidationError, match="does not match"):
        bad.full_clean()


def test_only_the_client_answers_their_own(phq9, personas):
    with pytest.raises(ValidationError, match="not yours"):
        services.response_submit(client=personas.client_b, assignment=phq9, answers=[0] * 9)
    assert not MeasureResponse.objects.exists()


def test_nothing_is_written_after_the_relationship_ends(phq9, personas):
    account_services.relationship_end(
        actor=personas.therapist_a, relationship=personas.relationship_a
    )
    with pytest.raises(ValidationError, match="not active"):
        answer(phq9, [0] * 9)
    with pytest.raises(ValidationError, match="not active"):
        services.measure_assign(
            therapist=personas.therapist_a,
            relationship=personas.relationship_a,
            instrument="gad7",
        )
    assert not MeasureResponse.objects.exists()
    assert MeasureAssignment.objects.count() == 1


def test_an_ended_measure_cannot_be_answered(phq9, personas):
    services.measure_end(therapist=personas.therapist_a, assignment=phq9)
    phq9.refresh_from_db()
    assert phq9.status == MeasureStatus.ENDED and phq9.ended_at is not None
    with pytest.raises(ValidationError, match="has ended"):
        answer(phq9, [0] * 9)
    with pytest.raises(ValidationError, match="already ended"):
        services.measure_end(therapist=personas.therapist_a, assignment=phq9)


def test_only_the_therapist_of_the_relationship_sets_or_ends(phq9, personas):
    with pytest.raises(ValidationError, match="not in your caseload"):
        services.measure_assign(
            therapist=personas.therapist_b,
            relationship=personas.relationship_a,
            instrument="phq9",
        )
    with pytest.raises(ValidationError, match="not one you set"):
        services.measure_end(therapist=personas.therapist_b, assignment=phq9)


@pytest.mark.parametrize("every_weeks", [0, 13])
def test_the_repeat_is_one_to_twelve_weeks(personas, every_weeks):
    with pytest.raises(ValidationError) as caught:
        services.measure_assign(
            therapist=personas.therapist_a,
            relationship=personas.relationship_a,
            instrument="phq9",
            every_weeks=every_weeks,
        )
    assert "every_weeks" in caught.value.message_dict
    assert not MeasureAssignment.objects.exists()


def test_the_database_refuses_a_repeat_outside_one_to_twelve(personas):
    with (
        pytest.raises(IntegrityError, match="measures_assignment_every_weeks_range"),
        transaction.atomic(),
    ):
        MeasureAssignment.objects.create(
            relationship=personas.relationship_a,
            client=personas.client_a,
            instrument="phq9",
            every_weeks=13,
            start_date=local_today("UTC"),
        )


def test_an_unknown_instrument_or_a_past_start_is_refused(personas):
    base = {"therapist": personas.therapist_a, "relationship": personas.relationship_a}
    with pytest.raises(ValidationError) as caught:
        services.measure_assign(**base, instrument="bdi2")
    assert "instrument" in caught.value.message_dict
    yesterday = local_today(personas.client_a.timezone) - timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.measure_assign(**base, instrument="phq9", start_date=yesterday)
    assert "start_date" in caught.value.message_dict


def test_a_repeating_measure_is_answered_once_per_period(personas):
    with time_machine.travel("2026-03-02 10:00Z", tick=False) as traveller:
        assignment = services.measure_assign(
            therapist=personas.therapist_a,
            relationship=personas.relationship_a,
            instrument="gad7",
            every_weeks=2,
        )
        assert answer(assignment, [1] * 7).period == 0
        traveller.move_to("2026-03-15 10:00Z")  # day 13: still the first period
        with pytest.raises(services.AlreadyAnswered):
            answer(assignment, [1] * 7)
        traveller.move_to("2026-03-16 10:00Z")  # day 14: the second
        assert answer(assignment, [2] * 7).period == 1
    assert list(MeasureResponse.objects.values_list("period", flat=True)) == [0, 1]


def test_a_measure_starting_later_is_not_due_yet(personas):
    tomorrow = local_today(personas.client_a.timezone) + timedelta(days=1)
    assignment = services.measure_assign(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        instrument="phq9",
        start_date=tomorrow,
    )
    with pytest.raises(ValidationError, match="not due yet"):
        answer(assignment, [0] * 9)
