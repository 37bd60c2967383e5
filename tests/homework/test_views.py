"""The homework pages of both portals."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from homework import services
from homework.models import Assignment, Completion, HomeworkTemplate
from homework.schedules import iso_week_monday

pytestmark = pytest.mark.django_db

NOW = "2026-11-26 10:00:00+00:00"  # Thursday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def assign(personas, **fields):
    values = {"kind": "journal", "title": "Mood journal", "frequency": "daily"} | fields
    return services.assignment_create(
        therapist=personas.therapist_a, relationship=personas.relationship_a, **values
    )


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
        assignment = assign(personas)
        client.force_login(personas.therapist_a)
        for action, status in (("pause", "paused"), ("resume", "active"), ("end", "ended")):
            client.post(reverse(f"therapist_assignment_{action}", args=[assignment.public_id]))
            assignment.refresh_from_db()
            assert assignment.status == status
        response = client.post(
            reverse("therapist_assignment_pause", args=[assignment.public_id]), follow=True
        )
        assert "Only an active assignment can be paused" in response.content.decode()

    def test_another_therapist_cannot_touch_the_assignment(self, client, personas):
        assignment = assign(personas)
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
        daily = assign(personas, title="Mood journal", start_date=date(2026, 11, 24))
        assign(
            personas,
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
        daily = assign(personas)
        completion = services.completion_create(client=personas.client_a, assignment=daily)
        client.force_login(personas.client_a)
        client.post(reverse("client_undo", args=[completion.public_id]))
        assert not Completion.objects.exists()

    def test_a_client_cannot_complete_or_undo_another_clients_homework(self, client, personas):
        daily = assign(personas)
        completion = services.completion_create(client=personas.client_a, assignment=daily)
        client.force_login(personas.client_b)
        assert client.post(reverse("client_complete", args=[daily.public_id])).status_code == 404
        assert client.post(reverse("client_undo", args=[completion.public_id])).status_code == 404
        assert Completion.objects.count() == 1

    def test_completing_paused_homework_says_why(self, client, personas):
        daily = assign(personas)
        services.assignment_pause(assignment=daily)
        client.force_login(personas.client_a)
        response = client.post(reverse("client_complete", args=[daily.public_id]), follow=True)
        assert "This homework is paused." in response.content.decode()
        assert not Completion.objects.exists()

    def test_a_client_cannot_reach_the_therapist_pages(self, client, personas):
        daily = assign(personas)
        client.force_login(personas.client_a)
        assert (
            client.get(reverse("therapist_assignment_edit", args=[daily.public_id])).status_code
            == 403
        )

    def test_this_week_lists_each_day(self, client, personas):
        assign(
            personas,
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
        assign(
            personas, instructions="**Breathe** slowly\n\n- one\n- two\n\n<script>alert(1)</script>"
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
    Assignment.objects.bulk_create(
        Assignment(
            relationship=personas.relationship_a,
            client=personas.client_a,
            therapist=personas.therapist_a,
            kind="journal",
            title=f"Homework {i}",
            start_date=start,
            **kinds[i % len(kinds)],
        )
        for i in range(n)
    )
    assignments = list(Assignment.objects.filter(client=personas.client_a).order_by("id"))
    completions = []
    for i in range(n):
        day = start + timedelta(days=i % 28)
        completions.append(
            Completion(
                assignment=assignments[i],
                client=personas.client_a,
                due_date=day,
                week=iso_week_monday(day),
            )
        )
    Completion.objects.bulk_create(completions)


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["client_home", "client_week", "therapist_client_detail"])
def test_pages_run_the_same_queries_for_5_and_500_assignments(django_db_blocker, personas, page):
    from django.test import Client

    counts = []
    for n in (5, 500):
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
    assert counts[0] == counts[1], counts
    print(f"{page}: {counts[0]} queries with 5 and with 500 assignments")
