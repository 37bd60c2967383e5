"""The records API, persona by persona: the client writes their own records, a therapist
reads what their active clients share, and every read by a therapist is one audit row."""

import io
import json
import threading
import zipfile
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditAction, AuditEvent
from accounts.services import relationship_end
from clients import services
from clients.models import Feedback, JournalEntry, LifestyleLog, SocialActivity
from homework.models import Completion
from tests.clients.conftest import NOW, TODAY, assign_from_library
from tests.conftest import make_active_relationship
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    CompletionFactory,
    JournalEntryFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

JOURNAL = "/api/v1/journal/"


def viewed(client_user) -> int:
    return AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED, subject=client_user).count()


@pytest.fixture
def shared_entry(personas) -> JournalEntry:
    return services.journal_create(client=personas.client_a, text="Shared words", shared=True)


@pytest.fixture
def private_entry(personas) -> JournalEntry:
    return services.journal_create(client=personas.client_a, text="Private words")


class TestJournalAsTheClient:
    def test_it_creates_lists_edits_and_deletes_own_entries(self, client, personas):
        client.force_login(personas.client_a)
        response = client.post(
            JOURNAL,
            {"text": "**Good** day", "mood": 8, "emotions": ["joy", "proud"], "triggers": ["work"]},
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["shared"] is False
        assert body["text_html"] == "<p><strong>Good</strong> day</p>"
        url = f"{JOURNAL}{body['id']}/"

        assert client.get(JOURNAL).json()["count"] == 1
        response = client.patch(url, {"shared": True}, content_type="application/json")
        assert response.status_code == 200
        assert response.json()["shared"] is True
        assert client.delete(url).status_code == 204
        assert not JournalEntry.objects.exists()
        assert viewed(personas.client_a) == 0  # the client's own reads are not audited

    def test_an_entry_completes_the_journaling_homework(self, client, personas):
        homework = assign_from_library(personas, "daily-mood-journal")
        client.force_login(personas.client_a)
        response = client.post(
            JOURNAL,
            {"text": "x", "assignment": str(homework.public_id)},
            content_type="application/json",
        )
        assert response.status_code == 201
        completion = Completion.objects.get(assignment=homework)
        assert response.json()["completion"] == str(completion.public_id)
        assert completion.source == "log"
        [listed] = client.get(JOURNAL).json()["results"]
        assert listed["completion"] == str(completion.public_id)
        assert [made["assignment"] for made in listed["completes"]] == [str(homework.public_id)]
        assert client.get(f"{JOURNAL}{listed['id']}/").json() == listed

    def test_another_clients_assignment_is_a_400_and_nothing_is_saved(self, client, personas):
        homework = assign_from_library(personas, "daily-mood-journal")
        client.force_login(personas.client_b)
        response = client.post(
            JOURNAL,
            {"text": "x", "assignment": str(homework.public_id)},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert "assignment" in response.json()
        assert not JournalEntry.objects.exists()

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"text": "x", "mood": 11}, "mood"),
            ({"text": "x", "mood": -1}, "mood"),
            ({"text": "a\u0000b"}, "detail"),  # the JSON parser refuses NUL for every route
            ({"text": "\ud800"}, "text"),
            ({"text": "x" * 20_001}, "text"),
            ({"text": "x", "occurred_at": "2027-01-01T00:00:00Z"}, "occurred_at"),
            ({"text": "x", "occurred_at": "2019-01-01T00:00:00Z"}, "occurred_at"),
            ({"text": "x", "occurred_at": "9999-12-31T23:59:59Z"}, "occurred_at"),
            ({"text": "x", "emotions": "joy"}, "emotions"),
            ({"text": "x", "triggers": [["nested"]]}, "triggers"),
            ({"text": "x", "assignment": "not-a-uuid"}, "assignment"),
        ],
    )
    def test_bad_input_is_a_400_with_field_messages(self, client, personas, body, field):
        client.force_login(personas.client_a)
        response = client.post(JOURNAL, body, content_type="application/json")
        assert response.status_code == 400
        assert field in response.json()
        assert not JournalEntry.objects.exists()

    def test_invalid_utf8_is_a_400(self, client, personas):
        client.force_login(personas.client_a)
        response = client.post(JOURNAL, b'{"text": "\xff\xfe"}', content_type="application/json")
        assert response.status_code == 400
        assert not JournalEntry.objects.exists()

    def test_trigger_suggestions_are_the_clients_own(self, client, personas):
        services.journal_create(client=personas.client_a, text="x", triggers=["Work", "noise"])
        services.journal_create(client=personas.client_a, text="y", triggers=["work"])
        services.journal_create(client=personas.client_b, text="z", triggers=["secret"])
        client.force_login(personas.client_a)
        response = client.get("/api/v1/trigger-suggestions/")
        assert response.json() == {"triggers": ["work", "noise"]}  # the latest spelling


