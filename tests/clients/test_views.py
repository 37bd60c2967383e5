"""The records pages of both portals: the client writes, shares and deletes their own
records; the therapist reads only what is shared and leaves feedback; every page a
therapist opens on a client's records is one audit row; bad input is a form error."""

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse

from accounts.clock import local_today
from accounts.models import AuditAction, AuditEvent, CareStatus, User
from accounts.services import relationship_end
from appointments.services import series_create
from clients import services
from clients.models import Feedback, JournalEntry, LifestyleLog, Person, SocialActivity
from homework.models import Completion
from tests.clients.conftest import (
    JOURNAL_QUERIES,
    NOW,
    TODAY,
    assign_from_library,
    count_queries,
    many_records,
    record_url,
)
from tests.conftest import make_active_relationship
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    CompletionFactory,
    JournalEntryFactory,
    PersonFactory,
    SocialActivityFactory,
)

pytestmark = pytest.mark.django_db


def viewed(client_user) -> int:
    return AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED, subject=client_user).count()


def timeline_url(client_user) -> str:
    return reverse("therapist_timeline", kwargs={"public_id": client_user.public_id})


def therapist_record_url(record) -> str:
    return reverse(
        "therapist_record",
        kwargs={"public_id": record.client.public_id, "record_id": record.public_id},
    )


@pytest.fixture
def as_therapist(client, personas):
    client.force_login(personas.therapist_a)
    return client


@pytest.fixture
def shared(personas) -> JournalEntry:
    return services.journal_create(client=personas.client_a, text="Shared words", shared=True)


@pytest.fixture
def private(personas) -> JournalEntry:
    return services.journal_create(client=personas.client_a, text="Private words", shared=False)


# --- Client pages ----------------------------------------------------------------------


