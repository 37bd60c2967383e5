"""Writes of push devices: a browser's subscription saved, renamed, removed. The reads go
through `accounts.policy.own_rows_visible_to`: a person sees and changes only their own."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.policy import own_rows_visible_to

from . import push
from .models import PushSubscription

DEFAULT_NAME = "This device"


def visible_to(user):
    return own_rows_visible_to(user, PushSubscription.objects.all())


def _name(name: str | None) -> str:
    name = " ".join((name or "").split())[:60]
    return name or DEFAULT_NAME


def _check(endpoint: str, p256dh: str, auth: str) -> None:
    try:
        push.check_endpoint(endpoint)
        push.check_keys(p256dh, auth)
    except push.InvalidSubscription as exc:
        raise ValidationError({exc.field: str(exc)}) from None


def subscribe(
    *, user: User, endpoint: str, p256dh: str, auth: str, name: str = ""
) -> tuple[PushSubscription, bool]:
    """Save this device for `user`: (its row, whether it is new to them). A device that was
    another person's (a shared phone, signed in by someone else now) becomes this person's
    alone; a device already theirs gets its new keys."""
    _check(endpoint, p256dh, auth)
    for _ in range(2):  # a second try when another request saved the same device at once
        try:
            with transaction.atomic():
                device = (
                    PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
                )
                if device is not None and device.user_id == user.pk:
                    device.p256dh, device.auth = p256dh, auth
                    if name:
                        device.name = _name(name)
                    device.save(update_fields=["p256dh", "auth", "name"])
                    return device, False
                if device is not None:
                    device.delete()
                if PushSubscription.objects.filter(user=user).count() >= push.MAX_DEVICES:
                    raise ValidationError(
                        {
                            "endpoint": f"You have {push.MAX_DEVICES} devices with push on. "
                            "Remove one you no longer use first."
                        }
                    )
                device = PushSubscription.objects.create(
                    user=user, endpoint=endpoint, p256dh=p256dh, auth=auth, name=_name(name)
                )
                return device, True
        except IntegrityError:
            continue
    raise ValidationError({"endpoint": "This device is being saved already. Try again."})


def rename(*, device: PushSubscription, name: str) -> PushSubscription:
    device.name = _name(name)
    device.save(update_fields=["name"])
    return device


def remove(*, device: PushSubscription) -> None:
    device.delete()
