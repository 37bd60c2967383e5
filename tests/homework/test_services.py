from datetime import date, time

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts import services as account_services
from homework import selectors, services
from homework.models import (
    Assignment,
    AssignmentPause,
    AssignmentStatus,
    Completion,
    HomeworkTemplate,
)

pytestmark = pytest.mark.django_db

# A Thursday, 10:00 in London.
NOW = "2026-11-26 10:00:00+00:00"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def assign(personas, **fields):
    values = {"kind": "journal", "title": "Mood journal", "frequency": "daily"} | fields
    return services.assignment_create(
        therapist=personas.therapist_a, relationship=personas.relationship_a, **values
    )


class TestAssign:
    def test_it_assigns_from_a_template_with_its_defaults(self, personas):
        template = HomeworkTemplate.objects.get(slug="exercise-minutes")
        assignment = services.assignment_create(
            therapist=personas.therapist_a, relationship=personas.relationship_a, template=template
        )
        assert (assignment.kind, assignment.frequency, assignment.times_per_week) == (
            "lifestyle",
            "weekly",
            3,
        )
        assert assignment.target_text == "≥ 30 minutes"
        assert assignment.start_date == date(2026, 11, 26)
        assert assignment.client == personas.client_a

    def test_the_library_has_at_least_twelve_templates_in_three_areas(self):
        shared = HomeworkTemplate.objects.filter(owner=None)
        assert shared.count() >= 12
        assert {"journal", "lifestyle", "social"} <= set(shared.values_list("kind", flat=True))

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"start_date": date(2026, 12, 1), "end_date": date(2026, 11, 30)}, "end_date"),
            ({"frequency": "weekly", "times_per_week": 0}, "times_per_week"),
            ({"frequency": "weekly", "times_per_week": 8}, "times_per_week"),
            ({"frequency": "weekly"}, "times_per_week"),
            ({"frequency": "weekdays", "weekdays": []}, "weekdays"),
            ({"frequency": "weekdays", "weekdays": [7]}, "weekdays"),
            ({"frequency": "once"}, "due_date"),
            ({"kind": "poetry"}, "kind"),
            ({"title": ""}, "title"),
        ],
    )
    def test_bad_schedules_name_the_field_and_save_nothing(self, personas, fields, field):
        with pytest.raises(ValidationError) as exc:
            assign(personas, **fields)
        assert field in exc.value.message_dict
        assert not Assignment.objects.exists()

    def test_a_client_outside_the_caseload_cannot_be_assigned(self, personas):
        with pytest.raises(ValidationError):
            services.assignment_create(
                therapist=personas.therapist_a,
                relationship=personas.relationship_b,
                kind="journal",
                title="x",
            )
        assert not Assignment.objects.exists()

    def test_an_ended_relationship_cannot_be_assigned(self, personas):
        account_services.relationship_end(
            actor=personas.therapist_a, relationship=personas.relationship_a
        )
        with pytest.raises(ValidationError):
            assign(personas)


class TestLifeCycle:
    def test_editing_never_rewrites_past_completions(self, personas):
        assignment = assign(personas, start_date=date(2026, 11, 20))
        services.completion_create(
            client=personas.client_a, assignment=assignment, due_date=date(2026, 11, 24), note="ok"
        )
        services.assignment_update(
            assignment=assignment, frequency="weekdays", weekdays=[0], title="Renamed"
        )
        completion = Completion.objects.get()
        assert (completion.due_date, completion.note) == (date(2026, 11, 24), "ok")
        assert completion.assignment.title == "Renamed"

    def test_pausing_stops_what_is_due_and_resuming_brings_it_back(self, personas):
        assignment = assign(personas, start_date=date(2026, 11, 23))
        services.assignment_pause(assignment=assignment)
        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.PAUSED
        with pytest.raises(ValidationError, match="paused"):
            services.completion_create(client=personas.client_a, assignment=assignment)
        assert selectors.client_today(client=personas.client_a).due == []
        with time_machine.travel("2026-11-28 10:00:00+00:00", tick=False):
            services.assignment_resume(assignment=assignment)
            assignment = Assignment.objects.get()
            assert not assignment.schedule().is_due_on(date(2026, 11, 27))
            assert assignment.schedule().is_due_on(date(2026, 11, 28))
            today = selectors.client_today(client=personas.client_a)
            assert [o.due_date for o in today.due] == [date(2026, 11, 28)]
            # 23-25 Nov were missed; 26-27 were paused and are not overdue.
            assert [o.due_date.day for o in today.overdue] == [23, 24, 25]

    def test_ending_stops_everything_after_today_and_keeps_history(self, personas):
        assignment = assign(personas, start_date=date(2026, 11, 23))
        services.completion_create(
            client=personas.client_a, assignment=assignment, due_date=date(2026, 11, 24)
        )
        services.assignment_end(assignment=assignment)
        assignment.refresh_from_db()
        assert (assignment.status, assignment.end_date) == ("ended", date(2026, 11, 26))
        with pytest.raises(ValidationError, match="ended"):
            services.completion_create(client=personas.client_a, assignment=assignment)
        with pytest.raises(ValidationError):
            services.assignment_update(assignment=assignment, title="again")
        assert Completion.objects.count() == 1

    def test_ending_a_one_off_before_its_due_date_leaves_a_valid_assignment(self, personas):
        assignment = assign(personas, frequency="once", due_date=date(2026, 12, 3))
        services.assignment_end(assignment=assignment)
        assignment = Assignment.objects.get(pk=assignment.pk)
        assert assignment.schedule().validate() == {}
        assignment.full_clean()
        assert assignment.status == "ended"
        report = selectors.client_adherence(viewer=personas.therapist_a, client=personas.client_a)
        assert [row.weeks[-1].due for row in report.rows] == [0]


