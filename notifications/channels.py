"""How each kind of notice reaches a person: by e-mail, by push to their devices, or both.

A person chooses per kind in their settings (`Preferences.channels`). Push needs the server's
VAPID key and at least one device of theirs; without them a notice goes by e-mail, so that a
choice of push never means nothing arrives. Safety notices always go by e-mail; a therapist
may add push beside it, never instead. Digests and invitations are e-mail only."""

from django.db.models import Exists, OuterRef

from accounts.models import Role

from . import push
from .models import SAFETY_KINDS, Channel, Kind, Preferences, PushSubscription

EMAIL, PUSH, BOTH = "email", "push", "both"
CHOICES = [(EMAIL, "E-mail"), (PUSH, "Push"), (BOTH, "Both")]
# The kinds a person chooses for, by role: (key in `channels`, label), in the settings' order.
CHOOSABLE = {
    Role.CLIENT: [
        (Kind.REMINDER, "Homework reminder"),
        (Kind.CATCH_UP, "Catch-up note"),
        (Kind.REPLY, "A reply from your therapist"),
        (Kind.SESSION_REMINDER, "Session reminder"),
    ],
    Role.THERAPIST: [
        (Kind.THERAPIST_REMINDER, "Daily note of what waits for you"),
        (Kind.SAFETY_ALERT, "Safety alerts"),
    ],
}
# A safety alert's choice covers its re-alerts; e-mail is never left out.
SAME_AS = {Kind.SAFETY_REALERT: Kind.SAFETY_ALERT}
PUSH_KINDS = {kind for kinds in CHOOSABLE.values() for kind, _ in kinds} | set(SAME_AS)


def choices_for(kind: str) -> list[tuple[str, str]]:
    """What a person may pick for `kind`: safety notices stay e-mail (push only beside)."""
    if kind in SAFETY_KINDS:
        return [(EMAIL, "E-mail"), (BOTH, "E-mail and push")]
    return CHOICES


def chosen(prefs: Preferences | None, kind: str) -> str:
    """The person's choice for `kind` as saved (e-mail when none or unknown)."""
    value = (prefs.channels or {}).get(SAME_AS.get(kind, kind)) if prefs else None
    return value if value in dict(choices_for(kind)) else EMAIL


def _resolve(choice: str, has_device: bool, kind: str) -> tuple[str, ...]:
    if kind not in PUSH_KINDS or not has_device or choice == EMAIL:
        return (Channel.EMAIL,)
    if choice == PUSH:
        return (Channel.PUSH,)
    return (Channel.EMAIL, Channel.PUSH)


def channels_for(user_ids, kind: str) -> dict[int, tuple[str, ...]]:
    """The channels of each person's notice of `kind`: one read for any number of people."""
    ids = list(dict.fromkeys(user_ids))
    if kind not in PUSH_KINDS or not push.enabled() or not ids:
        return {pk: (Channel.EMAIL,) for pk in ids}
    rows = Preferences.objects.filter(user_id__in=ids).annotate(
        has_device=Exists(PushSubscription.objects.filter(user_id=OuterRef("user_id")))
    )
    found = {prefs.user_id: _resolve(chosen(prefs, kind), prefs.has_device, kind) for prefs in rows}
    return {pk: found.get(pk, (Channel.EMAIL,)) for pk in ids}


def validate(channels: dict, role: str) -> dict:
    """The choices of `channels` a person of `role` may make, or ValueError naming the first
    that is wrong."""
    allowed = dict(CHOOSABLE.get(role, []))
    clean = {}
    for kind, value in channels.items():
        if kind not in allowed:
            raise ValueError(f"“{kind}” cannot be chosen here.")
        if value not in dict(choices_for(kind)):
            names = ", ".join(key for key, _ in choices_for(kind))
            raise ValueError(f"Choose {names} for “{kind}”.")
        clean[kind] = value
    return clean
