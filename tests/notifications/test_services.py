import email.policy
import re
import smtplib
from datetime import time, timedelta

import pytest
from django.core.mail import EmailMultiAlternatives

from clients.services import account_erase
from homework.models import Assignment
from notifications import ledger, services
from notifications.models import Delivery, Kind, Preferences, Status
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    ClientFactory,
    CompletionFactory,
    JournalEntryFactory,
    LifestyleLogFactory,
    RelationshipFactory,
    SocialActivityFactory,
    TherapistFactory,
)

from .conftest import NOW, TODAY, due_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def homework():
    """A client with daily homework since a week ago who logged something yesterday."""
    assignment = AssignmentFactory(start_date=TODAY - timedelta(days=7))
    CompletionFactory(assignment=assignment, due_date=TODAY - timedelta(days=1))
    due_now(assignment.client)
    return assignment


def tick_and_send() -> list[str]:
    result = services.tick(now=NOW)
    return [ledger.deliver(pk) for pk in result.deliveries]


def test_it_reminds_a_client_of_homework_waiting_today(homework, mailoutbox):
    assert tick_and_send() == ["sent"]
    [message] = mailoutbox
    assert message.subject == "1 piece of homework is waiting for you today"
    assert "http://127.0.0.1:8000/client/" in message.body or "/client/" in message.body
    row = Delivery.objects.get()
    assert (row.kind, row.period, row.status) == (Kind.REMINDER, "2026-12-01", Status.SENT)
    assert row.message_id == message.extra_headers["Message-ID"]


@pytest.mark.parametrize("policy", [email.policy.SMTP, email.policy.default])
def test_the_unsubscribe_header_is_one_plain_line_on_the_wire(homework, mailoutbox, policy):
    """Mail clients do not decode RFC 2047 words in List-Unsubscribe: no folding into them."""
    tick_and_send()
    [message] = mailoutbox
    raw = message.message(policy=policy).as_bytes()
    [line] = [x for x in raw.splitlines() if x.startswith(b"List-Unsubscribe:")]
    assert re.fullmatch(rb"List-Unsubscribe: <http://[^>\s]+/unsubscribe/[^>\s]+/>", line)
    assert b"=?utf-8?" not in raw.split(b"\r\n\r\n")[0].split(b"\n\n")[0]


def test_it_sends_nothing_when_all_is_done(homework, mailoutbox):
    CompletionFactory(assignment=homework, due_date=TODAY)
    assert tick_and_send() == ["skipped: nothing waiting"]
    assert mailoutbox == []
    assert Delivery.objects.get().status == Status.SKIPPED


def test_it_sends_nothing_when_nothing_is_due(mailoutbox):
    client = ClientFactory()
    RelationshipFactory(client=client)
    due_now(client)
    assert tick_and_send() == ["skipped: nothing waiting"]
    assert mailoutbox == []


def test_it_sends_nothing_when_reminders_are_off(homework, mailoutbox):
    Preferences.objects.filter(user=homework.client).update(reminders_enabled=False)
    services.tick(now=NOW)
    assert not Delivery.objects.filter(kind=Kind.REMINDER).exists()
    assert mailoutbox == []


def test_it_sends_a_gentle_catch_up_note_after_three_quiet_days_once_a_week(mailoutbox):
    assignment = AssignmentFactory(start_date=TODAY - timedelta(days=10))
    CompletionFactory(assignment=assignment, due_date=TODAY - timedelta(days=3))
    client = assignment.client
    due_now(client)

    assert tick_and_send() == ["skipped: replaced by the catch-up note"]
    catch_up = Delivery.objects.get(kind=Kind.CATCH_UP)
    assert catch_up.period == "2026-W49"
    assert ledger.deliver(catch_up.pk) == "sent"
    assert mailoutbox[0].subject == "Whenever you are ready, Tandem is here"

    # The next day, still nothing logged: the usual reminder, no second note this week.
    tomorrow = NOW + timedelta(days=1)
    Preferences.objects.filter(user=client).update(next_reminder_at=tomorrow)
    result = services.tick(now=tomorrow)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: tomorrow)
        assert [ledger.deliver(pk) for pk in result.deliveries] == ["sent"]
    assert Delivery.objects.filter(kind=Kind.CATCH_UP).count() == 1
    assert "waiting for you today" in mailoutbox[1].subject


