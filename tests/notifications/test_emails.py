"""Every e-mail kind, both parts: the product's name and colour, a greeting with or without
the reader's name, the unsubscribe footer where it applies, and a text part that is plain
text (no tags, no HTML entities)."""

import email.policy
import random
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from django.core.mail import EmailMultiAlternatives

from notifications import emails
from notifications.models import Delivery, Kind
from notifications.selectors import ClientWeek
from progress.waiting import Waiting
from tests.factories import ClientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

TEAL = "#1d5f6e"
OLD_BLUE = "#2456a6"
# An apostrophe and an ampersand: escaped in the HTML part, as typed in the text part.
NAME = "Siobhán O'Neil & Co"
MONDAY = date(2026, 11, 23)
ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
TAG = re.compile(r"</?[a-z][^>]*>", re.IGNORECASE)


def week() -> ClientWeek:
    return ClientWeek(
        monday=MONDAY,
        homework_done=3,
        homework_due=5,
        days_logged=4,
        journal_entries=2,
        active_minutes=90,
        social_contacts=1,
        streak=2,
        moods=((MONDAY, 7.0),),
    )


def caseload() -> SimpleNamespace:
    flags = {"alert": 1, "mood_down": 0, "overdue": 2, "low_adherence": 1, "silent": 1}
    return SimpleNamespace(
        monday=MONDAY, active=3, all_done=1, quiet=1, flag_counts=flags, rows=(1, 2, 3, 4)
    )


def build(kind: str, user):
    """One message of `kind` for `user` (for the invitation: from `user`, to an address with
    no account)."""
    delivery = Delivery.objects.create(user=user, kind=kind, period="2026-W49")
    if kind == Kind.INVITATION:
        return emails.invitation_email(
            delivery,
            to="new.client@example.org",
            therapist_name=NAME,
            url="https://tandem.example/invite/abc",
            expires_at=datetime(2026, 12, 17, tzinfo=UTC),
        )
    if kind == Kind.REMINDER:
        return emails.reminder_email(delivery, waiting=2)
    if kind == Kind.CATCH_UP:
        return emails.catch_up_email(delivery)
    if kind == Kind.CLIENT_DIGEST:
        return emails.client_digest_email(delivery, week=emails.WeekCounts.of(week()))
    if kind == Kind.THERAPIST_DIGEST:
        return emails.therapist_digest_email(
            delivery, caseload=emails.CaseloadCounts.of(caseload())
        )
    if kind == Kind.THERAPIST_REMINDER:
        waiting = Waiting(shared=1, replies=1, invitations=0, silent=1)
        return emails.therapist_reminder_email(
            delivery, waiting=emails.WaitingCounts.of(waiting), briefs_tomorrow=2
        )
    if kind == Kind.REPLY:
        return emails.reply_email(delivery)
    if kind == Kind.SESSION_REMINDER:
        return emails.session_reminder_email(
            delivery, tomorrow=True, day=date(2026, 12, 8), at="17:00"
        )
    if kind == Kind.SAFETY_ALERT:
        return emails.safety_email(delivery, again=False)
    if kind == Kind.SAFETY_REALERT:
        return emails.safety_email(delivery, again=True)
    raise AssertionError(kind)


CLIENT_KINDS = [Kind.REMINDER, Kind.CATCH_UP, Kind.CLIENT_DIGEST, Kind.REPLY, Kind.SESSION_REMINDER]
# The invitation is its therapist's ledger row, sent to the invitee's address.
THERAPIST_KINDS = [
    Kind.INVITATION,
    Kind.THERAPIST_DIGEST,
    Kind.THERAPIST_REMINDER,
    Kind.SAFETY_ALERT,
    Kind.SAFETY_REALERT,
]
LIST_KINDS = set(emails.LISTS)


def test_every_kind_is_covered_here():
    assert set(Kind.values) == set(CLIENT_KINDS + THERAPIST_KINDS)


@pytest.mark.parametrize("kind", [*CLIENT_KINDS, *THERAPIST_KINDS])
@pytest.mark.parametrize("named", [True, False], ids=["named", "nameless"])
def test_each_kind_carries_the_look_the_greeting_and_a_plain_text_part(kind, named):
    factory = TherapistFactory if kind in THERAPIST_KINDS else ClientFactory
    user = factory(name=NAME if named else "")
    message = build(kind, user)
    [(html, mimetype)] = message.alternatives
    text, subject = message.body, message.subject
    assert mimetype == "text/html"

    # The product's name and mark, in its own teal; the old blue is gone.
    assert "Tandem" in subject + text and "Tandem" in html
    assert html.count(TEAL) >= 2  # the mark and the button
    assert OLD_BLUE not in html.lower()
    assert '<html lang="en">' in html
    assert "<img" not in html and "url(" not in html  # nothing fetched from elsewhere

    # A greeting that works with and without a name; the invitee has none yet.
    if named and kind != Kind.INVITATION:
        assert "Hello Siobhán O&#x27;Neil &amp; Co," in html
        assert text.startswith("Hello Siobhán O'Neil & Co,\n")
    else:
        assert '<p style="margin:0 0 16px;">Hello,</p>' in html
        assert text.startswith("Hello,\n")

    # The text part and subject are plain text: no tags, no escaped entities.
    for plain in (text, subject):
        assert not TAG.search(plain), plain
        assert not ENTITY.search(plain), plain
    if kind == Kind.INVITATION:
        assert message.to == ["new.client@example.org"]
        assert "Siobhán O'Neil & Co invited you" in text + subject
        assert "O&#x27;Neil &amp; Co invited you" in html

    # One-click unsubscribe footer on lists; never on a safety notice or an invitation.
    if kind in LIST_KINDS:
        assert "Stop these e-mails" in html and "Stop these e-mails:" in text
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = message.extra_headers["List-Unsubscribe"].strip("<>")
        assert url in text and url in html
    else:
        assert "Stop these e-mails" not in html + text
        assert "List-Unsubscribe" not in message.extra_headers
    if kind in (Kind.SAFETY_ALERT, Kind.SAFETY_REALERT):
        assert "cannot be turned off" in html and "cannot be turned off" in text


