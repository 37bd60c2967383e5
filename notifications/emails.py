"""One function per e-mail kind. Counts and links only: no names, no titles, no text, no
moods (TRUST.md, "E-mail carries no clinical content"). Each carries a Message-ID derived
from its ledger key and RFC 8058 one-click unsubscribe headers."""

import email.policy
import hashlib
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.mail import render_text
from accounts.models import User

from .models import Delivery, Kind

UNSUBSCRIBE_SALT = "tandem.notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = timedelta(days=90)
LISTS = {
    Kind.REMINDER: "reminders",
    Kind.CATCH_UP: "reminders",
    Kind.CLIENT_DIGEST: "digest",
    Kind.THERAPIST_DIGEST: "digest",
    Kind.THERAPIST_REMINDER: "reminders",
}


class ListEmail(EmailMultiAlternatives):
    """An e-mail whose long List-Unsubscribe URL stays one plain `<…>` line.

    The standard policies fold a header word longer than 78 characters into RFC 2047
    encoded words, which mail clients do not decode in List-Unsubscribe; RFC 5322 allows
    lines up to 998 characters, so headers are folded only beyond that.
    """

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def message_id(delivery: Delivery) -> str:
    """The same for every attempt at one ledger key, so a receiver can drop a duplicate."""
    key = f"{delivery.user.public_id}|{delivery.kind}|{delivery.period}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "tandem.localhost"
    return f"<{delivery.kind}.{digest}@{domain}>"


def unsubscribe_token(user: User, what: str) -> str:
    return signing.dumps(
        {"u": str(user.public_id), "l": what}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def unsubscribe_url(user: User, what: str) -> str:
    path = reverse("unsubscribe", kwargs={"token": unsubscribe_token(user, what)})
    return f"{settings.SITE_URL}{path}"


def _message(delivery: Delivery, template: str, context: dict) -> ListEmail:
    user = delivery.user
    unsubscribe = unsubscribe_url(user, LISTS[delivery.kind])
    preferences = settings.SITE_URL + reverse(
        "therapist_notifications" if user.is_therapist else "client_notifications"
    )
    context = {
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe,
        "preferences_url": preferences,
        "recipient_name": user.name,  # the reader's own name; "Hello," without one
        **context,
    }
    subject = " ".join(render_text(f"emails/{template}_subject.txt", context).split())
    message = ListEmail(
        subject=subject,
        body=render_text(f"emails/{template}.txt", context),
        to=[user.email],
        headers={
            "Message-ID": message_id(delivery),
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def reminder_email(delivery: Delivery, *, waiting: int) -> EmailMultiAlternatives:
    return _message(
        delivery,
        "reminder",
        {"waiting": waiting, "url": settings.SITE_URL + reverse("client_home")},
    )


def catch_up_email(delivery: Delivery) -> EmailMultiAlternatives:
    return _message(delivery, "catch_up", {"url": settings.SITE_URL + reverse("client_home")})


def client_digest_email(delivery: Delivery, *, week) -> EmailMultiAlternatives:
    return _message(
        delivery,
        "client_digest",
        {"week": week, "url": settings.SITE_URL + reverse("client_my_week")},
    )


def therapist_digest_email(delivery: Delivery, *, caseload) -> EmailMultiAlternatives:
    return _message(
        delivery,
        "therapist_digest",
        {
            "monday": caseload.monday,
            "active": caseload.active,
            "all_done": caseload.all_done,
            "quiet": caseload.quiet,
            "flags": caseload.flag_counts,  # counts only: no names, moods or scores
            "clients": len(caseload.rows),
            "url": settings.SITE_URL + reverse("therapist_weekly_review"),
        },
    )


def therapist_reminder_email(delivery: Delivery, *, waiting) -> EmailMultiAlternatives:
    """Counts only: `waiting.items` name clients and stay in the portal."""
    return _message(
        delivery,
        "therapist_reminder",
        {
            "total": waiting.total,
            "shared": waiting.shared,
            "replies": waiting.replies,
            "invitations": waiting.invitations,
            "silent": waiting.silent,
            "url": settings.SITE_URL + reverse("therapist_home"),
        },
    )


def safety_email(delivery: Delivery, *, again: bool) -> EmailMultiAlternatives:
    """ "A client needs your attention": no name, no source, no content, and no unsubscribe
    (a safety notice cannot be turned off). The same words the first time and again."""
    context = {
        "site_url": settings.SITE_URL,
        "recipient_name": delivery.user.name,
        "again": again,
        "url": settings.SITE_URL + reverse("therapist_alerts"),
    }
    message = EmailMultiAlternatives(
        subject=" ".join(render_text("emails/safety_alert_subject.txt", context).split()),
        body=render_text("emails/safety_alert.txt", context),
        to=[delivery.user.email],
        headers={
            "Message-ID": message_id(delivery),
            "Auto-Submitted": "auto-generated",
            "X-Priority": "1",
        },
    )
    message.attach_alternative(render_to_string("emails/safety_alert.html", context), "text/html")
    return message
