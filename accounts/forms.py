from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html

from .models import iana_timezones

TIMEZONE_CHOICES = [(tz, tz.replace("_", " ")) for tz in sorted(iana_timezones())]


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
