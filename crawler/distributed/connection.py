"""The Redis connection of the site-job commands: one readable line when it cannot be used.

A URL may hold a password (``redis://:pw@host:6379/0``): it is never printed, only
:func:`crawler.logsafety.safe_uri`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.logsafety import safe_uri

if TYPE_CHECKING:
    from redis import Redis

INSTALL_HINT = "install the distributed extra: pip install 'wordpress-crawler[distributed]'"


class RedisUnavailable(Exception):
    """Redis cannot be reached (or RQ is not installed); the message is one line."""


def connect(url: str, timeout: float = 5.0) -> Redis:
    """A client for ``url`` that answered a PING, else :class:`RedisUnavailable`."""
    try:
        import redis  # noqa: PLC0415 - the distributed extra is optional
        import rq  # noqa: F401, PLC0415
    except ImportError:
        raise RedisUnavailable(f"RQ is not installed; {INSTALL_HINT}") from None
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=max(timeout, 30.0)
        )
        client.ping()
    except ValueError as exc:
        raise RedisUnavailable(f"not a Redis URL: {safe_uri(url)} ({exc})") from None
    except redis.exceptions.RedisError as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise RedisUnavailable(
            f"cannot reach Redis at {safe_uri(url)} ({reason}); check that it runs and the URL"
        ) from None
    return client
