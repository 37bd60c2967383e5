from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.template.loaders.filesystem import Loader

from accounts import services
from accounts.mail import compile_templates, render_email
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


def test_once_compiled_every_email_renders_without_reading_a_template_file(monkeypatch):
    engine = engines["django"].engine
    engine.template_loaders[0].reset()  # the cached loader, as in a new process
    files = list((Path(settings.BASE_DIR) / "templates" / "emails").glob("*"))
    assert compile_templates() == len(files) > 20

    def read(self, origin):
        raise AssertionError(f"{origin.name} read again")

    monkeypatch.setattr(Loader, "get_contents", read)
    for path in files:
        if path.name.endswith("_subject.txt"):
            template = path.name.removesuffix("_subject.txt")
            message = render_email(to="someone@example.org", template=template, context={})
            assert message.body and message.alternatives


def test_an_emails_counts_read_as_plain_digits_whatever_the_number_format(settings):
    settings.USE_THOUSAND_SEPARATOR = True  # the site's pages would read 1,200
    week = {"monday": "2026-11-23", "homework_done": 1200, "homework_due": 1500}
    message = render_email(
        to="someone@example.org", template="client_digest", context={"week": week}
    )
    [(html, _)] = message.alternatives
    assert "Homework done: 1200 of 1500" in message.body
    assert "Homework done: 1200 of 1500" in html
