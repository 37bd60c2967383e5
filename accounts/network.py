"""The client's address, as the audit log and the sign-in rate limits see it.

`X-Forwarded-For` is believed only when the peer is one of TANDEM_TRUSTED_PROXIES, and
then read from the right: the first address that is not a trusted proxy is the client's.
Anything to its left was written by the client and may be forged.
"""

import ipaddress
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"Environment variable TANDEM_TRUSTED_PROXIES is malformed: {exc}"
        ) from exc


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.TANDEM_TRUSTED_PROXIES))


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.9:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _is_trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request) -> str | None:
    """The right-most address not belonging to a trusted proxy (the peer when untrusted)."""
    peer = _address(request.META.get("REMOTE_ADDR") or "")
    if peer is None:
        return None
    networks = trusted_networks()
    client = peer
    if _is_trusted(peer, networks):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed([h for h in hops if h.strip()]):
            address = _address(hop)
            if address is None:
                break  # garbage from here leftwards: keep the last address a proxy vouched for
            client = address
            if not _is_trusted(address, networks):
                break
    return str(client)
