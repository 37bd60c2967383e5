"""The note that a reply waits: made when a therapist's feedback commits, sent through the
ledger at most once a day, never for the client's own reply, held back by quiet hours,
skipped when the client read the reply first, and switched off in E-mail settings or with
one click."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.urls import reverse

from clients import services as records
from clients.models import Feedback
from notifications import ledger, services, tasks
from notifications.models import Delivery, Kind, Preferences, Status

from .conftest import NOW, TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SUBJECT = "You have a new reply in Tandem"


@pytest.fixture
def sending(monkeypatch, django_capture_on_commit_callbacks):
    """Rows handed to the broker after commit are sent at once by the real sender."""
    results = []
    monkeypatch.setattr(tasks.deliver, "delay", lambda pk: results.append(ledger.deliver(pk)))

    def committed(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    committed.results = results
    return committed


@pytest.fixture
def entry(personas):
    return records.journal_create(client=personas.client_a, text="A walk by the river", shared=True)


def reply(author, record, text="Thank you for sharing this."):
    return records.feedback_create(author=author, record=record, text=text)


def rows(user) -> list[tuple[str, str, str]]:
    return list(
        Delivery.objects.filter(user=user, kind=Kind.REPLY)
        .order_by("pk")
        .values_list("period", "status", "error")
    )


def test_three_replies_in_one_day_make_one_e_mail(personas, entry, sending, mailoutbox, frozen):
    therapist, client = personas.therapist_a, personas.client_a
    sending(lambda: reply(therapist, entry))
    frozen.shift(timedelta(hours=3))
    sending(lambda: reply(therapist, entry, "One more thought."))
    frozen.shift(timedelta(hours=3))
    other = records.lifestyle_create(client=client, day=TODAY, sleep_hours=7, shared=True)
    sending(lambda: reply(therapist, other))

    assert sending.results == ["sent"]
    assert rows(client) == [(TODAY.isoformat(), Status.SENT, "")]
    [message] = mailoutbox
    assert message.to == [client.email]
    assert message.subject == SUBJECT
    assert "You have a new reply in Tandem" in message.body
    assert reverse("client_home") in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The next day's first reply is the next day's one e-mail.
    frozen.shift(timedelta(days=1))
    sending(lambda: reply(therapist, entry, "Thinking of you."))
    assert len(mailoutbox) == 2
    assert [period for period, *_ in rows(client)] == ["2026-12-01", "2026-12-02"]


def test_the_clients_own_reply_sends_nothing(personas, entry, sending, mailoutbox, frozen):
    sending(lambda: reply(personas.therapist_a, entry))
    frozen.shift(timedelta(days=1))
    sending(lambda: reply(personas.client_a, entry, "It helped, thank you."))
    assert len(mailoutbox) == 1
    assert len(rows(personas.client_a)) == 1
    assert not Delivery.objects.filter(user=personas.therapist_a).exists()


def test_nothing_when_the_client_switched_them_off(personas, entry, sending, mailoutbox):
    services.preferences_update(user=personas.client_a, replies_enabled=False)
    sending(lambda: reply(personas.therapist_a, entry))
    assert mailoutbox == [] and rows(personas.client_a) == []


def test_a_row_made_before_the_switch_went_off_is_skipped(personas, entry, mailoutbox):
    reply(personas.therapist_a, entry)  # its row waits for the broker
    [pk] = Delivery.objects.filter(kind=Kind.REPLY).values_list("pk", flat=True)
    services.preferences_update(user=personas.client_a, replies_enabled=False)
    assert ledger.deliver(pk) == "skipped: replies off"
    assert mailoutbox == []


def test_a_reply_in_quiet_hours_waits_until_they_end(personas, entry, sending, mailoutbox, frozen):
    client = personas.client_a  # in London, quiet from 22:00 to 07:00 by default
    frozen.move_to(datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    sending(lambda: reply(personas.therapist_a, entry))
    assert mailoutbox == [] and rows(client) == []
    morning = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert Preferences.objects.get(user=client).next_reply_at == morning
    # A second reply in the night changes nothing.
    frozen.move_to(datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    sending(lambda: reply(personas.therapist_a, entry, "Sleep well."))
    assert Preferences.objects.get(user=client).next_reply_at == morning

    assert services.tick(now=morning - timedelta(minutes=1)).deliveries == []
    frozen.move_to(morning)
    [pk] = services.tick(now=morning).deliveries
    assert ledger.deliver(pk) == "sent"
    assert rows(client) == [("2026-12-02", Status.SENT, "")]
    assert [m.subject for m in mailoutbox] == [SUBJECT]
    assert Preferences.objects.get(user=client).next_reply_at is None
    # Claimed once: a second tick makes nothing.
    assert services.tick(now=morning).deliveries == []


def test_a_reply_read_before_the_e_mail_goes_is_not_e_mailed(
    client, personas, entry, sending, mailoutbox, frozen
):
    frozen.move_to(datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    sending(lambda: reply(personas.therapist_a, entry))
    frozen.move_to(datetime(2026, 12, 2, 6, 15, tzinfo=UTC))
    client.force_login(personas.client_a)
    client.get(reverse("client_record", kwargs={"public_id": entry.public_id}))
    assert Feedback.objects.get().read_by_client_at is not None

    morning = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    frozen.move_to(morning)
    [pk] = services.tick(now=morning).deliveries
    assert ledger.deliver(pk) == "skipped: read already"
    assert mailoutbox == []
    assert rows(personas.client_a) == [("2026-12-02", Status.SKIPPED, "read already")]

    # Nothing was sent that day: a reply later that day is still news.
    frozen.move_to(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    sending(lambda: reply(personas.therapist_a, entry, "One more thought."))
    assert [m.subject for m in mailoutbox] == [SUBJECT]
    assert rows(personas.client_a) == [("2026-12-02", Status.SENT, "")]


def test_a_reply_an_earlier_e_mail_announced_is_not_announced_again(
    personas, entry, sending, mailoutbox, frozen
):
    sending(lambda: reply(personas.therapist_a, entry))  # announced, never opened
    frozen.shift(timedelta(days=1))
    # A new reply, read by the client before its e-mail goes; the first is still unread.
    reply(personas.therapist_a, entry, "And another.")
    newest = Feedback.objects.latest("pk")
    Feedback.objects.filter(pk=newest.pk).update(read_by_client_at=NOW + timedelta(days=1))
    [pk] = Delivery.objects.filter(kind=Kind.REPLY, status=Status.PENDING).values_list(
        "pk", flat=True
    )
    assert ledger.deliver(pk) == "skipped: read already"
    assert len(mailoutbox) == 1


def test_leaving_quiet_hours_out_sends_a_waiting_note_at_the_next_tick(personas, entry, frozen):
    client = personas.client_a
    night = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    frozen.move_to(night)
    reply(personas.therapist_a, entry)
    services.preferences_update(user=client, quiet_start=None, quiet_end=None)
    assert Preferences.objects.get(user=client).next_reply_at == night
    assert len(services.tick(now=night).deliveries) == 1
    # Switched off while it waits: it no longer waits.
    frozen.move_to(night + timedelta(minutes=1))
    reply(personas.therapist_a, entry, "Again.")
    services.preferences_update(user=client, quiet_start=time(22), quiet_end=time(7))
    services.preferences_update(user=client, replies_enabled=False)
    assert Preferences.objects.get(user=client).next_reply_at is None


def test_the_one_click_unsubscribe_stops_them(client, personas, entry, sending, mailoutbox):
    sending(lambda: reply(personas.therapist_a, entry))
    url = mailoutbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    page = client.get(url).content.decode()
    assert "Stop notes about new replies?" in page
    assert Preferences.objects.get(user=personas.client_a).replies_enabled is True
    response = client.post(url, {"List-Unsubscribe": "One-Click"}, HTTP_COOKIE="")
    assert response.status_code == 200
    assert "You will not get notes about new replies any more" in response.content.decode()
    assert Preferences.objects.get(user=personas.client_a).replies_enabled is False


def test_the_switch_is_in_the_clients_e_mail_settings_only(client, personas):
    client.force_login(personas.client_a)
    page = client.get(reverse("client_notifications")).content.decode()
    assert "Tell me when my therapist replies" in page
    assert re.search(r'<input type="checkbox" name="replies_enabled"[^>]*checked>', page)  # on
    client.force_login(personas.therapist_a)
    page = client.get(reverse("therapist_notifications")).content.decode()
    assert "replies_enabled" not in page


def test_turning_the_switch_off_in_settings_saves_it(client, personas):
    client.force_login(personas.client_a)
    prefs = services.preferences_for(personas.client_a)
    form = {
        "timezone": "Europe/London",
        "reminders_enabled": "on",
        "reminder_time": "18:00",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "digest_enabled": "on",
        "digest_weekday": str(prefs.digest_weekday),
        "digest_time": "18:00",
    }
    response = client.post(reverse("client_notifications"), form)
    assert response.status_code == 302
    prefs.refresh_from_db()
    assert prefs.replies_enabled is False and prefs.reminders_enabled is True


def test_the_api_reads_and_writes_the_switch(client, personas):
    client.force_login(personas.client_a)
    url = "/api/v1/notifications/preferences/"
    assert client.get(url).json()["replies_enabled"] is True
    response = client.patch(url, {"replies_enabled": False}, content_type="application/json")
    assert response.json()["replies_enabled"] is False
    assert Preferences.objects.get(user=personas.client_a).replies_enabled is False
