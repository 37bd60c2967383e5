import pytest
from django.core.management import CommandError, call_command

from accounts.models import CareRelationship, Role, User
from clients.models import Feedback, JournalEntry, LifestyleLog, SocialActivity
from homework.models import Assignment, Completion
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db


def _demo_state():
    return (
        sorted(User.objects.values_list("email", "role", "password", "timezone")),
        sorted(CareRelationship.objects.values_list("client__email", "status")),
        sorted(Assignment.objects.values_list("client__email", "title", "frequency")),
        sorted(Completion.objects.values_list("assignment__title", "due_date", "source")),
        sorted(JournalEntry.objects.values_list("client__email", "occurred_at", "shared")),
        sorted(LifestyleLog.objects.values_list("client__email", "day")),
        sorted(SocialActivity.objects.values_list("client__email", "day", "person__name")),
        Feedback.objects.count(),
    )


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo")
    first = _demo_state()
    call_command("seed_demo")
    assert _demo_state() == first
    first = first[0]
    relationships, assignments, completions, journal, lifestyle, social, feedback = _demo_state()[
        1:
    ]
    assert len(journal) > 30 and len(lifestyle) > 30 and len(social) > 10
    assert {shared for _, _, shared in journal} == {True, False}
    assert feedback >= 3
    assert "log" in {source for _, _, source in completions}
    assert [status for _, status in relationships] == ["active"] * 3
    assert len({frequency for _, _, frequency in assignments}) >= 3
    assert len(completions) > 20
    roles = [role for _, role, _, _ in first]
    assert roles.count(Role.THERAPIST) == 1
    assert roles.count(Role.CLIENT) == 3


@pytest.mark.argon2
def test_createtherapist_creates_a_therapist_with_an_argon2_hash():
    call_command("createtherapist", "New.Person@Example.org", "--password", "a-long-passphrase-77")
    user = User.objects.get(email="new.person@example.org")
    assert user.role == Role.THERAPIST
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("a-long-passphrase-77")


def test_createtherapist_refuses_an_address_in_use():
    TherapistFactory(email="taken@example.org")
    with pytest.raises(CommandError, match="already exists"):
        call_command("createtherapist", "TAKEN@example.org", "--password", "a-long-passphrase-77")


def test_createtherapist_refuses_a_weak_password_and_saves_nothing():
    with pytest.raises(CommandError, match=r"too short|too common"):
        call_command("createtherapist", "weak@example.org", "--password", "abc")
    assert not User.objects.filter(email="weak@example.org").exists()


def test_createtherapist_refuses_an_unknown_timezone():
    with pytest.raises(CommandError, match="IANA"):
        call_command(
            "createtherapist",
            "tz@example.org",
            "--password",
            "a-long-passphrase-77",
            "--timezone",
            "Mars/Olympus",
        )
