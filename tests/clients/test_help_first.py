"""A call for help is saved, alerted and e-mailed whatever else in its request is wrong: in
the portal and the API, on create and on edit. What cannot be saved is left out and named."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from clients import services
from clients.models import JournalEntry
from homework import services as homework_services
from homework.models import HomeworkTemplate
from notifications import ledger
from notifications import services as notification_services
from safety.models import SafetyAlert, Source
from tests.clients.conftest import NOW, assign_from_library

pytestmark = pytest.mark.django_db

JOURNAL = "/api/v1/journal/"
SUBJECT = "A client needs your attention — please sign in"


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def assert_alerted_and_e_mailed(personas, entry, mailoutbox) -> None:
    """The entry asks for help, its alert is open, and the tick e-mails the therapist once."""
    assert entry.needs_help
    alert = SafetyAlert.objects.get()
    assert (alert.source, alert.reference) == (Source.JOURNAL, entry.public_id)
    assert alert.relationship == personas.relationship_a and alert.is_open
    result = notification_services.tick(now=NOW)
    assert [ledger.deliver(pk) for pk in result.deliveries] == ["sent"]
    [message] = mailoutbox
    assert (message.to, message.subject) == ([personas.therapist_a.email], SUBJECT)


@pytest.fixture
def journaling(personas):
    return assign_from_library(personas, "daily-mood-journal")


@pytest.fixture
def done_today(personas, journaling):
    """Today's journaling homework, completed already by another entry."""
    return services.journal_create(client=personas.client_a, text="earlier", assignment=journaling)


@pytest.fixture
def paused(personas, journaling):
    return homework_services.assignment_pause(assignment=journaling)


# --- Portal ------------------------------------------------------------------------------


def post_new(personas, **fields):
    data = {"text": "I can't go on like this", "needs_help": "on", **fields}
    return signed_in(personas.client_a).post(reverse("client_journal_new"), data, follow=True)


class TestPortal:
    def test_homework_done_already_by_another_entry_counts_for_both(
        self, personas, done_today, mailoutbox
    ):
        response = post_new(personas, assignment=str(done_today.completion.assignment.public_id))

        assert response.redirect_chain[-1][0] == reverse("crisis")
        page = response.content.decode()
        assert "Saved to your journal." in page
        assert "could not be saved" not in page
        entry = JournalEntry.objects.get(needs_help=True)
        assert entry.text == "I can't go on like this"
        assert entry.completion == done_today.completion  # one completion, two entries
        assert_alerted_and_e_mailed(personas, entry, mailoutbox)

    def test_paused_homework(self, personas, paused, mailoutbox):
        response = post_new(personas, assignment=str(paused.public_id))

        assert response.redirect_chain[-1][0] == reverse("crisis")
        assert "could not be saved" in response.content.decode()
        assert_alerted_and_e_mailed(personas, JournalEntry.objects.get(), mailoutbox)

    def test_someone_elses_homework(self, personas, mailoutbox):
        other = homework_services.assignment_create(
            therapist=personas.therapist_b,
            relationship=personas.relationship_b,
            template=HomeworkTemplate.objects.get(slug="daily-mood-journal", owner=None),
            start_date=NOW.date(),
        )
        response = post_new(personas, assignment=str(other.public_id))

        assert response.redirect_chain[-1][0] == reverse("crisis")
        entry = JournalEntry.objects.get()
        assert entry.client == personas.client_a and entry.completion is None
        assert_alerted_and_e_mailed(personas, entry, mailoutbox)

    @pytest.mark.parametrize(
        ("fields", "kept_text"),
        [
            ({"mood": "11"}, True),
            ({"occurred_at": "2027-06-01T10:00"}, True),
            ({"emotions_own": "x" * 600}, True),
            ({"triggers": "a\x00b"}, True),
            ({"text": "x" * 20_001}, False),
        ],
        ids=["mood", "future-moment", "long-feelings", "nul-trigger", "long-text"],
    )
    def test_a_field_that_does_not_validate(self, personas, fields, kept_text, mailoutbox):
        response = post_new(personas, **fields)

        assert response.redirect_chain[-1][0] == reverse("crisis")
        assert "Some of it could not be saved." in response.content.decode()
        entry = JournalEntry.objects.get()
        assert (entry.text == "I can't go on like this") is kept_text
        assert_alerted_and_e_mailed(personas, entry, mailoutbox)

    def test_an_edit_that_asks_for_help_with_a_wrong_mood(self, personas, mailoutbox):
        entry = services.journal_create(client=personas.client_a, text="A hard day", mood=3)
        url = reverse("client_record_edit", args=[entry.public_id])

        response = signed_in(personas.client_a).post(
            url, {"text": "Worse now", "mood": "12", "needs_help": "on"}, follow=True
        )

        assert response.redirect_chain[-1][0] == reverse("crisis")
        entry.refresh_from_db()
        assert (entry.text, entry.mood) == ("Worse now", 3)  # the wrong mood is left out
        assert_alerted_and_e_mailed(personas, entry, mailoutbox)

    def test_without_help_a_wrong_field_still_saves_nothing(self, personas):
        response = signed_in(personas.client_a).post(
            reverse("client_journal_new"), {"text": "x", "mood": "11"}
        )
        assert response.status_code == 400
        assert not JournalEntry.objects.exists()


# --- API ---------------------------------------------------------------------------------


