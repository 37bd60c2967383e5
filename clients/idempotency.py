"""Idempotency keys on record creation ("The Idempotency-Key HTTP Header Field", IETF draft).

A client that may send a request twice (a phone's offline queue retrying after a lost
answer) makes a unique key, such as a UUID, and sends it in `Idempotency-Key`. Keys are per
person. The first request with a key claims it, makes the record and stores which record it
made, in one transaction: the claim is an insert under a unique constraint, so a second
request with the same key waits for the first and then reads what it made. So:

- same key, same request again: the record's answer again (201), rebuilt from the record as
  it is now, with `Idempotent-Replayed: true`; never a second record;
- same key, another request (another body, path or method): 409;
- a request that fails (4xx, 5xx) keeps no key: everything it did is rolled back, the key
  too, so the same entry can be sent again once what was wrong is put right. An offline
  queue then never holds an entry that can neither succeed nor be told apart from a new
  one, and nothing about a refused request is stored.

Keys are kept `KEEP_DAYS` days; `purge()` (a daily beat task) deletes older ones, and an
expired key is treated as new when it comes back.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import APIException, ValidationError

from accounts.models import User

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP_DAYS = 7
KEY_MIN, KEY_MAX = 8, 255
# Visible ASCII, no spaces; a key sent as a structured-field string ("...") is unquoted first.
KEY_PATTERN = r"^[!#-~]{8,255}$"
_KEY = re.compile(KEY_PATTERN)
BAD_KEY = (
    f"Give {KEY_MIN} to {KEY_MAX} visible ASCII characters without spaces or quotes, "
    "such as a UUID."
)
OTHER_REQUEST = (
    "This Idempotency-Key was used for a different request. Use a new key for a new request."
)
RECORD_GONE = "This request was carried out before; the record it made has since been deleted."


class KeyReused(APIException):
    status_code = 409
    default_detail = OTHER_REQUEST
    default_code = "idempotency_key_reused"


@dataclass(frozen=True)
class Done:
    """What an earlier request with the key made."""

    status_code: int
    record_id: str | None
    not_saved: dict


def key_of(request) -> str | None:
    """The request's key; None without the header. A malformed one is a 400."""
    value = request.headers.get(HEADER)
    if value is None:
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not _KEY.match(value):
        raise ValidationError({HEADER: [BAD_KEY]})
    return value


def fingerprint(request) -> str:
    """SHA-256 of the method, the path and the body as canonical JSON (keys sorted, no
    spaces): the same entry sent twice has the same fingerprint however it is spelled."""
    data = request.data
    if hasattr(data, "getlist"):  # a form body: every value of every field
        data = {name: data.getlist(name) for name in data}
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    text = "\n".join((request.method.upper(), request.path, body))
    return hashlib.sha256(text.encode()).hexdigest()


def claim(*, user: User, key: str, fingerprint: str) -> Done | None:
    """Claim the key inside the caller's transaction: None when it is this request's to
    carry out, else what the earlier request with it made. Raises `KeyReused` when the key
    was used for another request. A request holding the same key waits here until the one
    that claimed it first commits or rolls back."""
    assert transaction.get_connection().in_atomic_block, "claim a key inside a transaction"
    cutoff = timezone.now() - timedelta(days=KEEP_DAYS)
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
    except IntegrityError:
        # Committed by the request that claimed it first (a new statement sees it).
        earlier = IdempotencyKey.objects.get(user=user, key=key)
        if earlier.fingerprint != fingerprint:
            raise KeyReused() from None
        return Done(
            status_code=earlier.status_code,
            record_id=str(earlier.record_id) if earlier.record_id else None,
            not_saved=earlier.not_saved,
        )
    return None


def complete(*, user: User, key: str, status_code: int, record_id, not_saved: dict) -> None:
    """Store what the request that claimed the key made, in the same transaction."""
    IdempotencyKey.objects.filter(user=user, key=key).update(
        status_code=status_code, record_id=record_id, not_saved=not_saved or {}
    )


def purge(*, now=None) -> int:
    """Delete keys older than KEEP_DAYS; how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=KEEP_DAYS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