class TestClientPages:
    def test_the_journal_lists_the_clients_own_records_newest_first(self, as_a, personas):
        older = services.journal_create(
            client=personas.client_a, text="Older", occurred_at=NOW - timedelta(days=2)
        )
        newer = services.journal_create(client=personas.client_a, text="Newer")
        services.journal_create(client=personas.client_b, text="Bea's own words")
        page = as_a.get(reverse("client_journal")).content.decode()
        assert page.index(str(newer.public_id)) < page.index(str(older.public_id))
        assert "Bea's own words" not in page

    def test_it_filters_by_kind_sharing_and_dates(self, as_a, personas, shared, private):
        services.lifestyle_create(client=personas.client_a, exercise_minutes=20)
        url = reverse("client_journal")
        page = as_a.get(url, {"kind": "lifestyle"}).content.decode()
        assert "Exercise 20 min" in page and "Shared words" not in page
        page = as_a.get(url, {"shared": "private"}).content.decode()
        assert "Private words" in page and "Shared words" not in page
        page = as_a.get(url, {"from": (TODAY + timedelta(days=-30)).isoformat(), "to": "x"})
        assert page.status_code == 200
        page = as_a.get(url, {"to": (TODAY - timedelta(days=1)).isoformat()}).content.decode()
        assert "Shared words" not in page

    def test_filters_never_show_another_clients_records(self, client, personas):
        services.journal_create(client=personas.client_a, text="Ada's words", shared=True)
        client.force_login(personas.client_b)
        for query in ({}, {"kind": "journal"}, {"shared": "shared"}, {"from": "2026-01-01"}):
            assert (
                "Ada's words" not in client.get(reverse("client_journal"), query).content.decode()
            )

    def test_it_pages_the_journal(self, as_a, personas):
        JournalEntryFactory.create_batch(25, client=personas.client_a)
        first = as_a.get(reverse("client_journal")).content.decode()
        assert first.count('data-kind="journal"') == 20
        second = as_a.get(reverse("client_journal"), {"page": 2}).content.decode()
        assert second.count('data-kind="journal"') == 5

    def test_a_full_journal_entry_is_saved_with_everything(self, as_a, personas):
        response = as_a.post(
            reverse("client_journal_new"),
            {
                "mood": "4",
                "text": "A long day",
                "emotions": ["anxiety", "hope"],
                "emotions_own": "restless, tired",
                "triggers": "work, late trains",
                "needed": "Rest",
                "occurred_at": "2026-11-25T09:30",
            },
        )
        entry = JournalEntry.objects.get(client=personas.client_a)
        assert response.status_code == 302
        assert response["Location"] == record_url(entry)
        assert entry.mood == 4
        assert entry.emotions == ["anxiety", "hope", "restless", "tired"]
        assert entry.triggers == ["work", "late trains"]
        assert entry.needed == "Rest"
        assert not entry.shared  # private unless the client chose otherwise

    def test_earlier_triggers_are_offered_to_tick(self, as_a, personas):
        services.journal_create(client=personas.client_a, text="x", triggers=["crowds"])
        page = as_a.get(reverse("client_journal_new")).content.decode()
        assert 'name="trigger_picks" value="crowds"' in page
        assert "Something else (optional)" in page

    def test_the_client_edits_and_deletes_their_record(self, as_a, shared):
        response = as_a.post(
            record_url(shared, "client_record_edit"), {"text": "Rewritten", "mood": "7"}
        )
        assert response.status_code == 302
        shared.refresh_from_db()
        assert (shared.text, shared.mood, shared.shared) == ("Rewritten", 7, False)
        as_a.post(record_url(shared, "client_record_delete"))
        assert not JournalEntry.objects.filter(pk=shared.pk).exists()

    def test_the_lifestyle_log_of_a_day_opens_for_editing_once_it_exists(self, as_a, personas):
        log = services.lifestyle_create(client=personas.client_a, sleep_hours=7)
        response = as_a.get(reverse("client_lifestyle_new"))
        assert response["Location"] == record_url(log, "client_record_edit")
        as_a.post(record_url(log, "client_record_edit"), {"sleep_hours": "8", "meals": "yes"})
        log.refresh_from_db()
        assert (log.sleep_hours, log.meals) == (8, "yes")

    def test_a_social_activity_with_someone_from_the_list(self, as_a, personas):
        sam = services.person_create(client=personas.client_a, name="Sam", kind="friend")
        response = as_a.post(
            reverse("client_social_new"),
            {
                "day": TODAY.isoformat(),
                "person": str(sam.public_id),
                "mode": "call",
                "minutes": "20",
                "feeling": "4",
                "support": "both",
            },
        )
        assert response.status_code == 302
        activity = SocialActivity.objects.get(client=personas.client_a)
        assert (activity.person, activity.minutes, activity.feeling) == (sam, 20, 4)

    def test_my_people_add_edit_remove(self, as_a, personas):
        as_a.post(reverse("client_people"), {"name": "Mum", "kind": "family", "support": "mutual"})
        mum = Person.objects.get(client=personas.client_a)
        as_a.post(
            reverse("client_person_edit", kwargs={"public_id": mum.public_id}),
            {"name": "Mother", "kind": "family", "support": "they_support_me"},
        )
        mum.refresh_from_db()
        assert (mum.name, mum.support) == ("Mother", "they_support_me")
        as_a.post(reverse("client_person_delete", kwargs={"public_id": mum.public_id}))
        assert not Person.objects.filter(pk=mum.pk).exists()

    def test_another_clients_person_is_not_found(self, client, personas):
        bea_friend = PersonFactory(client=personas.client_b, name="Bea's friend")
        client.force_login(personas.client_a)
        url = reverse("client_person_edit", kwargs={"public_id": bea_friend.public_id})
        assert client.get(url).status_code == 404


# --- Quick entry from Today ----------------------------------------------------------


