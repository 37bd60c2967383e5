"""The therapist's private calendar feed of all their sessions, behind a signed, revocable URL,
built and protected as the client's homework feed is (`homework.ical`): the signed key in the
URL is the credential; a new key (revoke) or turning it off stops every old URL at once.

What it may show: when sessions are, titled "Session", unless the therapist chose to see
"Session with <client>" (and where). The URL ends up in calendar apps and the services they
sync with, so nothing else: no notes, no recaps, no records."""

import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.models import User

from .models import TherapistFeed

FEED_SALT = "tandem.appointments.calendar"


def _signer() -> signing.Signer:
    return signing.Signer(salt=FEED_SALT)


def feed_token(feed: TherapistFeed) -> str:
    """The signed key, without a timestamp: the link stays the same each time the page shows
    it, and calendar apps poll it for years. Revoking changes the key."""
    return _signer().sign_object(str(feed.key))


def feed_from_token(token: str) -> TherapistFeed | None:
    """The feed this token opens; None when it is forged, mangled or revoked."""
    try:
        key = uuid.UUID(_signer().unsign_object(token))
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        return None
    return (
        TherapistFeed.objects.select_related("therapist")
        .filter(key=key, therapist__is_active=True)
        .first()
    )


def feed_for_therapist(therapist: User) -> TherapistFeed | None:
    return TherapistFeed.objects.filter(therapist=therapist).first()


def feed_url(feed: TherapistFeed) -> str:
    return settings.SITE_URL + reverse(
        "therapist_calendar_feed", kwargs={"token": feed_token(feed)}
    )


def feed_enable(*, therapist: User) -> TherapistFeed:
    """The therapist's feed, made if it does not exist yet (titles hidden by default)."""
    feed, _created = TherapistFeed.objects.get_or_create(therapist=therapist)
    return feed


def feed_set_titles(*, feed: TherapistFeed, show_titles: bool) -> TherapistFeed:
    feed.show_titles = show_titles
    feed.save(update_fields=["show_titles"])
    return feed


def feed_revoke(*, feed: TherapistFeed) -> TherapistFeed:
    """A new key: every URL made from the old one stops working at once."""
    feed.key = uuid.uuid4()
    feed.save(update_fields=["key"])
    return feed


def feed_disable(*, feed: TherapistFeed) -> None:
    feed.delete()
