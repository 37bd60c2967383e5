"""A Web Push service of the tests' own: a real HTTP server on 127.0.0.1 that takes push
messages as a browser vendor's service does, and decrypts them as the browser would.

It hands out subscriptions shaped like a browser's `PushSubscription.toJSON()` and, for each
`POST /push/<id>`, checks:

- RFC 8030: an unknown id gets 404, a subscription marked gone 410; `TTL` is required (a
  non-negative integer), `Urgency` is one of the four values, `Topic` at most 32 base64url
  characters (400 otherwise); a body over 4096 bytes gets 413.
- RFC 8292 (VAPID): `Authorization: vapid t=<JWT>, k=<key>`, or the draft's `WebPush <JWT>`
  with `Crypto-Key: p256ecdsa=<key>`, which pywebpush sends when handed a `py_vapid.Vapid01`
  (`Received.scheme` says which came). `k` must be the subscription's application server key
  (403 otherwise); the JWT must be ES256 signed by it, with `aud` the endpoint's origin, `exp`
  in the next 24 hours and `sub` a `mailto:` or `https:` URI (401 otherwise, or when absent).
- RFC 8291: a body needs `Content-Encoding: aes128gcm` (400 when absent, 415 for another
  coding), a single record whose key id is the sender's 65-byte public key, and must decrypt
  with the subscription's private key and auth secret (400 otherwise).

An accepted message gets 201 with a `Location`; answers queued with `respond()` (a 503 with
`Retry-After`, a 429...) are given before any check. Every request is an `Attempt`.
"""

import base64
import binascii
import json
import re
import secrets
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import time

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.e2e.conftest import free_port

URGENCIES = ("very-low", "low", "normal", "high")
TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
MAX_BODY = 4096
MAX_EXP_AHEAD = 24 * 60 * 60


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The uncompressed P-256 point (65 bytes) of the key's public half."""
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


@dataclass(frozen=True)
class Received:
    """A push message the service accepted, decrypted."""

    endpoint: str
    subscription_id: str
    name: str
    ttl: int
    urgency: str
    topic: str | None
    vapid: dict  # the verified JWT claims
    scheme: str  # "vapid" (RFC 8292) or "WebPush" (the draft)
    payload: bytes
    received_at: datetime

    def json(self):
        return json.loads(self.payload)


@dataclass(frozen=True)
class Rejected:
    endpoint: str
    status: int
    reason: str


@dataclass(frozen=True)
class Attempt:
    endpoint: str
    status: int


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class _Subscription:
    id: str
    name: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    server_key: bytes
    gone: bool = False
    answers: deque = field(default_factory=deque)  # (status, Retry-After or None)


