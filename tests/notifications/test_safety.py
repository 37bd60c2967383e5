"""Safety alerts by e-mail through the delivery ledger: content-free, once, one re-alert."""

import smtplib
import uuid
from datetime import time, timedelta

import pytest
from django.core.mail import EmailMultiAlternatives

from accounts.models import AuditAction, AuditEvent
from accounts.services import relationship_end
from clients.services import account_erase
from notifications import ledger, services, tasks
from notifications.models import Delivery, Kind, Status
from safety.models import SafetyAlert, Source
from safety.services import acknowledge, raise_alert
from tests.factories import PASSWORD

from .conftest import NOW

pytestmark = [pytest.mark.django_db]

SUBJECT = "A client needs your attention — please sign in"


@pytest.fixture
def alert(personas, frozen):
    (alert,) = raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())
    return alert


def tick_and_send(now) -> list[str]:
    result = services.tick(now=now)
    return [ledger.deliver(pk) for pk in result.deliveries]


def test_an_alert_is_e_mailed_once_without_any_content(personas, alert, mailoutbox):
    assert tick_and_send(NOW) == ["sent"]

    [message] = mailoutbox
    assert message.to == [personas.therapist_a.email]
    assert message.subject == SUBJECT
    html = message.alternatives[0][0]
    for part in (message.body, html):
        assert "/therapist/alerts/" in part
        assert "cannot be turned off" in part
        for detail in ("Ada Alpha", "client.a@example.org", "journal", "PHQ", "help now"):
            assert detail not in part
    assert "List-Unsubscribe" not in message.extra_headers
    row = Delivery.objects.get()
    assert (row.kind, row.period, row.status) == (Kind.SAFETY_ALERT, str(alert.pk), Status.SENT)
    event = AuditEvent.objects.get(action=AuditAction.SAFETY_ALERT_EMAILED)
    assert event.subject == personas.client_a
    assert event.detail == {
        "alert": str(alert.public_id),
        "kind": "safety_alert",
        "therapist": str(personas.therapist_a.public_id),
        "channel": "email",
    }


def test_two_ticks_do_not_send_twice(alert, mailoutbox):
    assert tick_and_send(NOW) == ["sent"]
    assert tick_and_send(NOW + timedelta(minutes=1)) == []
    assert ledger.deliver(Delivery.objects.get().pk) == "not pending"
    assert len(mailoutbox) == 1


def test_it_is_re_sent_once_after_the_time_limit(alert, mailoutbox, frozen, settings):
    assert settings.TANDEM_SAFETY_REALERT_HOURS == 24
    tick_and_send(NOW)

    frozen.move_to(NOW + timedelta(hours=23, minutes=59))
    assert tick_and_send(NOW + timedelta(hours=23, minutes=59)) == []
    frozen.move_to(NOW + timedelta(hours=24))
    assert tick_and_send(NOW + timedelta(hours=24)) == ["sent"]
    frozen.move_to(NOW + timedelta(hours=48))
    assert tick_and_send(NOW + timedelta(hours=48)) == []

    first, again = mailoutbox
    assert again.subject == "Still open: a client needs your attention — please sign in"
    assert "Ada Alpha" not in again.body
    assert first.extra_headers["Message-ID"] != again.extra_headers["Message-ID"]
    assert list(Delivery.objects.order_by("pk").values_list("kind", flat=True)) == [
        Kind.SAFETY_ALERT,
        Kind.SAFETY_REALERT,
    ]
    assert AuditEvent.objects.filter(action=AuditAction.SAFETY_ALERT_EMAILED).count() == 2


def test_an_alert_first_e_mailed_a_day_late_is_re_sent_a_day_after_that_e_mail(
    alert, mailoutbox, frozen
):
    # The broker was down for longer than the limit: the first e-mail goes out alone.
    SafetyAlert.objects.filter(pk=alert.pk).update(raised_at=NOW - timedelta(hours=30))
    assert tick_and_send(NOW) == ["sent"]
    assert list(Delivery.objects.values_list("kind", flat=True)) == [Kind.SAFETY_ALERT]

    frozen.move_to(NOW + timedelta(hours=23, minutes=59))
    assert tick_and_send(NOW + timedelta(hours=23, minutes=59)) == []
    frozen.move_to(NOW + timedelta(hours=24))
    assert tick_and_send(NOW + timedelta(hours=24)) == ["sent"]
    assert [m.subject for m in mailoutbox] == [
        SUBJECT,
        f"Still open: {SUBJECT[0].lower()}{SUBJECT[1:]}",
    ]


def test_no_re_alert_while_the_first_e_mail_is_still_waiting(alert, mailoutbox, monkeypatch):
    services.tick(now=NOW)  # the first e-mail's row, not sent yet (the mail server is away)
    assert services.tick(now=NOW + timedelta(hours=25)).deliveries == []


