"""Rows sent in batches (at most ledger.BATCH rows to a worker task): each e-mail still claimed
before it is sent and sent once; a failure in one row neither loses nor repeats the others;
a batch of weekly digests costs the same queries whatever its size, plus one per message to
mark it sent (so that a worker dying mid-batch leaves what it sent marked sent)."""

import smtplib
from collections import Counter
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail import EmailMultiAlternatives

from notifications import emails, ledger, services, tasks
from notifications.models import Delivery, Kind, Status
from tests.factories import (
    AssignmentFactory,
    CompletionFactory,
    JournalEntryFactory,
    LifestyleLogFactory,
    RelationshipFactory,
    SocialActivityFactory,
    TherapistFactory,
)
from tests.races import skip_unless_postgresql, together

from .conftest import NOW, due_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

# Week 48 (23-29 November); NOW is Tuesday 1 December.
WEEK = "2026-W48"


def digest_rows(count: int) -> list[int]:
    """`count` clients, the n-th with homework done and something logged on n % 8 days of
    week 48 (at most 7), each with a pending digest row for it."""
    ids = []
    for n in range(count):
        assignment = AssignmentFactory(start_date=NOW.date() - timedelta(weeks=3))
        client = assignment.client
        for day in range(min(n % 8, 7)):
            moment = NOW - timedelta(days=8 - day)  # 23 November onwards
            CompletionFactory(assignment=assignment, due_date=moment.date())
            LifestyleLogFactory(client=client, day=moment.date(), exercise_minutes=10)
            SocialActivityFactory(client=client, day=moment.date())
            JournalEntryFactory(client=client, occurred_at=moment, mood=4)
        due_now(client, digest=True)
        ids.append(Delivery.objects.create(user=client, kind=Kind.CLIENT_DIGEST, period=WEEK).pk)
    return ids


def logged_line(message) -> str:
    [line] = [x for x in message.body.splitlines() if "Days with something logged" in x]
    return line.strip("- ")


def test_a_batch_sends_each_digest_once_with_its_own_week(mailoutbox):
    ids = digest_rows(10)
    assert set(ledger.deliver_many(ids).values()) == {"sent"}
    assert set(ledger.deliver_many(ids).values()) == {"not pending"}
    assert len(mailoutbox) == 10
    assert len({m.extra_headers["Message-ID"] for m in mailoutbox}) == 10
    by_address = {m.to[0]: m for m in mailoutbox}
    for n, pk in enumerate(ids):
        row = Delivery.objects.get(pk=pk)
        assert (row.status, row.attempts) == (Status.SENT, 1)
        line = logged_line(by_address[row.user.email])
        assert line == f"Days with something logged: {min(n % 8, 7)} of 7"


def test_a_digest_in_a_batch_reads_as_the_same_digest_sent_alone(mailoutbox):
    ids = digest_rows(8)
    ledger.deliver_many(ids)
    Delivery.objects.filter(pk__in=ids).update(status=Status.PENDING)
    for pk in ids:
        ledger.deliver(pk)
    batched, alone = mailoutbox[:8], mailoutbox[8:]
    assert [(m.to, m.body, m.alternatives) for m in batched] == [
        (m.to, m.body, m.alternatives) for m in alone
    ]


# The batch's claim (a savepoint around locking and updating the rows, 4 statements), the
# rows with their users and preferences, and the clients' weeks (7, selectors.
# client_week_summaries); then marking each message sent as soon as it is out.
BATCH_QUERIES = 12


@pytest.mark.parametrize("count", [5, 50])
def test_a_batch_of_digests_costs_the_same_queries_plus_one_per_message_sent(
    count, django_assert_num_queries, mailoutbox
):
    ids = digest_rows(count)
    with django_assert_num_queries(BATCH_QUERIES + count):
        assert set(ledger.deliver_many(ids).values()) == {"sent"}
    assert len(mailoutbox) == count


