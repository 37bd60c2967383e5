"""An invitation saved while Redis was down is mailed once when Redis and a worker return:
the ledger's sweep, on the tick, hands its row over."""

import time
from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse

from accounts.models import CareRelationship
from notifications import ledger
from notifications.invitations import period_of
from notifications.models import Delivery, Kind, Status
from tests.conftest import activate_totp
from tests.e2e.servers import PrivateRedis
from tests.factories import TherapistFactory

pytestmark = pytest.mark.e2e

INVITEE = "later.client@example.org"


@pytest.fixture
def private_redis(tmp_path) -> PrivateRedis:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(private_redis) -> str:
    """The broker of this module's tests is the private Redis, not the shared one."""
    return private_redis.url


def test_an_invitation_saved_while_redis_was_down_is_mailed_once_when_it_returns(
    private_redis, celery_queue, celery_env, smtp_server, start_celery, client
):
    therapist = TherapistFactory(name="Dr. Sam Sweep")
    activate_totp(therapist)
    client.force_login(therapist)

    # Redis goes away; the therapist invites a client and the request still succeeds.
    private_redis.stop()
    started = time.monotonic()
    response = client.post(reverse("therapist_invite"), {"email": INVITEE}, follow=True)
    assert response.status_code == 200
    assert time.monotonic() - started < 15
    page = response.content.decode()
    assert f"Invitation to {INVITEE} saved: the e-mail goes out within a minute." in page
    assert "not sent yet" in page
    relationship = CareRelationship.objects.get(invited_email=INVITEE)
    rows = Delivery.objects.filter(kind=Kind.INVITATION, period=period_of(relationship))
    assert rows.get().queued_at is None
    assert relationship.invitation_sent_at is None

    # Two minutes later Redis is back and a real worker runs; nothing has been mailed.
    rows.update(created_at=F("created_at") - timedelta(minutes=2))
    private_redis.start()
    env = {**celery_env, "EMAIL_URL": smtp_server.url, "TANDEM_SITE_URL": "http://tandem.example"}
    worker = start_celery(
        "worker", env, "--pool=solo", "--without-gossip", "--without-mingle", f"-Q{celery_queue}"
    )
    worker.wait_for("ready.", timeout=60)
    assert smtp_server.messages == []

    # The sweep runs on two beat ticks (or in two beats at once): one e-mail goes out.
    assert ledger.sweep() == 1
    assert ledger.sweep() == 0
    [message] = smtp_server.wait_for(1)
    assert message["To"] == INVITEE
    assert "Dr. Sam Sweep" in message["Subject"]
    worker.wait_for("'sent'", timeout=30)
    assert rows.get().status == Status.SENT
    assert len(smtp_server.messages) == 1
    assert worker.output().count("notifications.tasks.deliver[") == 2  # received, done
    relationship.refresh_from_db()
    assert relationship.invitation_sent_at is not None
    assert "not sent yet" not in client.get(reverse("therapist_home")).content.decode()