class TestToday:
    def test_each_kind_is_logged_from_today_with_one_field(self, as_a, personas):
        sam = services.person_create(client=personas.client_a, name="Sam", kind="friend")
        home = reverse("client_home")
        for url, data in (
            (reverse("client_journal_new"), {"mood": "6"}),
            (reverse("client_lifestyle_new"), {"day": TODAY.isoformat(), "exercise_minutes": "30"}),
            (
                reverse("client_social_new"),
                {
                    "day": TODAY.isoformat(),
                    "person": str(sam.public_id),
                    "mode": "in_person",
                    "support": "neither",
                },
            ),
        ):
            response = as_a.post(url, {**data, "next": "today"})
            assert response.status_code == 302, response.content.decode()[:2000]
            assert response["Location"] == home
        page = as_a.get(home).content.decode()
        assert "Logged today" in page
        assert "Mood 6/10" in page and "Exercise 30 min" in page and "In person with Sam" in page

    def test_a_lifestyle_log_completes_the_exercise_homework(self, as_a, personas):
        assignment = assign_from_library(personas, "exercise-minutes", frequency="daily")
        as_a.post(
            reverse("client_lifestyle_new"),
            {"day": TODAY.isoformat(), "exercise_minutes": "45", "next": "today"},
        )
        assert Completion.objects.filter(assignment=assignment, due_date=TODAY).exists()

    def test_an_entry_for_homework_is_private_unless_the_client_ticks_share(self, as_a, personas):
        services.sharing_default_set(
            client=personas.client_a,
            relationship=personas.relationship_a,
            share_by_default=True,
        )
        homework = assign_from_library(personas, "daily-mood-journal", frequency="daily")
        page = as_a.get(reverse("client_journal_new"), {"assignment": homework.public_id})
        body = page.content.decode()
        assert "Share with Dr. Ann Able" in body
        assert 'name="shared" id="id_shared" checked' not in body
        assert 'name="shared" checked' not in body
        as_a.post(
            reverse("client_journal_new"),
            {"text": "Done", "assignment": str(homework.public_id)},
        )
        entry = JournalEntry.objects.get(client=personas.client_a)
        assert not entry.shared
        assert entry.completion.assignment == homework

    def test_another_clients_homework_cannot_be_linked(self, client, personas):
        homework = assign_from_library(personas, "daily-mood-journal", frequency="daily")
        client.force_login(personas.client_b)
        response = client.post(
            reverse("client_journal_new"), {"text": "x", "assignment": str(homework.public_id)}
        )
        assert response.status_code == 400
        assert not JournalEntry.objects.exists()


