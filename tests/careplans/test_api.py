"""The care plan API: plans, items with base versions, versions, diffs, the trigger log."""

import pytest
from rest_framework.test import APIClient

from accounts.services import relationship_end
from careplans import services
from careplans.models import CarePlan, PlanItem, TriggerLog
from clients import services as record_services

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_both_people_write_and_read_the_plan(personas, plan):
    response = api(personas.therapist_a).post(
        f"/api/v1/plans/{plan.public_id}/items/",
        {"section": "triggers", "text": "Crowded trains", "steps": ["Breathe", "Step off"]},
        format="json",
    )
    assert response.status_code == 201, response.data
    body = api(personas.client_a).get(f"/api/v1/plans/{plan.public_id}/").json()
    assert body["version"] == 1
    assert [(i["text"], i["steps"]) for i in body["items"]] == [
        ("Crowded trains", ["Breathe", "Step off"])
    ]
    assert body["tags"] == {"triggers": ["Crowded trains"], "emotions": []}


def test_a_stale_edit_is_a_409_with_both_texts_and_nothing_lost(personas, plan):
    item = services.item_add(author=personas.client_a, plan=plan, section="needs", text="Rest")
    url = f"/api/v1/plan-items/{item.public_id}/"
    first = api(personas.therapist_a).patch(url, {"text": "Rest early", "base_version": 1})
    second = api(personas.client_a).patch(url, {"text": "Time alone", "base_version": 1})
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.data["current"]["text"] == "Rest early"
    assert second.data["yours"] == {"text": "Time alone"}
    assert "Rest early" in second.data["base_version"][0]
    item.refresh_from_db()
    assert item.text == "Rest early"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"section": "feelings", "text": "x"}, "section"),
        ({"section": "needs", "text": ""}, "text"),
        ({"section": "needs", "text": "x" * 10_000}, "text"),
        ({"section": "circle", "person": "00000000-0000-0000-0000-000000000000"}, "person"),
    ],
)
def test_bad_items_are_400s_with_field_messages(personas, plan, data, field):
    response = api(personas.client_a).post(
        f"/api/v1/plans/{plan.public_id}/items/", data, format="json"
    )
    assert response.status_code == 400
    assert field in response.data
    assert not PlanItem.objects.exists()


def test_another_clients_person_is_refused(personas, plan):
    theirs = record_services.person_create(client=personas.client_b, name="Bo", kind="friend")
    response = api(personas.client_a).post(
        f"/api/v1/plans/{plan.public_id}/items/",
        {"section": "circle", "person": str(theirs.public_id)},
        format="json",
    )
    assert response.status_code == 400 and "person" in response.data


def test_another_relationships_plan_is_404(personas, plan):
    for user in (personas.client_b, personas.therapist_b):
        response = api(user).post(
            f"/api/v1/plans/{plan.public_id}/items/", {"section": "needs", "text": "x"}
        )
        assert response.status_code == 404


def test_a_stale_reorder_is_a_409(personas, plan):
    one = services.item_add(author=personas.client_a, plan=plan, section="needs", text="One")
    two = services.item_add(author=personas.client_a, plan=plan, section="needs", text="Two")
    url = f"/api/v1/plans/{plan.public_id}/reorder/"
    order = {"section": "needs", "order": [str(two.public_id), str(one.public_id)]}
    assert (
        api(personas.client_a).post(url, {**order, "base_version": 2}, format="json").status_code
        == 204
    )
    stale = api(personas.therapist_a).post(url, {**order, "base_version": 2}, format="json")
    assert stale.status_code == 409


def test_versions_diff_and_agreement(personas, plan):
    item = services.item_add(author=personas.client_a, plan=plan, section="needs", text="Rest")
    services.item_edit(author=personas.therapist_a, item=item, base_version=1, text="Rest more")
    therapist = api(personas.therapist_a)
    versions = therapist.get(f"/api/v1/plans/{plan.public_id}/versions/").json()
    assert [(v["number"], v["author"], v["change"]) for v in versions] == [
        (2, "therapist", "edit"),
        (1, "client", "add"),
    ]
    diff = therapist.get(f"/api/v1/plans/{plan.public_id}/diff/?from_version=1&to_version=2")
    assert [(c["change"], c["text"], c["before"]) for c in diff.json()] == [
        ("edited", "Rest more", {"text": "Rest"})
    ]
    assert (
        api(personas.client_a)
        .post(f"/api/v1/plans/{plan.public_id}/agree/", {"number": 2})
        .status_code
        == 403
    )
    agreed = therapist.post(f"/api/v1/plans/{plan.public_id}/agree/", {"number": 2})
    assert agreed.status_code == 200 and agreed.data["agreed_at"]


