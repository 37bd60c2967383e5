"""The demo plans obey the services' rules, and seeding twice changes nothing."""

import pytest
from django.core.management import call_command

from careplans.models import CarePlan, PlanItem, PlanVersion, Section, TriggerLog

pytestmark = pytest.mark.django_db


def test_each_demo_client_gets_a_plan_with_history_and_logs_matching_their_journal():
    call_command("seed_demo")
    plans = list(CarePlan.objects.all())
    assert plans
    for plan in plans:
        sections = set(plan.items.values_list("section", flat=True))
        assert sections == set(Section.values) - (
            {"circle"} if not plan.client.people.exists() else set()
        )
        assert plan.versions.filter(agreed_at__isnull=False).count() == 1
        assert plan.versions.filter(number__gt=plan.versions.get(agreed_at__isnull=False).number)
    for item in PlanItem.objects.all():
        item.full_clean()
    logs = list(TriggerLog.objects.select_related("journal_entry", "item"))
    assert logs
    for log in logs:
        assert log.trigger in log.journal_entry.triggers
    counts = (CarePlan.objects.count(), PlanVersion.objects.count(), TriggerLog.objects.count())
    call_command("seed_demo")
    assert (
        CarePlan.objects.count(),
        PlanVersion.objects.count(),
        TriggerLog.objects.count(),
    ) == counts