# --- Bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("client_journal_new", {"mood": "11"}, "mood"),
        ("client_journal_new", {"text": "x", "occurred_at": "2026-12-25T10:00"}, "occurred_at"),
        ("client_journal_new", {"text": "x", "occurred_at": "2019-01-01T10:00"}, "occurred_at"),
        ("client_journal_new", {"text": "nul \x00 byte"}, "text"),
        ("client_journal_new", {}, "text"),
        (
            "client_lifestyle_new",
            {"day": "2026-11-25", "exercise_minutes": "-5"},
            "exercise_minutes",
        ),
        ("client_lifestyle_new", {"day": "2026-11-25", "sleep_hours": "30"}, "sleep_hours"),
        ("client_lifestyle_new", {"day": "2026-12-01", "sleep_hours": "7"}, "day"),
        ("client_lifestyle_new", {"day": "9999-12-31", "sleep_hours": "7"}, "day"),
        ("client_social_new", {"day": "2026-11-25", "mode": "call", "minutes": "-1"}, "minutes"),
        ("client_social_new", {"day": "2026-12-01", "mode": "call"}, "day"),
        ("client_people", {"name": "", "kind": "friend", "support": "mutual"}, "name"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_saved(as_a, name, data, field):
    response = as_a.post(reverse(name), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    assert not JournalEntry.objects.exists()
    assert not LifestyleLog.objects.exists()
    assert not SocialActivity.objects.exists()
    assert not Person.objects.exists()


def test_another_clients_person_is_refused(as_a, personas):
    bea_friend = PersonFactory(client=personas.client_b)
    response = as_a.post(
        reverse("client_social_new"),
        {"day": TODAY.isoformat(), "mode": "call", "person": str(bea_friend.public_id)},
    )
    assert response.status_code == 400
    assert "person" in response.context["form"].errors
    assert not SocialActivity.objects.exists()


def test_a_second_lifestyle_log_for_the_same_day_is_refused(as_a, personas):
    services.lifestyle_create(client=personas.client_a, sleep_hours=7)
    response = as_a.post(
        reverse("client_lifestyle_new"), {"day": TODAY.isoformat(), "sleep_hours": "5"}
    )
    assert response.status_code == 400
    assert "day" in response.context["form"].errors
    assert LifestyleLog.objects.get().sleep_hours == 7


# --- Sharing ---------------------------------------------------------------------------


class TestSharing:
    def test_the_sharing_default_is_private_until_the_client_changes_it(self, as_a, personas):
        page = as_a.get(reverse("client_account")).content.decode()
        assert "Private until I share them" in page
        as_a.post(
            reverse(
                "client_sharing_default", kwargs={"public_id": personas.relationship_a.public_id}
            ),
            {"share_by_default": "on"},
        )
        assert services.default_shared(personas.client_a)
        as_a.post(reverse("client_journal_new"), {"mood": "5", "shared": "on"})
        assert JournalEntry.objects.get().shared

    def test_unsharing_hides_it_from_the_therapist_at_the_next_request(
        self, client, personas, shared
    ):
        client.force_login(personas.therapist_a)
        assert client.get(therapist_record_url(shared)).status_code == 200
        assert "Shared words" in client.get(timeline_url(personas.client_a)).content.decode()
        client.force_login(personas.client_a)
        client.post(record_url(shared, "client_record_share"), {"shared": "0"})
        client.force_login(personas.therapist_a)
        response = client.get(therapist_record_url(shared))
        assert response.status_code == 404
        assert "Shared words" not in response.content.decode()
        assert "Shared words" not in client.get(timeline_url(personas.client_a)).content.decode()

    def test_an_old_record_can_always_be_made_private(self, as_a, personas):
        """Records older than the 60 days one may write about can still be taken back."""
        old = JournalEntryFactory(
            client=personas.client_a, shared=True, occurred_at=NOW - timedelta(days=90)
        )
        old_social = SocialActivityFactory(
            client=personas.client_a, shared=True, day=TODAY - timedelta(days=90)
        )
        for record in (old, old_social):
            response = as_a.post(record_url(record, "client_record_share"), {"shared": "0"})
            assert response.status_code == 302
            record.refresh_from_db()
            assert not record.shared


# --- Therapist pages -------------------------------------------------------------------


class TestTherapistPages:
    def test_the_timeline_shows_shared_records_only(self, as_therapist, personas, shared, private):
        page = as_therapist.get(timeline_url(personas.client_a)).content.decode()
        assert "Shared words" in page
        assert "Private words" not in page
        assert 'data-count="journal"><strong>1</strong>' in page

    def test_a_private_record_is_not_found(self, as_therapist, private):
        response = as_therapist.get(therapist_record_url(private))
        assert response.status_code == 404
        assert "Private words" not in response.content.decode()

    def test_another_therapist_finds_nothing(self, client, personas, shared):
        client.force_login(personas.therapist_b)
        assert client.get(timeline_url(personas.client_a)).status_code == 404
        assert client.get(therapist_record_url(shared)).status_code == 404
        # Not even through a client of their own.
        url = reverse(
            "therapist_record",
            kwargs={"public_id": personas.client_b.public_id, "record_id": shared.public_id},
        )
        assert client.get(url).status_code == 404

    def test_a_record_of_another_client_is_not_found_under_this_client(
        self, as_therapist, personas, shared
    ):
        url = reverse(
            "therapist_record",
            kwargs={"public_id": personas.client_b.public_id, "record_id": shared.public_id},
        )
        assert as_therapist.get(url).status_code == 404

    def test_an_ended_relationship_closes_the_pages(self, as_therapist, personas, shared):
        relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
        assert as_therapist.get(timeline_url(personas.client_a)).status_code == 404
        assert as_therapist.get(therapist_record_url(shared)).status_code == 404

    def test_filters_and_counts(self, as_therapist, personas, shared):
        services.lifestyle_create(client=personas.client_a, exercise_minutes=10, shared=True)
        services.lifestyle_create(
            client=personas.client_b, day=TODAY, exercise_minutes=99, shared=True
        )
        url = timeline_url(personas.client_a)
        page = as_therapist.get(url, {"kind": "lifestyle"}).content.decode()
        assert "Exercise 10 min" in page and "Shared words" not in page
        assert "Exercise 99 min" not in page
        assert 'data-count="lifestyle"><strong>1</strong>' in page
        page = as_therapist.get(url, {"to": (TODAY - timedelta(days=1)).isoformat()})
        assert "Shared words" not in page.content.decode()

    def test_feedback_the_client_sees_with_the_viewed_mark(self, client, personas, shared):
        client.force_login(personas.therapist_a)
        response = client.post(therapist_record_url(shared), {"text": "Thank you for this"})
        assert response.status_code == 302
        shared.refresh_from_db()
        assert shared.first_viewed_at is not None
        client.force_login(personas.client_a)
        page = client.get(record_url(shared)).content.decode()
        assert "Thank you for this" in page
        assert "Seen by your therapist on" in page
        client.post(record_url(shared, "client_record_reply"), {"text": "It helped"})
        assert Feedback.objects.filter(author=personas.client_a, text="It helped").exists()

    def test_the_timeline_heads_each_day_once_with_its_records_and_check_offs(
        self, as_therapist, personas
    ):
        a = personas.client_a
        services.journal_create(
            client=a, text="Words of today", shared=True, occurred_at=NOW - timedelta(hours=1)
        )
        walk = AssignmentFactory(
            relationship=personas.relationship_a, title="Walk <outside>", start_date=TODAY
        )
        CompletionFactory(assignment=walk, due_date=TODAY, note="Felt <good>")
        CompletionFactory(assignment=walk, due_date=TODAY - timedelta(days=1))
        services.journal_create(
            client=a, text="Words of yesterday", shared=True, occurred_at=NOW - timedelta(days=1)
        )
        page = as_therapist.get(timeline_url(a)).content.decode()
        items = page[page.index('id="items-heading"') :]
        headings = re.findall(r'<h3 class="day-heading">([^<]*)</h3>', items)
        assert headings == ["Wednesday 25 November", "Tuesday 24 November"]
        today, yesterday = items.split('<h3 class="day-heading">')[1:]
        assert "Words of today" in today and "Words of yesterday" in yesterday
        assert today.count("data-completion=") == 1 and yesterday.count("data-completion=") == 1
        assert "Walk &lt;outside&gt;" in today and "“Felt &lt;good&gt;”" in today
        assert "<outside>" not in page and "<good>" not in page
        assert "—" not in yesterday  # no note, no dash

    def test_the_client_page_links_the_timeline(self, as_therapist, personas):
        page = as_therapist.get(
            reverse("therapist_client_detail", kwargs={"public_id": personas.client_a.public_id})
        ).content.decode()
        assert timeline_url(personas.client_a) in page


# --- Audit -----------------------------------------------------------------------------


class TestAudit:
    def test_one_row_per_timeline_view(self, as_therapist, personas, shared):
        JournalEntryFactory.create_batch(5, client=personas.client_a, shared=True)
        as_therapist.get(timeline_url(personas.client_a))
        assert viewed(personas.client_a) == 1
        as_therapist.get(timeline_url(personas.client_a), {"kind": "journal"})
        assert viewed(personas.client_a) == 2

    def test_one_row_per_record_view(self, as_therapist, personas, shared):
        as_therapist.get(therapist_record_url(shared))
        assert viewed(personas.client_a) == 1

    def test_none_for_the_clients_own_views(self, as_a, personas, shared):
        as_a.get(reverse("client_journal"))
        as_a.get(record_url(shared))
        as_a.get(reverse("client_home"))
        assert viewed(personas.client_a) == 0
        assert not AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED).exists()


# --- Stored XSS ------------------------------------------------------------------------

MARK = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_free_text_is_escaped_in_both_portals(client, personas):
    a = personas.client_a
    person = services.person_create(client=a, name=f"Sam{MARK}"[:80], kind="friend")
    entry = services.journal_create(
        client=a,
        text=f"**bold** {MARK} [x](javascript:alert(1))",
        needed=MARK,
        emotions=["calm", f"{MARK}"[:40]],
        triggers=[MARK[:40]],
        shared=True,
    )
    log = services.lifestyle_create(
        client=a, note=MARK, exercise_kind=MARK, exercise_minutes=5, shared=True
    )
    social = services.social_create(client=a, person=person, mode="call", note=MARK, shared=True)
    services.feedback_create(author=personas.therapist_a, record=entry, text=MARK)
    pages = {
        "client": [
            reverse("client_journal"),
            reverse("client_home"),
            reverse("client_people"),
            record_url(entry),
            record_url(log),
            record_url(social),
            record_url(entry, "client_record_edit"),
            record_url(log, "client_record_edit"),
            record_url(social, "client_record_edit"),
            reverse("client_journal_new"),
        ],
        "therapist": [
            timeline_url(a),
            therapist_record_url(entry),
            therapist_record_url(log),
            therapist_record_url(social),
        ],
    }
    for who, urls in pages.items():
        client.force_login(a if who == "client" else personas.therapist_a)
        for url in urls:
            body = client.get(url).content.decode()
            assert MARK not in body, f"{url} shows the script unescaped"
            assert "<script>alert" not in body, url
            assert 'href="javascript:' not in body, url
    client.force_login(a)
    excerpt = client.get(reverse("client_journal")).content.decode()
    assert f"bold {ESCAPED}" in excerpt  # the excerpt is plain words, escaped once
    client.force_login(personas.therapist_a)
    detail = client.get(therapist_record_url(entry)).content.decode()
    assert "<strong>bold</strong>" in detail  # the safe Markdown subset still renders
    assert ESCAPED in detail


# --- Export, erasure, goodbye ----------------------------------------------------------


def test_the_client_downloads_their_data(as_a, personas, shared):
    response = as_a.get(reverse("client_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 1


def test_a_wrong_password_erases_nothing(as_a, personas):
    response = as_a.post(reverse("client_erase"), {"password": "nope", "confirm": "on"})
    assert response.status_code == 400
    assert "password" in response.context["form"].errors
    assert User.objects.filter(pk=personas.client_a.pk).exists()


def test_erasure_signs_out_says_goodbye_and_the_caseload_shows_client_left(client, personas):
    client.force_login(personas.client_a)
    response = client.post(reverse("client_erase"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("goodbye")
    assert not User.objects.filter(pk=personas.client_a.pk).exists()
    page = client.get(reverse("goodbye"))
    assert page.status_code == 200
    assert "Your account is deleted" in page.content.decode()
    assert client.get(reverse("client_home")).status_code == 302  # signed out
    client.force_login(personas.therapist_a)
    page = client.get(reverse("therapist_home")).content.decode()
    assert "Client left" in page
    assert "Ada Alpha" not in page
    assert (
        personas.relationship_a.__class__.objects.get(pk=personas.relationship_a.pk).status
        == CareStatus.ENDED
    )


# --- Query counts ------------------------------------------------------------------------

# Each page: session and user (the session is saved at most once a minute), then its own
# reads (the journal's are counted in conftest's JOURNAL_QUERIES).
# Today: relationships, homework, pauses, completions, what was logged today (three kinds)
# and the client's people; the care plan's "I'm triggered" moments not yet rated; the
# questionnaires set; the replies not read yet (one query, however many); the next session
# with its number of lines to bring and the note from the last session not opened yet (one)
TODAY_QUERIES = 14
# the timeline: the MFA check, the relationship, the audit row, one query for the week's
# counts, per kind a read (the policy's MFA check memoised), and on a first view one UPDATE
# per kind now seen; the open safety alerts counted for the banner on every therapist page.
TIMELINE_QUERIES = 14


@pytest.mark.parametrize("n", [10, 1000])
def test_the_journal_list_runs_a_fixed_number_of_queries(client, personas, n):
    many_records(personas, n)
    client.force_login(personas.client_a)
    assert count_queries(client, reverse("client_journal")) == JOURNAL_QUERIES
    assert count_queries(client, reverse("client_journal"), {"page": 2}) <= JOURNAL_QUERIES


@pytest.mark.parametrize("n", [10, 1000])
def test_today_runs_a_fixed_number_of_queries(client, personas, n):
    many_records(personas, n)
    assign_from_library(personas, "exercise-minutes", frequency="daily")
    # Unread replies on some of them: one on each of n // 10 entries (1 or 100).
    Feedback.objects.bulk_create(
        Feedback(
            relationship=personas.relationship_a,
            client=personas.client_a,
            author=personas.therapist_a,
            journal_entry=entry,
            text="Thank you for sharing this.",
        )
        for entry in JournalEntry.objects.filter(client=personas.client_a)[: n // 10]
    )
    # Sessions every week, the next one tomorrow: Today names only that one.
    series_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        first_day=local_today(personas.therapist_a.timezone) + timedelta(days=1),
        start_time=time(17),
        count=n // 10,
    )
    client.force_login(personas.client_a)
    assert count_queries(client, reverse("client_home")) == TODAY_QUERIES
    page = client.get(reverse("client_home")).content.decode()
    assert "New from Dr. Ann Able" in page
    assert page.count("Next session:") == 1


@pytest.mark.parametrize("n", [10, 1000])
def test_the_timeline_runs_a_fixed_number_of_queries(client, personas, n):
    many_records(personas, n)
    client.force_login(personas.therapist_a)
    url = timeline_url(personas.client_a)
    assert count_queries(client, url) == TIMELINE_QUERIES


@pytest.mark.parametrize("choices", [[], [True], [False], [True, True], [True, False]])
def test_todays_sharing_default_agrees_with_the_service(personas, choices):
    """Today works the default out from relationships already loaded; it must say what the
    service says, for no therapist, one, or two with different defaults."""
    from accounts.models import CareRelationship
    from tests.factories import TherapistFactory

    a = personas.client_a
    if not choices:
        relationship_end(actor=a, relationship=personas.relationship_a)
    relationships = [personas.relationship_a]
    if len(choices) == 2:
        relationships.append(make_active_relationship(TherapistFactory(), a))
    for relationship, on in zip(relationships, choices, strict=False):
        services.sharing_default_set(client=a, relationship=relationship, share_by_default=on)
    loaded = list(
        CareRelationship.objects.filter(client=a, status=CareStatus.ACTIVE).select_related(
            "sharing_preference"
        )
    )
    assert services.default_shared_among(loaded) == services.default_shared(a)


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"page": "99999"},
        {"kind": "<script>"},
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"from": "2026-13-45"},
        {"from": "2026-11-30", "to": "2026-11-01"},
        {"shared": "maybe"},
    ],
)
def test_odd_filters_never_fail(client, personas, shared, query):
    client.force_login(personas.client_a)
    assert client.get(reverse("client_journal"), query).status_code == 200
    client.force_login(personas.therapist_a)
    assert client.get(timeline_url(personas.client_a), query).status_code == 200


@pytest.mark.parametrize("value", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_odd_homework_link_is_a_form_error(as_a, value):
    assert as_a.get(reverse("client_journal_new"), {"assignment": value}).status_code == 200
    response = as_a.post(reverse("client_journal_new"), {"text": "x", "assignment": value})
    assert response.status_code == 400
    assert "assignment" in response.context["form"].errors
    assert not JournalEntry.objects.exists()


# --- "I need help now" -------------------------------------------------------------------


def test_the_journal_form_says_plainly_what_asking_for_help_does(client, personas):
    client.force_login(personas.client_a)

    text = client.get(reverse("client_journal_new")).content.decode()

    assert "I need help now" in text
    assert "We will tell Dr. Ann Able that you asked for help" in text
    assert "not shown what you wrote unless you share this entry" in text
    assert "Tandem is not watched around the clock" in text


def test_asking_for_help_saves_the_entry_and_shows_the_crisis_page(client, personas):
    from safety.models import SafetyAlert

    client.force_login(personas.client_a)

    response = client.post(reverse("client_journal_new"), {"text": "Too much", "needs_help": "on"})

    assert response.status_code == 302
    assert response["Location"] == reverse("crisis")
    entry = JournalEntry.objects.get(client=personas.client_a)
    assert entry.needs_help and not entry.shared
    assert SafetyAlert.objects.get().reference == entry.public_id
    page = client.get(response["Location"]).content.decode()
    assert "data-alerted" in page and "not watched around the clock" in page


def test_an_edit_that_asks_for_help_shows_the_crisis_page(client, personas):
    from safety.models import SafetyAlert

    entry = services.journal_create(client=personas.client_a, text="Fine")
    client.force_login(personas.client_a)
    url = reverse("client_record_edit", args=[entry.public_id])

    first = client.post(url, {"text": "Not fine", "needs_help": "on"})
    again = client.post(url, {"text": "Not fine at all", "needs_help": "on"})

    assert first["Location"] == reverse("crisis")
    assert again["Location"] == reverse("client_record", args=[entry.public_id])
    assert SafetyAlert.objects.count() == 1


def test_an_entry_without_the_flag_goes_to_the_entry_as_before(client, personas):
    from safety.models import SafetyAlert

    client.force_login(personas.client_a)
    response = client.post(reverse("client_journal_new"), {"text": "Calm"})

    assert response["Location"].startswith("/journal/") or "crisis" not in response["Location"]
    assert response["Location"] != reverse("crisis")
    assert not SafetyAlert.objects.exists()


def test_the_therapist_never_sees_a_private_entry_that_asked_for_help(client, personas):
    services.journal_create(client=personas.client_a, text="Secret words", needs_help=True)
    client.force_login(personas.therapist_a)

    for url in (timeline_url(personas.client_a), reverse("therapist_alerts")):
        assert "Secret words" not in client.get(url).content.decode()
