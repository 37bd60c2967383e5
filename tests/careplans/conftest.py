import pytest

from careplans import services


@pytest.fixture
def plan(personas):
    """Client A's plan with their therapist, empty."""
    return services.plan_for_relationship(personas.relationship_a)
