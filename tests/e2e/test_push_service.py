"""The local push service against pywebpush, the sender the project uses: what a real push
service accepts arrives decrypted; what it would refuse is refused with the same status."""

import base64
import json
import re
import threading
import time

import pytest
import requests
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid01, Vapid02
from pywebpush import WebPusher, WebPushException, webpush

from tests.e2e.push_service import Attempt, PushService, b64url_decode, b64url_encode

OPS = {"sub": "mailto:ops@example.org"}
PUBLIC_FORMAT = (Encoding.X962, PublicFormat.UncompressedPoint)


def application_server_key(vapid: Vapid01) -> str:
    """What the page passes to `pushManager.subscribe()`."""
    return b64url_encode(vapid.public_key.public_bytes(*PUBLIC_FORMAT))


def private_key_string(vapid: Vapid01) -> str:
    """The form a setting holds: the 32-byte private number, base64url."""
    return b64url_encode(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))


def new_vapid() -> Vapid02:
    vapid = Vapid02()
    vapid.generate_keys()
    return vapid


@pytest.fixture
def vapid() -> Vapid02:
    return new_vapid()


@pytest.fixture
def push(vapid):
    with PushService(application_server_key(vapid)) as service:
        yield service


def send(sub: dict, vapid, data: dict | str = "hello", claims: dict | None = OPS, **kwargs):
    """pywebpush's one call, as the server side makes it (no VAPID without claims)."""
    return webpush(
        subscription_info=sub,
        data=data if isinstance(data, str) else json.dumps(data),
        vapid_private_key=vapid,
        vapid_claims=dict(claims) if claims else None,
        content_encoding=kwargs.pop("content_encoding", "aes128gcm"),
        ttl=kwargs.pop("ttl", 3600),
        **kwargs,
    )


def refused(status: int, *args, **kwargs) -> WebPushException:
    with pytest.raises(WebPushException) as caught:
        send(*args, **kwargs)
    assert caught.value.response.status_code == status, caught.value
    return caught.value


def test_a_subscription_has_the_shape_of_a_browsers(push):
    sub = push.new_subscription(name="client a")
    assert set(sub) == {"endpoint", "expirationTime", "keys"}
    assert re.fullmatch(rf"{push.origin}/push/[\w-]{{22}}", sub["endpoint"])
    assert sub["expirationTime"] is None
    assert set(sub["keys"]) == {"p256dh", "auth"}
    p256dh = b64url_decode(sub["keys"]["p256dh"])
    assert len(p256dh) == 65 and p256dh[0] == 4
    assert len(b64url_decode(sub["keys"]["auth"])) == 16
    assert push.new_subscription()["endpoint"] != sub["endpoint"]


def test_a_message_arrives_decrypted_with_its_vapid_claims_verified(push, vapid):
    sub = push.new_subscription(name="client a")
    reminder = {"title": "Session tomorrow", "url": "/sessions/"}
    response = send(
        sub,
        private_key_string(vapid),
        reminder,
        ttl=600,
        headers={"Urgency": "high", "Topic": "session-reminder"},
    )
    assert response.status_code == 201
    assert response.headers["Location"].startswith(f"{push.origin}/message/")
    [message] = push.received
    assert message.json() == reminder
    assert message.endpoint == sub["endpoint"] and message.name == "client a"
    assert (message.ttl, message.urgency, message.topic) == (600, "high", "session-reminder")
    assert message.scheme == "vapid"
    assert message.vapid["aud"] == push.origin
    assert message.vapid["sub"] == OPS["sub"]
    assert time.time() < message.vapid["exp"] <= time.time() + 24 * 3600
    assert push.attempts == [Attempt(sub["endpoint"], 201)]
    assert push.rejected == []
    assert push.received_for(sub["endpoint"]) == [message]
    assert push.received_for(push.new_subscription()["endpoint"]) == []


