"""The homework API: templates, assignments, completions and adherence, persona by persona.

Today is Wednesday 25 November 2026 (ISO week 48) for everyone here; the clients live in
Europe/London.
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from accounts.models import AuditAction, AuditEvent
from homework import services
from homework.models import Assignment, AssignmentStatus, Completion, HomeworkTemplate
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    CompletionFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)  # a Wednesday
MONDAY = date(2026, 11, 23)
LAST_MONDAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False):
        yield


def assign(relationship, **fields) -> Assignment:
    return AssignmentFactory(relationship=relationship, **{"start_date": LAST_MONDAY} | fields)


@pytest.fixture
def homework_a(personas) -> Assignment:
    """Client A's daily journal, set by their therapist."""
    return assign(personas.relationship_a)


@pytest.fixture
def homework_b(personas) -> Assignment:
    return assign(personas.relationship_b, title="Walk outside")


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


def put(client, url, body):
    return client.put(url, body, content_type="application/json")


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def titles(response) -> list[str]:
    return [item["title"] for item in results(response)]


def views_audited(viewer, subject) -> int:
    return AuditEvent.objects.filter(
        action=AuditAction.RECORDS_VIEWED, actor=viewer, subject=subject
    ).count()


# --- Templates -----------------------------------------------------------------------


class TestTemplates:
    def test_a_therapist_lists_the_shared_library_and_their_own_templates(self, client, personas):
        services.template_create(owner=personas.therapist_a, kind="social", title="Call Sam")
        services.template_create(owner=personas.therapist_b, kind="social", title="B's secret")
        client.force_login(personas.therapist_a)
        items = results(client.get("/api/v1/templates/?page=1"))
        by_title = {item["title"]: item for item in items}
        assert by_title["Call Sam"]["shared"] is False
        assert by_title["Three good things"]["shared"] is True
        assert "<strong>three things</strong>" in by_title["Three good things"]["instructions_html"]
        assert "B's secret" not in by_title
        assert len(items) == HomeworkTemplate.objects.filter(owner__isnull=True).count() + 1

    def test_a_therapist_creates_a_template_of_their_own(self, client, personas):
        client.force_login(personas.therapist_a)
        response = post(
            client,
            "/api/v1/templates/",
            {
                "kind": "lifestyle",
                "title": "Evening walk",
                "frequency": "weekdays",
                "weekdays": [4, 0, 2],
                "target_value": 20,
                "target_unit": "minutes",
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        template = HomeworkTemplate.objects.get(public_id=body["id"])
        assert template.owner == personas.therapist_a
        assert body["shared"] is False
        assert body["weekdays"] == [0, 2, 4]
        assert body["schedule_text"] == "Mon, Wed, Fri"
        assert body["target_text"] == "≥ 20 minutes"

    def test_a_therapist_edits_and_deletes_their_own_template(self, client, personas):
        template = services.template_create(
            owner=personas.therapist_a, kind="social", title="Call Sam"
        )
        made_from_it = assign(personas.relationship_a, template=template, title="Call Sam")
        client.force_login(personas.therapist_a)
        url = f"/api/v1/templates/{template.public_id}/"
        assert patch(client, url, {"title": "Call Sam or Kim"}).json()["title"] == "Call Sam or Kim"
        assert put(client, url, {"kind": "journal", "title": "Write"}).json()["kind"] == "journal"
        assert client.delete(url).status_code == 204
        assert not HomeworkTemplate.objects.filter(pk=template.pk).exists()
        made_from_it.refresh_from_db()
        assert (made_from_it.template, made_from_it.title) == (None, "Call Sam")

    def test_a_shared_template_can_be_read_but_not_changed(self, client, personas):
        shared = HomeworkTemplate.objects.get(slug="gratitude")
        client.force_login(personas.therapist_a)
        url = f"/api/v1/templates/{shared.public_id}/"
        assert client.get(url).json()["title"] == "Three good things"
        # Only the owner writes a template: to anyone else it is not there to change.
        assert patch(client, url, {"title": "Mine now"}).status_code == 404
        assert put(client, url, {"kind": "journal", "title": "Mine now"}).status_code == 404
        assert client.delete(url).status_code == 404
        shared.refresh_from_db()
        assert shared.title == "Three good things"

    def test_another_therapists_template_answers_404(self, client, personas):
        theirs = services.template_create(owner=personas.therapist_b, kind="social", title="B")
        client.force_login(personas.therapist_a)
        url = f"/api/v1/templates/{theirs.public_id}/"
        assert client.get(url).status_code == 404
        assert patch(client, url, {"title": "Stolen"}).status_code == 404
        assert client.delete(url).status_code == 404
        theirs.refresh_from_db()
        assert theirs.title == "B"

    @pytest.mark.parametrize("persona", ["client_a", "staff"])
    def test_clients_and_staff_are_refused_templates(self, client, personas, persona):
        client.force_login(getattr(personas, persona))
        assert client.get("/api/v1/templates/").status_code == 403
        body = {"kind": "social", "title": "Sneaky"}
        assert post(client, "/api/v1/templates/", body).status_code == 403
        assert not HomeworkTemplate.objects.filter(title="Sneaky").exists()

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"kind": "journal", "title": "Days", "frequency": "weekdays"}, "weekdays"),
            ({"kind": "journal", "title": "N", "frequency": "weekly"}, "times_per_week"),
            ({"kind": "yoga", "title": "Stretch"}, "kind"),
            ({"kind": "journal"}, "title"),
        ],
    )
    def test_bad_templates_get_400_with_field_messages(self, client, personas, body, field):
        before = HomeworkTemplate.objects.count()
        client.force_login(personas.therapist_a)
        response = post(client, "/api/v1/templates/", body)
        assert response.status_code == 400
        assert field in response.json()
        assert HomeworkTemplate.objects.count() == before