class TestComplete:
    def test_a_check_off_records_the_occurrence_and_its_week(self, personas):
        assignment = assign(personas)
        completion = services.completion_create(
            client=personas.client_a, assignment=assignment, note="  felt calmer "
        )
        assert (completion.due_date, completion.week, completion.note) == (
            date(2026, 11, 26),
            date(2026, 11, 23),
            "felt calmer",
        )

    @pytest.mark.parametrize(
        ("due", "message"),
        [
            (date(2026, 11, 27), "in advance"),
            (date(2026, 11, 18), "too long ago"),
            (date(2026, 11, 25), "not due"),
        ],
    )
    def test_dates_that_are_not_due_are_refused(self, personas, due, message):
        assignment = assign(
            personas, frequency="weekdays", weekdays=[0, 3], start_date=date(2026, 11, 1)
        )
        with pytest.raises(ValidationError, match=message):
            services.completion_create(
                client=personas.client_a, assignment=assignment, due_date=due
            )
        assert not Completion.objects.exists()

    def test_the_same_occurrence_cannot_be_done_twice(self, personas):
        assignment = assign(personas)
        services.completion_create(client=personas.client_a, assignment=assignment)
        with pytest.raises(ValidationError, match="Already done"):
            services.completion_create(client=personas.client_a, assignment=assignment)
        assert Completion.objects.count() == 1

    def test_another_client_cannot_complete_it(self, personas):
        assignment = assign(personas)
        with pytest.raises(ValidationError):
            services.completion_create(client=personas.client_b, assignment=assignment)

    def test_weekly_homework_counts_any_day_of_the_week(self, personas):
        assignment = assign(
            personas, frequency="weekly", times_per_week=2, start_date=date(2026, 11, 23)
        )
        for day in (23, 25, 26):
            services.completion_create(
                client=personas.client_a, assignment=assignment, due_date=date(2026, 11, day)
            )
        weekly = selectors.client_today(client=personas.client_a).weekly
        assert [(w.done, w.target) for w in weekly] == [(3, 2)]
        report = selectors.adherence_report(
            personas.client_a, [assignment], [date(2026, 11, 23)], today=date(2026, 11, 26)
        )
        # Done is capped at the target: three of two is two of two.
        assert report.totals == (selectors.Adherence(done=2, due=2),)


class TestAdherence:
    def test_done_over_due_per_iso_week(self, personas):
        daily = assign(personas, start_date=date(2026, 11, 16))
        weekdays = assign(
            personas,
            title="Walk",
            frequency="weekdays",
            weekdays=[0, 2, 4],
            start_date=date(2026, 11, 16),
        )
        for day in (16, 17, 18):
            Completion.objects.create(
                assignment=daily,
                client=personas.client_a,
                due_date=date(2026, 11, day),
                week=date(2026, 11, 16),
            )
        Completion.objects.create(
            assignment=weekdays,
            client=personas.client_a,
            due_date=date(2026, 11, 18),
            week=date(2026, 11, 16),
        )
        services.completion_create(client=personas.client_a, assignment=daily)
        weeks = [date(2026, 11, 16), date(2026, 11, 23)]
        report = selectors.adherence_report(
            personas.client_a,
            list(Assignment.objects.order_by("id")),
            weeks,
            today=date(2026, 11, 26),
        )
        A = selectors.Adherence
        assert [(row.assignment, row.weeks[0]) for row in report.rows] == [
            (daily, A(done=3, due=7)),
            (weekdays, A(done=1, due=3)),
        ]
        # This week, Monday to Thursday: 4 daily due, Mon and Wed for the walk.
        assert report.totals[1] == A(done=1, due=6)
        assert report.totals[0].percent == 40

    def test_adherence_is_one_query_for_done_counts(self, personas, django_assert_num_queries):
        assignments = [assign(personas, title=f"A{i}") for i in range(5)]
        for a in assignments:
            a.schedule()  # pauses are loaded (prefetched in real use)
        loaded = list(selectors.assignments_with_pauses(Assignment.objects.all()))
        with django_assert_num_queries(1):
            selectors.adherence_report(
                personas.client_a, loaded, selectors.weeks_ending(date(2026, 11, 26), 5)
            )


