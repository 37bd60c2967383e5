"""Demo records obey the same rules as records made through the services."""

import pytest
from django.core.management import call_command

from clients.models import Feedback, JournalEntry, LifestyleLog, Person, SocialActivity

pytestmark = pytest.mark.django_db


def test_demo_records_are_valid_and_some_complete_homework():
    call_command("seed_demo")
    for model in (JournalEntry, LifestyleLog, SocialActivity, Person, Feedback):
        rows = list(model.objects.all())
        assert rows, model
        for row in rows:
            row.full_clean()
    assert JournalEntry.objects.filter(completion__isnull=False).exists()
    assert LifestyleLog.objects.filter(completions__isnull=False).exists()
    assert JournalEntry.objects.filter(shared=False).exists()
    assert Feedback.objects.filter(journal_entry__shared=False).count() == 0