@pytest.mark.parametrize("kind", [k for k in THERAPIST_KINDS if k != Kind.INVITATION])
def test_a_therapist_e_mail_greets_the_therapist_and_names_no_client(kind):
    ClientFactory(name="Zephyrine Quackenbush")
    therapist = TherapistFactory(name="Dr. Ada Byron")
    message = build(kind, therapist)
    whole = message.subject + message.body + message.alternatives[0][0]
    assert "Hello Dr. Ada Byron," in whole
    assert "Zephyrine" not in whole


def test_the_session_reminder_says_the_day_and_time_only():
    message = build(Kind.SESSION_REMINDER, ClientFactory(name="Ada"))
    assert message.subject == "You have a session tomorrow at 17:00"
    line = "You have a session tomorrow, Tuesday 8 December, at 17:00 (your time)."
    assert line in message.body and line in message.alternatives[0][0]


def test_the_therapist_reminder_counts_tomorrows_briefs_after_what_waits():
    message = build(Kind.THERAPIST_REMINDER, TherapistFactory(name="Dr. Ada Byron"))
    assert message.subject == "3 things are waiting for you in Tandem"
    assert "client quiet for a week.\n\n2 session briefs for tomorrow.\n" in message.body
    assert (
        '<p style="margin:0 0 12px;">2 session briefs for tomorrow.</p>'
        in (message.alternatives[0][0])
    )


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("policy", [email.policy.SMTP, email.policy.default])
def test_a_list_email_made_after_others_is_the_bytes_the_standard_policy_makes(policy):
    """The headers kept between messages change nothing on the wire: each message, made
    after messages of every kind to two people, reads byte for byte as the standard policy
    (with lines of up to 998 characters) makes it alone."""
    messages = [
        build(kind, user)
        for user in (ClientFactory(name=NAME), ClientFactory())
        for kind in CLIENT_KINDS
    ]
    messages += [build(kind, TherapistFactory()) for kind in THERAPIST_KINDS if kind in LIST_KINDS]
    for message in messages * 2:
        random.seed(1)  # the same multipart boundary for both
        made = message.message(policy=policy).as_bytes()
        random.seed(1)
        alone = EmailMultiAlternatives.message(message, policy=policy.clone(max_line_length=998))
        assert made == alone.as_bytes()


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize(
    "to",
    [
        "client.1+tag@sub-domain.example.org",  # plain: kept as given
        "Siobhán <siobhan@example.org>",  # a display name
        "x@bücher.example",  # a domain to encode
        '"quoted local"@example.org',
    ],
)
def test_a_list_email_to_any_address_is_the_bytes_the_standard_policy_makes(to):
    headers = {
        "Message-ID": "<client_digest.0a1b@tandem.localhost>",
        "List-Unsubscribe": "<https://tandem.example/unsubscribe/a1:b-c_d/>",
    }
    message = emails.ListEmail(subject="Hello", body="Plain", to=[to], headers=headers)
    message.attach_alternative("<p>Plain</p>", "text/html")
    for policy in (email.policy.SMTP, email.policy.default):
        random.seed(1)
        made = message.message(policy=policy).as_bytes()
        random.seed(1)
        alone = EmailMultiAlternatives.message(message, policy=policy.clone(max_line_length=998))
        assert made == alone.as_bytes()


@pytest.mark.usefixtures("frozen")
def test_a_list_emails_plain_headers_are_kept_as_given_not_parsed(monkeypatch):
    """The recipient, the Message-ID, the unsubscribe link, the date and the multipart's
    boundary of a digest reach the wire without the header parser (emails.PLAIN_VALUES);
    read back, they are the same text."""
    parsed, values = [], []
    parse = emails.HeaderClasses.__call__

    def counting(registry, name, value):
        parsed.append(name.lower())
        values.append(str(value))
        return parse(registry, name, value)

    monkeypatch.setattr(emails.HeaderClasses, "__call__", counting)
    user = ClientFactory(email="plain.client@example.org")
    message = build(Kind.CLIENT_DIGEST, user).message(policy=email.policy.SMTP)
    wire = message.as_bytes()
    assert not {"to", "message-id", "list-unsubscribe", "date"} & set(parsed), parsed
    assert not [value for value in values if "boundary" in value]
    assert message.get_boundary() in message["Content-Type"]
    assert message["To"] == "plain.client@example.org"
    assert message["Date"] == "Tue, 01 Dec 2026 09:00:00 +0000"  # NOW
    assert b"\r\nTo: plain.client@example.org\r\n" in wire


def test_a_list_email_of_one_part_is_given_no_boundary():
    message = emails.ListEmail(subject="Hello", body="Plain", to=["a@example.org"]).message()
    assert (message.get_content_type(), message.get_boundary()) == ("text/plain", None)
    assert message.as_bytes().endswith(b"\n\nPlain\n")
