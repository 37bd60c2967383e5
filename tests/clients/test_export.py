"""The export: one registry of everything held about a client; free text stays data in
the files (the admin does not show it at all: tests/clients/test_admin.py)."""

import csv
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.db import models

from accounts.models import User
from clients import services
from clients.export import NOT_EXPORTED, REGISTRY, csv_cell, export_zip
from homework.models import Completion
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
