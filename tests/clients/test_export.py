"""The export: one registry of everything held about a client; free text stays data in
the files (the admin does not show it at all: tests/clients/test_admin.py)."""

import csv
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime

import pytest
import time_machine
from django.apps import apps
from django.db import models

from accounts.models import User
from accounts.services import records_viewed
from clients import services
from clients.export import NOT_EXPORTED, READABLE_NAME, REGISTRY, csv_cell, export_zip
from homework.models import Completion
from safety.models import Source
from tests.clients.conftest import assign_from_library

pytestmark = pytest.mark.django_db

MARKER = '<script>alert("x")</script>'
FORMULA = '=HYPERLINK("http://evil.example")'


def models_pointing_at_users() -> set[str]:
    return {
        model._meta.label
        for model in apps.get_models()
        if not model._meta.proxy  # the concrete model it stands for is checked
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey | models.OneToOneField)
        and field.related_model is User
    }


def test_every_model_that_points_at_a_user_is_exported_or_says_why_not():
    registered = {spec.model._meta.label for spec in REGISTRY}
    missing = models_pointing_at_users() - registered - set(NOT_EXPORTED)
    assert not missing, f"add to clients.export.REGISTRY or NOT_EXPORTED: {sorted(missing)}"
    assert not registered & set(NOT_EXPORTED)


def test_the_registry_also_covers_the_records_held_through_a_relationship():
    registered = {spec.model._meta.label for spec in REGISTRY}
    assert {"clients.SharingPreference", "clients.Feedback", "accounts.User"} <= registered


@pytest.fixture
def everything_of_a(personas):
    """Client A with a record of every kind, every free-text field carrying a marker."""
    client_a = personas.client_a
    homework = assign_from_library(personas, "daily-mood-journal")
    person = services.person_create(client=client_a, name=MARKER, kind="friend")
    entry = services.journal_create(
        client=client_a,
        text=MARKER,
        needed=FORMULA,
        emotions=[MARKER],
        triggers=["@SUM(A1)"],
        shared=True,
        assignment=homework,
    )
    services.lifestyle_create(
        client=client_a, exercise_kind=MARKER, note=MARKER, sleep_hours=7, shared=True
    )
    services.social_create(client=client_a, person=person, mode="call", note=MARKER, shared=True)
    services.feedback_create(author=personas.therapist_a, record=entry, text=MARKER)
    services.sharing_default_set(
        client=client_a, relationship=personas.relationship_a, share_by_default=True
    )
    return client_a


def read_zip(body: bytes) -> tuple[dict, dict[str, list[list[str]]]]:
    archive = zipfile.ZipFile(io.BytesIO(body))
    document = json.loads(archive.read("tandem.json"))
    tables = {
        name.removesuffix(".csv"): list(csv.reader(io.StringIO(archive.read(name).decode())))
        for name in archive.namelist()
        if name.endswith(".csv")
    }
    return document, tables


def test_the_export_holds_every_kind_and_nothing_of_anyone_else(personas, everything_of_a):
    services.journal_create(client=personas.client_b, text="B's words")
    document, tables = read_zip(export_zip(everything_of_a))
    assert set(tables) == {spec.name for spec in REGISTRY}
    for name in ("people", "journal", "lifestyle", "social", "feedback", "sharing_defaults"):
        assert len(document[name]) == 1, name
        assert len(tables[name]) == 2, name  # header and one row
    assert document["account"][0]["email"] == "client.a@example.org"
    assert len(document["completions"]) == Completion.objects.filter(client=everything_of_a).count()
    assert "B's words" not in json.dumps(document)


def test_free_text_is_kept_as_data_and_formulas_are_defused(everything_of_a):
    document, tables = read_zip(export_zip(everything_of_a))
    assert document["journal"][0]["text"] == MARKER
    assert document["journal"][0]["needed"] == FORMULA  # JSON keeps the raw text
    header, row = tables["journal"]
    assert row[header.index("text")] == MARKER
    assert row[header.index("needed")] == "'" + FORMULA
    assert row[header.index("triggers")] == "'@SUM(A1)"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (None, ""),
        (["a", "b"], "a; b"),
    ],
)
def test_csv_cells(value, cell):
    assert csv_cell(value) == cell


