"""Addresses saved before accounts.addresses existed, in its one spelling.

A row whose new spelling would collide with another account's, or whose address is no
longer accepted (a look-alike domain), keeps its old value: it stays readable and signs
in as before wherever both spellings agree.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, migrations, transaction

from accounts.addresses import normalize_email


def _normalized(value):
    try:
        return normalize_email(value)
    except ValidationError:
        return None


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    CareRelationship = apps.get_model("accounts", "CareRelationship")
    for user in User.objects.only("pk", "email").iterator():
        new = _normalized(user.email)
        if not new or new == user.email:
            continue
        if User.objects.filter(email__iexact=new).exclude(pk=user.pk).exists():
            continue  # another account has this spelling: keep the old one
        _update(User.objects.filter(pk=user.pk), email=new)
    for relationship in CareRelationship.objects.only("pk", "invited_email").iterator():
        new = _normalized(relationship.invited_email)
        if new and new != relationship.invited_email:
            _update(CareRelationship.objects.filter(pk=relationship.pk), invited_email=new)


def _update(queryset, **values):
    try:
        with transaction.atomic():
            queryset.update(**values)
    except IntegrityError:  # a unique constraint says it would clash: keep the old value
        pass


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_invitation_queued_at")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