def test_homework_read_with_its_pauses_knows_its_schedule_without_another_query(
    personas, django_assert_num_queries
):
    assignment = assign(personas)
    for start, end in ((date(2026, 11, 20), None), (date(2026, 11, 2), date(2026, 11, 9))):
        AssignmentPause.objects.create(assignment=assignment, start_date=start, end_date=end)
    [loaded] = selectors.assignments_with_pauses(Assignment.objects.filter(pk=assignment.pk))
    with django_assert_num_queries(0):
        pauses = loaded.schedule().pauses
    assert pauses == ((date(2026, 11, 2), date(2026, 11, 9)), (date(2026, 11, 20), None))
    # Read alone, the same from its own query.
    assert Assignment.objects.get(pk=assignment.pk).schedule().pauses == pauses


def test_reminder_time_is_kept_in_local_time(personas):
    assignment = assign(personas, reminder_time=time(20, 30))
    assert Assignment.objects.get(pk=assignment.pk).reminder_time == time(20, 30)


def test_nothing_is_due_once_the_care_relationship_ends(personas):
    assignment = assign(personas)
    assert selectors.client_today(client=personas.client_a).due
    account_services.relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
    assert selectors.client_today(client=personas.client_a).due == []
    with pytest.raises(ValidationError, match="ended with the care relationship"):
        services.completion_create(client=personas.client_a, assignment=assignment)


@pytest.mark.parametrize(
    "call",
    [
        lambda p: services.template_create(owner=p.therapist_a, kind="x", title="x", colour=1),
        lambda p: services.template_update(template=None, colour=1),
        lambda p: assign(p, colour="blue"),
        lambda p: services.assignment_update(assignment=None, relationship=p.relationship_b),
    ],
)
def test_an_unknown_field_is_an_error_not_dropped(personas, call):
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        call(personas)
    assert not Assignment.objects.exists()


def test_an_update_changes_only_the_fields_given(personas):
    assignment = assign(personas, reminder_time=time(8, 0), end_date=date(2026, 12, 31))
    services.assignment_update(assignment=assignment, title="Evening journal")
    assignment.refresh_from_db()
    assert (assignment.title, assignment.reminder_time, assignment.end_date) == (
        "Evening journal",
        time(8, 0),
        date(2026, 12, 31),
    )
    services.assignment_update(assignment=assignment, end_date=None)
    assignment.refresh_from_db()
    assert assignment.end_date is None


def test_a_check_off_cannot_be_undone_once_the_care_relationship_ends(personas):
    # The homework log of an ended relationship stays as the therapist last saw it.
    assignment = assign(personas)
    completion = services.completion_create(client=personas.client_a, assignment=assignment)
    account_services.relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
    with pytest.raises(ValidationError, match="ended with the care relationship"):
        services.completion_undo(client=personas.client_a, completion=completion)
    assert Completion.objects.filter(pk=completion.pk).exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda a: services.assignment_update(assignment=a, title="Later"),
        lambda a: services.assignment_pause(assignment=a),
    ],
)
def test_homework_cannot_change_once_the_care_relationship_ends(personas, change):
    assignment = assign(personas)
    account_services.relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
    with pytest.raises(ValidationError, match="ended with the care relationship"):
        change(assignment)
    assignment.refresh_from_db()
    assert (assignment.title, assignment.status) == ("Mood journal", "active")


def test_a_template_is_deleted_by_its_owner_only_and_assignments_keep_their_copy(personas):
    template = services.template_create(owner=personas.therapist_a, kind="social", title="Call")
    assignment = assign(personas, template=template, title="Call")
    services.template_delete(template=template)
    assignment.refresh_from_db()
    assert (assignment.template, assignment.title) == (None, "Call")
    shared = HomeworkTemplate.objects.get(slug="gratitude")
    with pytest.raises(ValidationError, match="Shared templates"):
        services.template_delete(template=shared)
    assert HomeworkTemplate.objects.filter(pk=shared.pk).exists()


def test_homework_ended_counts_up_to_the_day_it_ended_in_the_clients_zone(personas):
    # The day an assignment ended counts as due, and that day is the client's local one.
    client = personas.client_a
    client.timezone = "Pacific/Kiritimati"  # UTC+14: already Friday 27 November, 00:00
    client.save(update_fields=["timezone"])
    daily = assign(personas, start_date=date(2026, 11, 23))
    services.assignment_end(assignment=daily)
    daily.refresh_from_db()
    assert daily.ended_at.date() == date(2026, 11, 26)  # the UTC date

    report = selectors.adherence_report(
        client, [daily], [date(2026, 11, 23)], today=date(2026, 11, 27)
    )

    # Monday 23 to Friday 27 in Kiritimati: five days due, the UTC date would say four.
    assert report.totals == (selectors.Adherence(done=0, due=5),)
