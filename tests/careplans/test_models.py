from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from careplans.models import PlanItem, Section
from clients import services as record_services


def test_an_item_checks_its_section_s_rules_itself_so_the_admin_cannot_bypass_them(personas, plan):
    theirs = record_services.person_create(client=personas.client_b, name="Bo", kind="friend")
    item = PlanItem(plan=plan, section=Section.CIRCLE, text="Bo", person=theirs)
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    assert caught.value.message_dict == {"person": ["Choose someone from your own list."]}


def test_a_trigger_must_be_short_enough_to_be_a_journal_tag(plan):
    item = PlanItem(plan=plan, section=Section.TRIGGERS, text="x" * 41)
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    assert "at most 40 characters" in caught.value.message_dict["text"][0]


def test_steps_are_a_short_list_of_short_sentences(plan):
    item = PlanItem(plan=plan, section=Section.TRIGGERS, text="Crowds", steps=["x" * 201])
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    assert caught.value.message_dict == {"steps": ["Each step can be at most 200 characters."]}


def test_a_review_date_more_than_two_years_ahead_is_refused(plan):
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False):
        item = PlanItem(plan=plan, section=Section.GOALS, text="Walk", review_date=date(2029, 1, 1))
        with pytest.raises(ValidationError) as caught:
            item.full_clean()
    assert caught.value.message_dict == {
        "review_date": ["Choose a date within the next two years."]
    }