def api_post(personas, body):
    return signed_in(personas.client_a).post(JOURNAL, body, content_type="application/json")


class TestAPI:
    def test_the_answer_carries_the_crisis_object(self, personas):
        response = api_post(personas, {"needs_help": True})

        assert response.status_code == 201
        body = response.json()
        assert body["not_saved"] == {}
        assert body["crisis"]["url"] == "http://127.0.0.1:8000/help-now/"
        assert body["crisis"]["therapist_told"] is True
        assert [r["name"] for r in body["crisis"]["resources"]] == ["Your local emergency number"]

    def test_an_entry_without_help_has_no_crisis_object(self, personas):
        response = api_post(personas, {"text": "fine"})
        assert response.status_code == 201
        assert response.json()["crisis"] is None

    def test_homework_done_already_by_another_entry_counts_for_both(
        self, personas, done_today, mailoutbox
    ):
        assignment = done_today.completion.assignment
        response = api_post(
            personas, {"needs_help": True, "text": "help", "assignment": str(assignment.public_id)}
        )

        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["not_saved"] == {}
        assert body["completion"] == str(done_today.completion.public_id)
        assert body["crisis"]["therapist_told"] is True
        assert_alerted_and_e_mailed(personas, JournalEntry.objects.get(text="help"), mailoutbox)

    def test_paused_homework(self, personas, paused, mailoutbox):
        response = api_post(
            personas, {"needs_help": True, "text": "help", "assignment": str(paused.public_id)}
        )
        assert response.status_code == 201, response.json()
        assert list(response.json()["not_saved"]) == ["assignment"]
        assert_alerted_and_e_mailed(personas, JournalEntry.objects.get(), mailoutbox)

    @pytest.mark.parametrize(
        "wrong",
        [
            {"mood": 11},
            {"occurred_at": "2027-06-01T10:00:00Z"},
            {"occurred_at": "9999-12-31T23:59:59Z"},
            {"emotions": "joy"},
            {"triggers": [["nested"]]},
            {"text": "x" * 20_001},
            {"assignment": "not-a-uuid"},
            {"assignment": "00000000-0000-4000-8000-000000000000"},
            {"shared": "perhaps"},
        ],
        ids=lambda wrong: next(iter(wrong)),
    )
    def test_a_field_that_does_not_validate(self, personas, wrong, mailoutbox):
        response = api_post(personas, {"needs_help": "true", "mood": 2, **wrong})

        assert response.status_code == 201, response.json()
        body = response.json()
        assert list(body["not_saved"]) == list(wrong)
        assert body["crisis"]["therapist_told"] is True
        assert_alerted_and_e_mailed(personas, JournalEntry.objects.get(), mailoutbox)

    def test_a_form_encoded_call_for_help_keeps_its_lists(self, personas, mailoutbox):
        response = signed_in(personas.client_a).post(
            JOURNAL, {"needs_help": "true", "mood": "42", "emotions": ["sadness", "shame"]}
        )
        assert response.status_code == 201, response.json()
        entry = JournalEntry.objects.get()
        assert entry.emotions == ["sadness", "shame"] and entry.mood is None
        assert_alerted_and_e_mailed(personas, entry, mailoutbox)

    def test_an_edit_that_asks_for_help(self, personas, mailoutbox):
        entry = services.journal_create(client=personas.client_a, text="A hard day")
        response = signed_in(personas.client_a).patch(
            f"{JOURNAL}{entry.public_id}/",
            {"needs_help": True, "mood": 99, "assignment": str(entry.public_id)},
            content_type="application/json",
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert set(body["not_saved"]) == {"mood", "assignment"}
        assert body["needs_help"] is True and body["crisis"]["url"].endswith("/help-now/")
        entry.refresh_from_db()
        assert_alerted_and_e_mailed(personas, entry, mailoutbox)

    def test_without_help_a_wrong_field_is_still_a_400(self, personas):
        response = api_post(personas, {"text": "x", "mood": 11})
        assert response.status_code == 400 and "mood" in response.json()
        assert not JournalEntry.objects.exists()

    def test_another_client_is_not_told_of_the_alert(self, personas):
        api_post(personas, {"needs_help": True})
        response = signed_in(personas.client_b).post(
            JOURNAL, {"text": "fine"}, content_type="application/json"
        )
        assert response.json()["crisis"] is None
        assert SafetyAlert.objects.get().relationship.client == personas.client_a


def test_a_moment_far_in_the_past_is_left_out_and_the_entry_saved_now(personas, mailoutbox):
    entry = services.journal_create(
        client=personas.client_a, needs_help=True, occurred_at=NOW - timedelta(days=400)
    )
    assert entry.occurred_at == NOW
    assert list(entry.not_saved) == ["occurred_at"]
    assert_alerted_and_e_mailed(personas, entry, mailoutbox)


def test_turning_on_help_in_an_edit_stands_when_the_homework_bookkeeping_fails(
    personas, journaling, monkeypatch, mailoutbox
):
    from django.core.exceptions import ValidationError

    from clients import rules

    entry = services.journal_create(client=personas.client_a, text="A hard week")

    def failing_sync(record):
        raise ValidationError("the homework could not be updated")

    monkeypatch.setattr(rules, "sync", failing_sync)
    edited = services.journal_update(entry=entry, needs_help=True)

    entry.refresh_from_db()
    assert edited.needs_help and entry.needs_help
    assert_alerted_and_e_mailed(personas, entry, mailoutbox)
