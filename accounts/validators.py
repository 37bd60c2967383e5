"""Validators every app's free text goes through."""

from django.core.exceptions import ValidationError


def validate_text(value: str) -> None:
    """No NUL bytes and no lone surrogates: neither can be stored or exported safely."""
    if not isinstance(value, str):
        return
    if "\x00" in value:
        raise ValidationError("Text must not contain NUL characters.")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValidationError("Text must be valid Unicode.")