def test_a_journal_entry_counts_as_logging(mailoutbox):
    assignment = AssignmentFactory(start_date=TODAY - timedelta(days=10))
    JournalEntryFactory(client=assignment.client, occurred_at=NOW - timedelta(days=1))
    due_now(assignment.client)
    assert tick_and_send() == ["sent"]
    assert not Delivery.objects.filter(kind=Kind.CATCH_UP).exists()


def test_two_ticks_at_once_claim_each_reminder_once(homework):
    first = services.tick(now=NOW)
    second = services.tick(now=NOW)
    assert len(first.deliveries) == 1
    assert second.deliveries == []
    assert Delivery.objects.count() == 1


def test_a_row_is_claimed_once_so_a_second_task_sends_nothing(homework, mailoutbox):
    [pk] = services.tick(now=NOW).deliveries
    assert ledger.deliver(pk) == "sent"
    assert ledger.deliver(pk) == "not pending"
    assert len(mailoutbox) == 1


def test_the_message_id_comes_from_the_ledger_key(homework, mailoutbox):
    [pk] = services.tick(now=NOW).deliveries
    ledger.deliver(pk)
    Delivery.objects.filter(pk=pk).update(status=Status.PENDING)
    ledger.deliver(pk)
    first, second = mailoutbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert homework.client.email not in first.extra_headers["Message-ID"]


def test_a_permanent_refusal_is_recorded_and_not_retried(homework, monkeypatch):
    def refuse(self):
        raise smtplib.SMTPRecipientsRefused({self.to[0]: (550, b"no such mailbox")})

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    [pk] = services.tick(now=NOW).deliveries
    assert ledger.deliver(pk) == "refused"
    row = Delivery.objects.get(pk=pk)
    assert row.status == Status.FAILED
    assert "550" in row.error
    assert ledger.deliver(pk) == "not pending"


def test_a_server_that_is_away_releases_the_row_for_a_retry(homework, monkeypatch):
    def away(self):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(EmailMultiAlternatives, "send", away)
    [pk] = services.tick(now=NOW).deliveries
    with pytest.raises(ledger.TransientSendError):
        ledger.deliver(pk)
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.attempts) == (Status.PENDING, 1)


def test_a_temporary_refusal_is_retried(homework, monkeypatch):
    def later(self):
        raise smtplib.SMTPDataError(451, b"try again later")

    monkeypatch.setattr(EmailMultiAlternatives, "send", later)
    [pk] = services.tick(now=NOW).deliveries
    with pytest.raises(ledger.TransientSendError):
        ledger.deliver(pk)
    assert Delivery.objects.get(pk=pk).status == Status.PENDING


def _greylisted(self):
    raise smtplib.SMTPDataError(451, b"4.7.1 greylisted, try again later")


def test_twelve_temporary_failures_in_a_row_do_not_lose_the_e_mail(homework, monkeypatch):
    monkeypatch.setattr(EmailMultiAlternatives, "send", _greylisted)
    [pk] = services.tick(now=NOW).deliveries
    for _ in range(12):
        with pytest.raises(ledger.TransientSendError):
            ledger.deliver(pk)
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.attempts) == (Status.PENDING, 12)
    assert "451" in row.error


