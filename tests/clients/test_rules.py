"""Which records complete which homework (`clients.rules`): by each homework's own rule,
once per day however many records meet it, and undone only where the record made it."""

from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients import services
from clients.models import JournalEntry
from homework import services as homework_services
from homework.models import Completion, CompletionSource
from tests.factories import AssignmentFactory, RelationshipFactory
from tests.races import skip_unless_postgresql, together

from .conftest import NOW, TODAY, assign_from_library


def journaling(personas, title: str, rule: str):
    return homework_services.assignment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        kind="journal",
        title=title,
        frequency="daily",
        start_date=TODAY - timedelta(days=7),
        completes_by=rule,
    )


@pytest.fixture
def four(personas):
    """Client A's journaling homework, one per rule."""
    return {
        rule: journaling(personas, f"By {rule}", rule)
        for rule in ("entry", "mood", "words", "check_off")
    }


def done(assignment) -> list:
    return sorted(c.due_date for c in Completion.objects.filter(assignment=assignment))


def completed(record) -> set[str]:
    return {c.assignment.title for c in record.completions.select_related("assignment")}


class TestTheRules:
    def test_a_mood_alone_completes_any_entry_and_mood_homework_only(self, personas, four):
        exercise = assign_from_library(personas, "exercise-minutes")
        entry = services.journal_create(client=personas.client_a, mood=4)

        assert completed(entry) == {"By entry", "By mood"}
        assert done(four["words"]) == done(four["check_off"]) == done(exercise) == []
        sources = set(Completion.objects.values_list("source", flat=True))
        assert sources == {CompletionSource.LOG}

    def test_some_words_complete_any_entry_and_words_homework(self, personas, four):
        entry = services.journal_create(client=personas.client_a, text="A long walk helped.")
        assert completed(entry) == {"By entry", "By words"}

    def test_the_library_says_what_completes_its_journaling(self, personas):
        mood_journal = assign_from_library(personas, "daily-mood-journal")
        gratitude = assign_from_library(personas, "gratitude")
        assert (mood_journal.rule, gratitude.rule) == ("mood", "words")

        services.journal_create(client=personas.client_a, mood=7)

        assert done(mood_journal) == [TODAY] and done(gratitude) == []

    def test_a_lifestyle_log_completes_by_its_target_not_by_a_journal_rule(self, personas):
        sleep = assign_from_library(personas, "sleep-routine")  # 7 hours
        log = services.lifestyle_create(client=personas.client_a, sleep_hours=6)
        assert done(sleep) == []
        services.lifestyle_update(log=log, sleep_hours=8)
        assert done(sleep) == [TODAY]

    def test_a_rule_no_record_of_the_kind_can_meet_is_refused(self, personas):
        with pytest.raises(ValidationError) as refused:
            assign_from_library(personas, "sleep-routine", completes_by="words")
        assert "completes_by" in refused.value.message_dict

    def test_the_api_refuses_it_with_a_field_message(self, client, personas):
        client.force_login(personas.therapist_a)
        response = client.post(
            "/api/v1/assignments/",
            {
                "client": str(personas.client_a.public_id),
                "kind": "social",
                "title": "See a friend",
                "frequency": "daily",
                "completes_by": "mood",
            },
            content_type="application/json",
        )
        assert response.status_code == 400
        assert "No social connection record can meet this" in response.json()["completes_by"][0]


class TestUndoingOnlyWhatItDid:
    def test_editing_away_the_mood_undoes_only_the_mood_homework(self, personas, four):
        entry = services.journal_create(client=personas.client_a, mood=4, text="ok")
        assert completed(entry) == {"By entry", "By mood", "By words"}

        entry = services.journal_update(entry=entry, mood=None)

        assert completed(entry) == {"By entry", "By words"}
        assert done(four["mood"]) == []
        assert done(four["entry"]) == done(four["words"]) == [TODAY]

    def test_unlinking_undoes_that_homework_and_the_rule_leaves_it_alone(self, personas, four):
        entry = services.journal_create(client=personas.client_a, mood=4)

        services.record_unlink(record=entry, assignment=four["mood"])
        entry = services.journal_update(entry=JournalEntry.objects.get(pk=entry.pk), mood=5)

        assert completed(entry) == {"By entry"}
        assert done(four["mood"]) == [] and done(four["entry"]) == [TODAY]

    def test_unlinking_leaves_a_check_off_ticked_by_hand(self, personas, four):
        ticked = homework_services.completion_create(
            client=personas.client_a, assignment=four["mood"], due_date=TODAY
        )
        entry = services.journal_create(client=personas.client_a, mood=4)
        assert ticked in entry.completions.all()  # the entry counts for the day already done

        services.record_unlink(record=entry, assignment=four["mood"])

        assert Completion.objects.filter(pk=ticked.pk).exists()
        assert completed(entry) == {"By entry"}

    def test_unlinking_what_it_did_not_complete_is_a_conflict(self, personas, four):
        entry = services.journal_create(client=personas.client_a, mood=4)
        with pytest.raises(ValidationError) as refused:
            services.record_unlink(record=entry, assignment=four["words"])
        assert set(refused.value.conflict["completes"]) == {
            str(four["entry"].public_id),
            str(four["mood"].public_id),
        }


