"""Django's Redis cache with one `redis.Redis` per connection pool for the life of the process,
and without memcached's key checks.

Django's makes a new client on every call, and a client sets up about 340 reply handlers
when it is made: 75 µs, more than a GET takes on the loopback. A client is safe to share
(it takes a connection from its pool for each command).

Every built-in backend checks each key against memcached's limits (250 characters, no
spaces or control characters) and warns when one would not do there. Redis takes any key,
and a caseload of a hundred asked that of two hundred keys a view."""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # by connection pool

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if pool not in self._clients:
            self._clients[pool] = self._client(connection_pool=pool)
        return self._clients[pool]


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def validate_key(self, key):
        """Any key will do for Redis: no check against memcached's limits."""