def test_a_temporary_failure_waits_and_backs_off_then_the_sweep_hands_it_over(
    homework, monkeypatch, settings
):
    settings.TANDEM_MAIL_RETRY_SECONDS = 60
    settings.TANDEM_MAIL_RETRY_MAX_SECONDS = 3600
    enqueued = []
    monkeypatch.setattr(ledger, "enqueue", lambda ids: enqueued.extend(ids) or len(ids))
    monkeypatch.setattr(EmailMultiAlternatives, "send", _greylisted)
    [pk] = services.tick(now=NOW).deliveries
    with pytest.raises(ledger.TransientSendError):
        ledger.deliver(pk)
    first = Delivery.objects.get(pk=pk).next_attempt_at
    assert timedelta(seconds=54) <= first - NOW <= timedelta(seconds=66)

    ledger.sweep(now=NOW + timedelta(seconds=30))
    assert enqueued == []  # not due yet
    ledger.sweep(now=first)
    assert enqueued == [pk]

    with pytest.raises(ledger.TransientSendError):
        ledger.deliver(pk)
    second = Delivery.objects.get(pk=pk).next_attempt_at
    assert timedelta(seconds=108) <= second - NOW <= timedelta(seconds=132)
    Delivery.objects.filter(pk=pk).update(attempts=40)
    ledger.claim(pk)
    ledger.release(pk, error="SMTPDataError 451", now=NOW)
    capped = Delivery.objects.get(pk=pk).next_attempt_at - NOW
    assert timedelta(minutes=54) <= capped <= timedelta(minutes=66)


def test_a_reminder_gives_up_at_its_lateness_limit(homework, monkeypatch, frozen):
    monkeypatch.setattr(EmailMultiAlternatives, "send", _greylisted)
    [pk] = services.tick(now=NOW).deliveries
    assert Delivery.objects.get(pk=pk).give_up_at == NOW + ledger.REMINDER_GRACE
    frozen.move_to(NOW + timedelta(hours=4))
    with pytest.raises(ledger.TransientSendError):
        ledger.deliver(pk)
    assert Delivery.objects.get(pk=pk).status == Status.PENDING
    Delivery.objects.filter(pk=pk).update(attempts=9)  # the next wait is the full hour
    frozen.move_to(NOW + timedelta(hours=5, minutes=30))
    with pytest.raises(ledger.TransientSendError):
        ledger.deliver(pk)
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.next_attempt_at) == (Status.FAILED, None)
    assert row.error.startswith("gave up: SMTPDataError 451")


def test_a_digest_is_retried_for_days(monkeypatch, frozen):
    monkeypatch.setattr(EmailMultiAlternatives, "send", _greylisted)
    client = RelationshipFactory().client
    due_now(client, digest=True, reminders_enabled=False)
    [pk] = services.tick(now=NOW).deliveries
    assert Delivery.objects.get(pk=pk).kind == Kind.CLIENT_DIGEST
    frozen.move_to(NOW + timedelta(days=5))
    Delivery.objects.filter(pk=pk).update(attempts=30)
    with pytest.raises(ledger.TransientSendError):
        ledger.deliver(pk)
    assert Delivery.objects.get(pk=pk).status == Status.PENDING


def test_the_sweep_frees_rows_stuck_in_sending_and_enqueues_pending_ones(homework, monkeypatch):
    enqueued = []
    monkeypatch.setattr(ledger, "enqueue", lambda ids: enqueued.extend(ids) or len(ids))
    [pk] = services.tick(now=NOW).deliveries
    assert ledger.claim(pk, now=NOW - timedelta(minutes=10))
    ledger.sweep(now=NOW + timedelta(minutes=2))
    assert Delivery.objects.get(pk=pk).status == Status.PENDING
    assert enqueued == [pk]


def test_the_sweep_spends_no_attempts(homework, monkeypatch):
    monkeypatch.setattr(ledger, "enqueue", lambda ids: len(ids))
    [pk] = services.tick(now=NOW).deliveries
    Delivery.objects.filter(pk=pk).update(attempts=3)
    # The worker died mid-send: the interrupted try does not count.
    ledger.claim(pk, now=NOW - timedelta(minutes=10))
    ledger.sweep(now=NOW)
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.attempts) == (Status.PENDING, 3)
    # A pending row whose task was lost is handed over again as often as needed.
    for minutes in range(6, 60, 6):
        ledger.sweep(now=NOW + timedelta(minutes=minutes))
    assert Delivery.objects.get(pk=pk).attempts == 3