def test_the_drafts_webpush_scheme_is_verified_too(push, vapid):
    """pywebpush sends `WebPush <JWT>` and `Crypto-Key: p256ecdsa=` for a Vapid01 key."""
    sub = push.new_subscription()
    assert send(sub, Vapid01(vapid.private_key), "hi").status_code == 201
    assert push.received[0].scheme == "WebPush"
    refused(403, sub, Vapid01(new_vapid().private_key), "hi")


def test_a_message_signed_with_another_key_is_refused(push):
    sub = push.new_subscription()
    error = refused(403, sub, new_vapid())
    assert "application server key" in error.response.text
    assert push.received == []
    [rejection] = push.rejected
    assert (rejection.endpoint, rejection.status) == (sub["endpoint"], 403)


def test_a_token_not_signed_by_the_key_it_names_is_refused(push, vapid):
    sub = push.new_subscription()
    claims = {**OPS, "aud": push.origin, "exp": int(time.time()) + 600}
    forged = new_vapid().sign(claims)["Authorization"].split(",k=")[0]
    forged += f",k={application_server_key(vapid)}"
    refused(401, sub, None, claims=None, headers={"Authorization": forged})
    refused(401, sub, None, claims=None)  # no Authorization at all
    assert "does not verify" in push.rejected[0].reason
    assert push.received == []


@pytest.mark.parametrize(
    "claims, problem",
    [
        ({"exp": -60}, "exp"),
        ({"exp": 25 * 3600}, "exp"),
        ({"aud": "https://push.example.org"}, "aud"),
        ({"sub": "ops@example.org"}, "sub"),
        ({"sub": "http://example.org/contact"}, "sub"),
    ],
)
def test_bad_claims_are_refused(push, vapid, claims, problem):
    """Signed by hand: pywebpush would replace an expired `exp` with a fresh one."""
    sub = push.new_subscription()
    claims = {**OPS, "aud": push.origin, "exp": 3600, **claims}
    claims["exp"] += int(time.time())
    signer = Vapid02(vapid.private_key, conf={"no-strict": True})
    refused(401, sub, None, claims=None, headers=signer.sign(claims))
    [rejection] = push.rejected
    assert rejection.reason.startswith(problem), rejection
    assert push.received == []


def test_claims_reused_for_another_push_service_carry_the_first_ones_audience(vapid):
    """pywebpush writes `aud` into the claims it is given, so a shared dict keeps the first
    service's origin."""
    claims = dict(OPS)
    with (
        PushService(application_server_key(vapid)) as one,
        PushService(application_server_key(vapid)) as two,
    ):
        webpush(one.new_subscription(), "hi", vapid_private_key=vapid, vapid_claims=claims, ttl=60)
        with pytest.raises(WebPushException) as caught:
            webpush(two.new_subscription(), "hi", vapid_private_key=vapid, vapid_claims=claims)
        assert caught.value.response.status_code == 401
        assert claims["aud"] == one.origin
        assert (len(one.received), len(two.received)) == (1, 0)


def test_a_message_encrypted_for_another_subscription_is_refused(push, vapid):
    sub, other = push.new_subscription(), push.new_subscription()
    refused(400, {**other, "endpoint": sub["endpoint"]}, vapid)
    assert "does not decrypt" in push.rejected[0].reason
    assert push.received == []


def test_a_tampered_body_is_refused(push, vapid):
    sub = push.new_subscription()
    body = bytearray(WebPusher(sub).encode(b'{"title": "hi"}')["body"])
    body[-1] ^= 1
    headers = {"TTL": "60", "Content-Encoding": "aes128gcm"}
    headers |= vapid.sign({**OPS, "aud": push.origin})
    response = requests.post(sub["endpoint"], data=bytes(body), headers=headers, timeout=10)
    assert response.status_code == 400
    assert "does not decrypt" in push.rejected[0].reason
    assert push.received == []


