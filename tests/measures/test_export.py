"""Measures in the client's export and erasure, and the read-only admin."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from clients import services as record_services
from clients.export import REGISTRY, export_zip
from measures.models import MeasureAssignment, MeasureResponse
from tests.factories import PASSWORD
from tests.measures.conftest import answer

pytestmark = pytest.mark.django_db


def test_measures_are_in_the_registry_answers_before_assignments_for_erasure():
    names = [spec.name for spec in REGISTRY]
    assert names.index("measure_assignments") < names.index("measure_responses")


def test_the_export_holds_the_clients_answers_and_nobody_elses(personas, phq9):
    answer(phq9, [1, 2, 3, 0, 1, 2, 3, 0, 0])
    archive = zipfile.ZipFile(io.BytesIO(export_zip(personas.client_a)))
    data = json.loads(archive.read("tandem.json"))
    [row] = data["measure_responses"]
    assert (row["instrument"], row["answers"], row["score"], row["band"]) == (
        "phq9",
        [1, 2, 3, 0, 1, 2, 3, 0, 0],
        12,
        "moderate",
    )
    assert data["measure_assignments"][0]["public_id"] == str(phq9.public_id)
    assert "measure_responses.csv" in archive.namelist()
    other = json.loads(
        zipfile.ZipFile(io.BytesIO(export_zip(personas.client_b))).read("tandem.json")
    )
    assert other["measure_responses"] == [] and other["measure_assignments"] == []


def test_erasure_removes_the_clients_measures_only(personas, phq9):
    answer(phq9, [0] * 9)
    b = MeasureAssignment.objects.create(
        relationship=personas.relationship_b,
        client=personas.client_b,
        instrument="gad7",
        start_date=phq9.start_date,
    )
    answer(b, [0] * 7)
    record_services.account_erase(client=personas.client_a, password=PASSWORD)
    assert list(MeasureResponse.objects.values_list("client_id", flat=True)) == [
        personas.client_b.pk
    ]
    assert list(MeasureAssignment.objects.all()) == [b]


@pytest.mark.parametrize("model", ["measureassignment", "measureresponse"])
def test_the_admin_is_read_only(client, personas, phq9, model):
    answer(phq9, [0] * 9)
    client.force_login(personas.staff)
    assert client.get(reverse(f"admin:measures_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:measures_{model}_add")).status_code == 403
    pk = (MeasureAssignment if model == "measureassignment" else MeasureResponse).objects.get().pk
    response = client.post(reverse(f"admin:measures_{model}_change", args=[pk]), {})
    assert response.status_code == 403
    assert MeasureResponse.objects.get().answers == [0] * 9