def test_the_client_s_safety_alerts_and_the_answers_are_in_their_export(personas):
    from safety.services import acknowledge

    entry = services.journal_create(client=personas.client_a, text="x", needs_help=True)
    services.journal_create(client=personas.client_b, text="y", needs_help=True)
    alert = personas.relationship_a.safety_alerts.get()
    acknowledge(alert=alert, therapist=personas.therapist_a, note="=Called her")

    document, tables = read_zip(export_zip(personas.client_a))

    [row] = document["safety_alerts"]
    assert row["reference"] == str(entry.public_id)
    assert row["source"] == "journal"
    assert row["note"] == "=Called her"
    assert row["acknowledged_by__name"] == "Dr. Ann Able"
    assert document["journal"][0]["needs_help"] is True
    header, csv_row = tables["safety_alerts"]
    assert csv_row[header.index("note")] == "'=Called her"


# --- The page to read ----------------------------------------------------------------------

# 19:05 UTC on 3 December 2026 is 14:05 in New York.
VIEWED_AT = datetime(2026, 12, 3, 19, 5, tzinfo=UTC)


@pytest.fixture
def a_year_of_a(personas):
    """Client A, in New York, with a record of each section the page shows."""
    from careplans import services as plans
    from measures import services as measures
    from safety.services import acknowledge, raise_alert

    client_a = personas.client_a
    User.objects.filter(pk=client_a.pk).update(timezone="America/New_York")
    client_a.refresh_from_db()
    with time_machine.travel(VIEWED_AT, tick=False):
        services.journal_create(client=client_a, text=MARKER, mood=6, shared=True)
        services.lifestyle_create(client=client_a, sleep_hours=7, exercise_minutes=20)
        person = services.person_create(client=client_a, name="Grace", kind="friend")
        services.social_create(client=client_a, person=person, mode="call", minutes=15)
        phq9 = measures.measure_assign(
            therapist=personas.therapist_a, relationship=personas.relationship_a, instrument="phq9"
        )
        measures.response_submit(
            client=client_a, assignment=phq9, answers=[1, 2, 3, 0, 1, 2, 3, 0, 0]
        )
        plan = plans.plan_for_relationship(personas.relationship_a)
        plans.item_add(
            author=personas.therapist_a, plan=plan, section="empowers", text="Morning walks"
        )
        (alert,) = raise_alert(client=client_a, source=Source.JOURNAL, reference=uuid.uuid4())
        acknowledge(alert=alert, therapist=personas.therapist_a, note="Called, all well")
        records_viewed(viewer=personas.therapist_a, client=client_a, what="timeline")
    return client_a


def read_page(client) -> str:
    archive = zipfile.ZipFile(io.BytesIO(export_zip(client)))
    assert READABLE_NAME == "tandem-export.html"
    assert READABLE_NAME in archive.namelist()
    return archive.read(READABLE_NAME).decode()


def test_the_zip_holds_a_page_to_read_with_every_section(a_year_of_a):
    page = read_page(a_year_of_a)
    for heading in (
        "Journal",
        "Lifestyle",
        "Time with people",
        "Questionnaires",
        "Care plan",
        "Calls for help",
        "Who looked at your records",
    ):
        assert f">{heading}</h2>" in page, heading
    assert "PHQ-9" in page and "<dd>12</dd>" in page
    assert "<dt>Band</dt><dd>Moderate</dd>" in page  # the band's name, not its key
    assert "With Dr. Ann Able · version 1" in page
    assert "What empowers me" in page and "Morning walks" in page
    assert "Called, all well" in page and "by Dr. Ann Able" in page
    assert "Grace" in page and "Call, 15 minutes" in page


def test_the_page_shows_times_in_the_clients_own_zone_and_names_it(a_year_of_a):
    page = read_page(a_year_of_a)
    assert "All times are in your time zone, America/New_York." in page
    assert "3 Dec 2026 at 14:05" in page
    assert "19:05" not in page
    assert "Dr. Ann Able viewed your shared entries" in page


def test_the_page_escapes_free_text_and_runs_nothing(a_year_of_a):
    page = read_page(a_year_of_a)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<script" not in page.lower()
    # Nothing is fetched: no links to files, images or fonts elsewhere.
    assert "src=" not in page and "<link" not in page and "@import" not in page
    assert "@media print" in page


def test_the_page_lists_records_newest_first_whatever_order_they_were_written_in(personas):
    client_a = personas.client_a
    with time_machine.travel(VIEWED_AT, tick=False):
        services.journal_create(client=client_a, text="Today's words", occurred_at=VIEWED_AT)
        services.journal_create(
            client=client_a,
            text="Remembered later",
            occurred_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        )
    page = read_page(client_a)
    assert page.index("Today&#x27;s words") < page.index("Remembered later")


def test_the_page_of_a_client_with_nothing_says_so_kindly(personas):
    page = read_page(personas.client_b)
    assert "No journal entries." in page and "No care plan." in page
    assert "Ada Alpha" not in page
