import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from measures import services
from measures.models import MeasureAssignment, MeasureResponse, MeasureStatus
from safety.models import SafetyAlert
from tests.measures.conftest import answer

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def form(answers) -> dict:
    return {f"q{n}": str(a) for n, a in enumerate(answers, 1) if a is not None}


def test_today_shows_the_questionnaire_due(personas, phq9):
    page = signed_in(personas.client_a).get(reverse("client_home")).content.decode()
    assert "Questionnaire due" in page
    assert reverse("client_measure_take", args=[phq9.public_id]) in page


def test_today_shows_nothing_once_answered(personas, phq9):
    answer(phq9, [0] * 9)
    page = signed_in(personas.client_a).get(reverse("client_home")).content.decode()
    assert "Questionnaire due" not in page


def test_the_page_says_the_therapist_will_see_the_answers_before_the_questions(personas, phq9):
    response = signed_in(personas.client_a).get(
        reverse("client_measure_take", args=[phq9.public_id])
    )
    page = response.content.decode()
    notice = page.index("Your therapist will see your answers and your score")
    assert notice < page.index("Little interest or pleasure in doing things")
    assert page.count("<fieldset") == 9
    assert page.count("<legend>") == 9
    assert page.count('type="radio"') == 36
    assert "Over the last 2 weeks, how often have you been bothered by" in page


def test_answering_shows_a_kind_result(personas, phq9):
    browser = signed_in(personas.client_a)
    url = reverse("client_measure_take", args=[phq9.public_id])
    response = browser.post(url, form([1, 1, 1, 1, 1, 1, 1, 0, 0]))
    saved = MeasureResponse.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("client_measure_result", args=[saved.public_id])
    page = browser.get(response["Location"]).content.decode()
    assert "Your score is <strong data-score>7</strong> out of 27" in page
    assert "Mild." in page
    assert "This is not a diagnosis." in page
    assert "This is your first PHQ-9" in page
    assert not SafetyAlert.objects.exists()


def test_question_9_above_zero_leads_to_the_crisis_page(personas, phq9):
    browser = signed_in(personas.client_a)
    url = reverse("client_measure_take", args=[phq9.public_id])
    response = browser.post(url, form([0] * 8 + [2]))
    assert response.status_code == 302
    answers = MeasureResponse.objects.get()
    assert response["Location"] == f"{reverse('crisis')}?result={answers.public_id}"
    assert SafetyAlert.objects.get(relationship=personas.relationship_a).level == 2
    crisis = browser.get(response["Location"]).content.decode()
    assert "We have let your therapist know about your answer to question 9." in crisis
    assert "asked for help" not in crisis
    assert reverse("client_measure_result", args=[answers.public_id]) in crisis


def test_an_unanswered_question_is_named_and_nothing_is_saved(personas, phq9):
    browser = signed_in(personas.client_a)
    url = reverse("client_measure_take", args=[phq9.public_id])
    response = browser.post(url, form([0, 0, None, 0, 0, 0, 0, 0, 0]))
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Please answer question 3: “Trouble falling or staying asleep, or sleeping too much”"
        in page
    )
    assert "checked" in page  # the other answers are kept
    assert not MeasureResponse.objects.exists()


def test_an_out_of_range_answer_is_refused(personas, phq9):
    browser = signed_in(personas.client_a)
    url = reverse("client_measure_take", args=[phq9.public_id])
    response = browser.post(url, {**form([0] * 9), "q9": "7"})
    assert response.status_code == 400
    assert "Please choose one of the answers to question 9." in response.content.decode()
    assert not MeasureResponse.objects.exists()
    assert not SafetyAlert.objects.exists()


def test_a_second_submit_records_nothing_and_shows_the_first(personas, phq9):
    browser = signed_in(personas.client_a)
    url = reverse("client_measure_take", args=[phq9.public_id])
    browser.post(url, form([0] * 9))
    response = browser.post(url, form([3] * 9))
    first = MeasureResponse.objects.get()
    assert first.score == 0
    assert response.status_code == 302
    assert response["Location"] == reverse("client_measures")


def test_another_clients_questionnaire_is_404(personas, phq9):
    browser = signed_in(personas.client_b)
    url = reverse("client_measure_take", args=[phq9.public_id])
    assert browser.get(url).status_code == 404
    assert browser.post(url, form([0] * 9)).status_code == 404
    response = answer(phq9, [0] * 9)
    assert (
        browser.get(reverse("client_measure_result", args=[response.public_id])).status_code == 404
    )
    assert not MeasureResponse.objects.filter(client=personas.client_b).exists()


def test_the_history_lists_the_clients_own_results(personas, phq9):
    answer(phq9, [2] * 9)
    page = signed_in(personas.client_a).get(reverse("client_measures")).content.decode()
    assert "Latest: <strong>18</strong> out of 27" in page
    assert "First result (baseline)" in page
    other = signed_in(personas.client_b).get(reverse("client_measures")).content.decode()
    assert "No questionnaires yet" in other


