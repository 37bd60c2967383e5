import pytest

from accounts import services
from notifications import ledger
from notifications.invitations import period_of
from notifications.models import Delivery, Kind
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db

NAME = 'Smith & Jones <"Practice">'


def send_invitation(relationship) -> str:
    row = Delivery.objects.get(kind=Kind.INVITATION, period=period_of(relationship))
    return ledger.deliver(row.pk)


def test_plain_text_parts_are_not_html_escaped_and_the_html_part_is(mailoutbox):
    therapist = TherapistFactory(name=NAME)
    relationship = services.invitation_create(therapist=therapist, email="new@example.org")
    assert send_invitation(relationship) == "sent"
    [message] = mailoutbox
    assert message.subject == f"{NAME} invited you to Tandem"
    assert f"{NAME} invited you" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "Smith &amp; Jones &lt;&quot;Practice&quot;&gt; invited you" in html
    assert NAME not in html


def test_the_invitation_says_it_was_sent_automatically(mailoutbox):
    relationship = services.invitation_create(therapist=TherapistFactory(), email="new@example.org")
    assert send_invitation(relationship) == "sent"
    [message] = mailoutbox
    # RFC 3834: read on the wire, so that vacation responders stay quiet.
    assert message.message()["Auto-Submitted"] == "auto-generated"
