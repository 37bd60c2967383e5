import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.urls import reverse

from . import services
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

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth counts failures per account wherever they come from, so anyone who knows
        # an address could lock its owner out. Count them per client address and account.
        # (A password reset clears this key: allauth asks this method for it.)
        login = str(credentials.get("email") or credentials.get("username") or "")
        return f"{_address_block(self.get_client_ip(request))}:{_login_key(login)}"

    def pre_authenticate(self, request, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            # Refused before the password is even checked: audit it as a blocked attempt.
            services.sign_in_refused(
                attempted=str(credentials.get("email") or credentials.get("username") or ""),
                ip_address=client_ip(request),
                blocked=True,
            )
            raise


def _login_key(login: str) -> str:
    try:
        return normalize_email(login)
    except ValidationError:
        return login.strip().lower()


def _address_block(ip: str) -> str:
    # One IPv6 client usually holds a whole /64: count it as one address.
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)
