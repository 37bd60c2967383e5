"""Notifications under load: weekly digests through Redis, a real `celery worker` and a local
SMTP server, as messages per second and as a ratio to a no-op task's throughput measured the
same way in the same run; and the tick's time to find who is due among many people."""

import os
import subprocess
import sys
import tempfile
import threading
import time
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
    """An SMTP handler that counts what it accepts."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


def seed_caseloads(therapists: int, per_therapist: int) -> None:
    """Therapists, their clients with daily homework for two weeks and some of it done, and
    every digest due a minute ago. Bulk inserts."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import CareRelationship, CareStatus, Role, User
    from homework.models import Assignment, AssignmentStatus, Completion
    from homework.schedules import iso_week_monday
    from notifications.models import Preferences

    now = timezone.now()
    today = now.date()
    password = make_password(None)
    staff = User.objects.bulk_create(
        User(email=f"t{t}@bench.tandem.localhost", role=Role.THERAPIST, password=password)
        for t in range(therapists)
    )
    clients = User.objects.bulk_create(
        User(email=f"c{i}@bench.tandem.localhost", role=Role.CLIENT, password=password)
        for i in range(therapists * per_therapist)
    )
    relationships = CareRelationship.objects.bulk_create(
        CareRelationship(
            therapist=staff[i // per_therapist],
            client=client,
            status=CareStatus.ACTIVE,
            invited_email=client.email,
            invitation_expires_at=now,
            activated_at=now,
        )
        for i, client in enumerate(clients)
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(
            relationship=r,
            client=r.client,
            therapist=r.therapist,
            kind="journal",
            title="Evening journal",
            frequency="daily",
            start_date=today - timedelta(days=14),
            status=AssignmentStatus.ACTIVE,
        )
        for r in relationships
    )
    Completion.objects.bulk_create(
        Completion(
            assignment=a,
            client=a.client,
            due_date=today - timedelta(days=d),
            week=iso_week_monday(today - timedelta(days=d)),
        )
        for a in assignments
        for d in (2, 5, 8)
    )
    due = now - timedelta(minutes=1)
    Preferences.objects.bulk_create(
        Preferences(user=u, zone="UTC", reminders_enabled=False, next_digest_at=due)
        for u in [*staff, *clients]
    )


def seed_people(count: int) -> int:
    """`count` people whose next reminders are spread over the day after noon."""
    from datetime import UTC, datetime

    from accounts.models import Role, User
    from notifications.models import Preferences

    # Spread over the day from noon on: a minute's tick finds about count / 1440 due.
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    batch = 5000
    for first in range(0, count, batch):
        users = User.objects.bulk_create(
            User(email=f"p{i}@people.bench.localhost", role=Role.CLIENT, password="!")
            for i in range(first, min(first + batch, count))
        )
        Preferences.objects.bulk_create(
            Preferences(
                user=u,
                zone="UTC",
                digest_enabled=False,
                next_reminder_at=start + timedelta(minutes=(first + n) % 1440),
            )
            for n, u in enumerate(users)
        )
    return count


def drained(client, queue: str) -> bool:
    return client.llen(queue) == 0 and client.hlen("unacked") == 0


def run(*, small: bool) -> list[tuple[str, str]]:
    import redis
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import connection

    from config.celery_app import app
    from notifications import selectors, services

    therapists, per = (10, 50) if small else (100, 50)
    people = 20_000 if small else 100_000
    noop_count = 500 if small else 2000
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
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
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
            "--pool=prefork",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
            f"-Q{queue}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    rows: list[tuple[str, str]] = []
    try:
        seed_caseloads(therapists, per)
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
        noop_rate = noop_count / (time.perf_counter() - started)

        expected = therapists + therapists * per
        started = time.perf_counter()
        # Ticks as beat would send them, each claiming up to TICK_BATCH; then wait for mail.
        while services.tick_and_enqueue().deliveries:
            pass
        deadline = time.monotonic() + 1800
        while counter.count < expected:
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError(f"{counter.count} of {expected} digests arrived")
            time.sleep(0.05)
        digest_seconds = time.perf_counter() - started
        digest_rate = expected / digest_seconds

        seed_people(people)
        from datetime import UTC, datetime

        noon = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
        samples = []
        for _ in range(20):
            t0 = time.perf_counter()
            due = list(selectors.due_reminders(now=noon, limit=services.TICK_BATCH))
            samples.append(time.perf_counter() - t0)
        samples.sort()
        sync = []
        for _ in range(5):
            t0 = time.perf_counter()
            services.preferences_sync(now=noon)
            sync.append(time.perf_counter() - t0)
        sync.sort()
        rows += [
            ("no-op Celery task (config.heartbeat)", f"{noop_rate:,.0f} tasks/s"),
            (
                f"weekly digests: {therapists * per:,} clients + {therapists} therapists",
                f"{digest_rate:,.1f} messages/s ({expected:,} in {digest_seconds:,.1f}s)",
            ),
            ("digests / no-op throughput", f"{digest_rate / noop_rate:.3f}"),
            (
                f"tick: who is due among {people:,} people",
                f"{samples[len(samples) // 2] * 1000:.1f} ms median ({len(due)} due)",
            ),
            (
                "tick: new people and changed time zones among them",
                f"{sync[len(sync) // 2] * 1000:.1f} ms median",
            ),
        ]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        controller.stop()
        log.close()
    return rows