def test_the_sweep_stops_rows_past_their_limit(homework, monkeypatch):
    enqueued = []
    monkeypatch.setattr(ledger, "enqueue", lambda ids: enqueued.extend(ids) or len(ids))
    [never] = services.tick(now=NOW).deliveries
    tried = Delivery.objects.create(
        user=homework.therapist,
        kind=Kind.THERAPIST_REMINDER,
        period="2026-12-01",
        created_at=NOW,
        give_up_at=NOW + ledger.REMINDER_GRACE,
        attempts=4,
        error="SMTPDataError 451",
        next_attempt_at=NOW + timedelta(hours=7),
    )
    ledger.sweep(now=NOW + timedelta(hours=6))
    assert enqueued == []
    assert Delivery.objects.get(pk=never).status == Status.SKIPPED
    tried.refresh_from_db()
    assert (tried.status, tried.error) == (Status.FAILED, "gave up: SMTPDataError 451")


def test_the_tick_logs_a_line_while_mail_is_late(homework, monkeypatch, caplog):
    monkeypatch.setattr(ledger, "enqueue", lambda ids: len(ids))
    services.tick(now=NOW)
    with caplog.at_level("WARNING", logger="notifications.services"):
        ledger.sweep(now=NOW + timedelta(minutes=10))
        assert caplog.messages == []
        ledger.sweep(now=NOW + timedelta(minutes=20))
    assert caplog.messages == ["mail is late: 1 deliveries pending, the oldest for 20 minutes"]


def test_the_sweep_leaves_a_row_being_sent_alone(homework, monkeypatch):
    monkeypatch.setattr(ledger, "enqueue", lambda ids: len(ids))
    [pk] = services.tick(now=NOW).deliveries
    ledger.claim(pk, now=NOW)
    ledger.sweep(now=NOW)
    assert Delivery.objects.get(pk=pk).status == Status.SENDING


def test_a_reminder_many_hours_late_is_dropped(homework):
    Preferences.objects.filter(user=homework.client).update(
        next_reminder_at=NOW - timedelta(hours=7)
    )
    result = services.tick(now=NOW)
    assert result.deliveries == [] and result.late == 1
    assert Preferences.objects.get(user=homework.client).next_reminder_at > NOW


def test_a_new_time_zone_moves_the_next_instants():
    client = ClientFactory(timezone="Europe/London")
    prefs = services.preferences_for(client)
    assert prefs.next_reminder_at == NOW.replace(hour=18)
    type(client).objects.filter(pk=client.pk).update(timezone="America/New_York")
    assert services.preferences_sync(now=NOW) == 1
    prefs.refresh_from_db()
    assert prefs.zone == "America/New_York"
    assert prefs.next_reminder_at == NOW.replace(hour=23)  # 18:00 EST


def test_changing_preferences_moves_the_next_instants():
    client = ClientFactory()
    services.preferences_for(client)
    prefs = services.preferences_update(
        user=client, reminder_time=NOW.time().replace(hour=10), timezone_name="Asia/Kolkata"
    )
    # 10:00 in Kolkata is 04:30 UTC: today's has passed, tomorrow's is next.
    assert prefs.next_reminder_at == (NOW + timedelta(days=1)).replace(hour=4, minute=30)


def test_an_assignment_reminder_time_comes_before_the_default():
    assignment = AssignmentFactory(start_date=TODAY, reminder_time=NOW.time().replace(hour=12))
    prefs = services.preferences_for(assignment.client)
    assert prefs.next_reminder_at == NOW.replace(hour=12)
    Assignment.objects.filter(pk=assignment.pk).update(reminder_time=None)
    assert services.preferences_update(user=assignment.client).next_reminder_at == NOW.replace(
        hour=18
    )


def test_each_role_gets_its_own_defaults():
    client = services.preferences_for(ClientFactory())
    therapist = services.preferences_for(TherapistFactory())
    assert (client.digest_weekday, client.reminders_enabled) == (6, True)
    assert (therapist.digest_weekday, therapist.reminders_enabled) == (0, True)
    assert (therapist.reminder_time, therapist.reminder_weekdays) == (time(8, 30), [0, 1, 2, 3, 4])
    assert client.reminder_weekdays == [0, 1, 2, 3, 4, 5, 6]
    assert client.quiet_start is not None


def test_quiet_hours_need_both_ends():
    client = ClientFactory()
    with pytest.raises(Exception, match="both"):
        services.preferences_update(user=client, quiet_start=None)


