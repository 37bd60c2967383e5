"""Writes about people: accounts, care relationships, invitations."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Role, User


@transaction.atomic
def therapist_create(*, email: str, password: str, name: str = "", timezone: str = "UTC") -> User:
    """Create a therapist; a taken address or a weak password is a ValidationError."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account with this e-mail address already exists."})
    user = User(email=email, name=name, timezone=timezone, role=Role.THERAPIST)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user