def test_the_trigger_log_is_the_clients_and_the_therapist_reads_the_shared(personas, plan):
    trigger = services.item_add(
        author=personas.client_a, plan=plan, section="triggers", text="Noise", steps=["Walk"]
    )
    client = api(personas.client_a)
    created = client.post(
        "/api/v1/trigger-logs/",
        {"item": str(trigger.public_id), "note": "Loud", "shared": True},
        format="json",
    )
    assert created.status_code == 201, created.data
    rated = client.patch(f"/api/v1/trigger-logs/{created.data['id']}/", {"helped": "a_little"})
    assert rated.status_code == 200 and rated.data["helped"] == "a_little"
    therapist_logs = api(personas.therapist_a).get("/api/v1/trigger-logs/").json()["results"]
    assert [log["trigger"] for log in therapist_logs] == ["Noise"]
    assert api(personas.therapist_b).get("/api/v1/trigger-logs/").json()["results"] == []
    other = api(personas.client_b).post(
        "/api/v1/trigger-logs/", {"item": str(trigger.public_id)}, format="json"
    )
    assert other.status_code == 400
    assert TriggerLog.objects.count() == 1


def test_an_unrated_log_says_helped_null_and_the_list_is_paginated(personas, plan):
    trigger = services.item_add(
        author=personas.client_a, plan=plan, section="triggers", text="Noise", steps=["Walk"]
    )
    for _ in range(3):
        services.trigger_log_create(client=personas.client_a, plan=plan, item=trigger)
    client = api(personas.client_a)

    page = client.get("/api/v1/trigger-logs/").json()
    assert (page["count"], page["next"], page["previous"]) == (3, None, None)
    assert [log["helped"] for log in page["results"]] == [None, None, None]
    log_id = page["results"][0]["id"]
    assert client.get(f"/api/v1/trigger-logs/{log_id}/").json()["helped"] is None


def test_the_schema_names_the_plan_routes(client):
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/plans/{public_id}/items/",
        "/api/v1/plan-items/{public_id}/",
        "/api/v1/trigger-logs/",
    ):
        assert path in schema


def test_homework_is_linked_to_a_coping_step_of_the_same_relationship(personas, plan):
    from tests.factories import AssignmentFactory

    trigger = services.item_add(
        author=personas.client_a, plan=plan, section="triggers", text="Noise", steps=["Walk"]
    )
    mine = AssignmentFactory(relationship=personas.relationship_a)
    theirs = AssignmentFactory(relationship=personas.relationship_b)
    url = f"/api/v1/plan-items/{trigger.public_id}/homework/"
    therapist = api(personas.therapist_a)
    linked = therapist.post(url, {"assignment": str(mine.public_id), "step": 0}, format="json")
    assert linked.status_code == 201 and linked.data["step"] == 0
    no_step = therapist.post(url, {"assignment": str(mine.public_id), "step": 3}, format="json")
    assert no_step.status_code == 400 and "step" in no_step.data
    other = therapist.post(url, {"assignment": str(theirs.public_id), "step": 0}, format="json")
    assert other.status_code == 400 and "assignment" in other.data


# Opening a plan through the API -------------------------------------------------------


def test_the_client_opens_the_plan_of_their_relationship(personas):
    relationship = personas.relationship_a
    body = {"relationship": str(relationship.public_id)}
    made = api(personas.client_a).post("/api/v1/plans/", body, format="json")
    assert made.status_code == 201, made.data
    plan = CarePlan.objects.get(relationship=relationship)
    assert made.data == {
        "id": str(plan.public_id),
        "relationship": str(relationship.public_id),
        "client": str(personas.client_a.public_id),
        "therapist": "Dr. Ann Able",
        "version": 0,
    }
    again = api(personas.client_a).post("/api/v1/plans/", body, format="json")
    assert (again.status_code, again.data["id"]) == (200, str(plan.public_id))
    assert CarePlan.objects.count() == 1


def test_the_therapist_opens_a_plan_by_client_and_finds_the_same_one(personas, plan):
    body = {"client": str(personas.client_a.public_id)}
    response = api(personas.therapist_a).post("/api/v1/plans/", body, format="json")
    assert (response.status_code, response.data["id"]) == (200, str(plan.public_id))


@pytest.mark.parametrize(
    ("who", "body", "field"),
    [
        ("client_b", lambda p: {"relationship": str(p.relationship_a.public_id)}, "relationship"),
        ("therapist_b", lambda p: {"client": str(p.client_a.public_id)}, "client"),
        ("client_a", lambda p: {"client": str(p.client_a.public_id)}, "client"),
        ("staff", lambda p: {"relationship": str(p.relationship_a.public_id)}, "relationship"),
        ("client_a", lambda p: {}, "non_field_errors"),
        (
            "therapist_a",
            lambda p: {
                "relationship": str(p.relationship_a.public_id),
                "client": str(p.client_a.public_id),
            },
            "non_field_errors",
        ),
        ("client_a", lambda p: {"relationship": "not-an-id"}, "relationship"),
    ],
)
def test_someone_elses_or_no_relationship_is_a_400_and_makes_nothing(personas, who, body, field):
    response = api(getattr(personas, who)).post("/api/v1/plans/", body(personas), format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not CarePlan.objects.exists()


def test_an_ended_relationship_gets_no_new_plan(personas):
    relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
    body = {"relationship": str(personas.relationship_a.public_id)}
    response = api(personas.client_a).post("/api/v1/plans/", body, format="json")
    assert response.status_code == 400
    assert response.data["relationship"] == ["Choose one of your active care relationships."]
    assert not CarePlan.objects.exists()