def test_the_client_digest_counts_the_week(mailoutbox):
    assignment = AssignmentFactory(start_date=TODAY - timedelta(days=14))
    client = assignment.client
    for day in (2, 3, 4):
        CompletionFactory(assignment=assignment, due_date=TODAY - timedelta(days=day))
    due_now(client, digest=True)
    assert tick_and_send() == ["sent"]
    [message] = mailoutbox
    assert message.subject == "Your week in Tandem"
    assert "Homework done: 3 of 7" in message.body  # week 48: 23-29 November
    assert "Days with something logged: 3 of 7" in message.body
    assert Delivery.objects.get().period == "2026-W48"


def test_the_therapist_digest_counts_the_caseload_without_names(mailoutbox):
    therapist = TherapistFactory()
    active = AssignmentFactory(
        relationship=RelationshipFactory(therapist=therapist),
        start_date=TODAY - timedelta(days=14),
    )
    for day in range(2, 9):
        CompletionFactory(assignment=active, due_date=TODAY - timedelta(days=day))
    RelationshipFactory(therapist=therapist)  # a client who did nothing
    due_now(therapist, digest=True)
    assert tick_and_send() == ["sent"]
    [message] = mailoutbox
    assert "Clients active this week: 1 of 2" in message.body
    assert "did all their homework: 1" in message.body
    assert "no activity for 7 days or more: 1" in message.body
    assert active.client.name not in message.body


def test_a_therapist_with_no_clients_gets_no_digest(mailoutbox):
    therapist = TherapistFactory()
    due_now(therapist, digest=True)
    assert tick_and_send() == ["skipped: no clients"]
    assert mailoutbox == []


def test_an_erased_person_gets_nothing_and_the_row_names_nobody(homework, mailoutbox):
    [pk] = services.tick(now=NOW).deliveries
    account_erase(client=homework.client, password=PASSWORD)
    assert ledger.deliver(pk) == "skipped: no recipient"
    assert Delivery.objects.get(pk=pk).user is None
    assert mailoutbox == []


def test_a_clients_email_settings_and_sent_emails_are_in_their_export(homework, mailoutbox):
    from clients.export import export_data

    [pk] = services.tick(now=NOW).deliveries
    ledger.deliver(pk)
    data = export_data(homework.client)
    assert data["email_settings"][0]["reminder_time"].hour == 9
    assert data["emails_sent"] == [
        {
            "kind": "reminder",
            "channel": "email",
            "period": "2026-12-01",
            "status": "sent",
            "created_at": NOW,
            "finished_at": NOW,
        }
    ]


# Claiming the ledger row, loading it with its user and their preferences, the assignments,
# their pauses and the week's completions counted (adherence), check-off days, lifestyle
# logs, time with people and journal entries (one query each for the week and the streak's
# 60 days), and marking the row sent.
CLIENT_DIGEST_QUERIES = 10


@pytest.mark.parametrize("weeks", [1, 52])
def test_one_clients_digest_costs_a_fixed_number_of_queries(
    weeks, django_assert_num_queries, mailoutbox
):
    assignment = AssignmentFactory(start_date=TODAY - timedelta(weeks=weeks + 1))
    client = assignment.client
    for day in range(2, 7 * weeks + 2):
        moment = NOW - timedelta(days=day)
        CompletionFactory(assignment=assignment, due_date=moment.date())
        LifestyleLogFactory(client=client, day=moment.date(), exercise_minutes=10)
        SocialActivityFactory(client=client, day=moment.date())
        JournalEntryFactory(client=client, occurred_at=moment, mood=4)
    due_now(client, digest=True)
    delivery = Delivery.objects.create(user=client, kind=Kind.CLIENT_DIGEST, period="2026-W48")
    with django_assert_num_queries(CLIENT_DIGEST_QUERIES):
        assert ledger.deliver(delivery.pk) == "sent"
    body = mailoutbox[0].body
    # Week 48 is 23-29 November, all logged; NOW is Tuesday 1 December.
    assert "Days with something logged: 7 of 7" in body
    assert "Homework done: 7 of 7" in body
