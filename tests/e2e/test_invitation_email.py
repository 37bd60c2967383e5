"""An invitation goes through Redis and a real worker to a real SMTP server, once."""

import re

import pytest

from accounts import services
from accounts.models import CareRelationship
from notifications.invitations import period_of
from notifications.models import Delivery, Kind, Status
from notifications.tasks import deliver
from tests.conftest import make_active_relationship
from tests.e2e.conftest import wait_until
from tests.factories import ClientFactory, TherapistFactory

pytestmark = pytest.mark.e2e

INVITEE = "zoe.zephyr@example.org"


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_an_invitation_is_mailed_once_with_its_link_and_no_client_data(
    mail_worker, smtp_server, site_url
):
    therapist = TherapistFactory(email="dr.hart@example.org", name="Dr. Hana Hart")
    # The invitee already has an account with another therapist: none of it may leak.
    other_therapist = TherapistFactory(email="dr.other@example.org", name="Dr. Otto Other")
    invitee = ClientFactory(email=INVITEE, name="Zoe Zephyr", timezone="Pacific/Auckland")
    make_active_relationship(other_therapist, invitee)

    relationship = services.invitation_create(therapist=therapist, email=INVITEE)

    [message] = smtp_server.wait_for(1)
    assert smtp_server.envelopes[0][1] == [INVITEE]
    assert message["To"] == INVITEE
    assert "Dr. Hana Hart" in message["Subject"]
    text, html = parts(message)
    [link] = [line for line in text.splitlines() if "/invitations/" in line]
    assert link.startswith(f"{site_url}/invitations/") and link.endswith("/")
    assert f'href="{link}"' in html
    token = link.removeprefix(f"{site_url}/invitations/").removesuffix("/")
    assert services.invitation_from_token(token) == relationship

    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    everything = "\n".join((headers, text, html))
    for client_data in (
        invitee.name,
        "Zoe",
        "Zephyr",
        invitee.timezone,
        str(invitee.public_id),
        other_therapist.name,
        other_therapist.email,
    ):
        assert client_data not in everything, client_data
    # The only address in the message is the one it is sent to (and the sender's).
    # (The Message-ID, derived from the ledger key, names nobody.)
    without_id = everything.replace(message["Message-ID"].strip(), "")
    addresses = set(re.findall(r"[\w.+-]+@[\w.-]+\.\w+", without_id))
    assert addresses <= {INVITEE, "no-reply@tandem.localhost"}, addresses

    # The server has the message a moment before the worker records it as sent.
    marked = CareRelationship.objects.filter(pk=relationship.pk, invitation_sent_at__isnull=False)
    wait_until(marked.exists, what="the invitation marked sent")
    relationship.refresh_from_db()

    row = Delivery.objects.get(kind=Kind.INVITATION, period=period_of(relationship))
    assert row.status == Status.SENT
    assert message["Message-ID"].strip() == row.message_id

    # A retry or a second delivery of the task finds the row claimed and sends nothing.
    deliver.delay(row.pk)
    output = mail_worker.wait_for("'not pending'", timeout=30)
    assert output.count("succeeded") == 2
    assert len(smtp_server.messages) == 1
    assert CareRelationship.objects.get(pk=relationship.pk).invitation_sent_at == (
        relationship.invitation_sent_at
    )
