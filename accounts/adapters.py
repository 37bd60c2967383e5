from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .addresses import normalize_email
from .network import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up alone: clients join by invitation, therapists are created by staff."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_login_redirect_url(self, request) -> str:
        return reverse("home")

    def clean_email(self, email: str) -> str:
        return normalize_email(email)

    def get_client_ip(self, request) -> str:
        """The rate limits key on the same address the audit log records."""
        return client_ip(request) or super().get_client_ip(request)
