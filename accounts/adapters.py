from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .addresses import normalize_email


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up alone: clients join by invitation, therapists are created by staff."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_login_redirect_url(self, request) -> str:
        return reverse("home")

    def clean_email(self, email: str) -> str:
        return normalize_email(email)
