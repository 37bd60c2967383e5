from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_CLIENTS, DEMO_THERAPIST
from accounts.models import User
from notifications import ledger, services
from notifications.models import Delivery, Kind, Preferences
from progress.waiting import waiting_for_therapist
from tests.factories import AssignmentFactory

from .conftest import NOW, TODAY, due_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def run(*args: str) -> str:
    out = StringIO()
    call_command("reminders", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_lists_who_would_get_what_and_claims_nothing():
    assignment = AssignmentFactory(start_date=TODAY)
    due_now(assignment.client)
    before = Preferences.objects.get(user=assignment.client).next_reminder_at
    output = run("--at", "2026-12-01T09:00Z", "--dry-run")
    assert "1 e-mail(s) due" in output
    assert assignment.client.email in output
    assert "reminder" in output and "2026-12-01" in output
    assert Preferences.objects.get(user=assignment.client).next_reminder_at == before
    assert not Delivery.objects.exists()


def test_an_instant_before_anything_is_due_lists_nothing():
    assignment = AssignmentFactory(start_date=TODAY)
    due_now(assignment.client)
    assert "0 e-mail(s) due" in run("--at", "2026-12-01T08:59Z", "--dry-run")


def test_without_dry_run_it_ticks(monkeypatch):

    monkeypatch.setattr(ledger, "enqueue", lambda ids: len(ids))
    assignment = AssignmentFactory(start_date=TODAY)
    due_now(assignment.client)
    assert "1 e-mail(s) handed" in run("--at", NOW.isoformat())
    assert Delivery.objects.count() == 1


def test_a_future_instant_without_dry_run_is_refused_and_claims_nothing(monkeypatch):
    enqueued = []
    monkeypatch.setattr(ledger, "enqueue", enqueued.extend)
    assignment = AssignmentFactory(start_date=TODAY)
    due_now(assignment.client)
    before = Preferences.objects.get(user=assignment.client).next_reminder_at
    with pytest.raises(CommandError, match="--dry-run"):
        run("--at", "2026-12-01T21:00Z")
    assert Preferences.objects.get(user=assignment.client).next_reminder_at == before
    assert not Delivery.objects.exists() and enqueued == []
    assert "1 e-mail(s) due" in run("--at", "2026-12-01T21:00Z", "--dry-run")


@pytest.mark.parametrize("value", ["tomorrow", "2026-12-01T09:00"])
def test_a_bad_instant_is_a_clear_error(value):
    with pytest.raises(CommandError):
        run("--at", value, "--dry-run")


def test_the_demo_reminder_falls_a_few_minutes_from_now_and_seeding_stays_idempotent(
    frozen, mailoutbox
):
    call_command("seed_demo", stdout=StringIO())
    call_command("demo_reminder", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    call_command("demo_reminder", stdout=StringIO())
    client = User.objects.get(email=DEMO_CLIENTS[0][0])
    prefs = Preferences.objects.get(user=client)
    assert Preferences.objects.filter(user=client).count() == 1
    assert prefs.quiet_start is None
    minutes = (prefs.next_reminder_at - NOW).total_seconds() / 60
    assert 2 <= minutes <= 3
    therapist = User.objects.get(email=DEMO_THERAPIST[0])
    prefs = Preferences.objects.get(user=therapist)
    assert 2 <= (prefs.next_reminder_at - NOW).total_seconds() / 60 <= 3
    assert waiting_for_therapist(therapist, NOW).total >= 1
    due = prefs.next_reminder_at
    for pk in services.tick(now=due).deliveries:
        frozen.move_to(due)
        ledger.deliver(pk)
    sent = Delivery.objects.get(user=therapist, kind=Kind.THERAPIST_REMINDER)
    assert sent.status == "sent"
    assert any(m.to == [therapist.email] for m in mailoutbox)


def test_the_demo_reminder_makes_something_wait_when_nothing_does():
    from clients.models import Feedback, JournalEntry, LifestyleLog, SocialActivity

    call_command("seed_demo", stdout=StringIO())
    for model in (Feedback, JournalEntry, LifestyleLog, SocialActivity):
        model.objects.all().delete()
    therapist = User.objects.get(email=DEMO_THERAPIST[0])
    assert waiting_for_therapist(therapist, NOW).total == 0
    call_command("demo_reminder", stdout=StringIO())
    call_command("demo_reminder", stdout=StringIO())
    assert waiting_for_therapist(therapist, NOW).shared == 1
