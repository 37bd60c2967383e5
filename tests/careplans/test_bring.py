"""The client's "to bring to my session" list: the portal page, adding from a record (a
private one asks whether to share it), a trigger log or a plan item, the API, and the list
closing when the session starts."""

from datetime import time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.clock import local_today
from appointments import services as appointment_services
from appointments.models import BringItem
from careplans import services as plan_services
from clients.models import JournalEntry
from tests.factories import BringItemFactory, JournalEntryFactory, TriggerLogFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(personas):
    """Client A's session in three days, at 17:00 their therapist's time."""
    therapist = personas.therapist_a
    saved = appointment_services.appointment_create(
        therapist=therapist,
        relationship=personas.relationship_a,
        day=local_today(therapist.timezone) + timedelta(days=3),
        start_time=time(17),
    )
    return saved.appointments[0]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def lines(session) -> list[str]:
    return list(BringItem.objects.filter(appointment=session).values_list("text", flat=True))


def list_url(session) -> str:
    return f"{reverse('client_bring')}?session={session.public_id}"


# --- The page -------------------------------------------------------------------------


def test_the_client_adds_moves_and_removes_lines(client, personas, session):
    client.force_login(personas.client_a)
    for text in ("The argument with my sister", "Sleep", "Work"):
        response = client.post(
            reverse("client_bring"), {"session": session.public_id, "text": text}
        )
        assert response.status_code == 302
    assert lines(session) == ["The argument with my sister", "Sleep", "Work"]
    work = BringItem.objects.get(text="Work")
    client.post(reverse("client_bring_move", args=[work.public_id]), {"direction": "up"})
    assert lines(session) == ["The argument with my sister", "Work", "Sleep"]
    first = BringItem.objects.get(text="The argument with my sister")
    client.post(reverse("client_bring_move", args=[first.public_id]), {"direction": "down"})
    assert lines(session) == ["Work", "The argument with my sister", "Sleep"]
    client.post(reverse("client_bring_remove", args=[work.public_id]))
    assert lines(session) == ["The argument with my sister", "Sleep"]

    page = client.get(list_url(session)).content.decode()
    assert page.index("The argument with my sister") < page.index("Sleep")
    assert 'Move down<span class="visually-hidden"> “The argument with my sister”' in page
    assert 'Remove<span class="visually-hidden"> “Sleep”' in page
    assert "Dr. Ann Able can read these lines" in page


def test_today_links_to_the_list_with_its_count(client, personas, session):
    BringItemFactory.create_batch(2, appointment=session)
    client.force_login(personas.client_a)
    page = client.get(reverse("client_home")).content.decode()
    assert "To bring to my session (2)" in page


def test_without_a_session_ahead_the_page_is_kind_and_has_no_form(client, personas):
    client.force_login(personas.client_a)
    response = client.get(reverse("client_bring"))
    page = response.content.decode()
    assert "No session is planned yet" in page
    assert "<form" not in page.split("<main", 1)[-1]
    entry = JournalEntryFactory(client=personas.client_a)
    add = client.get(reverse("client_bring_add") + f"?source=journal&id={entry.public_id}")
    assert "No session is planned yet" in add.content.decode()
    assert "To bring to my session (" not in client.get(reverse("client_home")).content.decode()


def test_after_the_start_the_list_is_read_only_and_a_late_post_saves_nothing(
    client, personas, session
):
    item = BringItemFactory(appointment=session, text="Sleep")
    with time_machine.travel(session.starts_at + timedelta(minutes=1)):
        client.force_login(personas.client_a)  # a sign-in of that day (sessions expire)
        page = client.get(list_url(session)).content.decode()
        assert "This session has started, so this list can no longer change." in page
        assert "Add a note" not in page and "Move" not in page
        late = client.post(reverse("client_bring"), {"session": session.public_id, "text": "x"})
        assert late.status_code == 409
        assert "nothing was changed" in late.content.decode()
        assert client.post(reverse("client_bring_remove", args=[item.public_id])).status_code == 409
    assert lines(session) == ["Sleep"]


