"""The Redis connection of the site-job commands: one readable line when it cannot be used.

A URL may hold a password (``redis://:pw@host:6379/0``): it is never printed, only
:func:`shown_url`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis import Redis

INSTALL_HINT = "install the distributed extra: pip install 'wordpress-crawler[distributed]'"
_PASSWORD = re.compile(r"(://[^/@\s:]*:)[^/@\s]*@")


class RedisUnavailable(Exception):
    """Redis cannot be reached (or RQ is not installed); the message is one line."""


def shown_url(url: str) -> str:
    """``url`` without its password, for messages.

    >>> shown_url("redis://:s3cret@h:6379/0"), shown_url("redis://u:p@h/1"), shown_url("redis://h")
    ('redis://:***@h:6379/0', 'redis://u:***@h/1', 'redis://h')
    """
    return _PASSWORD.sub(r"\1***@", url)


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
        raise RedisUnavailable(f"not a Redis URL: {shown_url(url)} ({exc})") from None
    except redis.exceptions.RedisError as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise RedisUnavailable(
            f"cannot reach Redis at {shown_url(url)} ({reason}); check that it runs and the URL"
        ) from None
    return client