class TestJournalAsTheTherapist:
    def test_the_therapist_reads_shared_entries_of_an_active_client(
        self, client, personas, shared_entry, private_entry
    ):
        client.force_login(personas.therapist_a)
        response = client.get(JOURNAL, {"client": str(personas.client_a.public_id)})
        assert response.status_code == 200
        assert [e["id"] for e in response.json()["results"]] == [str(shared_entry.public_id)]
        assert "Private words" not in response.content.decode()

    def test_a_private_entry_is_a_404(self, client, personas, private_entry):
        client.force_login(personas.therapist_a)
        response = client.get(f"{JOURNAL}{private_entry.public_id}/")
        assert response.status_code == 404
        assert "Private words" not in response.content.decode()

    def test_un_sharing_hides_the_entry_at_the_next_request(self, client, personas, shared_entry):
        url = f"{JOURNAL}{shared_entry.public_id}/"
        client.force_login(personas.therapist_a)
        assert client.get(url).status_code == 200
        client.force_login(personas.client_a)
        client.patch(url, {"shared": False}, content_type="application/json")
        client.force_login(personas.therapist_a)
        assert client.get(url).status_code == 404
        query = {"client": str(personas.client_a.public_id)}
        assert client.get(JOURNAL, query).json()["count"] == 0

    def test_an_ended_relationship_closes_the_records(self, client, personas, shared_entry):
        relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
        client.force_login(personas.therapist_a)
        assert client.get(f"{JOURNAL}{shared_entry.public_id}/").status_code == 404
        query = {"client": str(personas.client_a.public_id)}
        assert client.get(JOURNAL, query).status_code == 404

    def test_another_therapist_sees_nothing(self, client, personas, shared_entry):
        client.force_login(personas.therapist_b)
        assert client.get(f"{JOURNAL}{shared_entry.public_id}/").status_code == 404
        query = {"client": str(personas.client_a.public_id)}
        response = client.get(JOURNAL, query)
        assert response.status_code == 404
        assert "Shared words" not in response.content.decode()
        own = client.get(JOURNAL, {"client": str(personas.client_b.public_id)}).json()
        assert own["count"] == 0

    def test_a_therapist_must_name_the_client(self, client, personas, shared_entry):
        client.force_login(personas.therapist_a)
        response = client.get(JOURNAL)
        assert response.status_code == 400
        assert "client" in response.json()

    @pytest.mark.parametrize("persona", ["client_b", "therapist_b", "staff"])
    def test_filters_and_counts_never_reveal_anothers_records(
        self, client, personas, shared_entry, persona
    ):
        client.force_login(getattr(personas, persona))
        for query in (
            {"client": str(personas.client_a.public_id)},
            {"client": str(personas.client_a.public_id), "shared": "true"},
            {"from": "2026-11-01", "to": "2026-11-30"},
        ):
            response = client.get(JOURNAL, query)
            assert response.status_code in (200, 400, 404)
            if response.status_code == 200:
                assert response.json()["count"] == 0
            assert "Shared words" not in response.content.decode()

    def test_the_therapist_cannot_write(self, client, personas, shared_entry):
        client.force_login(personas.therapist_a)
        url = f"{JOURNAL}{shared_entry.public_id}/"
        assert client.patch(url, {"text": "no"}, content_type="application/json").status_code == 403
        assert client.delete(url).status_code == 403
        assert (
            client.post(JOURNAL, {"text": "x"}, content_type="application/json").status_code == 403
        )
        shared_entry.refresh_from_db()
        assert shared_entry.text == "Shared words"

    def test_each_read_is_exactly_one_audit_row_and_marks_the_first_view(
        self, client, personas, shared_entry
    ):
        client.force_login(personas.therapist_a)
        client.get(JOURNAL, {"client": str(personas.client_a.public_id)})
        assert viewed(personas.client_a) == 1
        shared_entry.refresh_from_db()
        assert shared_entry.first_viewed_at == NOW
        client.get(f"{JOURNAL}{shared_entry.public_id}/")
        assert viewed(personas.client_a) == 2
        event = AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED).first()
        assert event.actor == personas.therapist_a
        assert event.detail == {"what": "journal"}

    def test_the_client_sees_when_the_therapist_first_viewed(self, client, personas, shared_entry):
        client.force_login(personas.therapist_a)
        client.get(f"{JOURNAL}{shared_entry.public_id}/")
        client.force_login(personas.client_a)
        body = client.get(f"{JOURNAL}{shared_entry.public_id}/").json()
        assert body["first_viewed_at"] == "2026-11-25T12:00:00Z"


