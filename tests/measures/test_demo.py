"""The demo questionnaires obey the model's rules, and seeding twice changes nothing."""

import pytest
from django.core.management import call_command

from measures import selectors
from measures.instruments import Change
from measures.models import MeasureAssignment, MeasureResponse
from safety.models import SafetyAlert

pytestmark = pytest.mark.django_db


def test_the_demo_client_has_months_of_results_and_a_questionnaire_due_today():
    call_command("seed_demo")
    responses = list(MeasureResponse.objects.order_by("submitted_at"))
    assert len(responses) == 10
    for response in responses:
        response.full_clean()
    assert (responses[-1].submitted_at - responses[0].submitted_at).days >= 70
    client = responses[0].client
    series = {s.definition.key: s for s in selectors.results(viewer=client, client=client)}
    assert [r.response.score for r in series["phq9"].results] == [16, 14, 13, 11, 9, 8]
    assert series["phq9"].latest.change == Change.IMPROVED
    assert {d.definition.key for d in selectors.due_for_client(client)} == {"phq9", "gad7"}
    assert not SafetyAlert.objects.exists()

    counts = (MeasureAssignment.objects.count(), MeasureResponse.objects.count())
    call_command("seed_demo")
    assert (MeasureAssignment.objects.count(), MeasureResponse.objects.count()) == counts
