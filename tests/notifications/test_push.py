"""Push as a channel of the ledger, against a local push service that checks the VAPID
signature and decrypts each message (tests/e2e/push_service.py): who gets what by which
channel, one row per channel, a device gone, a push service down, and what a push may say."""

import logging
from datetime import time, timedelta

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from appointments.services import appointment_create
from clients import services as records
from notifications import channels, devices, ledger, push, services
from notifications.models import Channel, Delivery, Kind, Preferences, PushSubscription, Status
from tests.conftest import REMINDER_PUSH as REMINDER
from tests.e2e.push_service import PushService
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    RelationshipFactory,
    TherapistFactory,
)

from .conftest import NOW, TODAY, due_now
from .test_privacy import MARKERS, everything_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def add_device(service: PushService, user, name="Phone") -> PushSubscription:
    sub = service.new_subscription(name)
    device, created = devices.subscribe(
        user=user, endpoint=sub["endpoint"], name=name, **sub["keys"]
    )
    assert created
    return device


@pytest.fixture
def client_with_homework(personas):
    AssignmentFactory(relationship=personas.relationship_a, start_date=TODAY)
    return personas.client_a


def send_due() -> dict[int, str]:
    rows = services.tick(now=NOW).deliveries
    return ledger.deliver_many(rows)


# --- Channels --------------------------------------------------------------------------


def test_e_mail_unless_push_is_chosen_and_a_device_is_there(push_service, personas):
    client = personas.client_a
    services.preferences_for(client)
    assert channels.channels_for([client.pk], Kind.REMINDER) == {client.pk: ("email",)}
    services.preferences_update(user=client, channels={"reminder": "push"})
    # Push chosen, no device yet: e-mail, so that the choice never means nothing arrives.
    assert channels.channels_for([client.pk], Kind.REMINDER) == {client.pk: ("email",)}
    add_device(push_service, client)
    assert channels.channels_for([client.pk], Kind.REMINDER) == {client.pk: ("push",)}
    services.preferences_update(user=client, channels={"reminder": "both"})
    assert channels.channels_for([client.pk], Kind.REMINDER) == {client.pk: ("email", "push")}
    # Digests stay e-mail whatever is chosen for reminders.
    assert channels.channels_for([client.pk], Kind.CLIENT_DIGEST) == {client.pk: ("email",)}


def test_without_a_server_key_everything_goes_by_e_mail(push_service, personas, settings):
    client = personas.client_a
    add_device(push_service, client)
    services.preferences_update(user=client, channels={"reminder": "push"})
    settings.TANDEM_VAPID_PRIVATE_KEY = ""
    assert channels.channels_for([client.pk], Kind.REMINDER) == {client.pk: ("email",)}


def test_a_safety_alert_is_always_e_mailed_and_push_only_beside_it(push_service, personas):
    therapist = personas.therapist_a
    add_device(push_service, therapist)
    with pytest.raises(Exception, match="Choose email, both"):
        services.preferences_update(user=therapist, channels={"safety_alert": "push"})
    # A stale "push" saved by hand still reads as e-mail.
    Preferences.objects.filter(user=therapist).update(channels={"safety_alert": "push"})
    assert channels.channels_for([therapist.pk], Kind.SAFETY_ALERT) == {therapist.pk: ("email",)}
    services.preferences_update(user=therapist, channels={"safety_alert": "both"})
    for kind in (Kind.SAFETY_ALERT, Kind.SAFETY_REALERT):
        assert channels.channels_for([therapist.pk], kind) == {therapist.pk: ("email", "push")}


def test_a_client_cannot_choose_a_therapists_kind(personas):
    with pytest.raises(Exception, match="cannot be chosen here"):
        services.preferences_update(user=personas.client_a, channels={"safety_alert": "both"})
    with pytest.raises(Exception, match="cannot be chosen here"):
        services.preferences_update(user=personas.therapist_a, channels={"reminder": "push"})


# --- Sending ---------------------------------------------------------------------------


