"""Instructions have a cap, as every other text does: too long is a message by the field in
the portal, the API and the admin, and nothing is saved."""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from homework import services
from homework.models import INSTRUCTIONS_MAX, Assignment, HomeworkTemplate
from tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * (INSTRUCTIONS_MAX + 1)
LONGEST = "x" * INSTRUCTIONS_MAX
TEMPLATE = {"kind": "journal", "title": "Evening pages", "frequency": "daily"}
ASSIGNMENT = {**TEMPLATE, "start_date": "2026-11-26"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-11-26 10:00:00+00:00", tick=False):
        yield


def json_post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_the_cap_is_a_page():
    assert INSTRUCTIONS_MAX == 5_000


def test_the_services_refuse_instructions_over_the_cap(personas):
    with pytest.raises(ValidationError) as refused:
        services.template_create(owner=personas.therapist_a, instructions=TOO_LONG, **TEMPLATE)
    assert "instructions" in refused.value.message_dict
    template = services.template_create(
        owner=personas.therapist_a, instructions=LONGEST, **TEMPLATE
    )
    assert len(template.instructions) == INSTRUCTIONS_MAX
    assignment = AssignmentFactory(relationship=personas.relationship_a)
    with pytest.raises(ValidationError) as refused:
        services.assignment_update(assignment=assignment, instructions=TOO_LONG)
    assert "instructions" in refused.value.message_dict


def test_the_portal_refuses_a_template_over_the_cap(client, personas):
    client.force_login(personas.therapist_a)
    url = reverse("therapist_template_new")
    response = client.post(url, {**TEMPLATE, "instructions": TOO_LONG})
    assert response.status_code == 400
    [message] = response.context["form"].errors["instructions"]
    assert "at most 5000 characters" in message
    assert not HomeworkTemplate.objects.filter(title="Evening pages").exists()
    assert client.post(url, {**TEMPLATE, "instructions": LONGEST}).status_code == 302


def test_the_portal_refuses_an_assignment_over_the_cap(client, personas):
    client.force_login(personas.therapist_a)
    url = reverse("therapist_assign_form", args=[personas.client_a.public_id])
    response = client.post(url, {**ASSIGNMENT, "instructions": TOO_LONG})
    assert response.status_code == 400
    assert "at most 5000 characters" in response.context["form"].errors["instructions"][0]
    assert not Assignment.objects.exists()


def test_the_api_refuses_a_template_over_the_cap(client, personas):
    client.force_login(personas.therapist_a)
    response = json_post(client, "/api/v1/templates/", {**TEMPLATE, "instructions": TOO_LONG})
    assert response.status_code == 400
    assert "5000 characters" in response.json()["instructions"][0]
    assert not HomeworkTemplate.objects.filter(title="Evening pages").exists()


def test_the_api_refuses_an_assignment_over_the_cap(client, personas):
    client.force_login(personas.therapist_a)
    body = {**ASSIGNMENT, "client": str(personas.client_a.public_id), "instructions": TOO_LONG}
    response = json_post(client, "/api/v1/assignments/", body)
    assert response.status_code == 400
    assert "instructions" in response.json()
    assert not Assignment.objects.exists()
    assignment = AssignmentFactory(relationship=personas.relationship_a, instructions="Short.")
    response = client.patch(
        f"/api/v1/assignments/{assignment.public_id}/",
        {"instructions": TOO_LONG},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "instructions" in response.json()
    assignment.refresh_from_db()
    assert assignment.instructions == "Short."


def test_the_admin_refuses_a_library_template_over_the_cap(client, personas):
    client.force_login(personas.staff)
    form = {**TEMPLATE, "title": "Admin's", "instructions": TOO_LONG, "is_active": "on"}
    form |= {"weekdays": "[]", "target_unit": ""}
    response = client.post(reverse("admin:homework_homeworktemplate_add"), form)
    assert response.status_code == 200
    assert "instructions" in response.context["adminform"].form.errors
    assert not HomeworkTemplate.objects.filter(title="Admin's").exists()
