"""API rate limits: a burst limit and a sustained limit per caller, which a person using the
app or an integration never reaches and a script does (429 with `Retry-After`)."""

import logging
import time

from django.core.cache import caches
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts.network import client_ip
from config.env import parse_rate

log = logging.getLogger(__name__)


class APIRateThrottle(BaseThrottle):
    """The scopes in `DEFAULT_THROTTLE_RATES` for a signed-in user (counted per user, whichever
    device or token) or for an anonymous caller (counted per client address).

    Each limit of N requests per period P is a generic cell rate algorithm: up to N at once,
    then one every P/N seconds. All limits of a caller live in one cache entry (the time each
    allowance is used up), so a request costs one cache read and one write. The cache is
    `CACHES["throttle"]`: Redis when REDIS_URL is set (no SQL at all), else the database;
    either is shared by every gunicorn worker. When Redis does not answer, the request is
    let through and the failure logged: the API stays up without its rate limit.
    """

    user_scopes = ("user_burst", "user_sustained")
    anon_scopes = ("anon_burst", "anon_sustained")

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request, view) -> bool:
        if request.user and request.user.is_authenticated:
            scopes, ident = self.user_scopes, f"user-{request.user.pk}"
        else:
            # The same client address as the audit log and the sign-in limits.
            scopes, ident = self.anon_scopes, f"addr-{client_ip(request) or 'unknown'}"
        rates = api_settings.DEFAULT_THROTTLE_RATES
        limits = {scope: parse_rate(rates[scope]) for scope in scopes}
        key = f"throttle-api-{ident}"
        try:
            return self._allow(key, limits)
        except RedisError:
            log.warning("the API rate limit is not applied: its cache does not answer")
            return True

    def _allow(self, key: str, limits: dict[str, tuple[int, int]]) -> bool:
        cache = caches["throttle"]
        now = time.time()
        used_up_at = cache.get(key) or {}
        after: dict[str, float] = {}
        wait = 0.0
        for scope, (count, period) in limits.items():
            at = max(used_up_at.get(scope, now), now) + period / count
            wait = max(wait, at - now - period)
            after[scope] = at
        if wait > 0:
            # A refused request uses up nothing: the caller may come back after `wait`.
            self.retry_after = wait
            return False
        cache.set(key, after, timeout=max(period for _, period in limits.values()))
        return True

    def wait(self) -> float | None:
        return self.retry_after