def therapist_digest_rows(count: int) -> list[int]:
    """`count` therapists, the n-th with n + 1 clients (one of them the previous therapist's
    client too), each with a pending digest row for week 48."""
    ids, shared = [], None
    for n in range(count):
        therapist = TherapistFactory()
        for _ in range(n + 1):
            assignment = AssignmentFactory(
                relationship=RelationshipFactory(therapist=therapist),
                start_date=NOW.date() - timedelta(weeks=3),
            )
            CompletionFactory(assignment=assignment, due_date=NOW.date() - timedelta(days=8))
        if shared is not None:
            RelationshipFactory(therapist=therapist, client=shared)
        shared = assignment.client
        due_now(therapist, digest=True)
        row = Delivery.objects.create(user=therapist, kind=Kind.THERAPIST_DIGEST, period=WEEK)
        ids.append(row.pk)
    return ids


# The batch's claim (4 statements), the rows with their users and preferences, and the
# caseloads' weeks (9, progress.caseload.caseload_weeks); then marking each message sent.
THERAPIST_BATCH_QUERIES = 14


@pytest.mark.parametrize("count", [2, 5])
def test_a_batch_of_therapist_digests_costs_the_same_queries_plus_one_per_message_sent(
    count, django_assert_num_queries, mailoutbox
):
    ids = therapist_digest_rows(count)
    with django_assert_num_queries(THERAPIST_BATCH_QUERIES + count):
        assert set(ledger.deliver_many(ids).values()) == {"sent"}
    # Each client did homework in week 48; from the second therapist on, one is shared.
    clients = [n + 1 + (n > 0) for n in range(count)]
    assert [line(m, "Clients active") for m in mailoutbox] == [
        f"Clients active this week: {k} of {k}" for k in clients
    ]


def test_a_therapist_digest_in_a_batch_reads_as_the_same_digest_sent_alone(mailoutbox):
    ids = therapist_digest_rows(3)
    ledger.deliver_many(ids)
    Delivery.objects.filter(pk__in=ids).update(status=Status.PENDING)
    for pk in ids:
        ledger.deliver(pk)
    batched, alone = mailoutbox[:3], mailoutbox[3:]
    assert [(m.to, m.body, m.alternatives) for m in batched] == [
        (m.to, m.body, m.alternatives) for m in alone
    ]


def line(message, start: str) -> str:
    [found] = [x for x in message.body.splitlines() if x.startswith(f"- {start}")]
    return found.removeprefix("- ")


def refusing(address: str, error: Exception):
    """EmailMultiAlternatives.send that raises `error` for messages to `address`."""
    send = EmailMultiAlternatives.send

    def fake(self):
        if self.to == [address]:
            raise error
        return send(self)

    return fake


def test_a_message_refused_for_now_waits_and_the_rest_of_the_batch_is_sent_once(
    monkeypatch, mailoutbox, frozen
):
    ids = digest_rows(5)
    unlucky = Delivery.objects.get(pk=ids[2])
    monkeypatch.setattr(
        EmailMultiAlternatives,
        "send",
        refusing(unlucky.user.email, smtplib.SMTPDataError(451, b"try again later")),
    )
    outcomes = ledger.deliver_many(ids)
    assert outcomes[ids[2]] == "retry later: SMTPDataError 451"
    assert [outcomes[pk] for pk in ids if pk != ids[2]] == ["sent"] * 4
    unlucky.refresh_from_db()
    assert (unlucky.status, unlucky.attempts) == (Status.PENDING, 1)
    assert unlucky.next_attempt_at > NOW

    monkeypatch.undo()
    frozen.move_to(unlucky.next_attempt_at)
    assert ledger.deliver_many(ids) == {**dict.fromkeys(ids, "not pending"), ids[2]: "sent"}
    assert Counter(m.to[0] for m in mailoutbox) == Counter(
        Delivery.objects.get(pk=pk).user.email for pk in ids
    )
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_message_refused_for_good_is_failed_and_the_rest_of_the_batch_is_sent(
    monkeypatch, mailoutbox
):
    ids = digest_rows(3)
    unlucky = Delivery.objects.get(pk=ids[0])
    refused = smtplib.SMTPRecipientsRefused({unlucky.user.email: (550, b"no such mailbox")})
    monkeypatch.setattr(EmailMultiAlternatives, "send", refusing(unlucky.user.email, refused))
    assert list(ledger.deliver_many(ids).values()) == ["refused", "sent", "sent"]
    assert Delivery.objects.get(pk=ids[0]).status == Status.FAILED
    assert len(mailoutbox) == 2