class TestQueryCounts:
    @pytest.mark.parametrize("persona", ["client_a", "therapist_a"])
    def test_the_journal_list_takes_the_same_queries_for_10_and_1000_entries(
        self, client, personas, persona
    ):
        def count(n: int) -> int:
            JournalEntry.objects.all().delete()
            JournalEntryFactory.create_batch(n, client=personas.client_a, shared=True)
            client.force_login(getattr(personas, persona))
            query = {"client": str(personas.client_a.public_id)}
            with CaptureQueriesContext(connection) as queries:
                response = client.get(JOURNAL, query)
            assert response.status_code == 200
            return len(queries)

        # 4 of them are the API rate limit, counted atomically in the database cache; 1 the
        # homework each record completes
        expected = {"client_a": 9, "therapist_a": 13}[persona]
        assert count(10) == expected
        assert count(1000) == expected


class TestLifestyleAndSocial:
    def test_a_second_log_for_the_same_day_is_a_400(self, client, personas):
        client.force_login(personas.client_a)
        first = client.post(
            "/api/v1/lifestyle/", {"sleep_hours": 7}, content_type="application/json"
        )
        assert first.status_code == 201, first.json()
        second = client.post(
            "/api/v1/lifestyle/", {"sleep_hours": 8}, content_type="application/json"
        )
        assert second.status_code == 400
        assert "day" in second.json()
        assert LifestyleLog.objects.get().sleep_hours == 7

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"sleep_hours": 30}, "sleep_hours"),
            ({"sleep_quality": 6}, "sleep_quality"),
            ({"exercise_minutes": -10}, "exercise_minutes"),
            ({"outdoor_minutes": 5000}, "outdoor_minutes"),
            ({"alcohol_units": -2}, "alcohol_units"),
            ({"day": "2026-11-26"}, "day"),
            ({"day": "2001-01-01"}, "day"),
            ({"meals": "always"}, "meals"),
            ({"note": "\u0000"}, "detail"),  # the JSON parser refuses NUL for every route
        ],
    )
    def test_bad_lifestyle_input_is_a_400(self, client, personas, body, field):
        client.force_login(personas.client_a)
        response = client.post("/api/v1/lifestyle/", body, content_type="application/json")
        assert response.status_code == 400
        assert field in response.json()
        assert not LifestyleLog.objects.exists()

    def test_saving_a_log_completes_homework_and_editing_undoes_it(self, client, personas):
        exercise = assign_from_library(personas, "exercise-minutes")
        client.force_login(personas.client_a)
        body = client.post(
            "/api/v1/lifestyle/", {"exercise_minutes": 40}, content_type="application/json"
        ).json()
        assert Completion.objects.filter(assignment=exercise, due_date=TODAY).exists()
        client.patch(
            f"/api/v1/lifestyle/{body['id']}/",
            {"exercise_minutes": 5},
            content_type="application/json",
        )
        assert not Completion.objects.filter(assignment=exercise).exists()

    def test_social_activity_with_a_person_of_ones_own(self, client, personas):
        assign_from_library(personas, "reach-out")
        client.force_login(personas.client_a)
        person = client.post(
            "/api/v1/people/",
            {"name": "Sam", "kind": "friend", "support": "mutual"},
            content_type="application/json",
        ).json()
        response = client.post(
            "/api/v1/social/",
            {"person": person["id"], "mode": "call", "minutes": 15, "feeling": 4},
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["person_name"] == "Sam"
        assert Completion.objects.filter(client=personas.client_a, source="log").count() == 1

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"mode": "call", "minutes": -1}, "minutes"),
            ({"mode": "call", "feeling": 11}, "feeling"),
            ({"mode": "telepathy"}, "mode"),
            ({"mode": "call", "day": "2030-01-01"}, "day"),
        ],
    )
    def test_bad_social_input_is_a_400(self, client, personas, body, field):
        client.force_login(personas.client_a)
        response = client.post("/api/v1/social/", body, content_type="application/json")
        assert response.status_code == 400
        assert field in response.json()
        assert not SocialActivity.objects.exists()

    def test_a_person_from_another_clients_list_is_a_400(self, client, personas):
        theirs = PersonFactory(client=personas.client_b, name="Bea's sister")
        client.force_login(personas.client_a)
        response = client.post(
            "/api/v1/social/",
            {"person": str(theirs.public_id), "mode": "call"},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert "person" in response.json()
        assert "Bea's sister" not in response.content.decode()
        assert not SocialActivity.objects.exists()

    def test_the_people_list_is_the_clients_alone(self, client, personas):
        PersonFactory(client=personas.client_a, name="Sam")
        client.force_login(personas.client_b)
        assert client.get("/api/v1/people/").json()["count"] == 0
        client.force_login(personas.therapist_a)
        assert client.get("/api/v1/people/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_logs_for_the_same_day_at_once_make_one_and_a_400(personas):
    """Both requests pass the existence check; the named constraint decides (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions (PostgreSQL)")
    from django.test import Client

    barrier = threading.Barrier(2)
    answers = []

    def post():
        try:
            api = Client()
            api.force_login(personas.client_a)
            barrier.wait(timeout=10)
            response = api.post(
                "/api/v1/lifestyle/", {"sleep_hours": 7}, content_type="application/json"
            )
            answers.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 400]
    assert LifestyleLog.objects.count() == 1


class TestSharingDefaults:
    def test_the_client_sets_a_default_per_relationship(self, client, personas):
        client.force_login(personas.client_a)
        url = f"/api/v1/sharing/{personas.relationship_a.public_id}/"
        assert client.get(url).json()["share_by_default"] is False
        response = client.patch(url, {"share_by_default": True}, content_type="application/json")
        assert response.status_code == 200
        assert response.json()["share_by_default"] is True
        body = client.post(JOURNAL, {"text": "x"}, content_type="application/json").json()
        assert body["shared"] is True

    def test_an_empty_patch_changes_nothing_and_is_no_500(self, client, personas):
        client.force_login(personas.client_a)
        url = f"/api/v1/sharing/{personas.relationship_a.public_id}/"
        response = client.patch(url, {}, content_type="application/json")
        assert response.status_code == 200
        assert response.json()["share_by_default"] is False

    def test_another_clients_relationship_is_a_404(self, client, personas):
        client.force_login(personas.client_b)
        url = f"/api/v1/sharing/{personas.relationship_a.public_id}/"
        response = client.patch(url, {"share_by_default": True}, content_type="application/json")
        assert response.status_code == 404


class TestFeedback:
    def test_the_thread_between_therapist_and_client(self, client, personas, shared_entry):
        record = {"record": str(shared_entry.public_id)}
        client.force_login(personas.therapist_a)
        response = client.post(
            "/api/v1/feedback/",
            {**record, "text": "Well noticed."},
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        client.force_login(personas.client_a)
        response = client.post(
            "/api/v1/feedback/", {**record, "text": "Thank you"}, content_type="application/json"
        )
        assert response.status_code == 201
        thread = client.get("/api/v1/feedback/", record).json()
        assert [(m["text"], m["from_therapist"]) for m in thread] == [
            ("Well noticed.", True),
            ("Thank you", False),
        ]

    def test_feedback_on_a_private_entry_is_a_404(self, client, personas, private_entry):
        client.force_login(personas.therapist_a)
        response = client.post(
            "/api/v1/feedback/",
            {"record": str(private_entry.public_id), "text": "x"},
            content_type="application/json",
        )
        assert response.status_code == 404
        assert not Feedback.objects.exists()

    def test_another_therapist_cannot_leave_feedback(self, client, personas, shared_entry):
        client.force_login(personas.therapist_b)
        response = client.post(
            "/api/v1/feedback/",
            {"record": str(shared_entry.public_id), "text": "x"},
            content_type="application/json",
        )
        assert response.status_code == 404
        assert not Feedback.objects.exists()


class TestTimeline:
    def test_it_lists_shared_records_newest_first_with_week_counts(self, client, personas):
        services.journal_create(
            client=personas.client_a, text="old", shared=True, occurred_at=NOW - timedelta(days=9)
        )
        services.journal_create(client=personas.client_a, text="new", shared=True)
        services.journal_create(client=personas.client_a, text="private")
        services.lifestyle_create(client=personas.client_a, sleep_hours=7, shared=True)
        client.force_login(personas.therapist_a)
        response = client.get("/api/v1/timeline/", {"client": str(personas.client_a.public_id)})
        assert response.status_code == 200
        body = response.json()
        assert [item["kind"] for item in body["items"]] == ["journal", "lifestyle", "journal"]
        assert body["week_counts"] == {"journal": 1, "lifestyle": 1, "social": 0, "completion": 0}
        assert viewed(personas.client_a) == 1
        assert "private" not in response.content.decode()

        response = client.get(
            "/api/v1/timeline/",
            {"client": str(personas.client_a.public_id), "kind": "journal", "from": "2026-11-20"},
        )
        assert [item["record"]["text"] for item in response.json()["items"]] == ["new"]

    def test_each_item_is_its_record_as_the_records_own_serializer_gives_it(self, client, personas):
        from rest_framework.renderers import JSONRenderer

        from clients.api import JournalEntrySerializer, LifestyleLogSerializer
        from homework.api import CompletionSerializer
        from homework.models import Completion

        first = services.journal_create(
            client=personas.client_a, text="**Better** today", mood=6, shared=True
        )
        second = services.journal_create(client=personas.client_a, text="A walk", shared=True)
        log = services.lifestyle_create(client=personas.client_a, sleep_hours=7, shared=True)
        # What each made (read for the whole timeline at once) reads as it does one by one.
        homework = AssignmentFactory(relationship=personas.relationship_a, title="Walk")
        done = [
            CompletionFactory(assignment=homework, due_date=homework.start_date - timedelta(days=n))
            for n in (0, 2, 1)
        ]
        first.completions.add(*done)
        log.completions.add(done[1])
        client.force_login(personas.therapist_a)
        items = client.get(
            "/api/v1/timeline/", {"client": str(personas.client_a.public_id)}
        ).json()["items"]
        by_id = {item["record"]["id"]: item["record"] for item in items}
        made = by_id[str(first.public_id)]["completes"]
        assert [c["completion"] for c in made] == [str(done[n].public_id) for n in (1, 2, 0)]
        assert by_id[str(first.public_id)]["completion"] == str(done[1].public_id)
        assert [c["title"] for c in by_id[str(log.public_id)]["completes"]] == ["Walk"]
        for record, serializer in (
            (first, JournalEntrySerializer),
            (second, JournalEntrySerializer),
            (log, LifestyleLogSerializer),
        ):
            expected = json.loads(JSONRenderer().render(serializer(record).data))
            assert by_id[str(record.public_id)] == expected
        assert "<strong>Better</strong>" in json.dumps(by_id[str(first.public_id)])
        # A check-off is read for what the API writes of it: it reads as read whole.
        for completion in done:
            whole = Completion.objects.select_related("assignment").get(pk=completion.pk)
            expected = json.loads(JSONRenderer().render(CompletionSerializer(whole).data))
            assert by_id[str(completion.public_id)] == expected
            assert expected["assignment"] == str(homework.public_id) and expected["source"]

    def test_another_therapists_client_is_a_404(self, client, personas):
        client.force_login(personas.therapist_b)
        response = client.get("/api/v1/timeline/", {"client": str(personas.client_a.public_id)})
        assert response.status_code == 404


class TestExportAndErasure:
    def test_the_client_downloads_a_zip_of_everything(self, client, personas, shared_entry):
        client.force_login(personas.client_a)
        response = client.get("/api/v1/export/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        assert "tandem.json" in archive.namelist()
        assert "journal.csv" in archive.namelist()
        assert "Shared words" in archive.read("tandem.json").decode()
        assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 1

    def test_erasure_needs_the_password(self, client, personas):
        client.force_login(personas.client_a)
        response = client.post(
            "/api/v1/erasure/", {"password": "wrong"}, content_type="application/json"
        )
        assert response.status_code == 400
        assert "password" in response.json()
        personas.client_a.refresh_from_db()

    def test_erasure_erases_and_signs_out(self, client, personas, shared_entry):
        from tests.factories import PASSWORD

        client.force_login(personas.client_a)
        response = client.post(
            "/api/v1/erasure/", {"password": PASSWORD}, content_type="application/json"
        )
        assert response.status_code == 204
        assert not JournalEntry.objects.exists()
        assert client.get("/api/v1/me/").status_code == 403


def test_a_therapist_of_two_clients_sees_each_only_by_name(client, personas):
    """Filters never mix clients: the list is always one named client's."""
    other = ClientFactory()
    make_active_relationship(personas.therapist_a, other)
    services.journal_create(client=other, text="Other's words", shared=True)
    client.force_login(personas.therapist_a)
    response = client.get(JOURNAL, {"client": str(personas.client_a.public_id)})
    assert response.json()["count"] == 0
    assert "Other's words" not in response.content.decode()


def test_the_schema_documents_the_records_endpoints_without_warnings():
    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out
    )
    paths = json.loads(out.getvalue())["paths"]
    assert {
        "/api/v1/journal/",
        "/api/v1/journal/{public_id}/",
        "/api/v1/lifestyle/",
        "/api/v1/social/",
        "/api/v1/people/",
        "/api/v1/sharing/{public_id}/",
        "/api/v1/feedback/",
        "/api/v1/timeline/",
        "/api/v1/export/",
        "/api/v1/erasure/",
    } <= paths.keys()
    assert {p["name"] for p in paths["/api/v1/journal/"]["get"]["parameters"]} >= {
        "client",
        "from",
        "to",
        "shared",
    }


def test_the_therapist_sees_client_left_once_the_client_erased_their_account(client, personas):
    from tests.factories import PASSWORD

    services.account_erase(client=personas.client_a, password=PASSWORD)
    client.force_login(personas.therapist_a)
    url = f"/api/v1/relationships/{personas.relationship_a.public_id}/"
    body = client.get(url).json()
    assert body["client"] is None
    assert body["client_left"] is True
    assert body["status"] == "ended"


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/v1/timeline/", {"kind": "dreams"}, "kind"),
        ("/api/v1/timeline/", {"from": "2026-13-01"}, "from"),
        ("/api/v1/timeline/", {"from": "2026-11-20", "to": "2026-11-01"}, "to"),
        ("/api/v1/timeline/", {}, "client"),
        ("/api/v1/journal/", {"from": "yesterday"}, "from"),
        ("/api/v1/journal/", {"shared": "perhaps"}, "shared"),
    ],
)
def test_bad_queries_are_a_400(client, personas, url, query, field):
    client.force_login(personas.therapist_a)
    if field != "client":
        query = {"client": str(personas.client_a.public_id), **query}
    response = client.get(url, query)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("text", ["", "a\u0000b", "x" * 2001])
