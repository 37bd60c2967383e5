"""The audit log records the client's address, also behind the bundled nginx."""

import pytest
from django.test import RequestFactory

from accounts.models import AuditAction, AuditEvent
from accounts.network import client_ip
from tests.factories import PASSWORD, ClientFactory

NGINX = "172.18.0.5"
CLIENT = "198.51.100.7"
FORGED = "6.6.6.6"


@pytest.fixture(autouse=True)
def proxies(settings):
    settings.TANDEM_TRUSTED_PROXIES = ["172.16.0.0/12", "10.0.0.2", "2001:db8:ffff::/48"]


def ip_of(remote_addr, forwarded=None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **headers))


@pytest.mark.parametrize(
    ("remote_addr", "forwarded", "expected"),
    [
        # A direct request: the peer is the client.
        (CLIENT, None, CLIENT),
        # A forged header from a peer that is not a proxy is ignored.
        (CLIENT, FORGED, CLIENT),
        (CLIENT, f"{FORGED}, {NGINX}", CLIENT),
        # Through nginx, which writes the address it saw.
        (NGINX, CLIENT, CLIENT),
        # A forged header passed on by a proxy that appends: the right-most untrusted wins.
        (NGINX, f"{FORGED}, {CLIENT}", CLIENT),
        # Two proxies in a row, both trusted.
        (NGINX, f"{FORGED}, {CLIENT}, 10.0.0.2", CLIENT),
        # Only trusted addresses: the left-most of them.
        (NGINX, "10.0.0.2", "10.0.0.2"),
        (NGINX, "", NGINX),
        # Garbage where an address should be: the last address a proxy vouched for.
        (NGINX, f"{FORGED}, not-an-ip", NGINX),
        (NGINX, "203.0.113.9:51234", "203.0.113.9"),
        ("2001:db8:ffff::1", "[2001:db8::7]:443", "2001:db8::7"),
    ],
)
def test_it_believes_forwarded_for_only_from_trusted_proxies(remote_addr, forwarded, expected):
    assert ip_of(remote_addr, forwarded) == expected


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TANDEM_TRUSTED_PROXIES = []
    assert ip_of(NGINX, CLIENT) == NGINX


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"REMOTE_ADDR": CLIENT}, CLIENT),
        ({"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": CLIENT}, CLIENT),
        ({"REMOTE_ADDR": CLIENT, "HTTP_X_FORWARDED_FOR": FORGED}, CLIENT),
    ],
)
def test_sign_in_events_record_the_client_address(client, headers, expected):
    user = ClientFactory()
    client.post("/accounts/login/", {"login": user.email, "password": "wrong-password"}, **headers)
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}, **headers)
    client.post("/accounts/logout/", **headers)
    events = AuditEvent.objects.filter(actor=user)
    actions = set(events.values_list("action", flat=True))
    assert actions == {AuditAction.LOGIN_FAILED, AuditAction.LOGIN_SUCCEEDED, AuditAction.LOGOUT}
    assert set(events.values_list("ip_address", flat=True)) == {expected}
