"""Client records: today is Wednesday 25 November 2026, noon UTC; clients live in London."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from homework import services as homework_services
from homework.models import HomeworkTemplate

TODAY = date(2026, 11, 25)
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def assign_from_library(personas, slug: str, *, start: date = date(2026, 11, 16), **fields):
    """Client A's homework from the shared library, set by their therapist."""
    template = HomeworkTemplate.objects.get(slug=slug, owner=None)
    return homework_services.assignment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        template=template,
        start_date=start,
        **fields,
    )