def test_a_due_reminder_with_push_on_is_one_push_and_no_e_mail(
    push_service, client_with_homework, mailoutbox
):
    client = client_with_homework
    phone = add_device(push_service, client, "Phone")
    laptop = add_device(push_service, client, "Laptop")
    due_now(client, channels={"reminder": "push"})
    outcomes = send_due()
    assert list(outcomes.values()) == ["sent"]
    [row] = Delivery.objects.filter(user=client)
    assert (row.kind, row.channel, row.status) == (Kind.REMINDER, Channel.PUSH, Status.SENT)
    assert mailoutbox == []
    received = push_service.wait_for(2)
    assert {message.endpoint for message in received} == {phone.endpoint, laptop.endpoint}
    for message in received:
        assert message.json() == REMINDER
        assert message.scheme == "vapid"
        assert message.vapid["sub"] == "mailto:ops@tandem.example"
        assert message.urgency == "normal"
        # Held by the push service at most until the reminder would stop being retried.
        assert 0 < message.ttl <= int(ledger.REMINDER_GRACE.total_seconds())
    phone.refresh_from_db()
    assert phone.last_sent_at == NOW
    # The row is sent: a second try of it finds nothing to claim.
    assert ledger.deliver_many([row.pk]) == {row.pk: "not pending"}
    assert len(push_service.received) == 2


def test_both_channels_make_one_row_each(push_service, client_with_homework, mailoutbox):
    client = client_with_homework
    add_device(push_service, client)
    due_now(client, channels={"reminder": "both"})
    assert sorted(send_due().values()) == ["sent", "sent"]
    assert sorted(Delivery.objects.filter(user=client).values_list("channel", flat=True)) == [
        "email",
        "push",
    ]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == REMINDER["body"]
    assert [m.json() for m in push_service.wait_for(1)] == [REMINDER]


def test_a_device_gone_is_removed_and_the_e_mail_goes_instead(
    push_service, client_with_homework, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_with_homework
    device = add_device(push_service, client)
    push_service.gone(device.endpoint)
    due_now(client, channels={"reminder": "push"})
    rows = services.tick(now=NOW).deliveries
    with django_capture_on_commit_callbacks() as callbacks:
        assert ledger.deliver_many(rows) == {rows[0]: f"skipped: {ledger.NO_DEVICE}"}
    assert not PushSubscription.objects.filter(pk=device.pk).exists()
    # The e-mail row is made and handed to the broker; sent here by the real sender.
    assert len(callbacks) == 1
    email = Delivery.objects.get(user=client, channel=Channel.EMAIL)
    assert ledger.deliver(email.pk) == "sent"
    assert [m.subject for m in mailoutbox] == [REMINDER["body"]]
    assert push_service.received == []
    assert push_service.attempts[-1].status == 410


def test_a_push_service_down_is_tried_again_like_a_mail_server(
    push_service, client_with_homework, frozen, settings
):
    settings.TANDEM_MAIL_RETRY_SECONDS = 60
    client = client_with_homework
    device = add_device(push_service, client)
    push_service.respond(device.endpoint, 503, times=2)
    due_now(client, channels={"reminder": "push"})
    rows = services.tick(now=NOW).deliveries
    [outcome] = ledger.deliver_many(rows).values()
    assert outcome == "retry later: push 503"
    row = Delivery.objects.get(pk=rows[0])
    assert (row.status, row.attempts, row.error) == (Status.PENDING, 1, "push 503")
    assert NOW + timedelta(seconds=50) < row.next_attempt_at < NOW + timedelta(seconds=70)
    # The sweep hands it over when its next try is due; the service is still down once.
    frozen.move_to(row.next_attempt_at)
    assert ledger.sweep(now=row.next_attempt_at) == 1
    assert ledger.deliver_many([row.pk]) == {row.pk: "retry later: push 503"}
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.attempts == 2
    frozen.move_to(row.next_attempt_at)
    assert ledger.deliver(row.pk) == "sent"
    assert [m.json() for m in push_service.wait_for(1)] == [REMINDER]
    assert [a.status for a in push_service.attempts] == [503, 503, 201]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 3)


