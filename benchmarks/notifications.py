"""Notifications under load: weekly digests, then a thousand due reminders, through Redis, a
real `celery worker` and a local SMTP server, as messages per second and as a ratio to a
no-op task's throughput measured the same way in the same run (the reminders also as distinct
Message-IDs: each once); and the tick's time to find who is due among many people."""

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis() -> tuple[str, subprocess.Popen | None]:
    """REDIS_URL when given, else a private redis-server on a free port."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], None
    port = free_port()
    folder = tempfile.mkdtemp(prefix="tandem-bench-redis-")
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [*args, "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    process.folder = folder  # removed when the run ends
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    return url, process


class Counter:
    """An SMTP handler that counts what it accepts, and the distinct Message-IDs. It offers
    PIPELINING, as mail relays do."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Nothing counted yet."""
        self.count = 0
        self.ids: set[str] = set()
        # When the last message was accepted (time.monotonic()): a phase ends with its last
        # message, not when a poll of the count next sees it.
        self.last_at: float | None = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        session.host_name = hostname  # what aiosmtpd does itself when there is no hook
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server, session, envelope) -> str:
        # The header line alone: the bench's mail server shares the machine with what it
        # measures, and parsing every message's headers cost it a fifth of its CPU.
        content = envelope.content
        end = content.find(b"\r\n\r\n")
        found = MESSAGE_ID.search(content, 0, end if end >= 0 else len(content))
        with self.lock:
            self.count += 1
            self.ids.add(found.group(1) if found else None)
            self.last_at = time.monotonic()
        return "250 OK"


MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S[^\r\n]*)", re.IGNORECASE | re.MULTILINE)


REMINDERS = 1000


