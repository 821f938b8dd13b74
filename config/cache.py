"""Django's Redis cache backend, keeping one Redis client per connection pool.

Django's RedisCacheClient makes a new redis.Redis for every cache call. Connections come from
the shared pool either way, but redis-py's constructor copies its table of about 170 response
callbacks into a case-insensitive dict each time: on the cached public pages that cost more
CPU than the cache round trip itself (see benchmarks/README.md). A client is safe to share
between threads (it takes a connection from the pool per command), and the pool itself
starts afresh in a forked process, so one client per pool is enough.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # The stubs leave out RedisCacheClient's private helpers, which this builds on.
        django_client: Any = self
        index = django_client._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django_client._get_connection_pool(write)
            client = self._clients[index] = django_client._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