def test_another_clients_session_and_line_are_not_found(client, personas, session):
    item = BringItemFactory(appointment=session)
    client.force_login(personas.client_b)
    assert client.get(list_url(session)).status_code == 404
    assert (
        client.post(
            reverse("client_bring"), {"session": session.public_id, "text": "x"}
        ).status_code
        == 404
    )
    assert client.post(reverse("client_bring_remove", args=[item.public_id])).status_code == 404
    assert client.post(reverse("client_bring_move", args=[item.public_id])).status_code == 404
    entry = JournalEntryFactory(client=personas.client_a)
    client_b_add = reverse("client_bring_add") + f"?source=journal&id={entry.public_id}"
    assert client.get(client_b_add).status_code == 404
    assert BringItem.objects.count() == 1


# --- From a record, a trigger log, a plan item ----------------------------------------


def add_url(kind, public_id) -> str:
    return f"{reverse('client_bring_add')}?source={kind}&id={public_id}"


def test_a_private_entry_asks_whether_to_share_it(client, personas, session):
    entry = JournalEntryFactory(client=personas.client_a, shared=False, text="Very private")
    client.force_login(personas.client_a)
    page = client.get(add_url("journal", entry.public_id)).content.decode()
    assert "This journal entry is private: only you can see it." in page
    assert "Share it and add" in page and "Add the line only" in page
    assert "Very private" not in page  # the line starts from its date, not its words
    record = client.get(reverse("client_record", args=[entry.public_id])).content.decode()
    assert add_url("journal", entry.public_id).replace("&", "&amp;") in record