def test_the_therapist_sets_a_measure_from_the_client_page(personas):
    browser = signed_in(personas.therapist_a)
    detail = browser.get(reverse("therapist_client_detail", args=[personas.client_a.public_id]))
    assert "Set questionnaire" in detail.content.decode()
    url = reverse("therapist_measure_assign", args=[personas.client_a.public_id])
    response = browser.post(url, {"instrument": "gad7", "every_weeks": "4"})
    assert response.status_code == 302
    assert response["Location"] == reverse("therapist_measures", args=[personas.client_a.public_id])
    assignment = MeasureAssignment.objects.get()
    assert (assignment.instrument, assignment.every_weeks) == ("gad7", 4)
    assert assignment.relationship == personas.relationship_a


def test_a_bad_assign_form_shows_errors(personas):
    browser = signed_in(personas.therapist_a)
    url = reverse("therapist_measure_assign", args=[personas.client_a.public_id])
    response = browser.post(url, {"instrument": "bdi", "every_weeks": "13"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not MeasureAssignment.objects.exists()


def test_another_therapist_cannot_set_one(personas):
    browser = signed_in(personas.therapist_b)
    url = reverse("therapist_measure_assign", args=[personas.client_a.public_id])
    assert browser.post(url, {"instrument": "phq9", "every_weeks": "0"}).status_code == 404
    assert signed_in(personas.client_a).post(url, {"instrument": "phq9"}).status_code == 403
    assert not MeasureAssignment.objects.exists()


def test_the_therapist_reads_results_with_each_answer_and_it_is_audited(personas, phq9):
    answer(phq9, [0, 1, 2, 3, 0, 1, 2, 3, 0])
    browser = signed_in(personas.therapist_a)
    page = browser.get(reverse("therapist_measures", args=[personas.client_a.public_id]))
    body = page.content.decode()
    assert "Patient Health Questionnaire (PHQ-9)" in body
    assert '<td class="num" data-label="Score">12</td>' in body
    assert "Moderate" in body
    assert "Feeling tired or having little energy: <strong>3</strong>" in body
    assert "against the client's first result" in body
    assert AuditEvent.objects.filter(
        action=AuditAction.RECORDS_VIEWED, actor=personas.therapist_a
    ).exists()
    assert (
        signed_in(personas.therapist_b)
        .get(reverse("therapist_measures", args=[personas.client_a.public_id]))
        .status_code
        == 404
    )


def test_the_therapist_ends_a_measure(personas, phq9):
    browser = signed_in(personas.therapist_a)
    response = browser.post(reverse("therapist_measure_end", args=[phq9.public_id]))
    assert response.status_code == 302
    phq9.refresh_from_db()
    assert phq9.status == MeasureStatus.ENDED
    other = signed_in(personas.therapist_b).post(
        reverse("therapist_measure_end", args=[phq9.public_id])
    )
    assert other.status_code == 404


def _count(browser, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200
    return len(queries)


def _answer_weeks(personas, weeks: int) -> MeasureAssignment:
    MeasureResponse.objects.all().delete()
    MeasureAssignment.objects.all().delete()
    with time_machine.travel("2025-01-06 12:00Z", tick=False) as traveller:
        assignments = [
            services.measure_assign(
                therapist=personas.therapist_a,
                relationship=personas.relationship_a,
                instrument=key,
                every_weeks=1,
            )
            for key in ("phq9", "gad7", "who5")
        ]
        for _week in range(weeks):
            traveller.shift(7 * 24 * 3600)
            for assignment in assignments:
                answer(assignment, [1] * len(assignment.definition.items))
    return assignments[0]


# Each page: session and user (the session is not saved within a minute of the last save).
# Then the client's history: the questionnaires set and their answers (due), the
# results: 5. Answering: the questionnaire, the set ones and their answers: 5. A result: the
# response, the results: 4. The therapist's results page: the MFA check, the relationship,
# the audit row, the questionnaires set, the results, the alert banner: 8.
@pytest.mark.parametrize(
    ("who", "page", "queries"),
    [
        ("client_a", "client_measures", 5),
        ("client_a", "client_measure_take", 5),
        ("client_a", "client_measure_result", 4),
        ("therapist_a", "therapist_measures", 8),
    ],
)
def test_pages_run_a_fixed_number_of_queries_for_2_and_40_weeks_of_answers(
    personas, who, page, queries
):
    counts = []
    for weeks in (2, 40):
        phq9 = _answer_weeks(personas, weeks)
        user = getattr(personas, who)
        if page == "client_measure_take":
            due = services.measure_assign(
                therapist=personas.therapist_a,
                relationship=personas.relationship_a,
                instrument="phq9",
            )
            url = reverse(page, args=[due.public_id])
        elif page == "client_measure_result":
            url = reverse(page, args=[phq9.responses.last().public_id])
        elif page == "therapist_measures":
            url = reverse(page, args=[personas.client_a.public_id])
        else:
            url = reverse(page)
        counts.append(_count(signed_in(user), url))
    assert counts == [queries, queries]
