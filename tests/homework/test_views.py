"""The homework pages of both portals."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services as account_services
from homework import services
from homework.models import Assignment, Completion, HomeworkTemplate
from tests.factories import AssignmentFactory, CompletionFactory

pytestmark = pytest.mark.django_db

NOW = "2026-11-26 10:00:00+00:00"  # Thursday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


class TestAssigning:
    def test_a_therapist_assigns_from_a_template_in_three_steps(self, client, personas):
        client.force_login(personas.therapist_a)
        detail = reverse("therapist_client_detail", args=[personas.client_a.public_id])
        step1 = client.get(detail).content.decode()
        step2_url = reverse("therapist_assign", args=[personas.client_a.public_id])
        assert step2_url in step1
        step2 = client.get(step2_url).content.decode()
        template = HomeworkTemplate.objects.get(slug="reach-out")
        step3_url = (
            reverse("therapist_assign_form", args=[personas.client_a.public_id])
            + f"?template={template.public_id}"
        )
        assert step3_url.replace("&", "&amp;") in step2
        form = client.get(step3_url)
        assert form.context["form"].initial["title"] == "Reach out to someone"
        data = {
            "template": str(template.public_id),
            "kind": "social",
            "title": "Call your sister",
            "instructions": "A short call is enough.",
            "target_value": "2",
            "target_unit": "contacts",
            "frequency": "weekly",
            "times_per_week": "2",
            "start_date": "2026-11-26",
            "reminder_time": "18:30",
        }
        response = client.post(step3_url, data)
        assert response.status_code == 302 and response.url == detail
        assignment = Assignment.objects.get()
        assert (assignment.title, assignment.template, assignment.times_per_week) == (
            "Call your sister",
            template,
            2,
        )
        page = client.get(detail).content.decode()
        assert "Call your sister" in page and "0/2" in page

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"end_date": "2026-11-01"}, "end_date"),
            ({"frequency": "weekly", "times_per_week": "9"}, "times_per_week"),
            ({"frequency": "weekdays"}, "weekdays"),
            ({"reminder_time": "soon"}, "reminder_time"),
            ({"start_date": "9999-12-31"}, "start_date"),
            ({"end_date": "9999-12-31"}, "end_date"),
            ({"frequency": "once", "due_date": "9999-12-31"}, "due_date"),
            ({"start_date": "1900-01-01"}, "start_date"),
        ],
    )
    def test_bad_input_shows_errors_by_the_field(self, client, personas, changes, field):
        client.force_login(personas.therapist_a)
        url = reverse("therapist_assign_form", args=[personas.client_a.public_id])
        data = {
            "kind": "journal",
            "title": "Journal",
            "frequency": "daily",
            "start_date": "2026-11-26",
        } | changes
        response = client.post(url, data)
        assert response.status_code == 400
        assert field in response.context["form"].errors
        assert not Assignment.objects.exists()

    def test_assigning_to_someone_elses_client_is_404(self, client, personas):
        client.force_login(personas.therapist_a)
        url = reverse("therapist_assign_form", args=[personas.client_b.public_id])
        assert client.get(url).status_code == 404
        assert client.post(url, {"kind": "journal", "title": "x"}).status_code == 404
        assert not Assignment.objects.exists()

    def test_an_unknown_template_is_404(self, client, personas):
        client.force_login(personas.therapist_a)
        url = reverse("therapist_assign_form", args=[personas.client_a.public_id])
        assert client.get(url + "?template=not-a-uuid").status_code == 404

    def test_pause_resume_and_end_from_the_client_page(self, client, personas):
        assignment = AssignmentFactory(relationship=personas.relationship_a)
        client.force_login(personas.therapist_a)
        for action, status in (("pause", "paused"), ("resume", "active"), ("end", "ended")):
            client.post(reverse(f"therapist_assignment_{action}", args=[assignment.public_id]))
            assignment.refresh_from_db()
            assert assignment.status == status
        response = client.post(
            reverse("therapist_assignment_pause", args=[assignment.public_id]), follow=True
        )
        assert "Only an active assignment can be paused" in response.content.decode()

    def test_ending_a_one_off_before_its_due_date_keeps_the_client_page(self, client, personas):
        assignment = AssignmentFactory(
            relationship=personas.relationship_a, frequency="once", due_date=date(2026, 12, 3)
        )
        client.force_login(personas.therapist_a)
        client.post(reverse("therapist_assignment_end", args=[assignment.public_id]))
        page = client.get(reverse("therapist_client_detail", args=[personas.client_a.public_id]))
        assert page.status_code == 200
        assert "Mood journal" in page.content.decode()

    def test_one_bad_row_does_not_take_the_pages_down(self, client, personas, caplog):
        AssignmentFactory(relationship=personas.relationship_a, title="Still here")
        broken = AssignmentFactory(
            relationship=personas.relationship_a, title="Broken", frequency="weekdays", weekdays=[0]
        )
        # A row saved before the rules were in the model (the admin bypassed them).
        Assignment.objects.filter(pk=broken.pk).update(weekdays=[])
        client.force_login(personas.therapist_a)
        detail = client.get(reverse("therapist_client_detail", args=[personas.client_a.public_id]))
        assert detail.status_code == 200
        assert "Still here" in detail.content.decode()
        client.force_login(personas.client_a)
        for name in ("client_home", "client_week"):
            page = client.get(reverse(name))
            assert page.status_code == 200
            assert "Still here" in page.content.decode()
        assert f"assignment {broken.pk} left out" in caplog.text

    def test_another_therapist_cannot_touch_the_assignment(self, client, personas):
        assignment = AssignmentFactory(relationship=personas.relationship_a)
        client.force_login(personas.therapist_b)
        for name in ("pause", "end"):
            url = reverse(f"therapist_assignment_{name}", args=[assignment.public_id])
            assert client.post(url).status_code == 404
        edit = reverse("therapist_assignment_edit", args=[assignment.public_id])
        assert client.get(edit).status_code == 404
        assignment.refresh_from_db()
        assert assignment.status == "active"

    def test_own_templates_are_private(self, client, personas):
        client.force_login(personas.therapist_a)
        source = HomeworkTemplate.objects.get(slug="gratitude")
        new = reverse("therapist_template_new") + f"?from={source.public_id}"
        assert client.get(new).context["form"].initial["title"] == "Three good things"
        data = {"kind": "journal", "title": "My gratitude list", "frequency": "daily"}
        assert client.post(new, data).status_code == 302
        mine = HomeworkTemplate.objects.get(title="My gratitude list")
        assert mine.owner == personas.therapist_a
        assert "My gratitude list" in client.get(reverse("therapist_templates")).content.decode()
        client.force_login(personas.therapist_b)
        assert (
            "My gratitude list" not in client.get(reverse("therapist_templates")).content.decode()
        )
        edit = reverse("therapist_template_edit", args=[mine.public_id])
        assert client.get(edit).status_code == 404


class TestToday:
    def test_today_shows_due_done_and_overdue(self, client, personas):
        daily = AssignmentFactory(
            relationship=personas.relationship_a,
            title="Mood journal",
            start_date=date(2026, 11, 24),
        )
        AssignmentFactory(
            relationship=personas.relationship_a,
            title="Walk",
            frequency="weekly",
            times_per_week=3,
            start_date=date(2026, 11, 23),
        )
        services.completion_create(
            client=personas.client_a, assignment=daily, due_date=date(2026, 11, 24)
        )
        client.force_login(personas.client_a)
        page = client.get(reverse("client_home")).content.decode()
        assert f'data-due="{daily.public_id}"' in page
        assert f'data-overdue="{daily.public_id}"' in page  # the 25th was missed
        assert "0 of 3" in page
        response = client.post(
            reverse("client_complete", args=[daily.public_id]),
            {"due_date": "2026-11-26", "note": "Wrote a page"},
            follow=True,
        )
        page = response.content.decode()
        assert f'data-done="{daily.public_id}"' in page and "Wrote a page" in page
        assert f'data-due="{daily.public_id}"' not in page

    def test_undo_removes_the_completion(self, client, personas):
        daily = AssignmentFactory(relationship=personas.relationship_a)
        completion = services.completion_create(client=personas.client_a, assignment=daily)
        client.force_login(personas.client_a)
        client.post(reverse("client_undo", args=[completion.public_id]))
        assert not Completion.objects.exists()

    def test_undo_after_the_relationship_ends_says_why(self, client, personas):
        daily = AssignmentFactory(relationship=personas.relationship_a)
        completion = services.completion_create(client=personas.client_a, assignment=daily)
        account_services.relationship_end(
            actor=personas.client_a, relationship=personas.relationship_a
        )
        client.force_login(personas.client_a)
        response = client.post(reverse("client_undo", args=[completion.public_id]), follow=True)
        assert response.status_code == 200
        assert "ended with the care relationship" in response.content.decode()
        assert Completion.objects.filter(pk=completion.pk).exists()

    def test_a_client_cannot_complete_or_undo_another_clients_homework(self, client, personas):
        daily = AssignmentFactory(relationship=personas.relationship_a)
        completion = services.completion_create(client=personas.client_a, assignment=daily)
        client.force_login(personas.client_b)
        assert client.post(reverse("client_complete", args=[daily.public_id])).status_code == 404
        assert client.post(reverse("client_undo", args=[completion.public_id])).status_code == 404
        assert Completion.objects.count() == 1

    def test_completing_paused_homework_says_why(self, client, personas):
        daily = AssignmentFactory(relationship=personas.relationship_a)
        services.assignment_pause(assignment=daily)
        client.force_login(personas.client_a)
        response = client.post(reverse("client_complete", args=[daily.public_id]), follow=True)
        assert "This homework is paused." in response.content.decode()
        assert not Completion.objects.exists()

    def test_a_client_cannot_reach_the_therapist_pages(self, client, personas):
        daily = AssignmentFactory(relationship=personas.relationship_a)
        client.force_login(personas.client_a)
        assert (
            client.get(reverse("therapist_assignment_edit", args=[daily.public_id])).status_code
            == 403
        )

    def test_this_week_lists_each_day(self, client, personas):
        AssignmentFactory(
            relationship=personas.relationship_a,
            title="Walk",
            frequency="weekdays",
            weekdays=[0, 2],
            start_date=date(2026, 11, 1),
        )
        client.force_login(personas.client_a)
        page = client.get(reverse("client_week")).content.decode()
        assert page.count("data-occurrence=") == 2  # Monday and Wednesday
        assert "Thursday 26 Nov · today" in page

    def test_instructions_are_rendered_safely(self, client, personas):
        AssignmentFactory(
            relationship=personas.relationship_a,
            instructions="**Breathe** slowly\n\n- one\n- two\n\n<script>alert(1)</script>",
        )
        client.force_login(personas.client_a)
        page = client.get(reverse("client_home")).content.decode()
        assert "<strong>Breathe</strong>" in page
        assert "<ul><li>one</li><li>two</li></ul>" in page
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;" in page


def _populate(personas, n: int) -> None:
    """n assignments of mixed schedules and n completions over the last weeks, in bulk."""
    start = date(2026, 11, 26) - timedelta(weeks=4)
    kinds = [
        {"frequency": "daily"},
        {"frequency": "weekdays", "weekdays": [0, 2, 4]},
        {"frequency": "weekly", "times_per_week": 3},
        {"frequency": "once", "due_date": date(2026, 11, 26)},
    ]
    assignments = Assignment.objects.bulk_create(
        AssignmentFactory.build(
            relationship=personas.relationship_a,
            title=f"Homework {i}",
            start_date=start,
            **kinds[i % len(kinds)],
        )
        for i in range(n)
    )
    Completion.objects.bulk_create(
        CompletionFactory.build(assignment=assignment, due_date=start + timedelta(days=i % 28))
        for i, assignment in enumerate(assignments)
    )


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Each page: session and user (the session is saved at most once a minute). Client home:
# relationships, assignments, pauses, completions, what was logged today (journal, lifestyle,
# social), the client's people, the care plan's "I'm triggered" moments not yet rated, the
# questionnaires set, the replies not read yet, the next session with its lines to bring and
# the note from the last session not opened yet (one query): 14. The week: relationships,
# assignments, pauses, completions: 6. The therapist's client page: the MFA check (memoised),
# the relationship, the audit row, its summary (8, see tests/progress/test_summary.py, with
# the records shared by day) with the assignments, pauses and done counts, the grouped
# check-offs, the sessions and the open safety alerts counted for the banner: 16.
@pytest.mark.parametrize(
    ("page", "queries"),
    [("client_home", 14), ("client_week", 6), ("therapist_client_detail", 16)],
)
def test_pages_run_a_fixed_number_of_queries_for_5_and_60_assignments(personas, page, queries):
    from django.test import Client

    counts = []
    for n in (5, 60):
        Completion.objects.all().delete()
        Assignment.objects.all().delete()
        _populate(personas, n)
        browser = Client()
        if page == "therapist_client_detail":
            browser.force_login(personas.therapist_a)
            url = reverse(page, args=[personas.client_a.public_id])
        else:
            browser.force_login(personas.client_a)
            url = reverse(page)
        counts.append(_count_queries(browser, url))
    assert counts == [queries, queries]