# --- Assignments ---------------------------------------------------------------------


GOOD_ASSIGNMENT = {
    "kind": "lifestyle",
    "title": "Walk <outside>",
    "instructions": "Walk **briskly**.\n\n- before lunch\n- no phone",
    "target_value": 20,
    "target_unit": "minutes",
    "frequency": "weekdays",
    "weekdays": [2, 0],
    "start_date": "2026-11-23",
    "end_date": "2026-12-20",
    "reminder_time": "18:30",
}


class TestAssignments:
    def test_a_therapist_assigns_homework_to_their_client(self, client, personas):
        client.force_login(personas.therapist_a)
        response = post(
            client,
            "/api/v1/assignments/",
            {**GOOD_ASSIGNMENT, "client": str(personas.client_a.public_id)},
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assignment = Assignment.objects.get(public_id=body["id"])
        assert (assignment.client, assignment.therapist, assignment.relationship) == (
            personas.client_a,
            personas.therapist_a,
            personas.relationship_a,
        )
        assert body == {
            "id": str(assignment.public_id),
            "client": str(personas.client_a.public_id),
            "kind": "lifestyle",
            "title": "Walk <outside>",
            "instructions": GOOD_ASSIGNMENT["instructions"],
            "instructions_html": "<p>Walk <strong>briskly</strong>.</p>"
            "<ul><li>before lunch</li><li>no phone</li></ul>",
            "target_value": 20.0,
            "target_unit": "minutes",
            "target_text": "≥ 20 minutes",
            "frequency": "weekdays",
            "weekdays": [0, 2],
            "times_per_week": None,
            "completes_by": "target",
            "start_date": "2026-11-23",
            "end_date": "2026-12-20",
            "due_date": None,
            "reminder_time": "18:30",
            "status": "active",
            "schedule_text": "Mon, Wed",
            "rrule": "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261220",
            "created_at": body["created_at"],
            "updated_at": body["updated_at"],
        }
        assert body["created_at"].startswith("2026-11-25T12:00:00")

    def test_fields_left_out_come_from_the_template(self, client, personas):
        template = HomeworkTemplate.objects.get(slug="thought-record")
        client.force_login(personas.therapist_a)
        body = post(
            client,
            "/api/v1/assignments/",
            {"client": str(personas.client_a.public_id), "template": str(template.public_id)},
        ).json()
        assert body["title"] == "Thought record"
        assert (body["kind"], body["frequency"], body["times_per_week"]) == ("journal", "weekly", 3)
        assert body["start_date"] == "2026-11-25"
        assert body["schedule_text"] == "3 times a week"
        assert Assignment.objects.get(public_id=body["id"]).template == template

    def test_instructions_are_escaped_in_html(self, client, personas):
        assign(
            personas.relationship_a,
            instructions="<script>alert(1)</script> **ok**",
        )
        client.force_login(personas.client_a)
        [item] = results(client.get("/api/v1/assignments/"))
        assert item["instructions_html"] == (
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; <strong>ok</strong></p>"
        )

    def test_a_client_sees_their_own_assignments_of_every_status(
        self, client, personas, homework_b
    ):
        assign(personas.relationship_a, title="Active one")
        paused = assign(personas.relationship_a, title="Paused one")
        services.assignment_pause(assignment=paused)
        ended = assign(personas.relationship_a, title="Ended one")
        services.assignment_end(assignment=ended)
        client.force_login(personas.client_a)
        assert sorted(titles(client.get("/api/v1/assignments/"))) == [
            "Active one",
            "Ended one",
            "Paused one",
        ]
        assert titles(client.get("/api/v1/assignments/?status=paused")) == ["Paused one"]
        assert titles(client.get("/api/v1/assignments/?status=ended")) == ["Ended one"]

    def test_a_client_sees_homework_as_ended_once_the_relationship_ends(
        self, client, personas, homework_a
    ):
        account_services.relationship_end(
            actor=personas.client_a, relationship=personas.relationship_a
        )
        client.force_login(personas.client_a)
        assert [item["status"] for item in results(client.get("/api/v1/assignments/"))] == ["ended"]
        assert results(client.get("/api/v1/assignments/?status=active")) == []
        assert titles(client.get("/api/v1/assignments/?status=ended")) == ["Mood journal"]
        one = client.get(f"/api/v1/assignments/{homework_a.public_id}/")
        assert one.json()["status"] == "ended"

    def test_a_therapist_sees_only_homework_set_within_their_own_relationships(
        self, client, personas, homework_a, homework_b
    ):
        other_client = ClientFactory(name="Cy Gamma")
        assign(
            RelationshipFactory(therapist=personas.therapist_a, client=other_client),
            title="Cy's homework",
        )
        # Client A also sees therapist B, who sets homework that therapist A must not see.
        assign(
            RelationshipFactory(therapist=personas.therapist_b, client=personas.client_a),
            title="From the other therapist",
        )
        client.force_login(personas.therapist_a)
        assert sorted(titles(client.get("/api/v1/assignments/"))) == [
            "Cy's homework",
            "Mood journal",
        ]
        only_a = client.get(f"/api/v1/assignments/?client={personas.client_a.public_id}")
        assert [(item["title"], item["client"]) for item in results(only_a)] == [
            ("Mood journal", str(personas.client_a.public_id))
        ]
        assert views_audited(personas.therapist_a, personas.client_a) == 2

    def test_the_client_and_their_therapist_read_one_assignment(self, client, personas, homework_a):
        url = f"/api/v1/assignments/{homework_a.public_id}/"
        client.force_login(personas.client_a)
        assert client.get(url).json()["title"] == "Mood journal"
        assert views_audited(personas.client_a, personas.client_a) == 0
        client.force_login(personas.therapist_a)
        body = client.get(url).json()
        assert (body["id"], body["status"]) == (str(homework_a.public_id), "active")
        assert body["rrule"] == "RRULE:FREQ=DAILY"
        assert views_audited(personas.therapist_a, personas.client_a) == 1

    @pytest.mark.parametrize("persona", ["client_b", "therapist_b"])
    def test_strangers_get_404_for_an_assignment(self, client, personas, homework_a, persona):
        client.force_login(getattr(personas, persona))
        url = f"/api/v1/assignments/{homework_a.public_id}/"
        assert client.get(url).status_code == 404
        assert titles(client.get("/api/v1/assignments/")) == []
        if persona == "therapist_b":
            assert patch(client, url, {"title": "Hijacked"}).status_code == 404
            for change in ("pause", "resume", "end"):
                assert post(client, f"{url}{change}/").status_code == 404
        homework_a.refresh_from_db()
        assert (homework_a.title, homework_a.status) == ("Mood journal", AssignmentStatus.ACTIVE)

    def test_a_therapist_cannot_assign_to_someone_outside_their_caseload(self, client, personas):
        client.force_login(personas.therapist_b)
        for someone in (personas.client_a.public_id, personas.therapist_a.public_id):
            response = post(
                client, "/api/v1/assignments/", {**GOOD_ASSIGNMENT, "client": str(someone)}
            )
            assert response.status_code == 404
        assert not Assignment.objects.exists()

    @pytest.mark.parametrize("persona", ["client_a", "staff"])
    def test_only_therapists_assign_edit_and_manage_homework(
        self, client, personas, homework_a, persona
    ):
        client.force_login(getattr(personas, persona))
        url = f"/api/v1/assignments/{homework_a.public_id}/"
        body = {**GOOD_ASSIGNMENT, "client": str(personas.client_a.public_id)}
        assert post(client, "/api/v1/assignments/", body).status_code == 403
        assert patch(client, url, {"title": "Less"}).status_code == 403
        assert put(client, url, GOOD_ASSIGNMENT).status_code == 403
        for change in ("pause", "resume", "end"):
            assert post(client, f"{url}{change}/").status_code == 403
        assert Assignment.objects.count() == 1
        homework_a.refresh_from_db()
        assert (homework_a.title, homework_a.status) == ("Mood journal", AssignmentStatus.ACTIVE)

    def test_ending_a_one_off_before_its_due_date_keeps_list_and_adherence(self, client, personas):
        one_off = assign(personas.relationship_a, frequency="once", due_date=date(2026, 12, 2))
        client.force_login(personas.therapist_a)
        assert post(client, f"/api/v1/assignments/{one_off.public_id}/end/").status_code == 200
        mine = f"client={personas.client_a.public_id}"
        for persona in (personas.therapist_a, personas.client_a):
            client.force_login(persona)
            listed = results(client.get(f"/api/v1/assignments/?{mine}"))
            assert [item["status"] for item in listed] == ["ended"]
            adherence = client.get(f"/api/v1/adherence/?{mine}")
            assert adherence.status_code == 200
            assert adherence.json()["weeks"][-1]["due"] == 0

    def test_one_bad_row_does_not_fail_the_list(self, client, personas, homework_a, caplog):
        broken = assign(personas.relationship_a, title="Broken")
        Assignment.objects.filter(pk=broken.pk).update(frequency="weekdays", weekdays=[])
        client.force_login(personas.client_a)
        listed = results(client.get("/api/v1/assignments/"))
        assert {item["title"]: item["rrule"] for item in listed} == {
            "Broken": None,
            "Mood journal": "RRULE:FREQ=DAILY",
        }
        assert client.get("/api/v1/adherence/").status_code == 200
        assert "left out" in caplog.text

    def test_an_assignment_is_ended_not_deleted(self, client, personas, homework_a):
        client.force_login(personas.therapist_a)
        assert client.delete(f"/api/v1/assignments/{homework_a.public_id}/").status_code == 405
        assert Assignment.objects.filter(pk=homework_a.pk).exists()

    def test_a_therapist_edits_an_assignment(self, client, personas, homework_a):
        client.force_login(personas.therapist_a)
        url = f"/api/v1/assignments/{homework_a.public_id}/"
        body = patch(
            client, url, {"title": "Mood, briefly", "frequency": "weekly", "times_per_week": 4}
        ).json()
        assert (body["title"], body["schedule_text"]) == ("Mood, briefly", "4 times a week")
        body = put(client, url, GOOD_ASSIGNMENT).json()
        assert (body["title"], body["weekdays"], body["reminder_time"]) == (
            "Walk <outside>",
            [0, 2],
            "18:30",
        )
        homework_a.refresh_from_db()
        assert (homework_a.frequency, homework_a.weekdays) == ("weekdays", [0, 2])

    def test_a_therapist_pauses_resumes_and_ends_an_assignment(self, client, personas, homework_a):
        client.force_login(personas.therapist_a)
        url = f"/api/v1/assignments/{homework_a.public_id}/"
        assert post(client, f"{url}pause/").json()["status"] == "paused"
        again = post(client, f"{url}pause/")
        assert again.status_code == 400
        assert "Only an active assignment can be paused." in again.json()["non_field_errors"]
        assert post(client, f"{url}resume/").json()["status"] == "active"
        ended = post(client, f"{url}end/").json()
        assert (ended["status"], ended["end_date"]) == ("ended", "2026-11-25")
        assert post(client, f"{url}end/").status_code == 400
        assert patch(client, url, {"title": "Too late"}).status_code == 400
        homework_a.refresh_from_db()
        assert (homework_a.status, homework_a.title) == (AssignmentStatus.ENDED, "Mood journal")

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"start_date": "2026-12-01", "end_date": "2026-11-30"}, "end_date"),
            ({"frequency": "weekly", "times_per_week": 0}, "times_per_week"),
            ({"frequency": "weekly", "times_per_week": 8}, "times_per_week"),
            ({"frequency": "weekly", "times_per_week": None}, "times_per_week"),
            ({"frequency": "weekdays", "weekdays": []}, "weekdays"),
            ({"weekdays": [1, 7]}, "weekdays"),
            ({"reminder_time": "25:99"}, "reminder_time"),
            ({"reminder_time": "soon"}, "reminder_time"),
            ({"kind": "yoga"}, "kind"),
            ({"frequency": "hourly"}, "frequency"),
            ({"start_date": "9999-12-31"}, "start_date"),
            ({"end_date": "9999-12-31"}, "end_date"),
            ({"frequency": "once", "due_date": "9999-12-31"}, "due_date"),
            ({"start_date": "0001-01-01"}, "start_date"),
            ({"frequency": "once", "due_date": None}, "due_date"),
            ({"frequency": "once", "due_date": "2026-11-01"}, "due_date"),
            ({"start_date": "someday"}, "start_date"),
            ({"target_value": -1}, "target_value"),
            ({"title": ""}, "title"),
            ({"title": "x" * 121}, "title"),
            ({"client": "not-a-uuid"}, "client"),
        ],
    )
    def test_bad_assignments_get_400_with_field_messages(self, client, personas, change, field):
        client.force_login(personas.therapist_a)
        body = {**GOOD_ASSIGNMENT, "client": str(personas.client_a.public_id), **change}
        response = post(client, "/api/v1/assignments/", body)
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert not Assignment.objects.exists()

    def test_an_assignment_without_title_or_kind_or_template_is_a_400(self, client, personas):
        client.force_login(personas.therapist_a)
        response = post(
            client, "/api/v1/assignments/", {"client": str(personas.client_a.public_id)}
        )
        assert response.status_code == 400
        assert {"kind", "title"} <= response.json().keys()
        assert not Assignment.objects.exists()

    def test_an_unknown_or_someone_elses_template_is_a_400(self, client, personas):
        theirs = services.template_create(owner=personas.therapist_b, kind="social", title="B")
        client.force_login(personas.therapist_a)
        for template_id in (theirs.public_id, personas.client_a.public_id):
            body = {"client": str(personas.client_a.public_id), "template": str(template_id)}
            response = post(client, "/api/v1/assignments/", body)
            assert response.status_code == 400
            assert "template" in response.json()
        assert not Assignment.objects.exists()

    def test_a_bad_edit_is_a_400_and_changes_nothing(self, client, personas, homework_a):
        client.force_login(personas.therapist_a)
        url = f"/api/v1/assignments/{homework_a.public_id}/"
        response = patch(client, url, {"title": "New title", "end_date": "2026-11-01"})
        assert response.status_code == 400
        assert "end_date" in response.json()
        response = patch(client, url, {"title": "New title", "frequency": "weekdays"})
        assert "weekdays" in response.json()
        homework_a.refresh_from_db()
        assert (homework_a.title, homework_a.end_date, homework_a.frequency) == (
            "Mood journal",
            None,
            "daily",
        )

    @pytest.mark.parametrize("query", ["status=done", "client=someone"])
    def test_bad_filters_are_a_400(self, client, personas, query):
        client.force_login(personas.client_a)
        response = client.get(f"/api/v1/assignments/?{query}")
        assert response.status_code == 400
        assert query.split("=")[0] in response.json()

    def test_listing_takes_nine_queries_for_5_and_for_50(self, client, personas):
        def count_queries() -> int:
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/api/v1/assignments/")
            assert response.status_code == 200
            return len(queries)

        def make(n: int) -> None:
            for i in range(n):
                assignment = assign(personas.relationship_a, title=f"#{i}")
                if i % 2:
                    services.assignment_pause(assignment=assignment)

        client.force_login(personas.client_a)
        make(5)
        # session, user, count for the pager, the page, its pauses: 5 (the session is saved at
        # most once a minute); the rate limit counted atomically in the database cache
        # (savepoint, read for update, write, release): 4
        assert count_queries() == 9
        make(45)
        assert count_queries() == 9  # the first read after a write
        assert len(results(client.get("/api/v1/assignments/"))) == 50
        # Read again with nothing written: from the page cache (session, user, rate limit).
        assert count_queries() == 6