def test_the_time_limit_comes_from_the_settings(alert, mailoutbox, settings):
    settings.TANDEM_SAFETY_REALERT_HOURS = 2
    tick_and_send(NOW)
    assert tick_and_send(NOW + timedelta(hours=2)) == ["sent"]


def test_an_alert_acknowledged_in_time_is_not_re_sent(personas, alert, mailoutbox):
    tick_and_send(NOW)
    acknowledge(alert=alert, therapist=personas.therapist_a, note="Called")

    assert tick_and_send(NOW + timedelta(hours=25)) == []
    assert len(mailoutbox) == 1


def test_a_re_alert_row_is_skipped_if_acknowledged_before_it_is_sent(personas, alert, mailoutbox):
    tick_and_send(NOW)
    [pk] = services.tick(now=NOW + timedelta(hours=24)).deliveries
    acknowledge(alert=alert, therapist=personas.therapist_a, note="Called")

    assert ledger.deliver(pk) == "skipped: acknowledged"
    assert len(mailoutbox) == 1


def test_an_ended_relationship_gets_no_e_mail(personas, alert, mailoutbox):
    pending = services.tick(now=NOW).deliveries  # made, then care ends before it is sent
    relationship_end(actor=personas.client_a, relationship=personas.relationship_a)

    assert [ledger.deliver(pk) for pk in pending] == ["skipped: care has ended"]
    assert tick_and_send(NOW + timedelta(hours=30)) == []
    assert mailoutbox == []


def test_quiet_hours_and_switched_off_reminders_do_not_stop_it(personas, alert, mailoutbox):
    services.preferences_update(
        user=personas.therapist_a,
        reminders_enabled=False,
        digest_enabled=False,
        quiet_start=time(0, 0),
        quiet_end=time(23, 59),
    )
    services.unsubscribe(user=personas.therapist_a, what="reminders")

    assert tick_and_send(NOW) == ["sent"]
    assert mailoutbox[0].subject == SUBJECT


def test_each_active_therapist_gets_their_own(personas, mailoutbox, frozen):
    from tests.factories import RelationshipFactory, TherapistFactory

    second = RelationshipFactory(therapist=TherapistFactory(), client=personas.client_a)
    raise_alert(client=personas.client_a, source=Source.PHQ9_ITEM9, reference=uuid.uuid4())

    assert tick_and_send(NOW) == ["sent", "sent"]
    assert {m.to[0] for m in mailoutbox} == {personas.therapist_a.email, second.therapist.email}


def test_it_is_queued_as_soon_as_the_alert_commits(
    personas, frozen, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(tasks.deliver, "delay", published.append)

    with django_capture_on_commit_callbacks(execute=True):
        (alert,) = raise_alert(
            client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4()
        )

    row = Delivery.objects.get()
    assert published == [row.pk]
    assert (row.kind, row.period) == (Kind.SAFETY_ALERT, str(alert.pk))
    assert row.queued_at is not None
    assert services.tick(now=NOW).deliveries == []  # the tick finds it done


def test_with_the_broker_away_the_alert_is_saved_and_the_sweep_sends_it_later(
    personas, frozen, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    def away(pk):
        raise OSError("broker away")

    monkeypatch.setattr(tasks.deliver, "delay", away)
    with django_capture_on_commit_callbacks(execute=True):
        raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())

    row = Delivery.objects.get()
    assert row.status == Status.PENDING and row.queued_at is None
    sent = []
    monkeypatch.setattr(tasks.deliver, "delay", sent.append)
    assert ledger.sweep(now=NOW + timedelta(minutes=2)) == 1
    assert sent == [row.pk]


def test_an_erased_client_s_alert_is_never_sent(personas, alert, mailoutbox):
    pending = services.tick(now=NOW).deliveries
    account_erase(client=personas.client_a, password=PASSWORD)

    assert [ledger.deliver(pk) for pk in pending] == ["skipped: no such alert"]
    assert mailoutbox == []


def test_a_safety_e_mail_is_never_given_up_and_waits_at_most_minutes(alert, frozen, monkeypatch):
    def greylisted(self):
        raise smtplib.SMTPDataError(451, b"try again later")

    monkeypatch.setattr(EmailMultiAlternatives, "send", greylisted)
    [pk] = services.tick(now=NOW).deliveries
    assert Delivery.objects.get(pk=pk).give_up_at is None
    later = NOW + timedelta(days=30)
    frozen.move_to(later)
    Delivery.objects.filter(pk=pk).update(attempts=500)
    with pytest.raises(ledger.TransientSendError):
        ledger.deliver(pk)
    row = Delivery.objects.get(pk=pk)
    assert row.status == Status.PENDING
    assert row.next_attempt_at - later <= ledger.SAFETY_RETRY_MAX * 1.1
