"""The demo gives one client a year of history, so the Progress page shows a year."""

import pytest
from django.core.management import call_command

from accounts.models import CareStatus, Role, User
from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework.models import Completion
from progress.demo import WALK_TITLE
from progress.insights import what_helps
from progress.series import progress_series
from tests.conftest import activate_totp

pytestmark = pytest.mark.django_db


def year_client() -> User:
    return User.objects.get(role=Role.CLIENT, assignments__title=WALK_TITLE)


def test_one_demo_client_has_a_year_and_its_insights():
    call_command("seed_demo")
    client = year_client()
    assert client.care_relationships.filter(status=CareStatus.ACTIVE).exists()
    series = progress_series(viewer=client, client=client, range_key="1y")
    first_month = series.days[:30]
    assert sum(point.mood is not None for point in first_month) >= 15
    assert sum(point.sleep_hours is not None for point in first_month) >= 15
    assert any(point.social_contacts for point in first_month)
    assert sum(week.due > 0 for week in series.weeks) >= 48
    assert sum(week.done > 0 for week in series.weeks) >= 40
    # Enough for "what helps", for the client and (from what is shared) the therapist.
    assert {i.key for i in what_helps(viewer=client, series=series)} >= {"exercise", "sleep"}
    therapist = client.care_relationships.get().therapist
    activate_totp(therapist)
    theirs = progress_series(viewer=therapist, client=client, range_key="1y")
    assert what_helps(viewer=therapist, series=theirs)
    # Rows are valid as the services would have made them.
    for model in (JournalEntry, LifestyleLog, SocialActivity):
        for row in model.objects.filter(client=client)[:50]:
            row.full_clean()


def test_seeding_twice_adds_nothing():
    call_command("seed_demo")
    counts = [
        model.objects.count() for model in (JournalEntry, LifestyleLog, SocialActivity, Completion)
    ]
    call_command("seed_demo")
    assert counts == [
        model.objects.count() for model in (JournalEntry, LifestyleLog, SocialActivity, Completion)
    ]
