"""A token bucket in Redis: one rate budget per token, shared by every worker process and host.

One Lua script takes a slot atomically (Redis runs scripts one at a time) and answers how long to wait for it,
on Redis' own clock, so workers with skewed clocks still share one bucket. A 429 answered to any worker pauses
the bucket for its ``Retry-After`` for all of them. Needs the ``redis`` extra (the ``redis`` client package).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.http.responses import bounded_wait

# KEYS[1]: the bucket hash. ARGV: rate (per s), capacity, pause seconds (0: take a slot), the longest pause.
# A pause is written with an expiry, and a stored pause longer than the longest one (written by an older release,
# or by a worker with a larger cap) is read as the longest one: no Retry-After can stop the bucket for years.
# Returns the wait in microseconds for the slot taken (a reservation when the bucket is empty).
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, capacity, pause = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local max_pause = tonumber(ARGV[4])
if pause ~= pause or pause < 0 then pause = 0 end
if pause > max_pause then pause = max_pause end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated', 'paused_until')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
local paused_until = math.min(tonumber(state[3]) or 0, now + max_pause)
local ttl = math.ceil(capacity / rate + 60)
if pause > 0 then
  paused_until = math.max(paused_until, now + pause)
  redis.call('HSET', KEYS[1], 'paused_until', tostring(paused_until))
  redis.call('EXPIRE', KEYS[1], ttl + math.ceil(pause))
  return 0
end
local start = math.max(now, paused_until)
if start > now then
  tokens = math.min(tokens, 0)
  updated = math.max(updated, now)
end
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate) - 1
local wait = start - now
if tokens < 0 then wait = wait + (-tokens / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], ttl + math.ceil(wait))
return math.floor(wait * 1000000)
"""


def redis_client(url: str, password: str | None = None) -> Any:
    """A Redis client for ``url`` (``redis://host:6379/0``).

    :param password: the Redis password (kept out of the URL, so that forms and the API can hide it).
    :raises ConfigurationError: when the ``redis`` package is not installed, or the URL carries a password.
    """
    try:
        import redis
    except ImportError:
        raise ConfigurationError(
            "rate_limiter",
            "the Redis limiter needs the redis client: pip install 'airflow-provider-ccanalytics[redis]'",
        ) from None
    if urlsplit(url).password:
        raise ConfigurationError(
            "redis_url",
            "the URL carries a password, which Airflow would show in the connection form and API: "
            "remove it from redis_url and put it in the redis_password field",
        )
    return redis.Redis.from_url(url, password=password, socket_timeout=10, socket_connect_timeout=10)


class RedisRateLimiter:
    """Paces every process using one key to ``per_window`` per ``window`` seconds, through Redis.

    :param client: a ``redis.Redis`` client (see :func:`redis_client`).
    :param key: the bucket's key, one per token (e.g. the connection's token-store key).
    :param per_window: requests the vendor allows per window.
    :param window: the window length in seconds.
    :param headroom: share of the limit used as the steady rate.
    :param burst: requests that may go at once after idle time (default 2 % of the limit, at least 1).
    :param max_pause: the longest pause a ``Retry-After`` may cause (the retry policy's ``max_retry_after``).
    """

    def __init__(
        self,
        client: Any,
        key: str,
        per_window: float,
        *,
        window: float = 60.0,
        headroom: float = 0.97,
        burst: float | None = None,
        max_pause: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_window <= 0 or window <= 0:
            raise ValueError("per_window and window must be positive")
        self.key = f"ccanalytics:ratelimit:{key}"
        self.rate = per_window * headroom / window
        self.capacity = burst if burst is not None else max(1.0, per_window * 0.02)
        self.max_pause = max_pause
        self._script = client.register_script(_SCRIPT)
        self._sleep = sleep

    def acquire(self) -> float:
        wait = int(self._run(0.0)) / 1_000_000
        if wait > 0:
            self._sleep(wait)
        return wait

    def feedback(self, throttled: bool, retry_after: float | None = None) -> None:
        if throttled:
            self._run(bounded_wait(retry_after, self.max_pause) or 1.0 / self.rate)

    def _run(self, pause: float) -> Any:
        try:
            args = [repr(self.rate), repr(self.capacity), repr(pause), repr(float(self.max_pause))]
            return self._script(keys=[self.key], args=args)
        except Exception as error:  # redis.ConnectionError and friends: the extra is optional, so no import here
            raise ConfigurationError(
                "redis_url", f"the Redis limiter cannot reach Redis ({type(error).__name__}: {error})"
            ) from None
