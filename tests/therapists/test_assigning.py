"""The assignment form: fields per frequency, a plain summary, targets as people write them."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from homework.forms import AssignmentForm
from therapists.assigning import schedule_summary

pytestmark = pytest.mark.django_db


def test_the_summary_says_the_schedule_in_plain_words():
    form = AssignmentForm(
        initial={"frequency": "daily", "start_date": date(2026, 11, 27), "reminder_time": "20:00"}
    )
    assert schedule_summary(form) == "Every day from Fri 27 Nov, reminder at 20:00."


def test_the_summary_of_a_bound_form_names_the_days():
    form = AssignmentForm(
        {"frequency": "weekdays", "weekdays": ["0", "2"], "start_date": "2026-11-30"}
    )
    assert schedule_summary(form) == "Every Mon, Wed from Mon 30 Nov, no reminder."


def test_once_by_a_date_says_due_by():
    form = AssignmentForm(
        {"frequency": "once", "start_date": "2026-11-26", "due_date": "2026-12-03"}
    )
    assert schedule_summary(form).startswith("Once, any day from Thu 26 Nov, due by Thu 3 Dec")


def test_a_target_shows_as_people_write_it():
    form = AssignmentForm(initial={"target_value": Decimal("30.0"), "target_unit": "minutes"})
    assert 'value="30"' in str(form["target_value"])


@time_machine.travel("2026-11-26 10:00:00+00:00", tick=False)
def test_the_form_groups_fields_by_frequency_and_previews_templates(client, personas):
    client.force_login(personas.therapist_a)
    page = client.get(
        reverse("therapist_assign_form", args=[personas.client_a.public_id])
    ).content.decode()
    assert 'data-frequency-only="weekly"' in page and 'data-frequency-only="once"' in page
    assert "Every day from Thu 26 Nov, no reminder." in page
    picker = client.get(
        reverse("therapist_assign", args=[personas.client_a.public_id])
    ).content.decode()
    assert "Preview" in picker
