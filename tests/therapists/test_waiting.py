"""What waits for the therapist in the portal: "Waiting for you" (a row per client), the
timeline filtered to what waits, "no reply needed" (page and API), access and query counts."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from clients import services as records
from clients.models import Feedback, RecordView
from progress.waiting import waiting_for_therapist
from tests.factories import (
    ClientFactory,
    JournalEntryFactory,
    LifestyleLogFactory,
    RelationshipFactory,
    SocialActivityFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
# Session and user, the MFA check, the relationship, the audit row, the client's last
# activity, unopened records of each kind (3), the replies that wait and the alert banner.
WAITING_TIMELINE_QUERIES = 11
# From the page cache: session and user, the MFA check, the relationship and the audit row.
WAITING_TIMELINE_CACHED_QUERIES = 5


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def as_user(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def waiting_url(client) -> str:
    return reverse("therapist_timeline", args=[client.public_id]) + "?waiting=1"


def record_url(record) -> str:
    return reverse("therapist_record", args=[record.client.public_id, record.public_id])


def no_reply_url(record) -> str:
    return reverse(
        "therapist_record_no_reply_needed", args=[record.client.public_id, record.public_id]
    )


def reply_waiting(therapist, client, frozen, *, age: timedelta = DAY):
    """A shared entry with the therapist's feedback and the client's reply `age` ago."""
    entry = JournalEntryFactory(client=client, shared=True, created_at=NOW - age - DAY)
    frozen.move_to(NOW - age - timedelta(hours=1))
    records.feedback_create(author=therapist, record=entry, text="How did it feel?")
    frozen.move_to(NOW - age)
    records.feedback_create(author=client, record=entry, text="Better, thanks.")
    frozen.move_to(NOW)
    return entry


def box(page: str) -> str:
    return page.split('id="waiting-heading"')[1].split("</section>")[0]


# --- "Waiting for you": one row per client ----------------------------------------------


def test_the_box_has_one_row_and_one_link_per_client_oldest_first(personas, frozen):
    therapist, ada = personas.therapist_a, personas.client_a
    LifestyleLogFactory(client=ada, created_at=NOW, day=NOW.date())
    for age in (2, 3, 4):
        JournalEntryFactory(client=ada, shared=True, created_at=NOW - age * DAY)
    reply_waiting(therapist, ada, frozen)
    cleo = ClientFactory(name="Cleo Older")
    RelationshipFactory(therapist=therapist, client=cleo, activated_at=NOW - 30 * DAY)
    LifestyleLogFactory(client=cleo, created_at=NOW, day=NOW.date())
    SocialActivityFactory(client=cleo, shared=True, created_at=NOW - 9 * DAY)

    page = box(as_user(therapist).get(reverse("therapist_home")).content.decode())
    assert page.count("data-waiting-row=") == 2
    assert page.count(waiting_url(ada)) == 1 and page.count(waiting_url(cleo)) == 1
    rows = page.split("</ul>")[0]
    assert rows.count("<a ") == 2  # one link a row, none per entry
    assert page.index("Cleo Older") < page.index("Ada Alpha")  # waited longest first
    ada_row = page.split(f'data-waiting-row="{ada.public_id}"')[1].split("</li>")[0]
    assert "3 shared entries not viewed yet" in ada_row
    assert "1 reply not answered" in ada_row
    assert "since 22 Nov" in ada_row


def test_a_quiet_client_and_an_expiring_invitation_have_rows_too(personas):
    RelationshipFactory(
        therapist=personas.therapist_a,
        client=None,
        status="invited",
        invited_email="soon@example.org",
        invitation_expires_at=NOW + timedelta(hours=3),
        activated_at=None,
    )
    page = box(as_user(personas.therapist_a).get(reverse("therapist_home")).content.decode())
    # Ada joined today: not yet quiet. The invitation waits, in its last day.
    assert 'data-waiting-row="invitation"' in page
    assert "Invitation to soon@example.org" in page
    RelationshipFactory(
        therapist=personas.therapist_a,
        client=ClientFactory(name="Quinn Quiet"),
        activated_at=NOW - 10 * DAY,
    )
    page = box(as_user(personas.therapist_a).get(reverse("therapist_home")).content.decode())
    quinn = page.split("Quinn Quiet</a>:")[1].split("</li>")[0]
    assert "quiet for a week" in quinn


def test_what_waits_of_a_client_is_kept_with_their_caseload_row(personas, frozen, monkeypatch):
    """The home page reads each client's row and what waits of them in one read of the
    page cache. Only a client who wrote is counted again, and so is a client whose oldest
    waiting entry has waited as long as anything waits (SHARED_WITHIN): then it waits no
    more, though nothing was written."""
    from accounts import versions
    from progress import waiting

    therapist, ada = personas.therapist_a, personas.client_a
    JournalEntryFactory(client=ada, shared=True, created_at=NOW - 30 * DAY + 2 * HOUR)
    cleo = ClientFactory(name="Cleo Older")
    RelationshipFactory(therapist=therapist, client=cleo, activated_at=NOW - 30 * DAY)
    SocialActivityFactory(client=cleo, shared=True, created_at=NOW - 2 * DAY)
    reads, counted = [], []
    read_many, counts = versions.read_many, waiting._waiting_counts

    def read(keys):
        keys = list(keys)
        reads.append(len(keys))
        return read_many(keys)

    def count(**kwargs):
        counted.append(sorted(kwargs["client_ids"]))
        return counts(**kwargs)

    monkeypatch.setattr(versions, "read_many", read)
    monkeypatch.setattr(waiting, "_waiting_counts", count)

    def row_of(client) -> str:
        # Signed in again each time: hours pass, longer than a session left alone lasts.
        page = box(as_user(therapist).get(reverse("therapist_home")).content.decode())
        found = page.split(f'data-waiting-row="{client.public_id}"')
        return found[1].split("</li>")[0] if len(found) > 1 else ""

    assert "1 shared entry not viewed yet" in row_of(ada)
    assert (reads, counted) == ([2], [sorted([ada.pk, cleo.pk])])  # one read, two rows

    JournalEntryFactory(client=ada, shared=True, created_at=NOW)  # Ada writes: a new version
    reads.clear(), counted.clear()
    assert "2 shared entries not viewed yet" in row_of(ada)
    assert (reads, counted) == ([2], [[ada.pk]])  # Cleo's row and counts read back

    frozen.move_to(NOW + 3 * HOUR)  # the same day: both rows kept, Ada's oldest too old
    reads.clear(), counted.clear()
    assert "1 shared entry not viewed yet" in row_of(ada)
    assert "1 shared entry not viewed yet" in row_of(cleo)
    assert counted == [[ada.pk]]  # the first of these two views

    frozen.move_to(NOW + 4 * HOUR)
    reads.clear(), counted.clear()
    assert "1 shared entry not viewed yet" in row_of(ada)
    assert (reads, counted) == ([2], [])  # Ada's new counts were kept with her row


# --- The timeline filtered to what waits ------------------------------------------------


def test_the_filtered_timeline_marks_each_waiting_item_oldest_first(personas, frozen):
    therapist, ada = personas.therapist_a, personas.client_a
    newer = JournalEntryFactory(client=ada, shared=True, created_at=NOW - DAY, text="Newer one")
    replied = reply_waiting(therapist, ada, frozen, age=2 * DAY)
    older = LifestyleLogFactory(client=ada, shared=True, created_at=NOW - 5 * DAY, day=NOW.date())
    opened = JournalEntryFactory(client=ada, shared=True, created_at=NOW - DAY)
    records.record_opened(therapist=therapist, record=opened)
    JournalEntryFactory(client=ada, shared=False, created_at=NOW - DAY)

    page = as_user(therapist).get(waiting_url(ada)).content.decode()
    order = [older.public_id, replied.public_id, newer.public_id]
    positions = [page.index(f'data-record="{pk}"') for pk in order]
    assert positions == sorted(positions)
    assert page.count('data-record="') == 3  # not the opened one, not the private one
    assert page.count('data-waits="unviewed"') == 2
    assert page.count('data-waits="reply"') == 1
    assert "See the whole timeline" in page


def test_a_stale_filter_says_nothing_waits_and_links_to_the_whole_timeline(personas):
    therapist, ada = personas.therapist_a, personas.client_a
    entry = JournalEntryFactory(client=ada, shared=True, created_at=NOW - DAY)
    browser = as_user(therapist)
    assert browser.get(record_url(entry)).status_code == 200  # opened: nothing waits now

    response = browser.get(waiting_url(ada))
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Nothing of {ada.name}'s waits for you now." in page
    assert f'href="{reverse("therapist_timeline", args=[ada.public_id])}"' in page
    assert 'data-record="' not in page


def test_a_quiet_client_shows_since_when_in_the_filtered_timeline(personas):
    quiet = ClientFactory(name="Quinn Quiet")
    RelationshipFactory(therapist=personas.therapist_a, client=quiet, activated_at=NOW - 10 * DAY)
    page = as_user(personas.therapist_a).get(waiting_url(quiet)).content.decode()
    assert "Nothing done or logged since Monday 16 November." in page
    assert "Nothing of" not in page


def test_the_filtered_timeline_of_another_therapists_client_is_404(personas):
    JournalEntryFactory(client=personas.client_b, shared=True, text="Bea's words")
    response = as_user(personas.therapist_a).get(waiting_url(personas.client_b))
    assert response.status_code == 404
    assert "Bea's words" not in response.content.decode()


def test_a_client_is_refused_the_filtered_timeline(personas):
    response = as_user(personas.client_a).get(waiting_url(personas.client_a))
    assert response.status_code == 403
    assert "Waiting for you" not in response.content.decode()


# --- Clearing ---------------------------------------------------------------------------


def test_opening_a_record_clears_it_for_this_therapist_only(personas):
    therapist, ada = personas.therapist_a, personas.client_a
    other = personas.therapist_b
    RelationshipFactory(therapist=other, client=ada, activated_at=NOW - DAY)
    entry = JournalEntryFactory(client=ada, shared=True, created_at=NOW - DAY)
    assert as_user(other).get(record_url(entry)).status_code == 200
    assert RecordView.objects.filter(therapist=other, journal_entry=entry, client=ada).count() == 1
    # Still waiting for this therapist: alone, it opens at once from "Waiting for you".
    response = as_user(therapist).get(waiting_url(ada))
    assert (response.status_code, response.url) == (302, record_url(entry))
    entry.refresh_from_db()
    assert entry.first_viewed_at == NOW  # the client sees it was seen


def test_the_api_opening_a_record_clears_it_too(personas):
    entry = JournalEntryFactory(client=personas.client_a, shared=True, created_at=NOW - DAY)
    url = reverse("api-journal-detail", args=[entry.public_id])
    therapist, ada = personas.therapist_a, personas.client_a
    assert waiting_for_therapist(therapist, NOW).shared == 1
    assert as_user(therapist).get(url).json()["id"] == str(entry.public_id)
    assert RecordView.objects.filter(therapist=therapist, journal_entry=entry, client=ada).exists()
    # Counted from this client's views alone (RecordView.client): it waits no more.
    assert waiting_for_therapist(therapist, NOW).shared == 0


def test_the_record_page_offers_no_reply_needed_only_while_a_reply_waits(personas, frozen):
    therapist, ada = personas.therapist_a, personas.client_a
    entry = reply_waiting(therapist, ada, frozen)
    browser = as_user(therapist)
    assert "No reply needed" in browser.get(record_url(entry)).content.decode()

    response = browser.post(no_reply_url(entry), follow=True)
    page = response.content.decode()
    assert "Marked as needing no reply: it no longer waits for you." in page
    assert "No reply needed</button>" not in page
    assert Feedback.objects.get(author=ada).no_reply_needed_at == NOW
    assert 'data-waiting="0"' in browser.get(reverse("therapist_home")).content.decode()


def test_marking_twice_says_so_and_changes_nothing(personas, frozen):
    therapist, ada = personas.therapist_a, personas.client_a
    entry = reply_waiting(therapist, ada, frozen)
    browser = as_user(therapist)
    browser.post(no_reply_url(entry))
    frozen.move_to(NOW + timedelta(minutes=5))
    response = browser.post(no_reply_url(entry))
    assert response.status_code == 409
    assert "No reply waits for you on this entry" in response.content.decode()
    assert Feedback.objects.get(author=ada).no_reply_needed_at == NOW


def test_another_therapist_cannot_mark_and_a_client_is_refused(personas, frozen):
    entry = reply_waiting(personas.therapist_a, personas.client_a, frozen)
    response = as_user(personas.therapist_b).post(no_reply_url(entry))
    assert response.status_code == 404
    assert "Better, thanks." not in response.content.decode()
    assert as_user(personas.client_a).post(no_reply_url(entry)).status_code == 403
    assert Feedback.objects.filter(no_reply_needed_at__isnull=False).count() == 0


def test_the_api_marks_a_reply_once_then_answers_409(personas, frozen):
    entry = reply_waiting(personas.therapist_a, personas.client_a, frozen)
    url = reverse("api-feedback-no-reply-needed")
    browser = as_user(personas.therapist_a)
    body = {"record": str(entry.public_id)}
    first = browser.post(url, body, content_type="application/json")
    assert first.status_code == 200, first.content
    assert first.json()["text"] == "Better, thanks."
    frozen.move_to(NOW + timedelta(minutes=5))
    again = browser.post(url, body, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["record"] == str(entry.public_id)
    assert Feedback.objects.get(author=personas.client_a).no_reply_needed_at == NOW

    stranger = as_user(personas.therapist_b).post(url, body, content_type="application/json")
    assert stranger.status_code == 404
    client = as_user(personas.client_a).post(url, body, content_type="application/json")
    assert client.status_code == 403


# --- Query counts -----------------------------------------------------------------------


@pytest.mark.parametrize("clients", [1, 100])
def test_the_filtered_timeline_runs_a_fixed_number_of_queries(
    personas, clients, django_assert_num_queries, frozen
):
    therapist, ada = personas.therapist_a, personas.client_a
    for _ in range(clients - 1):
        other = RelationshipFactory(therapist=therapist, activated_at=NOW - 9 * DAY).client
        JournalEntryFactory(client=other, shared=True, created_at=NOW - DAY)
    for i in range(clients):  # as many waiting items of Ada's as there are clients
        JournalEntryFactory(client=ada, shared=True, created_at=NOW - DAY - i * timedelta(hours=1))
    reply_waiting(therapist, ada, frozen)
    browser = as_user(therapist)
    with django_assert_num_queries(WAITING_TIMELINE_QUERIES):
        page = browser.get(waiting_url(ada)).content.decode()
    assert page.count('data-waits="unviewed"') == clients
    assert page.count('data-waits="reply"') == 1
    with django_assert_num_queries(WAITING_TIMELINE_CACHED_QUERIES):
        again = browser.get(waiting_url(ada)).content.decode()
    assert again.count('data-waits="unviewed"') == clients


# --- From the page cache, never older than the last write -------------------------------


def test_what_waits_from_the_cache_shows_what_came_since_and_drops_what_was_answered(
    personas, frozen
):
    therapist, ada = personas.therapist_a, personas.client_a
    first = JournalEntryFactory(client=ada, shared=True, created_at=NOW - 2 * DAY)
    JournalEntryFactory(client=ada, shared=True, created_at=NOW - DAY)
    replied = reply_waiting(therapist, ada, frozen, age=3 * DAY)
    browser = as_user(therapist)
    audits = AuditEvent.objects.filter(actor=therapist, subject=ada, action="records_viewed")

    def waits() -> tuple[int, int]:
        page = browser.get(waiting_url(ada)).content.decode()
        return page.count('data-waits="unviewed"'), page.count('data-waits="reply"')

    assert waits() == (2, 1)
    assert waits() == (2, 1)  # from the cache: still one audit row a view
    assert audits.count() == 2

    records.journal_create(client=ada, text="Shared after", shared=True)
    assert waits() == (3, 1)
    assert browser.get(record_url(first)).status_code == 200  # opened: no longer waits
    assert waits() == (2, 1)
    assert browser.post(no_reply_url(replied)).status_code == 302
    assert waits() == (2, 0)
    assert audits.count() == 6  # five views of what waits and one of the record


def test_one_record_alone_waiting_is_one_tap_from_the_box(personas):
    entry = JournalEntryFactory(client=personas.client_a, shared=True, created_at=NOW - DAY)
    therapist = as_user(personas.therapist_a)
    home = therapist.get(reverse("therapist_home")).content.decode()
    assert waiting_url(personas.client_a) in home

    page = therapist.get(waiting_url(personas.client_a), follow=True)

    assert page.redirect_chain == [(record_url(entry), 302)]
    assert entry.text in page.content.decode()
