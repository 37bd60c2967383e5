"""Data versions (accounts.versions): every write of a person's data gives them a new version,
whatever made it, and a page part cached under the old one is never shown again."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from accounts import versions
from accounts.models import User
from careplans.models import HomeworkLink
from clients import services as record_services
from clients.models import JournalEntry
from safety.models import SafetyAlert
from tests.factories import (
    AssignmentFactory,
    CarePlanFactory,
    ClientFactory,
    JournalEntryFactory,
    PlanItemFactory,
    RelationshipFactory,
    SafetyAlertFactory,
)

pytestmark = pytest.mark.django_db


def version(user) -> int:
    return User.objects.values_list("data_version", flat=True).get(pk=user.pk)


def triggered_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s",
                [versions.TRIGGER],
            )
            return {table for (table,) in cursor.fetchall()}
        cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        names = {}
        for table, name in cursor.fetchall():
            if name.startswith(versions.TRIGGER):
                names.setdefault(table, set()).add(name.rsplit("_", 1)[1])
        return {t for t, events in names.items() if events == {"INSERT", "UPDATE", "DELETE"}}


def test_every_table_of_peoples_data_has_its_trigger():
    tables = {model._meta.db_table for model in versions.tracked_models()}
    assert {"clients_journalentry", "homework_completion", "safety_safetyalert"} <= tables
    assert {"notifications_preferences", "clients_journalentry_completions"} <= tables
    assert "mfa_authenticator" in tables  # a therapist without TOTP sees no client
    assert "accounts_auditevent" not in tables  # written on reads: not what pages show
    assert tables <= triggered_tables()


def test_a_service_write_an_update_and_a_delete_each_give_a_new_version(personas):
    client = personas.client_a
    before, other = version(client), version(personas.client_b)
    entry = record_services.journal_create(client=client, text="Walked by the sea")
    after_create = version(client)
    assert after_create != before
    # QuerySet.update() sends no signal: the trigger sees it all the same.
    JournalEntry.objects.filter(pk=entry.pk).update(shared=True)
    after_update = version(client)
    assert after_update != after_create
    JournalEntry.objects.filter(pk=entry.pk).delete()
    assert version(client) != after_update
    assert version(personas.client_b) == other  # nobody else's


def test_a_row_that_names_no_client_bumps_the_people_of_its_parents(personas):
    alert = SafetyAlertFactory(relationship=personas.relationship_a)
    therapist, client = version(personas.therapist_a), version(personas.client_a)
    other = version(personas.client_b)
    SafetyAlert.objects.filter(pk=alert.pk).update(level=2)
    assert version(personas.therapist_a) != therapist
    assert version(personas.client_a) != client
    assert version(personas.client_b) == other

    # Two steps away: a plan item's link to homework (item -> plan -> client).
    plan = CarePlanFactory(relationship=personas.relationship_a)
    item = PlanItemFactory(plan=plan)
    assignment = AssignmentFactory(relationship=personas.relationship_a)
    link = HomeworkLink.objects.create(item=item, assignment=assignment)
    client = version(personas.client_a)
    HomeworkLink.objects.filter(pk=link.pk).delete()
    assert version(personas.client_a) != client


def test_a_rolled_back_write_keeps_the_version(personas):
    before = version(personas.client_a)
    with pytest.raises(RuntimeError), transaction.atomic():
        JournalEntryFactory(client=personas.client_a)
        raise RuntimeError
    assert version(personas.client_a) == before


def test_a_stale_copy_saved_back_makes_a_new_version_not_an_old_one(personas):
    stale = User.objects.get(pk=personas.client_a.pk)
    original = stale.data_version
    JournalEntryFactory(client=personas.client_a)
    bumped = version(personas.client_a)
    stale.name = "Ada A."
    stale.save()
    assert version(personas.client_a) not in (original, bumped)


def test_signing_in_keeps_the_version(personas):
    before = version(personas.client_a)
    Client().force_login(personas.client_a)
    assert version(personas.client_a) == before


def test_new_people_start_with_versions_of_their_own():
    first, second = ClientFactory(), ClientFactory()
    assert first.data_version != second.data_version


def caseload(therapist) -> str:
    browser = Client()
    browser.force_login(therapist)
    return browser.get(reverse("therapist_home")).content.decode()


def test_the_caseload_shows_what_was_written_after_it_was_cached(personas):
    page = caseload(personas.therapist_a)
    assert "1 shared entry not viewed yet" not in page
    assert caseload(personas.therapist_a).count("data-client=") == 1  # cached now
    JournalEntryFactory(client=personas.client_a, shared=True)
    assert "1 shared entry not viewed yet" in caseload(personas.therapist_a)

    # A new client on the caseload, and a name changed: both seen at once.
    newcomer = ClientFactory(name="Cy Newcomer")
    RelationshipFactory(therapist=personas.therapist_a, client=newcomer)
    assert "Cy Newcomer" in caseload(personas.therapist_a)
    newcomer.name = "Cy Renamed"
    newcomer.save()
    page = caseload(personas.therapist_a)
    assert "Cy Renamed" in page and "Cy Newcomer" not in page


def test_a_page_cache_that_does_not_answer_costs_the_render_not_the_page(
    personas, page_cache_down, caplog
):
    page = caseload(personas.therapist_a)
    assert "Ada Alpha" in page and "Waiting for you" in page
    assert "page cache unavailable" in caplog.text


# --- Whole pages from the cache ----------------------------------------------------------

CLIENT_PAGES = [
    "client_home",
    "client_week",
    "client_journal",
    "client_progress",
    "client_measures",
]
THERAPIST_PAGES = [
    "therapist_client_detail",
    "therapist_timeline",
    "therapist_client_progress",
]


def queries(browser, url: str) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url)
    assert response.status_code == 200, url
    return len(captured)


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.mark.parametrize("route", CLIENT_PAGES + THERAPIST_PAGES)
def test_a_write_by_the_client_makes_every_cached_page_render_again(personas, route):
    import time_machine
    from django.utils import timezone

    # The clock stands still: a page is kept for its minute, and views that cross into the
    # next one would each be drawn again, write or no write.
    with time_machine.travel(timezone.now(), tick=False):
        _every_cached_page_renders_again(personas, route)


def _every_cached_page_renders_again(personas, route):
    viewer = personas.client_a if route in CLIENT_PAGES else personas.therapist_a
    kwargs = {} if route in CLIENT_PAGES else {"public_id": personas.client_a.public_id}
    url = reverse(route, kwargs=kwargs)
    browser = signed_in(viewer)
    browser.get(url)  # the session's first request; the page is cached
    cached = queries(browser, url)
    record_services.journal_create(client=personas.client_a, text="Better today", shared=True)
    assert queries(browser, url) > cached  # rendered again, not the old copy
    if route == "therapist_timeline":
        # That view marked the new entry viewed (a write): the next one renders once more,
        # without the entry's "new" mark.
        assert queries(browser, url) > cached
    assert queries(browser, url) == cached


def test_the_journal_and_the_timeline_show_an_entry_written_after_they_were_cached(personas):
    client, therapist = signed_in(personas.client_a), signed_in(personas.therapist_a)
    journal = reverse("client_journal")
    timeline = reverse("therapist_timeline", args=[personas.client_a.public_id])
    for browser, url in ((client, journal), (therapist, timeline), (client, journal)):
        assert "The tide came in" not in browser.get(url).content.decode()
    record_services.journal_create(client=personas.client_a, text="The tide came in", shared=True)
    assert "The tide came in" in client.get(journal).content.decode()
    assert "The tide came in" in therapist.get(timeline).content.decode()


def test_a_renamed_therapist_is_renamed_on_their_clients_cached_pages(personas):
    browser = signed_in(personas.client_a)
    url = reverse("client_home")
    assert "Dr. Ann Able" in browser.get(url).content.decode()
    personas.therapist_a.name = "Dr. Ann Other"
    personas.therapist_a.save()
    page = browser.get(url).content.decode()
    assert "Dr. Ann Other" in page and "Dr. Ann Able" not in page


def test_a_cached_page_carries_the_csrf_token_of_whoever_is_served_it(personas):
    first = Client(enforce_csrf_checks=True)
    first.force_login(personas.client_a)
    first.get(reverse("client_home"))  # cached now, with first's token in its forms
    second = Client(enforce_csrf_checks=True)  # the same person on another phone
    second.force_login(personas.client_a)
    page = second.get(reverse("client_home")).content.decode()
    assert versions.CSRF_PLACEHOLDER.decode() not in page
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = second.post(
        reverse("client_journal_new"),
        {
            "csrfmiddlewaretoken": token,
            "mood": "6",
            "text": "From the other phone",
            "next": "today",
        },
    )
    assert response.status_code == 302
    assert JournalEntry.objects.filter(client=personas.client_a, text="From the other phone")


def test_a_message_is_shown_once_and_never_kept_in_the_cache(personas):
    browser = signed_in(personas.client_a)
    browser.get(reverse("client_home"))
    response = browser.post(
        reverse("client_journal_new"), {"mood": "6", "next": "today"}, follow=True
    )
    assert "Saved to your journal" in response.content.decode()
    assert "Saved to your journal" not in browser.get(reverse("client_home")).content.decode()


def test_an_api_read_after_a_write_has_the_write(personas):
    browser = signed_in(personas.client_a)
    url = "/api/v1/journal/"
    assert browser.get(url).json()["count"] == 0
    assert browser.get(url).json()["count"] == 0  # from the cache now
    record_services.journal_create(client=personas.client_a, text="One")
    body = browser.get(url).json()
    assert body["count"] == 1 and body["results"][0]["text"] == "One"
    # Another person's cached answer is never served: the key is the viewer's.
    other = signed_in(personas.client_b)
    assert other.get(url).json()["count"] == 0


def test_a_therapist_who_removes_their_second_factor_gets_no_cached_answer(personas, settings):
    from allauth.mfa.models import Authenticator

    settings.TANDEM_REQUIRE_MFA = True
    browser = signed_in(personas.therapist_a)
    assert browser.get("/api/v1/clients/").json()["count"] == 1
    assert browser.get("/api/v1/clients/").json()["count"] == 1  # from the cache now
    Authenticator.objects.filter(user=personas.therapist_a).delete()
    response = browser.get("/api/v1/clients/")
    assert response.status_code != 200 or response.json()["count"] == 0


def test_the_release_digest_changes_with_any_module_or_template_and_nothing_else(
    settings, tmp_path
):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "rules.py").write_text("LIMIT = 7\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "row.html").write_text("<tr>{{ row }}</tr>\n")
    (tmp_path / "docs").mkdir()
    settings.BASE_DIR = tmp_path

    def release() -> str:
        versions.release.cache_clear()
        return versions.release()

    try:
        first = release()
        (tmp_path / "docs" / "notes.md").write_text("not code")
        (tmp_path / "app" / "data.json").write_text("{}")
        assert release() == first
        (tmp_path / "app" / "rules.py").write_text("LIMIT = 8\n")
        second = release()
        assert second != first
        (tmp_path / "templates" / "row.html").write_text("<tr>{{ row.name }}</tr>\n")
        assert release() not in {first, second}
    finally:
        versions.release.cache_clear()


def test_a_page_kept_by_one_release_is_never_served_by_the_next(personas, monkeypatch):
    """Within the minute and with no write, a new release draws the page again: what the
    release before kept (its markup, its CSP nonce's place) is not served."""
    import time_machine

    kept = []
    write = versions._write
    monkeypatch.setattr(
        versions, "_write", lambda key, *rest: (kept.append(key), write(key, *rest))
    )
    at = datetime.now(UTC).replace(second=30, microsecond=0)
    with time_machine.travel(at, tick=False):
        browser = signed_in(personas.client_a)
        monkeypatch.setattr(versions, "release", lambda: "one")
        browser.get(reverse("client_home"))
        browser.get(reverse("client_home"))
        assert len(kept) == 1  # the second view came from the cache
        monkeypatch.setattr(versions, "release", lambda: "two")
        browser.get(reverse("client_home"))
        assert len(kept) == 2 and kept[1] != kept[0]