@pytest.mark.parametrize(
    "change, status",
    [
        ({"TTL": None}, 400),
        ({"TTL": "-1"}, 400),
        ({"Urgency": "urgent"}, 400),
        ({"Topic": "a topic with spaces"}, 400),
        ({"Content-Encoding": None}, 400),
        ({"Content-Encoding": "aesgcm"}, 415),
    ],
)
def test_push_protocol_headers_are_checked(push, vapid, change, status):
    sub = push.new_subscription()
    body = WebPusher(sub).encode(b"hi")["body"]
    headers = {"TTL": "60", "Content-Encoding": "aes128gcm"}
    headers |= vapid.sign({**OPS, "aud": push.origin})
    headers = {name: value for name, value in (headers | change).items() if value is not None}
    response = requests.post(sub["endpoint"], data=body, headers=headers, timeout=10)
    assert response.status_code == status
    assert [rejection.status for rejection in push.rejected] == [status]


def test_the_older_aesgcm_coding_and_an_oversized_payload_are_refused(push, vapid):
    sub = push.new_subscription()
    refused(415, sub, vapid, content_encoding="aesgcm")
    assert send(sub, vapid, "x" * 3993).status_code == 201  # 4096 bytes once encrypted
    refused(413, sub, vapid, "x" * 3994)
    assert [message.payload for message in push.received] == [b"x" * 3993]


def test_a_gone_subscription_answers_410_and_an_unknown_one_404(push, vapid):
    sub = push.new_subscription()
    push.gone(sub["endpoint"])
    refused(410, sub, vapid)
    unknown = {**sub, "endpoint": f"{push.origin}/push/{b64url_encode(b'nobody')}"}
    refused(404, unknown, vapid)
    assert [attempt.status for attempt in push.attempts] == [410, 404]
    assert [rejection.status for rejection in push.rejected] == [410, 404]
    assert push.received == []


def test_a_queued_answer_comes_first_then_messages_are_accepted(push, vapid):
    sub, other = push.new_subscription(), push.new_subscription()
    push.respond(sub["endpoint"], 503, retry_after=120)
    push.respond(other["endpoint"], 429, times=2)
    error = refused(503, sub, vapid, {"n": 1})
    assert error.response.headers["Retry-After"] == "120"
    assert send(sub, vapid, {"n": 2}).status_code == 201
    refused(429, other, vapid)
    refused(429, other, vapid)
    assert send(other, vapid).status_code == 201
    assert push.attempts == [
        Attempt(sub["endpoint"], 503),
        Attempt(sub["endpoint"], 201),
        Attempt(other["endpoint"], 429),
        Attempt(other["endpoint"], 429),
        Attempt(other["endpoint"], 201),
    ]
    assert [message.json() for message in push.received_for(sub["endpoint"])] == [{"n": 2}]
    assert push.rejected == []


def test_a_stopped_service_refuses_connections_and_keeps_its_subscriptions(push, vapid):
    sub = push.new_subscription()
    push.stop()
    with pytest.raises(requests.ConnectionError):
        send(sub, vapid)
    push.start()
    assert send(sub, vapid).status_code == 201


def test_wait_for_returns_as_soon_as_the_count_is_reached(push, vapid):
    sub = push.new_subscription()
    release, errors = threading.Event(), []

    def sender() -> None:
        try:
            for n in range(3):
                if n == 2:
                    release.wait(30)
                send(sub, vapid, {"n": n})
        except Exception as exc:  # noqa: BLE001 -- shown by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=sender)
    thread.start()
    try:
        # The third message waits for the release, which comes only after this returns.
        assert [message.json() for message in push.wait_for(2)] == [{"n": 0}, {"n": 1}]
    finally:
        release.set()
    arrived = push.wait_for(lambda received: any(m.json() == {"n": 2} for m in received))
    thread.join()
    assert len(arrived) == 3 and not errors, errors


def test_wait_for_says_what_came_when_it_times_out(push, vapid):
    sub = push.new_subscription()
    refused(403, sub, new_vapid())
    with pytest.raises(AssertionError, match=r"received \[\], rejected .*403"):
        push.wait_for(1, timeout=0.1)


def test_base64url_helpers_round_trip():
    data = bytes(range(256))
    assert b64url_decode(b64url_encode(data)) == data
    assert "=" not in b64url_encode(data)
    assert b64url_encode(data) == base64.urlsafe_b64encode(data).decode().rstrip("=")