def test_a_row_that_cannot_be_built_waits_and_does_not_hold_up_the_batch(monkeypatch, mailoutbox):
    ids = digest_rows(3)
    unlucky = Delivery.objects.get(pk=ids[1])
    build = emails.client_digest_email

    def broken(delivery, **kwargs):
        if delivery.pk == unlucky.pk:
            raise ValueError("a template that does not render")
        return build(delivery, **kwargs)

    monkeypatch.setattr(emails, "client_digest_email", broken)
    assert list(ledger.deliver_many(ids).values()) == ["sent", "could not build", "sent"]
    unlucky.refresh_from_db()
    assert (unlucky.status, unlucky.attempts) == (Status.PENDING, 1)
    assert unlucky.error == "could not build the message"
    assert len(mailoutbox) == 2


def test_with_the_mail_server_away_the_rows_not_tried_wait_with_the_first(monkeypatch):
    tried = []

    def away(self):
        tried.append(self.to)
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(EmailMultiAlternatives, "send", away)
    ids = digest_rows(4)
    outcomes = ledger.deliver_many(ids)
    assert outcomes[ids[0]] == "retry later: ConnectionRefusedError"
    assert [outcomes[pk] for pk in ids[1:]] == ["not tried"] * 3
    assert len(tried) == 1  # not one connection timeout per row
    first, *rest = Delivery.objects.filter(pk__in=ids).order_by("pk")
    assert (first.status, first.attempts) == (Status.PENDING, 1)
    for row in rest:
        # Not tried: no try counted, due about when the first is tried again.
        assert (row.status, row.attempts) == (Status.PENDING, 0)
        assert abs(row.next_attempt_at - first.next_attempt_at) < timedelta(seconds=30)


def test_a_worker_stopped_mid_batch_keeps_what_it_sent_and_the_sweep_sends_the_rest_once(
    monkeypatch, mailoutbox, frozen
):
    ids = digest_rows(6)
    send = EmailMultiAlternatives.send

    def stopped_at_the_fourth(self):
        if len(mailoutbox) == 3:
            raise SoftTimeLimitExceeded()
        return send(self)

    monkeypatch.setattr(EmailMultiAlternatives, "send", stopped_at_the_fourth)
    with pytest.raises(SoftTimeLimitExceeded):
        ledger.deliver_many(ids)
    rows = list(Delivery.objects.filter(pk__in=ids).order_by("pk"))
    assert [row.status for row in rows] == [Status.SENT] * 3 + [Status.SENDING] + [
        Status.PENDING
    ] * 2
    assert all(row.attempts == 0 for row in rows[4:])  # handed back untried

    monkeypatch.undo()
    frozen.move_to(NOW + timedelta(minutes=3))
    enqueued = []
    monkeypatch.setattr(ledger, "enqueue", lambda ids: enqueued.extend(ids) or len(ids))
    ledger.sweep()  # the row in flight was stuck for longer than a task may run
    assert sorted(enqueued) == ids[3:]
    assert set(ledger.deliver_many(enqueued).values()) == {"sent"}
    assert len(mailoutbox) == 6
    assert len({m.extra_headers["Message-ID"] for m in mailoutbox}) == 6


@pytest.mark.parametrize(
    ("rows", "workers", "sizes"),
    [
        (0, 4, []),
        (1, 4, [1]),
        (3, 4, [1, 1, 1]),  # fewer rows than processes: one each
        (8, 4, [2, 2, 2, 2]),
        (50, 1, [50]),
        (51, 1, [26, 25]),  # no short last batch
        (101, 2, [26, 25, 25, 25]),
        (308, 4, [39] * 4 + [38] * 4),  # two each, not seven (one process taking two)
        (1000, 4, [50] * 20),
    ],
)
def test_rows_are_cut_into_even_batches_a_multiple_of_the_worker_processes(rows, workers, sizes):
    ids = list(range(1000, 1000 + rows))
    cut = ledger.batches(ids, workers)
    assert [len(batch) for batch in cut] == sizes
    assert [pk for batch in cut for pk in batch] == ids  # in order, each once
    assert all(len(batch) <= ledger.BATCH for batch in cut)