def test_bad_feedback_is_a_400_and_saves_nothing(client, personas, shared_entry, text):
    client.force_login(personas.therapist_a)
    response = client.post(
        "/api/v1/feedback/",
        {"record": str(shared_entry.public_id), "text": text},
        content_type="application/json",
    )
    assert response.status_code == 400
    # NUL is refused by the JSON parser for every route; the rest by the field
    assert ("detail" if "\u0000" in text else "text") in response.json()
    assert not Feedback.objects.exists()


def test_a_social_activity_can_drop_its_person(client, personas):
    person = PersonFactory(client=personas.client_a)
    activity = services.social_create(client=personas.client_a, person=person, mode="call")
    client.force_login(personas.client_a)
    response = client.patch(
        f"/api/v1/social/{activity.public_id}/", {"person": None}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["person"] is None


@pytest.mark.parametrize("kind", ["journal", "social"])
def test_an_old_record_can_be_made_private_through_the_api(client, personas, kind):
    """Sharing is the client's to take back at any time, even past the 60 days one may
    write about."""
    from tests.factories import SocialActivityFactory

    if kind == "journal":
        record = JournalEntryFactory(
            client=personas.client_a, shared=True, occurred_at=NOW - timedelta(days=90)
        )
    else:
        record = SocialActivityFactory(
            client=personas.client_a, shared=True, day=TODAY - timedelta(days=90)
        )
    client.force_login(personas.client_a)
    response = client.patch(
        f"/api/v1/{kind}/{record.public_id}/", {"shared": False}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["shared"] is False
    record.refresh_from_db()
    assert not record.shared


@pytest.mark.parametrize("path", ["/api/v1/timeline/", "/api/v1/journal/", "/api/v1/social/"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_far_off_filter_days_are_a_400(client, personas, path, day):
    client.force_login(personas.therapist_a)
    for name in ("from", "to"):
        response = client.get(path, {"client": str(personas.client_a.public_id), name: day})
        assert response.status_code == 400, response.content
        assert name in response.json()


# --- "I need help now" -------------------------------------------------------------------


def test_the_journal_api_takes_the_help_now_flag(client, personas):
    from safety.models import SafetyAlert

    client.force_login(personas.client_a)

    created = client.post(JOURNAL, {"needs_help": True}, content_type="application/json")
    plain = client.post(JOURNAL, {"text": "Calm"}, content_type="application/json")
    flagged_later = client.patch(
        f"{JOURNAL}{plain.json()['id']}/", {"needs_help": True}, content_type="application/json"
    )

    assert created.status_code == 201 and created.json()["needs_help"] is True
    assert plain.json()["needs_help"] is False
    assert flagged_later.status_code == 200 and flagged_later.json()["needs_help"] is True
    assert {str(a.reference) for a in SafetyAlert.objects.all()} == {
        created.json()["id"],
        plain.json()["id"],
    }


class TestMomentsWithoutAZone:
    """A moment sent without an offset is the client's local time, not UTC."""

    def set_zone(self, user, name):
        user.timezone = name
        user.save(update_fields=["timezone"])

    def test_it_is_read_in_the_clients_zone(self, client, personas):
        self.set_zone(personas.client_a, "Europe/Berlin")
        client.force_login(personas.client_a)
        response = client.post(
            JOURNAL,
            {"text": "x", "occurred_at": "2026-11-25T10:00:00"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        entry = JournalEntry.objects.get()
        assert entry.occurred_at.isoformat() == "2026-11-25T09:00:00+00:00"

    def test_it_lands_on_the_local_day_far_from_utc(self, client, personas):
        # 12:00 UTC on 25 November is 01:00 on the 26th in Auckland: 20:00 on the 25th
        # there is in the past; read as UTC it would be in the future and refused.
        self.set_zone(personas.client_a, "Pacific/Auckland")
        client.force_login(personas.client_a)
        response = client.post(
            JOURNAL,
            {"text": "x", "occurred_at": "2026-11-25T20:00:00"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        assert JournalEntry.objects.get().day.isoformat() == "2026-11-25"

    def test_a_time_skipped_by_summer_time_is_a_400(self, client, personas):
        self.set_zone(personas.client_a, "Australia/Sydney")  # 2:00 -> 3:00 on 4 Oct 2026
        client.force_login(personas.client_a)
        response = client.post(
            JOURNAL,
            {"text": "x", "occurred_at": "2026-10-04T02:30:00"},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json()["occurred_at"] == [
            'Invalid datetime for the timezone "Australia/Sydney".'
        ]

    def test_an_explicit_offset_is_kept(self, client, personas):
        self.set_zone(personas.client_a, "Europe/Berlin")
        client.force_login(personas.client_a)
        client.post(
            JOURNAL,
            {"text": "x", "occurred_at": "2026-11-25T10:00:00Z"},
            content_type="application/json",
        )
        assert JournalEntry.objects.get().occurred_at.isoformat() == "2026-11-25T10:00:00+00:00"
