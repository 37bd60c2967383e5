import json
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from safety.checks import check_crisis_resources
from safety.models import Source
from safety.services import raise_alert
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


def test_the_crisis_page_is_open_to_anyone_and_names_the_emergency_number(client):
    response = client.get(reverse("crisis"))

    text = response.content.decode()
    assert response.status_code == 200
    assert "local emergency number" in text
    assert "not watched around the clock" in text
    assert "data-alerted" not in text


def test_it_shows_the_deployment_s_resources(client, settings):
    settings.TANDEM_CRISIS_RESOURCES = [
        {"name": "Samaritans", "phone": "116 123", "url": "https://www.samaritans.org"}
    ]

    text = client.get(reverse("crisis")).content.decode()

    assert "Samaritans" in text
    assert 'href="tel:116%20123"' in text
    assert "https://www.samaritans.org" in text
    assert "local emergency number" not in text


def test_it_tells_a_client_with_an_open_alert_that_their_therapist_was_told(client, personas):
    raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())
    client.force_login(personas.client_a)

    text = client.get(reverse("crisis")).content.decode()

    assert "data-alerted" in text


@pytest.mark.parametrize(
    "value",
    [[], [{"detail": "no name"}], [{"name": "x", "colour": "red"}], {"name": "x"}, [{"name": 3}]],
)
def test_a_bad_list_of_resources_is_refused_at_start_up(settings, value):
    settings.TANDEM_CRISIS_RESOURCES = value

    assert [e.id for e in check_crisis_resources()] == ["tandem.E010"]
    with pytest.raises(SystemCheckError, match="TANDEM_CRISIS_RESOURCES"):
        call_command("check")


def test_the_default_and_the_example_resources_pass_the_check(settings):
    assert check_crisis_resources() == []
    example = ROOT.joinpath("platform/env.example").read_text()
    line = next(x for x in example.splitlines() if x.startswith("TANDEM_CRISIS_RESOURCES="))
    settings.TANDEM_CRISIS_RESOURCES = json.loads(line.split("=", 1)[1])
    assert check_crisis_resources() == []


def test_after_care_ended_the_crisis_page_no_longer_says_the_therapist_was_told(client, personas):
    from accounts.services import relationship_end

    raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())
    relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
    client.force_login(personas.client_a)

    assert "data-alerted" not in client.get(reverse("crisis")).content.decode()