def test_the_tick_hands_rows_to_the_workers_in_batches(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_WORKER_CONCURRENCY = 2
    batches, singles = [], []
    monkeypatch.setattr(tasks.deliver_batch, "delay", batches.append)
    monkeypatch.setattr(tasks.deliver, "delay", singles.append)
    made = ledger.BATCH * 2 + 1
    for _ in range(made):
        assignment = AssignmentFactory(start_date=NOW.date() - timedelta(days=1))
        due_now(assignment.client)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.tick_and_enqueue(now=NOW)
    # Three batches' worth, made four (two per process), as even as they go.
    assert [len(batch) for batch in batches] == [26, 25, 25, 25]
    assert singles == []
    assert [pk for batch in batches for pk in batch] == result.deliveries
    assert len(result.deliveries) == made
    assert Delivery.objects.filter(queued_at__isnull=True).count() == 0


def test_each_kind_of_a_tick_goes_in_batches_of_its_own(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    """Three therapists' digests (each costs what many clients' do) are shared between the two
    processes, not left in one batch with clients' for one process to finish alone."""
    settings.CELERY_WORKER_CONCURRENCY = 2
    handed = []
    monkeypatch.setattr(tasks.deliver_batch, "delay", handed.append)
    monkeypatch.setattr(tasks.deliver, "delay", lambda pk: handed.append([pk]))
    for _ in range(3):
        relationship = RelationshipFactory()
        due_now(relationship.therapist, digest=True)
        for _ in range(2):
            client = RelationshipFactory(therapist=relationship.therapist).client
            due_now(client, digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.tick_and_enqueue(now=NOW)
    kinds = dict(Delivery.objects.values_list("pk", "kind"))
    assert [[kinds[pk] for pk in batch] for batch in handed] == [
        [Kind.THERAPIST_DIGEST] * 2,
        [Kind.THERAPIST_DIGEST],
        [Kind.CLIENT_DIGEST] * 3,
        [Kind.CLIENT_DIGEST] * 3,
    ]
    assert [pk for batch in handed for pk in batch] == result.deliveries


def test_the_tick_hands_therapists_digests_first_and_side_by_side():
    """Each costs what many clients' do: they start first, and a batch reads their
    caseloads together."""
    people = []
    for n in range(6):
        relationship = RelationshipFactory()
        people += [relationship.client, relationship.therapist] if n % 2 else [relationship.client]
    for person in people:
        due_now(person, digest=True)
    result = services.tick(now=NOW)
    kinds = list(
        Delivery.objects.filter(pk__in=result.deliveries)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert sorted(result.deliveries) == result.deliveries
    assert kinds == [Kind.THERAPIST_DIGEST] * 3 + [Kind.CLIENT_DIGEST] * 6


def test_a_batch_task_says_what_became_of_its_rows(mailoutbox):
    ids = digest_rows(3)
    Delivery.objects.filter(pk=ids[0]).update(status=Status.SENT)
    assert tasks.deliver_batch.apply(args=[ids]).get() == {"not pending": 1, "sent": 2}


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_rows_at_once_send_each_once(mailoutbox):
    skip_unless_postgresql()
    for _ in range(5):
        ids = digest_rows(12)
        first, second = together(
            lambda ids=ids: ledger.deliver_many(ids), lambda ids=ids: ledger.deliver_many(ids[::-1])
        )
        assert not isinstance(first, Exception) and not isinstance(second, Exception)
        for pk in ids:
            assert sorted([first[pk], second[pk]]) == ["not pending", "sent"]
    assert len(mailoutbox) == 60
    assert len({m.extra_headers["Message-ID"] for m in mailoutbox}) == 60


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_claim_each_reminder_and_digest_once():
    skip_unless_postgresql()
    from django.db import transaction

    for _ in range(3):
        for n in range(20):
            assignment = AssignmentFactory(start_date=NOW.date() - timedelta(days=1))
            due_now(assignment.client, digest=n % 2 == 1)
        made = Delivery.objects.count()

        def tick():
            with transaction.atomic():
                return services.tick(now=NOW).deliveries

        first, second = together(tick, tick)
        assert not isinstance(first, Exception) and not isinstance(second, Exception)
        assert not set(first) & set(second)
        assert len(first) + len(second) == 20
        assert Delivery.objects.count() == made + 20


def test_a_row_is_marked_finished_as_the_orms_update_marks_it():
    """`ledger.finish` writes its UPDATE once per process; it does what the ORM's does."""
    client = RelationshipFactory().client
    rows = [
        Delivery.objects.create(user=client, kind=kind, period=WEEK, status=Status.SENDING)
        for kind in (Kind.CLIENT_DIGEST, Kind.REMINDER)
    ]
    waiting = Delivery.objects.create(user=client, kind=Kind.CATCH_UP, period=WEEK)
    error = "SMTPDataError 554 " + "x" * 300
    ledger.finish(rows[0].pk, status=Status.FAILED, message_id="<a@b>", error=error)
    Delivery.objects.filter(pk=rows[1].pk, status=Status.SENDING).update(
        status=Status.FAILED, message_id="<a@b>", error=error[:200], finished_at=NOW
    )
    ledger.finish(waiting.pk, status=Status.SENT, message_id="<c@d>")  # not sending: untouched
    fields = ("status", "message_id", "error", "finished_at")
    ours, orms = (Delivery.objects.values_list(*fields).get(pk=row.pk) for row in rows)
    assert ours == orms == (Status.FAILED, "<a@b>", error[:200], NOW)
    assert Delivery.objects.values_list(*fields).get(pk=waiting.pk) == (
        Status.PENDING,
        "",
        "",
        None,
    )


def test_rows_are_marked_queued_before_their_tasks_go(monkeypatch, settings):
    """A worker claims its rows (locking them in id order) as soon as its task arrives: the
    UPDATE that marks them queued must be done by then, or the two lock the rows in
    different orders and one of them is aborted as a deadlock."""
    settings.CELERY_WORKER_CONCURRENCY = 2
    unmarked_when_sent = []

    def publish(batch):
        unmarked_when_sent.extend(
            Delivery.objects.filter(pk__in=batch, queued_at__isnull=True).values_list(
                "pk", flat=True
            )
        )

    monkeypatch.setattr(tasks.deliver_batch, "delay", publish)
    ids = digest_rows(6)
    assert ledger.enqueue(ids[:4], ids[4:]) == 6
    assert unmarked_when_sent == []
    assert not Delivery.objects.filter(queued_at__isnull=True).exists()


def test_rows_are_made_as_the_orms_insert_makes_them():
    """`ledger.create_many` (one INSERT of arrays on PostgreSQL) stores what the ORM's INSERT
    stores; a key and channel with a row already gets none; the ids come in the keys' order."""
    clients = [RelationshipFactory().client for _ in range(3)]
    kept = Delivery.objects.create(
        user=clients[1], kind=Kind.CLIENT_DIGEST, period=WEEK, created_at=NOW - timedelta(days=1)
    )
    keys = [
        (clients[2].pk, Kind.CLIENT_DIGEST, WEEK),
        (clients[1].pk, Kind.CLIENT_DIGEST, WEEK),  # made already
        (clients[0].pk, Kind.SAFETY_ALERT, "41"),  # never given up on
        (clients[0].pk, Kind.CLIENT_DIGEST, WEEK),
    ]
    made = ledger.create_many(keys, now=NOW)
    assert [Delivery.objects.get(pk=pk).user_id for pk in made] == [
        clients[2].pk,
        clients[0].pk,
        clients[0].pk,
    ]
    assert kept.pk not in made
    fields = [
        f.attname for f in Delivery._meta.concrete_fields if f.attname not in ("id", "period")
    ]
    for pk, (user_id, kind, period) in zip(made, [keys[0], keys[2], keys[3]], strict=True):
        orms = Delivery.objects.create(
            user_id=user_id,
            kind=kind,
            period=f"{period}-orm",  # the same key but for its period
            created_at=NOW,
            give_up_at=ledger.give_up_at(kind, NOW),
        )
        ours = Delivery.objects.values(*fields, "period").get(pk=pk)
        assert ours.pop("period") == period
        assert ours == Delivery.objects.values(*fields).get(pk=orms.pk)
        assert ours["status"] == Status.PENDING and ours["queued_at"] is None
        assert (ours["give_up_at"] is None) == (kind == Kind.SAFETY_ALERT)
