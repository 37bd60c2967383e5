"""The schedule rules live in the models: `clean()` for messages by the field, named
constraints in the database. Services, forms and the admin all meet them."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from homework.models import DATE_FIELDS, Assignment, HomeworkTemplate
from tests.factories import AssignmentFactory, TemplateFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-11-26 10:00:00+00:00", tick=False):
        yield


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"frequency": "weekly"}, "times_per_week"),
        ({"frequency": "weekdays", "weekdays": []}, "weekdays"),
        ({"frequency": "weekdays", "weekdays": ["Monday", 99]}, "weekdays"),
        ({"frequency": "weekdays", "weekdays": [True]}, "weekdays"),
        ({"frequency": "weekdays", "weekdays": "0,1"}, "weekdays"),
    ],
)
def test_clean_names_the_field_of_a_bad_schedule(fields, field):
    template = TemplateFactory.build(owner=None, **fields)
    with pytest.raises(ValidationError) as exc:
        template.full_clean(exclude=["owner"])
    assert field in exc.value.message_dict


def test_clean_drops_what_belongs_to_another_frequency():
    template = TemplateFactory.build(owner=None, weekdays=[1], times_per_week=3, target_value=0)
    template.full_clean(exclude=["owner"])
    assert (template.weekdays, template.times_per_week, template.target_value) == ([], None, None)


def test_the_admin_refuses_a_bad_schedule(client, personas):
    client.force_login(personas.staff)
    url = reverse("admin:homework_homeworktemplate_add")
    form = {"kind": "journal", "title": "Admin's", "frequency": "weekly", "is_active": "on"}
    form |= {"weekdays": "[]", "target_unit": ""}
    response = client.post(url, form)
    assert response.status_code == 200
    assert "times_per_week" in response.context["adminform"].form.errors
    form |= {"frequency": "weekdays", "weekdays": '["Monday", 99]'}
    response = client.post(url, form)
    assert "weekdays" in response.context["adminform"].form.errors
    assert not HomeworkTemplate.objects.filter(title="Admin's").exists()


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"frequency": "weekly"}, "homework_template_weekly_has_n"),
        ({"frequency": "daily", "times_per_week": 3}, "homework_template_n_only_for_weekly"),
        ({"frequency": "monthly"}, "homework_template_frequency_valid"),
        ({"kind": "poetry"}, "homework_template_kind_valid"),
    ],
)
def test_the_database_refuses_a_bad_template(fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        TemplateFactory(owner=None, **fields)


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"frequency": "once"}, "homework_assignment_once_has_due_date"),
        (
            {"frequency": "once", "due_date": TODAY, "end_date": TODAY - timedelta(days=1)},
            "homework_assignment_",  # end before start, or due after end: either says no
        ),
        (
            {"frequency": "once", "due_date": TODAY + timedelta(days=7), "end_date": TODAY},
            "homework_assignment_once_due_within_dates",
        ),
        ({"frequency": "daily", "due_date": TODAY}, "homework_assignment_due_date_only_for_once"),
    ],
)
def test_the_database_refuses_a_bad_assignment(fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        AssignmentFactory(start_date=TODAY, **fields)


class TestDateWindow:
    @pytest.mark.parametrize("name", ["start_date", "end_date", "due_date"])
    @pytest.mark.parametrize("day", [date(9999, 12, 31), date(1900, 1, 1)])
    def test_far_dates_are_refused_by_the_field(self, name, day):
        fields = {"start_date": TODAY, "frequency": "once", "due_date": TODAY} | {name: day}
        assignment = AssignmentFactory.build(**fields)
        with pytest.raises(ValidationError) as exc:
            assignment.full_clean(exclude=["relationship", "client", "therapist", "template"])
        assert "Choose a date between" in exc.value.message_dict[name][0]

    def test_a_date_saved_long_ago_may_stay_when_editing_the_rest(self):
        AssignmentFactory(start_date=date(2020, 1, 1))
        assignment = Assignment.objects.get()
        assignment.title = "Still going"
        assignment.full_clean(exclude=["relationship", "client", "therapist", "template"])
        assignment.start_date = date(2020, 1, 2)
        with pytest.raises(ValidationError, match="Choose a date between"):
            assignment.full_clean(exclude=["relationship", "client", "therapist", "template"])


def test_a_homework_read_in_part_reads_the_rest_when_asked(personas, django_assert_num_queries):
    """A homework read with some fields deferred reads one when it is asked for, with one
    query (noting its saved dates read only those it has: it once asked for each deferred
    date, whose read made a homework that asked again, without end)."""
    homework = AssignmentFactory(relationship=personas.relationship_a, title="Walk")
    part = Assignment.objects.only("public_id").get(pk=homework.pk)
    assert part._saved_dates == {}
    with django_assert_num_queries(1):
        assert part.title == "Walk"
    with_dates = Assignment.objects.only("public_id", *DATE_FIELDS).get(pk=homework.pk)
    assert with_dates._saved_dates == {
        "start_date": homework.start_date,
        "end_date": homework.end_date,
        "due_date": homework.due_date,
    }