def test_a_push_refused_for_good_fails_the_row(push_service, client_with_homework):
    client = client_with_homework
    device = add_device(push_service, client)
    push_service.respond(device.endpoint, 413)
    due_now(client, channels={"reminder": "push"})
    rows = services.tick(now=NOW).deliveries
    assert list(ledger.deliver_many(rows).values()) == ["refused"]
    row = Delivery.objects.get(pk=rows[0])
    assert (row.status, row.error) == (Status.FAILED, "refused (push refused 413)")
    assert PushSubscription.objects.filter(pk=device.pk).exists()


def test_nothing_waiting_skips_the_push_as_it_skips_the_e_mail(push_service, personas):
    client = personas.client_a  # no homework
    add_device(push_service, client)
    due_now(client, channels={"reminder": "push"})
    assert list(send_due().values()) == ["skipped: nothing waiting"]
    assert push_service.attempts == []


def test_a_safety_alert_pushed_beside_its_e_mail_is_audited_for_each(
    push_service, personas, mailoutbox
):
    therapist = personas.therapist_a
    add_device(push_service, therapist)
    services.preferences_update(user=therapist, channels={"safety_alert": "both"})
    records.journal_create(client=personas.client_a, text="A hard day", needs_help=True)
    services.tick(now=NOW)
    rows = list(Delivery.objects.filter(kind=Kind.SAFETY_ALERT).values_list("pk", "channel"))
    assert sorted(channel for _, channel in rows) == ["email", "push"]
    outcomes = ledger.deliver_many([pk for pk, _ in rows])
    assert sorted(outcomes.values()) == ["sent", "sent"]
    [message] = push_service.wait_for(1)
    assert message.json() == {
        "title": "Tandem",
        "body": mailoutbox[0].subject,
        "url": "/therapist/alerts/",
        "tag": "safety_alert",
    }
    assert message.urgency == "high"
    labels = sorted(
        AuditEvent.objects.filter(action=AuditAction.SAFETY_ALERT_EMAILED).values_list(
            "actor_label", flat=True
        )
    )
    assert labels == ["Tandem (e-mail)", "Tandem (push)"]


# --- Devices: the API ------------------------------------------------------------------


