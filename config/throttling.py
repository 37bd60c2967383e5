"""API rate limits: a burst limit and a sustained limit per caller, which a person using the
app or an integration never reaches and a script does (429 with `Retry-After`)."""

import base64
import hashlib
import logging
import math
import pickle
import time
from datetime import UTC, datetime

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connections, router, transaction
from redis.exceptions import NoScriptError, RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts.network import client_ip
from config.env import parse_rate

log = logging.getLogger(__name__)

Limits = dict[str, tuple[int, int]]

# The same cell rate algorithm as `gcra` below, run by Redis as one command, so that no other
# request can come between the read and the write. ARGV: now, expiry in ms, then for each
# scope its name, count and period. Returns the wait in seconds ("0": let through).
GCRA_SCRIPT = """
if redis.call('TYPE', KEYS[1]).ok == 'string' then
  redis.call('DEL', KEYS[1])  -- written by an earlier version, as one pickled value
end
local now = tonumber(ARGV[1])
local wait = 0
local after = {}
for i = 3, #ARGV, 3 do
  local period = tonumber(ARGV[i + 2])
  local used_up_at = tonumber(redis.call('HGET', KEYS[1], ARGV[i])) or now
  local at = math.max(used_up_at, now) + period / tonumber(ARGV[i + 1])
  wait = math.max(wait, at - now - period)
  table.insert(after, ARGV[i])
  table.insert(after, string.format('%.6f', at))
end
if wait > 0 then
  return string.format('%.6f', wait)
end
redis.call('HSET', KEYS[1], unpack(after))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return '0'
"""
# Redis names a script by its SHA-1 digest.
GCRA_SHA = hashlib.sha1(GCRA_SCRIPT.encode(), usedforsecurity=False).hexdigest()


def gcra(used_up_at: dict[str, float], limits: Limits, now: float) -> tuple[float, dict]:
    """Each limit of N requests per period P: up to N at once, then one every P/N seconds.
    `used_up_at` is when each allowance runs out; returns the wait (0: let through) and the
    new times to store when let through."""
    after: dict[str, float] = {}
    wait = 0.0
    for scope, (count, period) in limits.items():
        at = max(used_up_at.get(scope, now), now) + period / count
        wait = max(wait, at - now - period)
        after[scope] = at
    return wait, after


class APIRateThrottle(BaseThrottle):
    """The scopes in `DEFAULT_THROTTLE_RATES` for a signed-in user (counted per user, whichever
    device or token) or for an anonymous caller (counted per client address).

    All limits of a caller live in one entry of `CACHES["throttle"]`, read and written in one
    atomic step, so parallel requests cannot pass a limit together: in Redis (REDIS_URL set)
    by a script, with no SQL at all; in the database cache by a locked row. Either is shared
    by every gunicorn worker. When Redis does not answer, the request is let through and the
    failure logged: the API stays up without its rate limit.
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
            wait = self._wait(key, limits)
        except RedisError:
            log.warning("the API rate limit is not applied: its cache does not answer")
            return True
        if wait > 0:
            # A refused request uses up nothing: the caller may come back after `wait`.
            self.retry_after = wait
            return False
        return True

    def wait(self) -> float | None:
        return self.retry_after

    def _wait(self, key: str, limits: Limits) -> float:
        cache = caches["throttle"]
        now = time.time()
        # An entry outlives its longest period by nothing: by then every allowance is back.
        ttl = max(period for _, period in limits.values())
        if isinstance(cache, RedisCache):
            return _wait_in_redis(cache, key, limits, now, ttl)
        if isinstance(cache, DatabaseCache):
            return _wait_in_database(cache, key, limits, now, ttl)
        raise ImproperlyConfigured(
            f"The API throttle cannot count atomically in {type(cache).__name__}: "
            "use Redis or the database cache."
        )


def _wait_in_redis(cache: RedisCache, key: str, limits: Limits, now: float, ttl: int) -> float:
    key = cache.make_and_validate_key(key)
    client = cache._cache.get_client(key, write=True)
    args: list[object] = [repr(now), ttl * 1000]
    for scope, (count, period) in limits.items():
        args += [scope, count, period]
    try:
        wait = client.evalsha(GCRA_SHA, 1, key, *args)
    except NoScriptError:
        # The first call since Redis started: it learns the script, under the same digest.
        wait = client.eval(GCRA_SCRIPT, 1, key, *args)
    return float(wait)


def _wait_in_database(
    cache: DatabaseCache, key: str, limits: Limits, now: float, ttl: int
) -> float:
    try:
        return _update_row(cache, key, limits, now, ttl)
    except IntegrityError:
        # Another request inserted the caller's first row meanwhile: the row exists now, and
        # the second attempt waits for its lock.
        return _update_row(cache, key, limits, now, ttl)


def _update_row(cache: DatabaseCache, key: str, limits: Limits, now: float, ttl: int) -> float:
    """Read, decide and write the caller's row in one transaction that holds its lock (on
    SQLite the database's write lock, as transactions here begin IMMEDIATE). The value is
    pickled as DatabaseCache pickles it, so the row stays an ordinary cache entry."""
    key = cache.make_and_validate_key(key)
    db = router.db_for_write(cache.cache_model_class)
    connection = connections[db]
    table = connection.ops.quote_name(cache._table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    at_now = connection.ops.adapt_datetimefield_value(datetime.fromtimestamp(now, tz=UTC))
    with transaction.atomic(using=db), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT value, expires > %s FROM {table} WHERE cache_key = %s{lock}",  # noqa: S608
            [at_now, key],
        )
        row = cursor.fetchone()
        used_up_at = {}
        if row is not None and row[1]:
            value = connection.ops.process_clob(row[0])
            # Only this function writes these rows; their keys are not taken from input.
            used_up_at = pickle.loads(base64.b64decode(value.encode(), validate=True))  # noqa: S301
        wait, after = gcra(used_up_at, limits, now)
        if wait > 0:
            return wait
        value = base64.b64encode(pickle.dumps(after, cache.pickle_protocol)).decode("latin1")
        expires = connection.ops.adapt_datetimefield_value(
            datetime.fromtimestamp(math.ceil(now) + ttl, tz=UTC)
        )
        if row is None:
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s)",  # noqa: S608
                [key, value, expires],
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET value = %s, expires = %s WHERE cache_key = %s",  # noqa: S608
                [value, expires, key],
            )
    return 0.0
