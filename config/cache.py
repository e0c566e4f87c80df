"""Django's Redis cache backend, with one redis-py client per connection pool.

Django's makes a new client for each call, and each builds its table of response callbacks
anew: some 60 µs of the 0.5 ms a page served from the cache costs (proposals/caching.py reads
the data version on every request). One client per pool serves every call: a client is
thread-safe, and its pool reconnects after gunicorn forks a worker.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