def test_share_it_and_add_shares_the_entry_and_the_therapist_sees_both(client, personas, session):
    entry = JournalEntryFactory(client=personas.client_a, shared=False)
    client.force_login(personas.client_a)
    response = client.post(
        reverse("client_bring_add"),
        {
            "session": session.public_id,
            "source": "journal",
            "id": entry.public_id,
            "text": "What I wrote on Monday",
            "share": "1",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.shared
    body = api(personas.therapist_a).get(f"/api/v1/bring-items/?session={session.public_id}")
    assert [(r["text"], r["source"], r["source_id"]) for r in body.json()["results"]] == [
        ("What I wrote on Monday", "journal", str(entry.public_id))
    ]


def test_add_the_line_only_keeps_the_entry_private_and_shows_the_text_alone(
    client, personas, session
):
    entry = JournalEntryFactory(client=personas.client_a, shared=False)
    client.force_login(personas.client_a)
    client.post(
        reverse("client_bring_add"),
        {
            "session": session.public_id,
            "source": "journal",
            "id": entry.public_id,
            "text": "Something about my mother",
            "share": "0",
        },
    )
    assert not JournalEntry.objects.get(pk=entry.pk).shared
    item = BringItem.objects.get()
    assert (item.source, item.source_id) == ("journal", entry.public_id)  # the client's link
    rows = api(personas.therapist_a).get("/api/v1/bring-items/").json()["results"]
    assert rows == [
        {
            "id": str(item.public_id),
            "session": str(session.public_id),
            "text": "Something about my mother",
            "source": None,
            "source_id": None,
            "position": 0,
            "created_at": rows[0]["created_at"],
        }
    ]
    mine = api(personas.client_a).get("/api/v1/bring-items/").json()["results"]
    assert mine[0]["source_id"] == str(entry.public_id)


def test_a_late_share_and_add_shares_nothing(client, personas, session):
    entry = JournalEntryFactory(client=personas.client_a, shared=False)
    with time_machine.travel(session.starts_at + timedelta(seconds=1)):
        client.force_login(personas.client_a)
        response = client.post(
            reverse("client_bring_add"),
            {
                "session": session.public_id,
                "source": "journal",
                "id": entry.public_id,
                "text": "x",
                "share": "1",
            },
        )
    assert response.status_code == 409
    assert not JournalEntry.objects.get(pk=entry.pk).shared
    assert not BringItem.objects.exists()


def test_from_a_trigger_log_and_a_plan_item(client, personas, session):
    plan = plan_services.plan_for_relationship(personas.relationship_a)
    item = plan_services.item_add(
        author=personas.client_a, plan=plan, section="needs", text="Quiet mornings"
    )
    log = TriggerLogFactory(plan=plan, trigger="crowds")
    client.force_login(personas.client_a)
    plan_page = client.get(reverse("plan_detail", args=[plan.public_id])).content.decode()
    assert add_url("plan_item", item.public_id).replace("&", "&amp;") in plan_page
    form = client.get(add_url("plan_item", item.public_id)).content.decode()
    assert "What I need: Quiet mornings" in form and "private" not in form
    client.post(
        reverse("client_bring_add"),
        {
            "session": session.public_id,
            "source": "plan_item",
            "id": item.public_id,
            "text": "Quiet mornings",
        },
    )
    # A moment with no journal note cannot be shared: the line only.
    form = client.get(add_url("trigger", log.public_id)).content.decode()
    assert "When crowds got to me" in form
    assert "Add the line only" in form and "Share it and add" not in form
    client.post(
        reverse("client_bring_add"),
        {
            "session": session.public_id,
            "source": "trigger",
            "id": log.public_id,
            "text": "The crowds on Tuesday",
            "share": "1",
        },
    )
    assert list(BringItem.objects.values_list("text", "source")) == [
        ("Quiet mornings", "plan_item"),
        ("The crowds on Tuesday", "trigger"),
    ]
    therapist_rows = api(personas.therapist_a).get("/api/v1/bring-items/").json()["results"]
    assert [r["source"] for r in therapist_rows] == ["plan_item", None]


# --- The API --------------------------------------------------------------------------


def test_the_api_adds_moves_and_removes_the_clients_lines(personas, session):
    me = api(personas.client_a)
    ids = []
    for text in ("One", "Two", "Three"):
        response = me.post(
            "/api/v1/bring-items/", {"session": str(session.public_id), "text": text}
        )
        assert response.status_code == 201, response.data
        ids.append(response.json()["id"])
    moved = me.patch(f"/api/v1/bring-items/{ids[2]}/", {"position": 0})
    assert moved.status_code == 200 and moved.json()["position"] == 0
    assert lines(session) == ["Three", "One", "Two"]
    assert me.delete(f"/api/v1/bring-items/{ids[0]}/").status_code == 204
    listed = me.get(f"/api/v1/bring-items/?session={session.public_id}").json()["results"]
    assert [r["text"] for r in listed] == ["Three", "Two"]


def test_the_api_answers_409_after_the_start_and_saves_nothing(personas, session):
    item = BringItemFactory(appointment=session, text="Sleep")
    me = api(personas.client_a)
    with time_machine.travel(session.starts_at):
        late = me.post("/api/v1/bring-items/", {"session": str(session.public_id), "text": "x"})
        assert late.status_code == 409
        assert late.json()["session"] == str(session.public_id)
        assert (
            me.patch(f"/api/v1/bring-items/{item.public_id}/", {"position": 1}).status_code == 409
        )
        assert me.delete(f"/api/v1/bring-items/{item.public_id}/").status_code == 409
    assert lines(session) == ["Sleep"]


def test_a_therapist_reads_but_cannot_write_and_strangers_see_nothing(personas, session):
    item = BringItemFactory(appointment=session, text="Sleep")
    therapist = api(personas.therapist_a)
    assert therapist.get(f"/api/v1/bring-items/{item.public_id}/").json()["text"] == "Sleep"
    post = therapist.post("/api/v1/bring-items/", {"session": str(session.public_id), "text": "x"})
    assert post.status_code == 403
    assert therapist.delete(f"/api/v1/bring-items/{item.public_id}/").status_code == 403
    assert (
        therapist.patch(f"/api/v1/bring-items/{item.public_id}/", {"position": 0}).status_code
        == 403
    )
    for stranger in (personas.client_b, personas.therapist_b):
        assert api(stranger).get(f"/api/v1/bring-items/{item.public_id}/").status_code == 404
        assert api(stranger).get("/api/v1/bring-items/").json()["results"] == []
    other = api(personas.client_b).post(
        "/api/v1/bring-items/", {"session": str(session.public_id), "text": "x"}
    )
    assert other.status_code == 400
    assert (
        api(personas.client_b).delete(f"/api/v1/bring-items/{item.public_id}/").status_code == 404
    )
    assert lines(session) == ["Sleep"]
    assert timezone.now() < session.starts_at


def test_a_cancelled_sessions_list_says_so(client, personas, session):
    appointment_services.appointment_cancel(appointment=session)
    client.force_login(personas.client_a)
    page = client.get(list_url(session)).content.decode()
    assert "This session was cancelled, so this list can no longer change." in page
    late = api(personas.client_a).post(
        "/api/v1/bring-items/", {"session": str(session.public_id), "text": "x"}
    )
    assert late.status_code == 409
    assert late.json()["non_field_errors"] == [
        "This session was cancelled, so its list can no longer change."
    ]
