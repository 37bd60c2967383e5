"""PHQ-9 question 9 above "not at all" reaches the therapist even when the other answers
cannot be saved yet; the complete answers later raise no second alert."""

import pytest
from django.test import Client
from django.urls import reverse

from measures.models import MeasureResponse
from notifications import ledger
from notifications import services as notification_services
from safety.models import SafetyAlert, Source

pytestmark = pytest.mark.django_db

RESULTS = "/api/v1/measure-responses/"
MISSING_3 = [1, 1, None, 1, 1, 1, 1, 1, 2]


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def form(answers) -> dict:
    return {f"q{n}": str(a) for n, a in enumerate(answers, 1) if a is not None}


def e_mails_sent(now) -> list[str]:
    result = notification_services.tick(now=now)
    return [ledger.deliver(pk) for pk in result.deliveries]


class TestPortal:
    def test_a_missing_answer_with_question_9_still_alerts(self, personas, phq9, mailoutbox):
        url = reverse("client_measure_take", args=[phq9.public_id])
        response = signed_in(personas.client_a).post(url, form(MISSING_3))

        assert response.status_code == 400
        page = response.content.decode()
        assert "We have let your therapist know about your answer to question 9." in page
        assert reverse("crisis") in page
        assert "Please answer question 3" in page
        assert not MeasureResponse.objects.exists()
        alert = SafetyAlert.objects.get()
        assert alert.source == Source.PHQ9_ITEM9 and alert.is_open
        assert e_mails_sent(alert.raised_at) == ["sent"]
        assert len(mailoutbox) == 1

    def test_the_complete_answers_then_raise_no_second_alert(self, personas, phq9):
        browser = signed_in(personas.client_a)
        url = reverse("client_measure_take", args=[phq9.public_id])
        browser.post(url, form(MISSING_3))
        browser.post(url, form(MISSING_3))  # a second try: still one alert

        response = browser.post(url, form([1, 1, 1, 1, 1, 1, 1, 1, 2]))

        answers = MeasureResponse.objects.get()
        assert response["Location"] == f"{reverse('crisis')}?result={answers.public_id}"
        alert = SafetyAlert.objects.get()
        assert alert.reference == answers.public_id
        assert alert.level == 2

    def test_missing_answers_without_question_9_raise_nothing(self, personas, phq9):
        url = reverse("client_measure_take", args=[phq9.public_id])
        response = signed_in(personas.client_a).post(url, form([1, 1, None, 1, 1, 1, 1, 1, 0]))
        assert response.status_code == 400
        assert "data-help-asked" not in response.content.decode()
        assert not SafetyAlert.objects.exists()


class TestAPI:
    def submit(self, personas, phq9, answers):
        return signed_in(personas.client_a).post(
            RESULTS,
            {"assignment": str(phq9.public_id), "answers": answers},
            content_type="application/json",
        )

    def test_a_wrong_answer_with_question_9_is_a_400_with_the_crisis_object(
        self, personas, phq9, mailoutbox
    ):
        response = self.submit(personas, phq9, [1, 1, 7, 1, 1, 1, 1, 1, 3])

        assert response.status_code == 400
        body = response.json()
        assert "Question 3" in body["answers"][0]
        assert body["crisis"]["url"].endswith("/help-now/")
        assert body["crisis"]["therapist_told"] is True
        alert = SafetyAlert.objects.get()
        assert e_mailed_once(alert, mailoutbox)

    @pytest.mark.parametrize("answer", ["1", 1.0, True, "one"])
    def test_an_answer_that_is_not_a_whole_number_is_refused(self, personas, phq9, answer):
        response = self.submit(personas, phq9, [answer, 1, 1, 1, 1, 1, 1, 1, 0])
        assert response.status_code == 400
        assert "Question 1" in response.json()["answers"][0]
        assert not MeasureResponse.objects.exists()

    def test_a_string_in_question_9_is_not_a_call_for_help(self, personas, phq9):
        response = self.submit(personas, phq9, [1, 1, 1, 1, 1, 1, 1, 1, "2"])
        assert response.status_code == 400 and "crisis" not in response.json()
        assert not SafetyAlert.objects.exists()

    def test_a_result_without_question_9_has_no_crisis_object(self, personas, phq9):
        response = self.submit(personas, phq9, [0] * 9)
        assert response.status_code == 201 and response.json()["crisis"] is None


def e_mailed_once(alert, mailoutbox) -> bool:
    return e_mails_sent(alert.raised_at) == ["sent"] and len(mailoutbox) == 1