# --- Completions ---------------------------------------------------------------------


class TestCompletions:
    def test_a_client_completes_todays_homework(self, client, personas, homework_a):
        client.force_login(personas.client_a)
        response = post(
            client,
            "/api/v1/completions/",
            {"assignment": str(homework_a.public_id), "note": "  felt calmer  "},
        )
        assert response.status_code == 201, response.content
        completion = Completion.objects.get()
        assert response.json() == {
            "id": str(completion.public_id),
            "assignment": str(homework_a.public_id),
            "due_date": "2026-11-25",
            "note": "felt calmer",
            "source": "check_off",
            "completed_at": response.json()["completed_at"],
        }
        assert (completion.client, completion.week) == (personas.client_a, MONDAY)

    def test_a_client_completes_a_day_they_missed(self, client, personas, homework_a):
        client.force_login(personas.client_a)
        body = {"assignment": str(homework_a.public_id), "due_date": "2026-11-20"}
        assert post(client, "/api/v1/completions/", body).json()["due_date"] == "2026-11-20"
        assert Completion.objects.get().week == LAST_MONDAY

    @pytest.mark.parametrize(
        ("case", "field"),
        [
            ("paused", "assignment"),
            ("ended", "assignment"),
            ("not_due", "due_date"),
            ("future", "due_date"),
            ("long_ago", "due_date"),
            ("before_start", "due_date"),
            ("duplicate", "due_date"),
            ("bad_date", "due_date"),
            ("long_note", "note"),
            ("no_assignment", "assignment"),
        ],
    )
    def test_bad_completions_get_400_with_field_messages(
        self, client, personas, homework_a, case, field
    ):
        mondays = assign(
            personas.relationship_a,
            title="Mondays",
            frequency="weekdays",
            weekdays=[0],
        )
        body = {"assignment": str(homework_a.public_id)}
        match case:
            case "paused":
                services.assignment_pause(assignment=homework_a)
            case "ended":
                services.assignment_end(assignment=homework_a)
            case "not_due":
                body = {"assignment": str(mondays.public_id), "due_date": "2026-11-24"}
            case "future":
                body["due_date"] = "2026-11-26"
            case "long_ago":
                body["due_date"] = "2026-11-17"
            case "before_start":
                later = assign(personas.relationship_a, start_date=TODAY)
                body = {"assignment": str(later.public_id), "due_date": "2026-11-24"}
            case "duplicate":
                CompletionFactory(assignment=homework_a, due_date=TODAY)
            case "bad_date":
                body["due_date"] = "yesterday"
            case "long_note":
                body["note"] = "x" * 501
            case "no_assignment":
                body = {}
        before = Completion.objects.count()
        client.force_login(personas.client_a)
        response = post(client, "/api/v1/completions/", body)
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert Completion.objects.count() == before

    def test_completing_a_paused_assignment_says_why(self, client, personas, homework_a):
        services.assignment_pause(assignment=homework_a)
        client.force_login(personas.client_a)
        response = post(client, "/api/v1/completions/", {"assignment": str(homework_a.public_id)})
        assert response.json() == {"assignment": ["This homework is paused."]}

    @pytest.mark.parametrize("persona", ["therapist_a", "staff"])
    def test_only_the_client_completes_homework(self, client, personas, homework_a, persona):
        client.force_login(getattr(personas, persona))
        body = {"assignment": str(homework_a.public_id)}
        assert post(client, "/api/v1/completions/", body).status_code == 403
        assert not Completion.objects.exists()

    def test_a_client_cannot_complete_someone_elses_homework(self, client, personas, homework_a):
        client.force_login(personas.client_b)
        for assignment_id in (homework_a.public_id, personas.client_b.public_id):
            body = {"assignment": str(assignment_id)}
            assert post(client, "/api/v1/completions/", body).status_code == 404
        assert not Completion.objects.exists()

    def test_the_client_and_their_therapist_list_completions(
        self, client, personas, homework_a, homework_b
    ):
        other = assign(personas.relationship_a, title="Other")
        CompletionFactory(assignment=homework_a, due_date=date(2026, 11, 20), note="tired")
        CompletionFactory(assignment=homework_a, due_date=date(2026, 11, 24))
        CompletionFactory(assignment=other, due_date=date(2026, 11, 24))
        CompletionFactory(assignment=homework_b, due_date=date(2026, 11, 24))
        for persona in ("client_a", "therapist_a"):
            client.force_login(getattr(personas, persona))
            everything = results(client.get("/api/v1/completions/"))
            assert len(everything) == 3
            assert {item["assignment"] for item in everything} == {
                str(homework_a.public_id),
                str(other.public_id),
            }
            of_one = results(client.get(f"/api/v1/completions/?assignment={homework_a.public_id}"))
            assert [(c["due_date"], c["note"]) for c in of_one] == [
                ("2026-11-20", "tired"),
                ("2026-11-24", ""),
            ]
            since = results(client.get("/api/v1/completions/?from=2026-11-21&to=2026-11-24"))
            assert [c["due_date"] for c in since] == ["2026-11-24", "2026-11-24"]
            until = results(client.get("/api/v1/completions/?to=2026-11-20"))
            assert [c["due_date"] for c in until] == ["2026-11-20"]
        assert views_audited(personas.therapist_a, personas.client_a) == 4

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("from=yesterday", "from"),
            ("assignment=7", "assignment"),
            ("from=2026-11-25&to=2026-11-01", "to"),
        ],
    )
    def test_bad_filters_are_a_400(self, client, personas, query, field):
        client.force_login(personas.client_a)
        response = client.get(f"/api/v1/completions/?{query}")
        assert response.status_code == 400
        assert field in response.json()

    def test_the_client_and_their_therapist_read_one_completion(self, client, personas, homework_a):
        completion = CompletionFactory(assignment=homework_a, due_date=TODAY, note="ok")
        for persona in ("client_a", "therapist_a"):
            client.force_login(getattr(personas, persona))
            body = client.get(f"/api/v1/completions/{completion.public_id}/").json()
            assert (body["id"], body["note"]) == (str(completion.public_id), "ok")

    @pytest.mark.parametrize("persona", ["client_b", "therapist_b"])
    def test_strangers_get_404_for_a_completion(self, client, personas, homework_a, persona):
        completion = CompletionFactory(assignment=homework_a, due_date=TODAY)
        client.force_login(getattr(personas, persona))
        assert client.get(f"/api/v1/completions/{completion.public_id}/").status_code == 404
        assert results(client.get("/api/v1/completions/")) == []
        if persona == "client_b":
            assert client.delete(f"/api/v1/completions/{completion.public_id}/").status_code == 404
        assert Completion.objects.filter(pk=completion.pk).exists()

    def test_a_client_undoes_a_completion(self, client, personas, homework_a):
        completion = CompletionFactory(assignment=homework_a, due_date=TODAY)
        client.force_login(personas.client_a)
        assert client.delete(f"/api/v1/completions/{completion.public_id}/").status_code == 204
        assert not Completion.objects.exists()
        # ...and may then complete it again.
        body = {"assignment": str(homework_a.public_id)}
        assert post(client, "/api/v1/completions/", body).status_code == 201

    def test_undo_after_the_relationship_ends_is_a_400(self, client, personas, homework_a):
        completion = CompletionFactory(assignment=homework_a, due_date=TODAY)
        account_services.relationship_end(
            actor=personas.client_a, relationship=personas.relationship_a
        )
        client.force_login(personas.client_a)
        response = client.delete(f"/api/v1/completions/{completion.public_id}/")
        assert response.status_code == 400
        assert "ended with the care relationship" in response.json()["assignment"][0]
        assert Completion.objects.filter(pk=completion.pk).exists()

    def test_a_therapist_cannot_undo_a_completion(self, client, personas, homework_a):
        completion = CompletionFactory(assignment=homework_a, due_date=TODAY)
        client.force_login(personas.therapist_a)
        assert client.delete(f"/api/v1/completions/{completion.public_id}/").status_code == 403
        assert Completion.objects.filter(pk=completion.pk).exists()

    def test_a_completion_cannot_be_edited(self, client, personas, homework_a):
        completion = CompletionFactory(assignment=homework_a, due_date=TODAY, note="as it was")
        client.force_login(personas.client_a)
        url = f"/api/v1/completions/{completion.public_id}/"
        assert patch(client, url, {"note": "rewritten"}).status_code == 405
        assert put(client, url, {"note": "rewritten"}).status_code == 405
        completion.refresh_from_db()
        assert completion.note == "as it was"


