from allauth.account.forms import LoginForm, ResetPasswordForm
from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError

from .addresses import normalize_email
from .clock import iana_timezones
from .models import canonical_timezones


class SignInForm(LoginForm):
    """allauth's sign-in form, with the address normalised like everywhere else."""

    def clean_login(self) -> str:
        login = super().clean_login()
        try:
            return normalize_email(login)
        except ValidationError:
            return login  # fails as a wrong password would, revealing nothing


class PasswordResetForm(ResetPasswordForm):
    """allauth's reset form: finds and mails the normalised address."""

    def clean_email(self) -> str:
        try:
            self.cleaned_data["email"] = normalize_email(self.cleaned_data["email"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return super().clean_email()


def timezone_choices(current: str | None = None) -> list[tuple[str, str]]:
    """Canonical zones to pick from; an older alias the person chose stays selectable."""
    names = list(canonical_timezones())
    if current and current not in names and current in iana_timezones():
        names.insert(0, current)
    return [(tz, tz.replace("_", " ")) for tz in names]


TIMEZONE_CHOICES = timezone_choices()


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Client's e-mail address", max_length=254)


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=150)
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
        strip=False,
    )
    password2 = forms.CharField(
        label="The same password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    timezone = forms.ChoiceField(
        label="Your time zone",
        choices=TIMEZONE_CHOICES,
        help_text="Reminders arrive at your local time.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return cleaned