class TestTwoRecordsOneDay:
    def test_two_entries_complete_the_day_once_and_it_stays_while_one_holds_it(
        self, personas, four
    ):
        first = services.journal_create(client=personas.client_a, mood=3)
        second = services.journal_create(client=personas.client_a, mood=6)

        assert done(four["mood"]) == [TODAY]
        assert set(first.completions.all()) == set(second.completions.all())

        services.record_delete(record=first)
        assert done(four["mood"]) == [TODAY]  # the second entry still holds it
        services.record_delete(record=second)
        assert done(four["mood"]) == []

    def test_moving_an_entry_to_another_day_moves_what_it_completed(self, personas, four):
        entry = services.journal_create(client=personas.client_a, mood=3)
        services.journal_update(entry=entry, occurred_at=NOW - timedelta(days=2))
        assert done(four["mood"]) == [TODAY - timedelta(days=2)]


class TestUnlinkInThePortalAndTheApi:
    def test_one_tap_on_the_record_page(self, as_a, personas, four):
        entry = services.journal_create(client=personas.client_a, mood=4)
        page = as_a.get(reverse("client_record", args=[entry.public_id])).content.decode()
        assert "Counts for your homework" in page and "By mood" in page

        response = as_a.post(
            reverse("client_record_unlink", args=[entry.public_id]),
            {"assignment": str(four["mood"].public_id)},
            follow=True,
        )

        assert "No longer counted for “By mood”." in response.content.decode()
        assert done(four["mood"]) == []

    def test_the_api_unlinks_and_says_409_the_second_time(self, as_a, personas, four):
        entry = services.journal_create(client=personas.client_a, mood=4)
        url = f"/api/v1/journal/{entry.public_id}/unlink/"
        body = {"assignment": str(four["mood"].public_id)}

        first = as_a.post(url, body, content_type="application/json")
        again = as_a.post(url, body, content_type="application/json")

        assert first.status_code == 200
        assert [c["title"] for c in first.json()["completes"]] == ["By entry"]
        assert again.status_code == 409
        assert again.json()["completes"] == [str(four["entry"].public_id)]

    def test_another_clients_record_is_not_found_and_nothing_changes(self, client, personas, four):
        entry = services.journal_create(client=personas.client_a, mood=4)
        client.force_login(personas.client_b)
        response = client.post(
            f"/api/v1/journal/{entry.public_id}/unlink/",
            {"assignment": str(four["mood"].public_id)},
            content_type="application/json",
        )
        assert response.status_code == 404
        assert done(four["mood"]) == [TODAY]


def test_two_entries_at_once_complete_the_day_once(transactional_db):
    """PostgreSQL, requests released together: one completion, both entries hold it."""
    skip_unless_postgresql()
    for _trial in range(5):
        relationship = RelationshipFactory()
        homework = AssignmentFactory(relationship=relationship, completes_by="mood")
        client = relationship.client

        results = together(
            partial(services.journal_create, client=client, mood=2),
            partial(services.journal_create, client=client, mood=8),
        )

        assert all(isinstance(r, JournalEntry) for r in results), results
        completions = list(Completion.objects.filter(assignment=homework))
        assert len(completions) == 1
        for entry in results:
            assert list(entry.completions.all()) == completions


def test_the_export_says_which_record_completed_which_homework(personas, four):
    from clients.export import export_data

    entry = services.journal_create(client=personas.client_a, mood=4)
    links = export_data(personas.client_a)["journal_homework"]
    expected = {(entry.public_id, c.public_id) for c in entry.completions.all()}
    assert len(expected) == 2
    assert {(r["journalentry__public_id"], r["completion__public_id"]) for r in links} == expected