# --- Adherence -----------------------------------------------------------------------


@pytest.fixture
def progress(personas, homework_a):
    """Client A: a daily journal since last Monday, and three walks a week since Monday."""
    walks = assign(
        personas.relationship_a,
        kind="lifestyle",
        title="Walk",
        frequency="weekly",
        times_per_week=3,
        start_date=MONDAY,
    )
    for day in (date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 23), TODAY):
        CompletionFactory(assignment=homework_a, due_date=day)
    CompletionFactory(assignment=walks, due_date=date(2026, 11, 24))
    return homework_a, walks


class TestAdherence:
    def test_a_therapist_sees_done_and_due_per_week(self, client, personas, progress):
        journal, walks = progress
        client.force_login(personas.therapist_a)
        response = client.get(f"/api/v1/adherence/?client={personas.client_a.public_id}&weeks=2")
        assert response.status_code == 200, response.content
        assert response.json() == {
            "client": str(personas.client_a.public_id),
            "weeks": [
                {
                    "week": "2026-W47",
                    "monday": "2026-11-16",
                    "done": 2,
                    "due": 7,
                    "percent": 29,
                    "assignments": [
                        {"id": str(journal.public_id), "title": "Mood journal", "done": 2, "due": 7}
                    ],
                },
                {
                    "week": "2026-W48",
                    "monday": "2026-11-23",
                    "done": 3,
                    "due": 6,
                    "percent": 50,
                    "assignments": [
                        {
                            "id": str(journal.public_id),
                            "title": "Mood journal",
                            "done": 2,
                            "due": 3,
                        },
                        {"id": str(walks.public_id), "title": "Walk", "done": 1, "due": 3},
                    ],
                },
            ],
        }
        assert views_audited(personas.therapist_a, personas.client_a) == 1

    def test_a_client_sees_their_own_for_five_weeks_by_default(self, client, personas, progress):
        client.force_login(personas.client_a)
        body = client.get("/api/v1/adherence/").json()
        assert body["client"] == str(personas.client_a.public_id)
        assert [week["week"] for week in body["weeks"]] == [
            "2026-W44",
            "2026-W45",
            "2026-W46",
            "2026-W47",
            "2026-W48",
        ]
        assert [week["percent"] for week in body["weeks"]] == [None, None, None, 29, 50]
        assert body["weeks"][0]["assignments"] == []
        named = client.get(f"/api/v1/adherence/?client={personas.client_a.public_id}")
        assert named.json() == body

    @pytest.mark.parametrize("persona", ["client_b", "therapist_b", "staff"])
    def test_someone_elses_adherence_answers_404(self, client, personas, progress, persona):
        client.force_login(getattr(personas, persona))
        response = client.get(f"/api/v1/adherence/?client={personas.client_a.public_id}")
        assert response.status_code == 404
        assert "Mood journal" not in response.content.decode()

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("weeks=0", "weeks"),
            ("weeks=27", "weeks"),
            ("weeks=many", "weeks"),
            ("client=nobody", "client"),
        ],
    )
    def test_bad_parameters_are_a_400(self, client, personas, query, field):
        client.force_login(personas.client_a)
        response = client.get(f"/api/v1/adherence/?{query}")
        assert response.status_code == 400
        assert field in response.json()

    def test_a_therapist_must_say_whose_adherence(self, client, personas):
        client.force_login(personas.therapist_a)
        response = client.get("/api/v1/adherence/")
        assert response.status_code == 400
        assert "client" in response.json()


def test_the_schema_documents_the_homework_endpoints(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/templates/",
        "/api/v1/templates/{public_id}/",
        "/api/v1/assignments/",
        "/api/v1/assignments/{public_id}/pause/",
        "/api/v1/completions/{public_id}/",
        "/api/v1/adherence/",
    } <= paths.keys()
    assert {p["name"] for p in paths["/api/v1/adherence/"]["get"]["parameters"]} == {
        "client",
        "weeks",
    }
