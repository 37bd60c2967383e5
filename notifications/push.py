"""Web Push (RFC 8030), encrypted for each device (RFC 8291, aes128gcm) and signed with the
server's VAPID key (RFC 8292), through pywebpush.

A push says what its e-mail's subject says (counts and days, never a name, a record or a
kind of record) and carries a link into the portal, nothing else. Endpoints are the
devices' secrets: they never reach a log."""

import base64
import binascii
import ipaddress
import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from .models import SAFETY_KINDS, Kind, PushSubscription

logger = logging.getLogger(__name__)

# Where a notification's tap leads, by kind.
LINKS = {
    Kind.REMINDER: "client_home",
    Kind.CATCH_UP: "client_home",
    Kind.REPLY: "client_home",
    Kind.SESSION_REMINDER: "client_home",
    Kind.THERAPIST_REMINDER: "therapist_home",
    Kind.SAFETY_ALERT: "therapist_alerts",
    Kind.SAFETY_REALERT: "therapist_alerts",
}
# A person may keep this many devices; the oldest unused go first when they add one more.
MAX_DEVICES = 10
# Seconds a push service may wait for the device to come online, at least and at most.
MIN_TTL = 60
MAX_TTL = 24 * 3600
TIMEOUT = 10
# Answers that say the subscription is no more (RFC 8030 §7.3): the device is removed.
GONE = (404, 410)


class PushNotConfigured(Exception):
    """The server has no VAPID key: push is off."""


# --- Keys ----------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@cache
def _vapid(private_key: str) -> Vapid02:
    return Vapid02.from_string(private_key=private_key)


def vapid() -> Vapid02:
    if not settings.TANDEM_VAPID_PRIVATE_KEY:
        raise PushNotConfigured
    return _vapid(settings.TANDEM_VAPID_PRIVATE_KEY)


def enabled() -> bool:
    return bool(settings.TANDEM_VAPID_PRIVATE_KEY)


def application_server_key() -> str:
    """The public key browsers subscribe with (`applicationServerKey`), or "" when off."""
    if not enabled():
        return ""
    point = vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def new_private_key() -> str:
    """A new VAPID private key, as TANDEM_VAPID_PRIVATE_KEY takes it (URL-safe base64)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


# --- Subscriptions: what a browser hands over ---------------------------------------


class InvalidSubscription(ValueError):
    """A subscription the server cannot send to; `field` names the part that is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(endpoint: str) -> str:
    """The endpoint, if it is an https URL (plain http only to this machine, in the demo)."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return endpoint
    if parts.scheme == "http" and _loopback(host) and settings.TANDEM_PUSH_ALLOW_HTTP_LOOPBACK:
        return endpoint
    raise InvalidSubscription("endpoint", "The endpoint must be an https:// address.")


def check_keys(p256dh: str, auth: str) -> None:
    """The device's public key (an uncompressed P-256 point) and its 16-byte auth secret."""
    try:
        point = b64url_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        if len(point) != 65:
            raise ValueError
    except (ValueError, binascii.Error):
        raise InvalidSubscription(
            "keys", "keys.p256dh is not a P-256 public key in URL-safe base64."
        ) from None
    try:
        secret = b64url_decode(auth)
    except (ValueError, binascii.Error):
        secret = b""
    if len(secret) != 16:
        raise InvalidSubscription("keys", "keys.auth must be 16 bytes in URL-safe base64.")


# --- What a push says ----------------------------------------------------------------


def payload(kind: str, subject: str) -> dict:
    """The push of one ledger row: its e-mail's subject (which names nobody) and a link."""
    return {
        "title": "Tandem",
        "body": subject,
        "url": reverse(LINKS.get(kind, "home")),
        "tag": kind,
    }


# --- Sending -------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the devices of one row answered: accepted, removed (gone), failed for now."""

    accepted: int = 0
    gone: int = 0
    transient: int = 0
    refused: int = 0
    reason: str = ""


_local = threading.local()


def _session() -> requests.Session:
    """One HTTP session per worker thread: its connections to the push services are kept."""
    if getattr(_local, "session", None) is None:
        _local.session = requests.Session()
    return _local.session


def ttl_for(give_up_at: datetime | None, now: datetime) -> int:
    """How long the push service may hold the message: until the row would stop being
    retried (a safety push: a day)."""
    if give_up_at is None:
        return MAX_TTL
    return int(min(max((give_up_at - now).total_seconds(), MIN_TTL), MAX_TTL))


def send_to_devices(*, user_id: int, kind: str, data: dict, give_up_at: datetime | None) -> Outcome:
    """Send `data` to each of the person's devices. A device the service says is gone is
    removed; the others are counted by what their service answered."""
    devices = list(PushSubscription.objects.filter(user_id=user_id))
    now = timezone.now()
    body = json.dumps(data, separators=(",", ":"))
    ttl = ttl_for(give_up_at, now)
    headers = {
        "Urgency": "high" if kind in SAFETY_KINDS else "normal",
        "Topic": kind.replace("_", "-")[:32],
    }
    counts = {"accepted": 0, "gone": 0, "transient": 0, "refused": 0}
    reasons: list[str] = []
    accepted_ids, gone_ids = [], []
    for device in devices:
        try:
            webpush(
                subscription_info={
                    "endpoint": device.endpoint,
                    "keys": {"p256dh": device.p256dh, "auth": device.auth},
                },
                data=body,
                vapid_private_key=vapid(),
                vapid_claims={"sub": settings.TANDEM_VAPID_SUBJECT},
                content_encoding="aes128gcm",
                ttl=ttl,
                timeout=TIMEOUT,
                headers=headers,
                requests_session=_session(),
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in GONE:
                gone_ids.append(device.pk)
                counts["gone"] += 1
            elif status is None or status == 429 or status >= 500:
                counts["transient"] += 1
                reasons.append(f"push {status or 'unreachable'}")
            else:
                counts["refused"] += 1
                reasons.append(f"push refused {status}")
        except (requests.RequestException, OSError) as exc:
            counts["transient"] += 1
            reasons.append(f"push unreachable ({type(exc).__name__})")
        else:
            accepted_ids.append(device.pk)
            counts["accepted"] += 1
    if gone_ids:
        PushSubscription.objects.filter(pk__in=gone_ids).delete()
        logger.info("removed %s push devices of user %s: gone", len(gone_ids), user_id)
    if accepted_ids:
        PushSubscription.objects.filter(pk__in=accepted_ids).update(last_sent_at=now)
    return Outcome(**counts, reason="; ".join(sorted(set(reasons)))[:200])
