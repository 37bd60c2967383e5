"""Demo records obey the same rules as records made through the services."""

import pytest
from django.core.management import call_command
from django.db import transaction

from clients.models import Feedback, JournalEntry, LifestyleLog, Person, SocialActivity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_seeded_once")]


@pytest.fixture(scope="module")
def demo_seeded_once(django_db_setup, django_db_blocker):
    """`seed_demo` on the empty database, run once for the module (it takes longer than
    both tests' checks): inside a transaction of its own that is rolled back when the module
    is done. Each test runs in a savepoint within it, so what a test writes is undone before
    the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo")
        yield
        transaction.set_rollback(True)


def test_demo_records_are_valid_and_some_complete_homework():
    for model in (JournalEntry, LifestyleLog, SocialActivity, Person, Feedback):
        rows = list(model.objects.all())
        assert rows, model
        for row in rows:
            row.full_clean()
    assert JournalEntry.objects.filter(completions__isnull=False).exists()
    assert LifestyleLog.objects.filter(completions__isnull=False).exists()
    assert JournalEntry.objects.filter(shared=False).exists()
    assert Feedback.objects.filter(journal_entry__shared=False).count() == 0


def test_the_demo_shows_in_the_records_pages(client):
    """A first `make run` shows a practice in motion: each demo client's journal, Today and
    records, and the therapist's timeline and shared records, all render."""
    from django.urls import reverse

    from accounts.models import CareStatus, Role, User
    from clients.selectors import get_record_for_user
    from tests.conftest import activate_totp

    therapist = User.objects.filter(role=Role.THERAPIST).first()
    if not therapist.authenticator_set.exists():
        activate_totp(therapist)
    clients = User.objects.filter(
        role=Role.CLIENT,
        care_relationships__therapist=therapist,
        care_relationships__status=CareStatus.ACTIVE,
    )
    assert clients.exists()
    for person in clients:
        client.force_login(person)
        page = client.get(reverse("client_journal"))
        assert page.status_code == 200
        assert page.content.decode().count('class="card record"') == 20  # a full first page
        assert client.get(reverse("client_home")).status_code == 200
        for entry in JournalEntry.objects.filter(client=person)[:3]:
            url = reverse("client_record", kwargs={"public_id": entry.public_id})
            assert client.get(url).status_code == 200
        client.force_login(therapist)
        url = reverse("therapist_timeline", kwargs={"public_id": person.public_id})
        timeline = client.get(url)
        assert timeline.status_code == 200
        assert "Private" not in timeline.content.decode()
        for entry in JournalEntry.objects.filter(client=person, shared=True)[:3]:
            assert get_record_for_user(therapist, entry.public_id) == entry
            url = reverse(
                "therapist_record",
                kwargs={"public_id": person.public_id, "record_id": entry.public_id},
            )
            assert client.get(url).status_code == 200