def seed_due_reminders(count: int) -> list:
    """`count` clients in UTC, each with daily homework since today and a reminder due a
    minute ago. Bulk inserts: a thousand people in well under a second."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import CareRelationship, CareStatus, Role, User
    from homework.models import Assignment, AssignmentStatus
    from notifications.models import Preferences

    now = timezone.now()
    tag = uuid.uuid4().hex[:8]
    therapist = User.objects.create(
        email=f"therapist-{tag}@example.org", role=Role.THERAPIST, password=make_password(None)
    )
    clients = User.objects.bulk_create(
        User(email=f"c{i}-{tag}@example.org", role=Role.CLIENT, timezone="UTC", password="!")
        for i in range(count)
    )
    relationships = CareRelationship.objects.bulk_create(
        CareRelationship(
            therapist=therapist,
            client=client,
            status=CareStatus.ACTIVE,
            invited_email=client.email,
            invitation_expires_at=now,
            activated_at=now,
        )
        for client in clients
    )
    Assignment.objects.bulk_create(
        Assignment(
            relationship=relationship,
            client=relationship.client,
            therapist=therapist,
            kind="journal",
            title="Evening journal",
            frequency="daily",
            start_date=now.date(),
            status=AssignmentStatus.ACTIVE,
        )
        for relationship in relationships
    )
    Preferences.objects.bulk_create(
        Preferences(
            user=client,
            zone="UTC",
            next_reminder_at=now - timedelta(minutes=1),
            digest_enabled=False,
        )
        for client in clients
    )
    return clients


def wait_for_mail(counter: Counter, expected: int, worker: subprocess.Popen, begun: float):
    """Wait for `expected` messages; one that keeps failing (its task over the time limit) is
    reported as missing once nothing has arrived for STALL seconds. Returns the number that
    arrived and the seconds until the last of them arrived (as the server took it: the poll
    here may see it up to a poll's interval later)."""
    last, last_change = counter.count, time.monotonic()
    while counter.count < expected:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker stopped; {counter.count} of {expected} arrived")
        if counter.count != last:
            last, last_change = counter.count, time.monotonic()
        elif time.monotonic() - last_change > STALL:
            break
        time.sleep(0.05)
    with counter.lock:
        arrived, last_at = counter.count, counter.last_at
    return arrived, (last_at if last_at is not None else time.monotonic()) - begun


STALL = 120  # seconds without a new digest before the missing ones are given up on


def drained(client, queue: str) -> bool:
    return client.llen(queue) == 0 and client.hlen("unacked") == 0


def rss_kib(pid: int) -> int:
    """Resident set size of a process, in KiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def run(*, people: int) -> dict:
    """Digests for everyone in the data set whose digest is on, then the reminder tick among
    `people` more. Returns the figures, with the celery worker's resident size."""
    import redis
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from benchmarks.data import add_people
    from config.celery_app import app
    from notifications import selectors, services
    from notifications.models import Delivery, Preferences

    noop_count = 1000
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(queue, "unacked", "unacked_index")

    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    counter = Counter()
    smtp_port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_SETTINGS")}
    env.update(
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        DATABASE_URL=f"sqlite:///{db['NAME']}"
        if db["ENGINE"].endswith("sqlite3")
        else os.environ["DATABASE_URL"],
    )
    log = open(Path(tempfile.gettempdir()) / "tandem-bench-worker.log", "wb")  # noqa: SIM115
    args = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING"]
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            *args,
            "--pool=prefork",  # as many processes as the settings give a worker
            "--without-gossip",
            "--without-mingle",
            f"-Q{queue}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    figures: dict = {}
    try:
        # Warm up: the worker has started and runs tasks.
        app.send_task("config.heartbeat", queue=queue)
        deadline = time.monotonic() + 60
        while not drained(client, queue):
            if time.monotonic() > deadline:
                raise RuntimeError("the benchmark's worker did not start")
            time.sleep(0.2)

        started = time.perf_counter()
        for _ in range(noop_count):
            app.send_task("config.heartbeat", queue=queue)
        while not drained(client, queue):
            time.sleep(0.02)
        figures["noop_rate"] = noop_count / (time.perf_counter() - started)
        figures["worker_processes"] = len(children(worker.pid))

        # What else the data set has due (an open safety alert's e-mail) goes out first: the
        # digests' figures count digests alone.
        begun = time.monotonic()
        handed = len(services.tick_until_done().deliveries)
        wait_for_mail(counter, handed, worker, begun)
        figures["other_due"] = handed
        counter.reset()

        # Every digest due at once, twice. The first round is a fresh worker's: each of its
        # processes compiles the queries a digest reads as it meets them (accounts.prepared,
        # once per process and shape). The second is the same week's digests again (the first
        # round's ledger rows removed), as a worker that has been running sends them.
        for prefix in ("first_", ""):
            due = timezone.now() - timedelta(minutes=1)
            expected = Preferences.objects.filter(digest_enabled=True).update(next_digest_at=due)
            counter.reset()
            begun = time.monotonic()
            # The tick beat sends (claiming in rounds); then wait for mail.
            made = services.tick_until_done().deliveries
            arrived, seconds = wait_for_mail(counter, expected, worker, begun)
            if prefix:
                Delivery.objects.filter(pk__in=made).delete()
            figures.update(
                {
                    f"{prefix}digests": expected,
                    f"{prefix}arrived": arrived,
                    f"{prefix}digest_seconds": seconds,
                    f"{prefix}digest_rate": arrived / seconds,
                }
            )
        figures["celery_rss_kib"] = max(rss_kib(pid) for pid in children(worker.pid))

        # A thousand reminders due at once: each arrives once (one Message-ID each).
        seed_due_reminders(REMINDERS)
        counter.reset()
        begun = time.monotonic()
        handed = len(services.tick_until_done().deliveries)
        arrived, seconds = wait_for_mail(counter, handed, worker, begun)
        figures.update(
            reminders=handed,
            reminders_arrived=arrived,
            reminder_ids=len(counter.ids),
            reminder_seconds=seconds,
            reminder_rate=arrived / seconds,
        )

        from datetime import UTC, datetime

        noon = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
        started = time.perf_counter()
        add_people(people, start=noon)
        figures["people_seconds"] = time.perf_counter() - started
        samples = []
        for _ in range(20):
            t0 = time.perf_counter()
            found = list(selectors.due_reminders(now=noon, limit=services.TICK_BATCH))
            samples.append(time.perf_counter() - t0)
        samples.sort()
        figures.update(people=people, tick_ms=samples[len(samples) // 2] * 1000, due=len(found))
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        controller.stop()
        log.close()
    return figures
