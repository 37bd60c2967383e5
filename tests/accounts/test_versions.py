"""Data versions (accounts.versions): every write of a person's data gives them a new version,
whatever made it, and a page part cached under the old one is never shown again."""

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
    assert "accounts_auditevent" not in tables  # written on reads: not what pages show
    assert tables <= triggered_tables()


def test_a_service_write_an_update_and_a_delete_each_give_a_new_version(personas):
    client = personas.client_a
    before = version(client)
    entry = record_services.journal_create(client=client, text="Walked by the sea")
    after_create = version(client)
    assert after_create != before
    # QuerySet.update() sends no signal: the trigger sees it all the same.
    JournalEntry.objects.filter(pk=entry.pk).update(shared=True)
    after_update = version(client)
    assert after_update != after_create
    JournalEntry.objects.filter(pk=entry.pk).delete()
    assert version(client) != after_update
    assert version(personas.client_b) == version(personas.client_b)  # nobody else's


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
    personas, settings, caplog
):
    settings.CACHES = {
        **settings.CACHES,
        versions.CACHE: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    page = caseload(personas.therapist_a)
    assert "Ada Alpha" in page and "Waiting for you" in page
    assert "page cache unavailable" in caplog.text
