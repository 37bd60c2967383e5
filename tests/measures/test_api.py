"""The measures API: set (therapist), list (both), submit (client), results (both)."""

import pytest
from rest_framework.test import APIClient

from measures.models import MeasureAssignment, MeasureResponse
from safety.models import SafetyAlert
from tests.measures.conftest import answer

pytestmark = pytest.mark.django_db

ASSIGNMENTS = "/api/v1/measure-assignments/"
RESPONSES = "/api/v1/measure-responses/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_therapist_sets_a_measure_and_both_sides_list_it(personas):
    response = api(personas.therapist_a).post(
        ASSIGNMENTS,
        {"client": str(personas.client_a.public_id), "instrument": "who5", "every_weeks": 2},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["instrument"] == "who5"
    assert response.data["schedule_text"] == "Every 2 weeks"
    for user in (personas.client_a, personas.therapist_a):
        listed = api(user).get(ASSIGNMENTS).json()["results"]
        assert [a["id"] for a in listed] == [response.data["id"]]
    for user in (personas.client_b, personas.therapist_b):
        assert api(user).get(ASSIGNMENTS).json()["results"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instrument": "bdi"}, "instrument"),
        ({"instrument": "phq9", "every_weeks": 0}, "every_weeks"),
        ({"instrument": "phq9", "every_weeks": 13}, "every_weeks"),
        ({"instrument": "phq9", "start_date": "2001-01-01"}, "start_date"),
    ],
)
def test_a_bad_measure_is_a_400_naming_the_field(personas, body, field):
    response = api(personas.therapist_a).post(
        ASSIGNMENTS, {"client": str(personas.client_a.public_id), **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not MeasureAssignment.objects.exists()


def test_a_client_outside_the_caseload_is_404(personas):
    response = api(personas.therapist_b).post(
        ASSIGNMENTS,
        {"client": str(personas.client_a.public_id), "instrument": "phq9"},
        format="json",
    )
    assert response.status_code == 404
    assert not MeasureAssignment.objects.exists()


def test_the_client_submits_and_gets_the_scored_result(personas, phq9):
    response = api(personas.client_a).post(
        RESPONSES,
        {"assignment": str(phq9.public_id), "answers": [1, 1, 1, 1, 1, 1, 1, 1, 1]},
        format="json",
    )
    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["score"], body["band"], body["band_label"]) == (9, "mild", "Mild")
    assert (body["change"], body["baseline"]) == ("baseline", None)
    # question 9 was answered 1: where help is, as on the crisis page
    assert body["crisis"]["url"].endswith("/help-now/")
    assert body["crisis"]["therapist_told"] is True
    assert body["crisis"]["resources"][0]["name"] == "Your local emergency number"
    assert SafetyAlert.objects.get().reference == MeasureResponse.objects.get().public_id


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([0] * 8, "PHQ-9 has 9 questions; 8 answers were given."),
        ([0] * 8 + [None], "Question 9 (“Thoughts that you would be better off dead"),
        ([0] * 8 + [4], "Question 9 (“Thoughts that you would be better off dead"),
    ],
)
def test_bad_answers_are_a_400_with_the_question_named(personas, phq9, answers, message):
    response = api(personas.client_a).post(
        RESPONSES, {"assignment": str(phq9.public_id), "answers": answers}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["answers"][0].startswith(message)
    assert not MeasureResponse.objects.exists()
    assert not SafetyAlert.objects.exists()


def test_a_missing_answer_list_is_a_400(personas, phq9):
    response = api(personas.client_a).post(
        RESPONSES, {"assignment": str(phq9.public_id)}, format="json"
    )
    assert response.status_code == 400
    assert "answers" in response.json()


def test_a_double_submit_is_a_409_and_nothing_is_recorded_twice(personas, phq9):
    client = api(personas.client_a)
    body = {"assignment": str(phq9.public_id), "answers": [0] * 9}
    first = client.post(RESPONSES, body, format="json")
    second = client.post(RESPONSES, {**body, "answers": [3] * 9}, format="json")
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["response"] == first.json()["id"]
    assert "already answered" in second.json()["answers"][0]
    assert MeasureResponse.objects.get().score == 0


def test_someone_elses_questionnaire_is_a_400_that_says_nothing(personas, phq9):
    response = api(personas.client_b).post(
        RESPONSES, {"assignment": str(phq9.public_id), "answers": [0] * 9}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"assignment": ["There is no such questionnaire."]}
    assert not MeasureResponse.objects.exists()


def test_results_for_both_sides(personas, phq9):
    answer(phq9, [2] * 9)
    mine = api(personas.client_a).get(RESPONSES).json()
    assert [(r["score"], r["band"]) for r in mine] == [(18, "moderately_severe")]
    theirs = api(personas.therapist_a).get(RESPONSES, {"client": str(personas.client_a.public_id)})
    assert theirs.status_code == 200
    assert theirs.json()[0]["answers"] == [2] * 9
    # A therapist must say whose; another therapist's client is a 404.
    assert api(personas.therapist_a).get(RESPONSES).status_code == 400
    other = api(personas.therapist_b).get(RESPONSES, {"client": str(personas.client_a.public_id)})
    assert other.status_code == 404
    assert api(personas.client_b).get(RESPONSES).json() == []


def test_a_bad_filter_is_a_400(personas):
    response = api(personas.client_a).get(RESPONSES, {"instrument": "bdi"})
    assert response.status_code == 400
    assert "instrument" in response.json()


def test_the_therapist_ends_a_measure_and_the_client_cannot(personas, phq9):
    url = f"{ASSIGNMENTS}{phq9.public_id}/end/"
    assert api(personas.client_a).post(url).status_code == 403
    assert api(personas.therapist_b).post(url).status_code == 404
    response = api(personas.therapist_a).post(url)
    assert response.status_code == 200
    assert response.json()["status"] == "ended"
