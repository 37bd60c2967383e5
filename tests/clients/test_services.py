"""Record services: journal, lifestyle and social logs, the homework they complete,
sharing defaults and feedback."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditAction, AuditEvent
from accounts.services import relationship_end
from clients import services
from clients.models import Feedback, JournalEntry, LifestyleLog, SharingPreference
from homework.models import Completion, CompletionSource
from tests.clients.conftest import NOW, TODAY, assign_from_library
from tests.conftest import make_active_relationship
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


class TestJournal:
    def test_it_saves_an_entry_private_by_default(self, personas):
        entry = services.journal_create(
            client=personas.client_a, text="Long walk", mood=7, emotions=["Calm", "calm", "tired"]
        )
        assert entry.shared is False
        assert entry.recalled is False
        assert entry.emotions == ["calm", "tired"]
        assert entry.occurred_at == NOW

    def test_it_shares_by_default_when_the_client_chose_so(self, personas):
        services.sharing_default_set(
            client=personas.client_a, relationship=personas.relationship_a, share_by_default=True
        )
        assert services.journal_create(client=personas.client_a, text="x").shared is True

    def test_with_two_therapists_records_are_shared_by_default_only_if_both_say_so(self, personas):
        second = make_active_relationship(personas.therapist_b, personas.client_a)
        services.sharing_default_set(
            client=personas.client_a, relationship=personas.relationship_a, share_by_default=True
        )
        assert services.journal_create(client=personas.client_a, text="x").shared is False
        services.sharing_default_set(
            client=personas.client_a, relationship=second, share_by_default=True
        )
        assert services.journal_create(client=personas.client_a, text="y").shared is True

    def test_an_ended_relationship_no_longer_shares_by_default(self, personas):
        SharingPreference.objects.create(
            relationship=personas.relationship_a, share_by_default=True
        )
        relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
        assert services.journal_create(client=personas.client_a, text="x").shared is False

    def test_an_entry_logged_days_later_is_recalled(self, personas):
        entry = services.journal_create(
            client=personas.client_a, text="x", occurred_at=NOW - timedelta(days=3)
        )
        assert entry.recalled is True

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"mood": 11}, "mood"),
            ({"text": "a\x00b"}, "text"),
            ({"text": "x" * 20_001}, "text"),
            ({"text": "x", "occurred_at": NOW + timedelta(days=1)}, "occurred_at"),
            ({"text": "x", "occurred_at": NOW - timedelta(days=900)}, "occurred_at"),
            ({"text": "x", "triggers": ["y" * 41]}, "triggers"),
            ({"text": ""}, "text"),
        ],
    )
    def test_it_refuses_bad_input_and_saves_nothing(self, personas, fields, field):
        with pytest.raises(ValidationError) as error:
            services.journal_create(client=personas.client_a, **fields)
        assert field in error.value.message_dict
        assert not JournalEntry.objects.exists()

    def test_it_completes_the_journaling_homework_it_answers(self, personas):
        homework = assign_from_library(personas, "daily-mood-journal")
        entry = services.journal_create(client=personas.client_a, text="x", assignment=homework)
        assert entry.completion.assignment == homework
        assert entry.completion.source == CompletionSource.LOG
        assert entry.completion.due_date == TODAY
        assert entry.shared is False  # homework answers are shared only when the client says so

    def test_it_takes_over_a_check_off_and_leaves_it_when_deleted(self, personas):
        homework = assign_from_library(personas, "daily-mood-journal")
        checked = Completion.objects.create(
            assignment=homework, client=personas.client_a, due_date=TODAY, week=date(2026, 11, 23)
        )
        entry = services.journal_create(client=personas.client_a, text="x", assignment=homework)
        assert entry.completion == checked
        services.record_delete(record=entry)
        assert Completion.objects.filter(pk=checked.pk).exists()

    def test_deleting_the_entry_undoes_the_completion_it_made(self, personas):
        homework = assign_from_library(personas, "daily-mood-journal")
        entry = services.journal_create(client=personas.client_a, text="x", assignment=homework)
        services.record_delete(record=entry)
        assert not Completion.objects.filter(assignment=homework).exists()

    def test_it_refuses_homework_of_another_kind(self, personas):
        homework = assign_from_library(personas, "exercise-minutes")
        with pytest.raises(ValidationError) as error:
            services.journal_create(client=personas.client_a, text="x", assignment=homework)
        assert "assignment" in error.value.message_dict
        assert not JournalEntry.objects.exists()


class TestLifestyle:
    def test_it_completes_the_homework_whose_target_it_meets(self, personas):
        exercise = assign_from_library(personas, "exercise-minutes")
        sleep = assign_from_library(personas, "sleep-routine")
        log = services.lifestyle_create(
            client=personas.client_a, exercise_minutes=45, sleep_hours=6
        )
        assert list(log.completions.values_list("assignment", flat=True)) == [exercise.pk]
        assert not Completion.objects.filter(assignment=sleep).exists()

    def test_editing_below_the_target_undoes_only_its_own_completions(self, personas):
        exercise = assign_from_library(personas, "exercise-minutes")
        sleep = assign_from_library(personas, "sleep-routine")
        checked = Completion.objects.create(
            assignment=sleep, client=personas.client_a, due_date=TODAY, week=date(2026, 11, 23)
        )
        log = services.lifestyle_create(
            client=personas.client_a, exercise_minutes=45, sleep_hours=8
        )
        services.lifestyle_update(log=log, exercise_minutes=10, sleep_hours=5)
        assert not Completion.objects.filter(assignment=exercise).exists()
        assert Completion.objects.filter(pk=checked.pk).exists()  # a check-off is the client's
        services.lifestyle_update(log=log, exercise_minutes=30)
        assert Completion.objects.filter(assignment=exercise, due_date=TODAY).exists()

    def test_one_log_per_local_day(self, personas):
        services.lifestyle_create(client=personas.client_a, sleep_hours=7)
        with pytest.raises(ValidationError) as error:
            services.lifestyle_create(client=personas.client_a, sleep_hours=8)
        assert "day" in error.value.message_dict
        assert LifestyleLog.objects.count() == 1

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"sleep_hours": 30}, "sleep_hours"),
            ({"sleep_quality": 0}, "sleep_quality"),
            ({"exercise_minutes": -5}, "exercise_minutes"),
            ({"alcohol_units": -1}, "alcohol_units"),
            ({"day": TODAY + timedelta(days=1)}, "day"),
            ({"day": date(2020, 1, 1)}, "day"),
            ({"note": "\x00"}, "note"),
        ],
    )
    def test_it_refuses_bad_input(self, personas, fields, field):
        with pytest.raises(ValidationError) as error:
            services.lifestyle_create(client=personas.client_a, **fields)
        assert field in error.value.message_dict
        assert not LifestyleLog.objects.exists()


class TestSocial:
    def test_it_completes_matching_social_homework(self, personas):
        reach_out = assign_from_library(personas, "reach-out")
        help_someone = assign_from_library(personas, "help-someone")
        friend = PersonFactory(client=personas.client_a)
        activity = services.social_create(
            client=personas.client_a, person=friend, mode="call", minutes=20, support="received"
        )
        assert [c.assignment for c in activity.completions.all()] == [reach_out]
        services.social_update(activity=activity, support="given")
        assert {c.assignment for c in activity.completions.all()} == {reach_out, help_someone}

    def test_a_person_from_another_clients_list_is_refused(self, personas):
        theirs = PersonFactory(client=personas.client_b)
        with pytest.raises(ValidationError) as error:
            services.social_create(client=personas.client_a, person=theirs, mode="call")
        assert "person" in error.value.message_dict


class TestFeedback:
    def test_the_therapist_leaves_feedback_and_the_client_replies(self, personas):
        entry = services.journal_create(client=personas.client_a, text="x", shared=True)
        feedback = services.feedback_create(author=personas.therapist_a, record=entry, text="Hi")
        reply = services.feedback_create(author=personas.client_a, record=entry, text="Thanks")
        assert feedback.relationship == reply.relationship == personas.relationship_a
        assert AuditEvent.objects.filter(action=AuditAction.FEEDBACK).count() == 2

    def test_a_thread_stays_short(self, personas):
        entry = services.journal_create(client=personas.client_a, text="x", shared=True)
        for number in range(services.THREAD_MAX):
            author = personas.therapist_a if number % 2 == 0 else personas.client_a
            services.feedback_create(author=author, record=entry, text=f"{number}")
        with pytest.raises(ValidationError) as error:
            services.feedback_create(author=personas.therapist_a, record=entry, text="more")
        assert "text" in error.value.message_dict
        assert Feedback.objects.count() == services.THREAD_MAX

    def test_a_private_record_takes_no_feedback(self, personas):
        entry = services.journal_create(client=personas.client_a, text="x")
        with pytest.raises(ValidationError):
            services.feedback_create(author=personas.therapist_a, record=entry, text="Hi")
        assert not Feedback.objects.exists()

    def test_the_client_cannot_start_a_thread(self, personas):
        entry = services.journal_create(client=personas.client_a, text="x", shared=True)
        with pytest.raises(ValidationError):
            services.feedback_create(author=personas.client_a, record=entry, text="Hi")

    def test_no_feedback_after_the_relationship_ended(self, personas):
        entry = services.journal_create(client=personas.client_a, text="x", shared=True)
        relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
        with pytest.raises(ValidationError):
            services.feedback_create(author=personas.therapist_a, record=entry, text="Hi")


# --- "I need help now" -------------------------------------------------------------------


def test_asking_for_help_raises_an_alert_in_the_same_transaction(personas):
    from safety.models import SafetyAlert, Source

    entry = services.journal_create(client=personas.client_a, needs_help=True)

    alert = SafetyAlert.objects.get()
    assert entry.needs_help and entry.text == ""  # the tick alone is enough to save
    assert alert.relationship == personas.relationship_a
    assert alert.source == Source.JOURNAL and alert.reference == entry.public_id
    assert alert.is_open


def test_a_call_for_help_with_a_wrong_moment_is_saved_now_with_its_alert(personas):
    from safety.models import SafetyAlert

    entry = services.journal_create(
        client=personas.client_a, needs_help=True, occurred_at=NOW + timedelta(days=1)
    )

    assert entry.pk and entry.needs_help
    assert entry.not_saved == {"occurred_at": ["This moment is in the future."]}
    assert SafetyAlert.objects.get().reference == entry.public_id


def test_an_edit_that_asks_for_help_raises_one_alert_and_later_edits_none(personas):
    from safety.models import SafetyAlert

    entry = services.journal_create(client=personas.client_a, text="A hard day")
    assert not SafetyAlert.objects.exists()

    services.journal_update(entry=entry, needs_help=True)
    services.journal_update(entry=entry, text="A hard day, still")
    services.journal_update(entry=entry, needs_help=False)
    services.journal_update(entry=entry, needs_help=True)

    assert SafetyAlert.objects.count() == 1  # one per entry and therapist, however often set


def test_without_a_therapist_asking_for_help_still_saves(personas):
    from safety.models import SafetyAlert

    relationship_end(actor=personas.client_a, relationship=personas.relationship_a)

    entry = services.journal_create(client=personas.client_a, needs_help=True, text="x")

    assert entry.pk and not SafetyAlert.objects.exists()


class TestJournalDayMoved:
    """Editing an entry's moment to another day moves what it completed, as for social."""

    def test_its_check_off_moves_with_it(self, personas):
        homework = assign_from_library(personas, "daily-mood-journal")
        entry = services.journal_create(client=personas.client_a, text="x", assignment=homework)
        assert entry.completion.due_date == TODAY

        entry = services.journal_update(entry=entry, occurred_at=NOW - timedelta(days=1))

        assert [c.due_date for c in Completion.objects.filter(assignment=homework)] == [
            TODAY - timedelta(days=1)
        ]
        assert entry.completion.due_date == TODAY - timedelta(days=1)
        assert entry.completion.source == CompletionSource.LOG

    def test_a_check_off_ticked_by_hand_stays_on_its_day(self, personas):
        from homework import services as homework_services

        homework = assign_from_library(personas, "daily-mood-journal")
        ticked = homework_services.completion_create(
            client=personas.client_a, assignment=homework, due_date=TODAY
        )
        entry = services.journal_create(client=personas.client_a, text="x", assignment=homework)
        assert entry.completion == ticked

        entry = services.journal_update(entry=entry, occurred_at=NOW - timedelta(days=1))

        days = sorted(c.due_date for c in Completion.objects.filter(assignment=homework))
        assert days == [TODAY - timedelta(days=1), TODAY]
        assert Completion.objects.filter(pk=ticked.pk).exists()
        assert entry.completion.due_date == TODAY - timedelta(days=1)

    def test_a_day_already_done_shares_that_days_completion(self, personas):
        homework = assign_from_library(personas, "daily-mood-journal")
        services.journal_create(
            client=personas.client_a,
            text="yesterday",
            assignment=homework,
            occurred_at=NOW - timedelta(days=1),
        )
        entry = services.journal_create(client=personas.client_a, text="x", assignment=homework)

        entry = services.journal_update(entry=entry, occurred_at=NOW - timedelta(days=1))

        assert entry.completion.due_date == TODAY - timedelta(days=1)
        assert [c.due_date for c in Completion.objects.filter(assignment=homework)] == [
            TODAY - timedelta(days=1)
        ]