class PushService:
    """The service; `with PushService(key) as push:` runs it for the block."""

    def __init__(self, application_server_key: str, *, audience: str | None = None):
        self.application_server_key = application_server_key
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.audience = audience or self.origin
        self._subscriptions: dict[str, _Subscription] = {}
        self._received: list[Received] = []
        self._rejected: list[Rejected] = []
        self._attempts: list[Attempt] = []
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen (again, on the same port after `stop()`)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self._server.service = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> "PushService":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def new_subscription(
        self, name: str = "", *, application_server_key: str | None = None
    ) -> dict:
        """Subscribe as a browser does (with this service's application server key unless
        another is given); returns the subscription's `toJSON()`."""
        key, sub_id = ec.generate_private_key(ec.SECP256R1()), secrets.token_urlsafe(16)
        sub = _Subscription(
            id=sub_id,
            name=name,
            endpoint=f"{self.origin}/push/{sub_id}",
            private_key=key,
            auth=secrets.token_bytes(16),
            server_key=b64url_decode(application_server_key or self.application_server_key),
        )
        with self._changed:
            self._subscriptions[sub.id] = sub
        return {
            "endpoint": sub.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url_encode(public_bytes(key)), "auth": b64url_encode(sub.auth)},
        }

    def gone(self, endpoint: str) -> None:
        """The browser unsubscribed: later messages get 410."""
        with self._changed:
            self._subscription(endpoint).gone = True

    def respond(
        self, endpoint: str, status: int, *, times: int = 1, retry_after: int | None = None
    ) -> None:
        """The next `times` requests to `endpoint` get `status` instead of any check."""
        with self._changed:
            self._subscription(endpoint).answers.extend([(status, retry_after)] * times)

    @property
    def received(self) -> list[Received]:
        with self._changed:
            return list(self._received)

    @property
    def rejected(self) -> list[Rejected]:
        with self._changed:
            return list(self._rejected)

    @property
    def attempts(self) -> list[Attempt]:
        with self._changed:
            return list(self._attempts)

    def received_for(self, endpoint: str) -> list[Received]:
        return [message for message in self.received if message.endpoint == endpoint]

    def wait_for(
        self, predicate_or_count: int | Callable[[list[Received]], bool], timeout: float = 30
    ) -> list[Received]:
        """Wait until `count` messages have arrived, or the predicate holds over them."""

        def predicate(received: list[Received]) -> bool:
            if callable(predicate_or_count):
                return predicate_or_count(received)
            return len(received) >= predicate_or_count

        with self._changed:
            if not self._changed.wait_for(lambda: predicate(list(self._received)), timeout):
                raise AssertionError(
                    f"push messages not as expected within {timeout}s: "
                    f"received {self._received!r}, rejected {self._rejected!r}"
                )
            return list(self._received)

    def _subscription(self, endpoint: str) -> _Subscription:
        sub = self._subscriptions.get(endpoint.rpartition("/push/")[2])
        assert sub is not None and sub.endpoint == endpoint, f"no subscription {endpoint}"
        return sub

    def _answer(self, path: str, headers, body: bytes) -> tuple[int, dict[str, str], str]:
        """The status, headers and body answering `POST path`, recorded."""
        endpoint = self.origin + path
        with self._changed:
            sub = self._subscriptions.get(path.removeprefix("/push/"))
            answer = sub.answers.popleft() if sub and sub.answers else None
            gone = sub is not None and sub.gone
        extra: dict[str, str] = {}
        received = None
        try:
            if sub is None or not path.startswith("/push/"):
                raise Refused(404, "no such subscription")
            if answer is None:
                if gone:
                    raise Refused(410, "the subscription is gone")
                received = self._accept(sub, headers, body)
        except Refused as refused:
            status, reason = refused.status, refused.reason
        else:
            if answer is not None:
                status, reason = answer[0], "answer queued by respond()"
                if answer[1] is not None:
                    extra["Retry-After"] = str(answer[1])
            else:
                status, reason = 201, "created"
                extra["Location"] = f"{self.origin}/message/{secrets.token_urlsafe(12)}"
        with self._changed:
            self._attempts.append(Attempt(endpoint, status))
            if received is not None:
                self._received.append(received)
            elif answer is None:
                self._rejected.append(Rejected(endpoint, status, reason))
            self._changed.notify_all()
        return status, extra, reason

    def _accept(self, sub: _Subscription, headers, body: bytes) -> Received:
        scheme, claims = self._verify_vapid(sub, headers)
        ttl = headers.get("TTL", "").strip()
        if not (ttl.isascii() and ttl.isdigit()):
            raise Refused(400, f"TTL must be a non-negative integer, not {ttl or 'absent'}")
        urgency = headers.get("Urgency", "normal").strip().lower()
        if urgency not in URGENCIES:
            raise Refused(400, f"unknown Urgency {urgency!r}")
        topic = headers.get("Topic")
        if topic is not None and not TOPIC.fullmatch(topic):
            raise Refused(400, "Topic must be 1 to 32 base64url characters")
        return Received(
            endpoint=sub.endpoint,
            subscription_id=sub.id,
            name=sub.name,
            ttl=int(ttl),
            urgency=urgency,
            topic=topic,
            vapid=claims,
            scheme=scheme,
            payload=self._decrypt(sub, headers, body),
            received_at=datetime.now(UTC),
        )

    def _verify_vapid(self, sub: _Subscription, headers) -> tuple[str, dict]:
        scheme, _, params = headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() == "vapid":
            fields = dict(part.strip().partition("=")[::2] for part in params.split(","))
            token, key = fields.get("t"), fields.get("k")
            scheme = "vapid"
        elif scheme.lower() == "webpush":
            token, key = params.strip(), None
            for part in re.split("[;,]", headers.get("Crypto-Key", "")):
                if part.strip().startswith("p256ecdsa="):
                    key = part.strip().removeprefix("p256ecdsa=")
            scheme = "WebPush"
        else:
            raise Refused(401, "no VAPID Authorization (vapid t=..., k=...)")
        if not token or not key:
            raise Refused(401, "the VAPID Authorization lacks its token or its key")
        try:
            key_bytes = b64url_decode(key)
        except ValueError:
            raise Refused(401, "the VAPID key is not base64url") from None
        if key_bytes != sub.server_key:
            raise Refused(403, "the VAPID key is not the subscription's application server key")
        claims = verify_jwt(token, key_bytes)
        if claims.get("aud") != self.audience:
            raise Refused(401, f"aud {claims.get('aud')!r} is not {self.audience!r}")
        exp, now = claims.get("exp"), time()
        if type(exp) is not int or not now < exp <= now + MAX_EXP_AHEAD:
            raise Refused(401, f"exp {exp!r} is not within the next 24 hours")
        sub_claim = claims.get("sub")
        if not isinstance(sub_claim, str) or not re.fullmatch(
            r"mailto:[^@\s]+@[^@\s]+|https://[^/\s]+(/\S*)?", sub_claim
        ):
            raise Refused(401, f"sub {sub_claim!r} is not a mailto: or https: URI")
        return scheme, claims

    def _decrypt(self, sub: _Subscription, headers, body: bytes) -> bytes:
        if len(body) > MAX_BODY:
            raise Refused(413, f"the body has {len(body)} bytes, more than {MAX_BODY}")
        if not body:
            return b""
        coding = headers.get("Content-Encoding")
        if coding is None:
            raise Refused(400, "a body needs Content-Encoding: aes128gcm")
        if coding.strip().lower() != "aes128gcm":
            raise Refused(415, f"Content-Encoding {coding!r} is not aes128gcm")
        if len(body) < 21 or body[20] != 65:
            raise Refused(400, "the key id is not the sender's 65-byte public key")
        if len(body) - 86 > struct.unpack("!L", body[16:20])[0]:
            raise Refused(400, "the message has more than one record")
        try:
            return http_ece.decrypt(
                body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm"
            )
        except (http_ece.ECEException, ValueError) as exc:
            raise Refused(400, f"the body does not decrypt: {exc!r}") from None


def verify_jwt(token: str, key: bytes) -> dict:
    """The claims of an ES256 JWT signed by `key`; `Refused` (401) otherwise."""
    try:
        header_part, claims_part, signature_part = token.split(".")
        header = json.loads(b64url_decode(header_part))
        claims = json.loads(b64url_decode(claims_part))
        signature = b64url_decode(signature_part)
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
    except (ValueError, binascii.Error) as exc:
        raise Refused(401, f"the VAPID token is not a JWT: {exc}") from None
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        raise Refused(401, "the VAPID token is not ES256")
    if not isinstance(claims, dict) or len(signature) != 64:
        raise Refused(401, "the VAPID token's claims or signature are malformed")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public_key.verify(der, f"{header_part}.{claims_part}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refused(401, "the VAPID token's signature does not verify with its key") from None
    return claims


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        try:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        except ValueError:
            self.send_error(400, "bad Content-Length")
            return
        status, headers, reason = self.server.service._answer(self.path, self.headers, body)
        content = json.dumps({"code": status, "message": reason}).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format, *args) -> None:  # quiet: the records are the log
        pass
