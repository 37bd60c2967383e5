import pytest

from measures import services


@pytest.fixture
def phq9(personas):
    """A PHQ-9 for client A from their therapist, due today, once."""
    return services.measure_assign(
        therapist=personas.therapist_a, relationship=personas.relationship_a, instrument="phq9"
    )


def answer(assignment, answers):
    return services.response_submit(
        client=assignment.client, assignment=assignment, answers=answers
    )
