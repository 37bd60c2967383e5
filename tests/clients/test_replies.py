"""Replies the client has not read yet: Today's "New from …" card and the API's list. Opening
the record (in the portal, or its thread in the API) reads them."""

from datetime import timedelta

import pytest
from django.urls import reverse

from clients import services
from clients.models import Feedback
from tests.clients.conftest import NOW, TODAY, record_url
from tests.plans import assert_runs_on_a_kept_plan, runs_past_the_first_plans

pytestmark = pytest.mark.django_db

UNREAD = "/api/v1/replies/unread/"


def today(browser) -> str:
    return browser.get(reverse("client_home")).content.decode()


def card(page: str) -> str:
    """The "New from …" card of a Today page, or "" when there is none."""
    if "data-new-replies" not in page:
        return ""
    return page.split("data-new-replies")[1].split("</section>")[0]


def reply(author, record, text="Thank you for sharing this."):
    return services.feedback_create(author=author, record=record, text=text)


@pytest.fixture
def entry(personas):
    return services.journal_create(
        client=personas.client_a,
        text="A walk by the river",
        shared=True,
        occurred_at=NOW - timedelta(days=1),
    )


def test_the_card_lists_a_record_with_feedback_until_the_client_opens_it(as_a, personas, entry):
    assert card(today(as_a)) == ""
    reply(personas.therapist_a, entry)
    shown = card(today(as_a))
    assert "New from Dr. Ann Able" in shown
    # The kind and the entry's own day.
    assert 'Journal entry, <time datetime="2026-11-24">Tue 24 Nov</time>' in shown
    assert f'href="{record_url(entry)}"' in shown
    assert "New reply" in shown  # in words, not only a colour
    assert "Thank you for sharing this" not in shown  # the words wait behind the link

    assert as_a.get(record_url(entry)).status_code == 200
    assert Feedback.objects.get().read_by_client_at == NOW
    assert card(today(as_a)) == ""


def test_the_card_sits_after_the_help_line_and_before_everything_else(as_a, personas, entry):
    reply(personas.therapist_a, entry)
    page = today(as_a)
    assert page.index("data-help-now") < page.index("data-new-replies")
    assert page.index("data-new-replies") < page.index('id="today-homework"')


def test_one_line_per_record_however_many_replies_and_each_kind(as_a, personas, entry):
    log = services.lifestyle_create(client=personas.client_a, day=TODAY, sleep_hours=7, shared=True)
    reply(personas.therapist_a, entry)
    reply(personas.therapist_a, entry, "And one more thought.")
    reply(personas.therapist_a, log)
    shown = card(today(as_a))
    assert shown.count("<li") == 2
    assert 'Lifestyle log, <time datetime="2026-11-25">Wed 25 Nov</time>' in shown
    # The newest reply first: the lifestyle log's.
    assert shown.index("Lifestyle log") < shown.index("Journal entry")


def test_the_clients_own_reply_makes_no_card(as_a, personas, entry):
    reply(personas.therapist_a, entry)
    as_a.get(record_url(entry))
    reply(personas.client_a, entry, "It helped, thank you.")
    assert card(today(as_a)) == ""


def test_another_clients_replies_never_show(client, personas, entry):
    reply(personas.therapist_a, entry)
    client.force_login(personas.client_b)
    assert card(today(client)) == ""


def test_two_therapists_are_both_named(as_a, personas, entry):
    from tests.conftest import make_active_relationship
    from tests.factories import TherapistFactory

    other = TherapistFactory(name="Dr. Cleo Cole")
    make_active_relationship(other, personas.client_a)
    reply(personas.therapist_a, entry)
    reply(other, entry, "I agree.")
    shown = card(today(as_a))
    assert "New from Dr. Cleo Cole and Dr. Ann Able" in shown
    assert "from Dr. Cleo Cole and Dr. Ann Able" in shown.split("<li")[1]


# --- The API ---------------------------------------------------------------------------


def test_the_api_lists_the_clients_unread_replies(client, personas, entry):
    feedback = reply(personas.therapist_a, entry)
    reply(personas.client_a, entry, "Thanks!")  # their own: never unread
    client.force_login(personas.client_a)
    body = client.get(UNREAD).json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": str(feedback.public_id),
            "author": "Dr. Ann Able",
            "created_at": "2026-11-25T12:00:00Z",
            "record_kind": "journal",
            "record": str(entry.public_id),
            "record_day": "2026-11-24",
        }
    ]


def test_reading_the_thread_in_the_api_reads_its_replies(client, personas, entry):
    reply(personas.therapist_a, entry)
    client.force_login(personas.client_a)
    thread = client.get("/api/v1/feedback/", {"record": str(entry.public_id)}).json()
    assert [m["text"] for m in thread] == ["Thank you for sharing this."]
    assert Feedback.objects.get().read_by_client_at == NOW
    assert client.get(UNREAD).json()["count"] == 0
    assert card(today(client)) == ""


def test_the_therapist_reading_the_thread_reads_nothing_for_the_client(client, personas, entry):
    reply(personas.therapist_a, entry)
    client.force_login(personas.therapist_a)
    assert client.get("/api/v1/feedback/", {"record": str(entry.public_id)}).status_code == 200
    assert Feedback.objects.get().read_by_client_at is None


def test_another_client_sees_none_of_them(client, personas, entry):
    reply(personas.therapist_a, entry)
    client.force_login(personas.client_b)
    assert client.get(UNREAD).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_a_therapist_is_refused(client, personas, entry):
    reply(personas.therapist_a, entry)
    client.force_login(personas.therapist_a)
    response = client.get(UNREAD)
    assert response.status_code == 403
    assert "Thank you" not in response.content.decode()


def test_the_unread_replies_are_read_with_one_kept_plan(personas, entry):
    """Read on every Today view: the client's unread replies, newest first, and on PostgreSQL
    by the plan the connection keeps for the query. (Without the index of unread replies,
    PostgreSQL planned it again on every view of the benchmark's practice, 1.6 ms for a
    0.1 ms read; at this test's size it keeps the plan either way.)"""
    from django.db import connection

    from accounts.models import Role, User
    from clients.selectors import unread_reply_rows
    from tests.factories import FeedbackFactory

    first, second = reply(personas.therapist_a, entry), reply(personas.therapist_a, entry)
    # A practice's replies already read, as the planner's statistics see them.
    others = User.objects.bulk_create(
        User(email=f"client{i}@example.org", role=Role.CLIENT) for i in range(200)
    )
    Feedback.objects.bulk_create(
        FeedbackFactory.build(
            relationship=personas.relationship_a,
            client=client,
            author=personas.therapist_a,
            journal_entry=entry,
            read_by_client_at=NOW,
        )
        for client in [personas.client_a, *others]
        for _ in range(3)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE clients_feedback")
    runs = runs_past_the_first_plans()
    for _ in range(runs):
        rows = list(unread_reply_rows(client=personas.client_a))
        assert [row[0] for row in rows] == [second.public_id, first.public_id]
    assert_runs_on_a_kept_plan('SELECT "clients_feedback"."public_id" AS "public_id"%')
