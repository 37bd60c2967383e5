"""Care plan writes: sections, validation, versions and optimistic concurrency."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.services import relationship_end
from careplans import services
from careplans.models import REVIEW_AHEAD, PlanItem, PlanVersion, Section
from careplans.selectors import versions_diff
from clients import services as record_services
from clients.export import export_data
from clients.models import JournalEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_both_people_add_items_and_each_change_is_a_version(personas, plan):
    need = services.item_add(
        author=personas.client_a, plan=plan, section="needs", text="  Eight hours of sleep "
    )
    trigger = services.item_add(
        author=personas.therapist_a,
        plan=plan,
        section="triggers",
        text="Crowded trains",
        signs="Tight chest",
        steps=["Breathe out slowly", "", "Step off at the next stop"],
    )
    plan.refresh_from_db()
    assert plan.version == 2
    assert need.text == "Eight hours of sleep"
    assert trigger.steps == ["Breathe out slowly", "Step off at the next stop"]
    versions = list(PlanVersion.objects.filter(plan=plan).order_by("number"))
    assert [(v.number, v.author, v.change) for v in versions] == [
        (1, personas.client_a, "add"),
        (2, personas.therapist_a, "add"),
    ]
    assert [item["text"] for item in versions[1].snapshot] == [
        "Eight hours of sleep",
        "Crowded trains",
    ]


def test_details_of_other_sections_are_not_kept(personas, plan):
    item = services.item_add(
        author=personas.client_a, plan=plan, section="needs", text="Quiet", steps=["x"]
    )
    assert item.steps == []


@pytest.mark.parametrize(
    ("section", "fields", "field"),
    [
        ("feelings", {"text": "x"}, "section"),
        ("needs", {"text": "   "}, "text"),
        ("needs", {"text": "x" * 10_000}, "text"),
        ("triggers", {"text": "x" * 41}, "text"),
        ("triggers", {"text": "Noise", "steps": ["x" * 201]}, "steps"),
        ("triggers", {"text": "Noise", "steps": 5}, "steps"),
        ("circle", {"text": "Sam"}, "person"),
        ("goals", {"text": "Walk", "review_date": "soon"}, "review_date"),
        ("needs", {"text": "bad\x00text"}, "text"),
    ],
)
def test_bad_items_are_refused_with_a_message(personas, plan, section, fields, field):
    with pytest.raises(ValidationError) as caught:
        services.item_add(author=personas.client_a, plan=plan, section=section, **fields)
    assert field in caught.value.message_dict
    assert not PlanItem.objects.exists()


def test_a_person_from_another_clients_list_is_refused(personas, plan):
    theirs = record_services.person_create(client=personas.client_b, name="Bo", kind="friend")
    with pytest.raises(ValidationError) as caught:
        services.item_add(author=personas.client_a, plan=plan, section="circle", person=theirs)
    assert caught.value.message_dict == {"person": ["Choose someone from your own list."]}


def test_my_circle_takes_the_persons_name(personas, plan):
    sam = record_services.person_create(
        client=personas.client_a, name="Sam", kind="friend", support="i_support_them"
    )
    item = services.item_add(author=personas.client_a, plan=plan, section="circle", person=sam)
    assert item.text == "Sam"


def test_a_stranger_cannot_write(personas, plan):
    with pytest.raises(ValidationError):
        services.item_add(author=personas.therapist_b, plan=plan, section="needs", text="x")


def test_no_changes_once_the_relationship_ended(personas, plan):
    relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
    with pytest.raises(ValidationError, match="not active"):
        services.item_add(author=personas.client_a, plan=plan, section="needs", text="x")


def test_two_edits_from_the_same_version_one_wins_the_other_conflicts(personas, plan):
    item = services.item_add(author=personas.therapist_a, plan=plan, section="needs", text="Rest")
    base = plan.versions.get().number
    services.item_edit(
        author=personas.therapist_a, item=item, base_version=base, text="Rest after work"
    )
    with pytest.raises(services.PlanConflict) as caught:
        services.item_edit(
            author=personas.client_a, item=item, base_version=base, text="Time alone"
        )
    message = caught.value.message_dict["base_version"][0]
    assert "Rest after work" in message and "Time alone" in message
    assert caught.value.current.text == "Rest after work"
    assert caught.value.yours["text"] == "Time alone"
    item.refresh_from_db()
    assert item.text == "Rest after work"
    assert plan.versions.count() == 2


def test_edits_of_different_items_from_the_same_version_both_land(personas, plan):
    one = services.item_add(author=personas.client_a, plan=plan, section="needs", text="One")
    two = services.item_add(author=personas.client_a, plan=plan, section="needs", text="Two")
    services.item_edit(author=personas.client_a, item=one, base_version=2, text="One!")
    services.item_edit(author=personas.therapist_a, item=two, base_version=2, text="Two!")
    assert sorted(PlanItem.objects.values_list("text", flat=True)) == ["One!", "Two!"]


def test_a_stale_reorder_conflicts_and_changes_nothing(personas, plan):
    one = services.item_add(author=personas.client_a, plan=plan, section="needs", text="One")
    two = services.item_add(author=personas.client_a, plan=plan, section="needs", text="Two")
    services.item_move(author=personas.therapist_a, item=two, base_version=2, direction="up")
    with pytest.raises(services.PlanConflict):
        services.section_reorder(
            author=personas.client_a,
            plan=plan,
            section="needs",
            order=[one.public_id, two.public_id],
            base_version=2,
        )
    assert list(plan.items.values_list("text", flat=True)) == ["Two", "One"]


def test_editing_a_removed_item_is_a_conflict_that_keeps_your_text(personas, plan):
    item = services.item_add(author=personas.client_a, plan=plan, section="needs", text="Rest")
    services.item_remove(author=personas.therapist_a, item=item, base_version=1)
    with pytest.raises(services.PlanConflict) as caught:
        services.item_edit(author=personas.client_a, item=item, base_version=1, text="Sleep")
    assert "Sleep" in caught.value.message_dict["base_version"][0]


def test_a_future_version_is_refused(personas, plan):
    item = services.item_add(author=personas.client_a, plan=plan, section="needs", text="Rest")
    with pytest.raises(ValidationError):
        services.item_edit(author=personas.client_a, item=item, base_version=99, text="x")


def test_diffs_between_any_two_versions_on_a_fixed_sequence(personas, plan):
    a, t = personas.client_a, personas.therapist_a
    one = services.item_add(author=a, plan=plan, section="needs", text="One")  # v1
    two = services.item_add(author=t, plan=plan, section="needs", text="Two")  # v2
    three = services.item_add(author=a, plan=plan, section="needs", text="Three")  # v3
    services.item_edit(author=t, item=two, base_version=3, text="Two, edited")  # v4
    services.section_reorder(  # v5: Three to the top
        author=a,
        plan=plan,
        section="needs",
        order=[three.public_id, one.public_id, two.public_id],
        base_version=4,
    )
    services.item_remove(author=t, item=one, base_version=5)  # v6
    goal = services.item_add(author=a, plan=plan, section="goals", text="Walk")  # v7

    def summary(first, second):
        return [(c.change, c.text) for c in versions_diff(plan, first, second)]

    assert summary(0, 3) == [("added", "One"), ("added", "Two"), ("added", "Three")]
    assert summary(3, 4) == [("edited", "Two, edited")]
    edit = versions_diff(plan, 3, 4)[0]
    assert edit.fields == ("text",) and edit.before == {"text": "Two"}
    assert summary(4, 5) == [("moved", "Three")]
    assert versions_diff(plan, 4, 5)[0].before == {"place": 3}
    assert versions_diff(plan, 4, 5)[0].after == {"place": 1}
    assert summary(5, 6) == [("removed", "One")]
    # Of two items that swapped places, either one moved: one move is reported.
    span = summary(3, 7)
    assert [c for c in span if c[0] != "moved"] == [
        ("edited", "Two, edited"),
        ("removed", "One"),
        ("added", "Walk"),
    ]
    assert len([c for c in span if c[0] == "moved"]) == 1
    backwards = summary(7, 3)
    assert ("added", "One") in backwards and ("removed", "Walk") in backwards
    assert ("edited", "Two") in backwards
    assert len([c for c in backwards if c[0] == "moved"]) == 1
    assert summary(5, 5) == []
    assert goal.section == Section.GOALS


def test_the_therapist_marks_a_version_agreed(personas, plan):
    services.item_add(author=personas.client_a, plan=plan, section="needs", text="Rest")
    version = plan.versions.get()
    with pytest.raises(ValidationError):
        services.version_agree(therapist=personas.client_a, version=version)
    services.version_agree(therapist=personas.therapist_a, version=version)
    version.refresh_from_db()
    assert version.agreed_by == personas.therapist_a and version.agreed_at


def test_a_trigger_log_with_a_note_is_a_tagged_journal_entry(personas, plan):
    trigger = services.item_add(
        author=personas.therapist_a,
        plan=plan,
        section="triggers",
        text="Crowded trains",
        steps=["Breathe", "Step off"],
    )
    log = services.trigger_log_create(
        client=personas.client_a, plan=plan, item=trigger, note="Packed at 8", shared=True
    )
    assert log.journal_entry.triggers == ["Crowded trains"]
    assert log.steps == ["Breathe", "Step off"]
    services.trigger_log_rate(client=personas.client_a, log=log, helped="a_little")
    with pytest.raises(ValidationError):
        services.trigger_log_rate(client=personas.client_a, log=log, helped="maybe")
    other = services.trigger_log_create(client=personas.client_a, plan=plan, item=None)
    assert other.journal_entry is None and other.trigger == ""


def test_export_holds_the_plan_and_erasure_removes_it(personas, plan):
    trigger = services.item_add(
        author=personas.client_a, plan=plan, section="triggers", text="Noise", steps=["Walk"]
    )
    services.trigger_log_create(client=personas.client_a, plan=plan, item=trigger, note="Loud")
    data = export_data(personas.client_a)
    assert data["care_plan_items"][0]["text"] == "Noise"
    assert len(data["care_plan_versions"]) == 1
    assert data["trigger_log"][0]["trigger"] == "Noise"
    record_services.account_erase(client=personas.client_a, password=PASSWORD)
    assert not PlanItem.objects.exists()
    assert not PlanVersion.objects.exists()
    assert not JournalEntry.objects.exists()


def test_review_dates_have_bounds(personas, plan):
    far = timezone.localdate() + timedelta(days=3000)
    with pytest.raises(ValidationError):
        services.item_add(
            author=personas.client_a, plan=plan, section="goals", text="Walk", review_date=far
        )


def test_review_dates_are_bounded_from_the_clients_own_day(personas, plan):
    client = personas.client_a
    client.timezone = "Pacific/Kiritimati"  # UTC+14: a day ahead of UTC at 10:00 UTC
    client.save(update_fields=["timezone"])
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False):
        latest = date(2026, 11, 26) + REVIEW_AHEAD  # from the client's 26 November
        item = services.item_add(
            author=client, plan=plan, section="goals", text="Walk", review_date=latest
        )
        assert item.review_date == latest
        with pytest.raises(ValidationError):
            services.item_add(
                author=client,
                plan=plan,
                section="goals",
                text="Walk",
                review_date=latest + timedelta(days=1),
            )