def test_the_api_adds_lists_renames_and_removes_ones_own_devices(push_service, personas, client):
    client.force_login(personas.client_a)
    sub = push_service.new_subscription()
    url = reverse("api-push-subscription-list")
    made = client.post(url, {**sub, "name": "My phone"}, content_type="application/json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["name"] == "My phone" and "endpoint" not in body and "keys" not in body
    again = client.post(url, sub, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert [d["id"] for d in client.get(url).json()] == [body["id"]]
    detail = reverse("api-push-subscription-detail", args=[body["id"]])
    renamed = client.patch(detail, {"name": "Work phone"}, content_type="application/json")
    assert renamed.json()["name"] == "Work phone"
    assert client.delete(detail).status_code == 204
    assert not PushSubscription.objects.exists()
    key = client.get(reverse("api-push-key")).json()
    assert key == {"enabled": True, "application_server_key": push.application_server_key()}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"endpoint": "http://push.example.org/x"}, "endpoint", "https://"),
        ({"endpoint": "not a url"}, "endpoint", "valid URL"),
        ({"keys": {"p256dh": "abc", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "keys", "P-256"),
        ({"keys": {"p256dh": None, "auth": "x"}}, "keys", "null"),
        ({"keys": "nope"}, "keys", "dictionary"),
    ],
)
def test_a_malformed_subscription_is_a_400_naming_its_field(
    push_service, personas, client, change, field, message
):
    client.force_login(personas.client_a)
    sub = {**push_service.new_subscription(), **change}
    response = client.post(
        reverse("api-push-subscription-list"), sub, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not PushSubscription.objects.exists()


def test_an_auth_secret_of_the_wrong_length_is_refused(push_service, personas, client):
    client.force_login(personas.client_a)
    sub = push_service.new_subscription()
    sub["keys"]["auth"] = push.b64url(b"short")
    response = client.post(
        reverse("api-push-subscription-list"), sub, content_type="application/json"
    )
    assert response.status_code == 400
    assert "16 bytes" in str(response.json()["keys"])


def test_another_persons_device_is_not_found(push_service, personas, client):
    device = add_device(push_service, personas.client_a)
    client.force_login(personas.client_b)
    detail = reverse("api-push-subscription-detail", args=[device.public_id])
    assert client.get(detail).status_code == 404
    assert client.patch(detail, {"name": "x"}, content_type="application/json").status_code == 404
    assert client.delete(detail).status_code == 404
    assert client.get(reverse("api-push-subscription-list")).json() == []
    page = reverse("push_device_remove", args=[device.public_id])
    assert client.post(page).status_code == 404
    assert PushSubscription.objects.filter(pk=device.pk).exists()


def test_a_device_saved_by_someone_else_becomes_theirs_alone(push_service, personas):
    """A shared phone: the next person who turns push on takes the device over."""
    sub = push_service.new_subscription()
    devices.subscribe(user=personas.client_a, endpoint=sub["endpoint"], **sub["keys"])
    device, created = devices.subscribe(
        user=personas.client_b, endpoint=sub["endpoint"], **sub["keys"]
    )
    assert created and device.user == personas.client_b
    assert PushSubscription.objects.get().user == personas.client_b


def test_a_person_keeps_at_most_ten_devices(push_service, personas, client):
    for n in range(push.MAX_DEVICES):
        add_device(push_service, personas.client_a, f"Device {n}")
    client.force_login(personas.client_a)
    response = client.post(
        reverse("api-push-subscription-list"),
        push_service.new_subscription(),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Remove one you no longer use" in str(response.json()["endpoint"])


def test_loopback_endpoints_only_where_allowed(push_service, personas, settings):
    settings.TANDEM_PUSH_ALLOW_HTTP_LOOPBACK = False
    sub = push_service.new_subscription()
    with pytest.raises(Exception, match="https://"):
        devices.subscribe(user=personas.client_a, endpoint=sub["endpoint"], **sub["keys"])


def test_the_api_sets_channels_per_kind_with_clear_errors(personas, client, vapid_key):
    client.force_login(personas.client_a)
    url = reverse("api-notification-preferences")
    ok = client.patch(url, {"channels": {"reply": "both"}}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["channels"] == {"reply": "both"}
    ok = client.patch(url, {"channels": {"reminder": "push"}}, content_type="application/json")
    assert ok.json()["channels"] == {"reply": "both", "reminder": "push"}
    for bad, text in [
        ({"reminder": "pigeon"}, "Choose email, push, both"),
        ({"safety_alert": "both"}, "cannot be chosen here"),
        (["push"], "Give an object"),
    ]:
        response = client.patch(url, {"channels": bad}, content_type="application/json")
        assert response.status_code == 400
        assert text in str(response.json()["channels"])
    assert Preferences.objects.get(user=personas.client_a).channels == {
        "reply": "both",
        "reminder": "push",
    }


# --- Devices: the page -------------------------------------------------------------------


def test_the_page_lists_renames_and_removes_devices_and_saves_channels(
    push_service, personas, client
):
    device = add_device(push_service, personas.client_a, "Old phone")
    client.force_login(personas.client_a)
    page = client.get(reverse("client_notifications")).content.decode()
    assert "<h1>Reminders and e-mails</h1>" in page
    assert "Old phone" in page and device.endpoint not in page
    assert f'data-push-key="{push.application_server_key()}"' in page
    assert 'name="channel_reminder"' in page and 'name="channel_safety_alert"' not in page
    client.post(reverse("push_device_rename", args=[device.public_id]), {"name": "New phone"})
    device.refresh_from_db()
    assert device.name == "New phone"
    form = {
        "timezone": "Europe/London",
        "reminders_enabled": "on",
        "reminder_time": "18:00",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "digest_enabled": "on",
        "digest_weekday": "6",
        "digest_time": "18:00",
        "channel_reminder": "push",
        "channel_catch_up": "email",
        "channel_reply": "both",
        "channel_session_reminder": "email",
    }
    saved = client.post(reverse("client_notifications"), form)
    assert saved.status_code == 302
    assert Preferences.objects.get(user=personas.client_a).channels == {
        "reminder": "push",
        "catch_up": "email",
        "reply": "both",
        "session_reminder": "email",
    }
    removed = client.post(reverse("push_device_remove", args=[device.public_id]), follow=True)
    assert "New phone will get no more notifications from Tandem." in removed.content.decode()
    assert not PushSubscription.objects.exists()


def test_without_push_the_page_says_so_and_offers_no_channels(personas, client, settings):
    settings.TANDEM_VAPID_PRIVATE_KEY = ""
    client.force_login(personas.client_a)
    page = client.get(reverse("client_notifications")).content.decode()
    assert "This server does not send push notifications" in page
    assert "channel_reminder" not in page and "push.js" not in page


def test_a_therapist_chooses_push_beside_safety_e_mails(push_service, personas, client):
    therapist = personas.therapist_a
    client.force_login(therapist)
    page = client.get(reverse("therapist_notifications")).content.decode()
    assert (
        'name="channel_safety_alert"' in page
        and 'value="push"'
        not in page.split('name="channel_safety_alert"')[0].rsplit("<fieldset", 1)[-1]
    )
    assert "Safety alerts are always e-mailed" in page


# --- Privacy -----------------------------------------------------------------------------


def test_no_push_of_any_kind_carries_clinical_content_or_names(push_service, mailoutbox):

    therapist = TherapistFactory(name="Dr. Therapist Marker")
    client = ClientFactory(name=MARKERS["client_name"])
    relationship = RelationshipFactory(therapist=therapist, client=client)
    add_device(push_service, client)
    add_device(push_service, therapist)
    client_kinds = [kind for kind, _ in channels.CHOOSABLE["client"]]
    services.preferences_update(user=client, channels=dict.fromkeys(client_kinds, "push"))
    services.preferences_update(
        user=therapist, channels={"therapist_reminder": "push", "safety_alert": "both"}
    )
    everything_of(client, therapist, relationship)
    for person in (client, therapist):
        due_now(person)
    appointment_create(
        therapist=therapist,
        relationship=relationship,
        day=TODAY + timedelta(days=1),
        start_time=time(17, 0),
        location=MARKERS["session_place"],
    )
    result = services.tick(now=NOW)
    ledger.deliver_many(
        [*result.deliveries, *Delivery.objects.filter(kind=Kind.REPLY).values_list("pk", flat=True)]
    )
    # The catch-up note too, for this client's week (after the day's reminder went).
    ledger.deliver_many(
        ledger.create(user_id=client.pk, kind=Kind.CATCH_UP, period="2026-W49", now=NOW)
    )
    # A call for help (which also does today's journal: logged after the reminder went).
    records.journal_create(client=client, text=MARKERS["journal_text"], needs_help=True)
    ledger.deliver_many(services.tick(now=NOW).deliveries)
    pushed = {message.json()["tag"] for message in push_service.received}
    assert pushed == {
        "reminder",
        "catch_up",
        "reply",
        "session_reminder",
        "therapist_reminder",
        "safety_alert",
    }
    for message in push_service.received:
        text = repr(message.json()).lower()
        for field, marker in MARKERS.items():
            assert marker.lower() not in text, f"{field} in the {message.json()['tag']} push"
        assert "therapist marker" not in text
        assert set(message.json()) == {"title", "body", "url", "tag"}
        assert message.json()["url"].startswith("/")


def test_no_endpoint_reaches_a_log_even_at_debug(push_service, client_with_homework, caplog):
    """Push endpoints are the devices' secrets: neither Tandem nor the HTTP libraries below
    it log them, whatever the level, even when the service refuses or is gone."""
    client = client_with_homework
    kept = add_device(push_service, client, "Kept")
    gone = add_device(push_service, client, "Gone")
    push_service.gone(gone.endpoint)
    due_now(client, channels={"reminder": "push"})
    # The levels are those of settings.LOGGING, with the root logger at DEBUG.
    with caplog.at_level(logging.DEBUG):
        assert list(send_due().values()) == ["sent"]
    assert "removed 1 push devices of user" in caplog.text
    text = caplog.text
    for device in (kept, gone):
        token = device.endpoint.rsplit("/", 1)[-1]
        assert token not in text
        assert device.p256dh not in text and device.auth not in text
