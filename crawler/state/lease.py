"""A per-site lease in Redis, and the state commit it fences.

Redis keys (``<site>`` is :func:`redis_site` of ``crawler.state.store.site_key(url)``: host +
path, hashed when long or unusual, so a key stays bounded whatever the site sends):

- ``wp:lease:<site>``: the token of the run that holds the site, with a TTL (``SET NX PX``);
  renewed while the crawl runs. A killed run's lease expires after the TTL.
- ``wp:state:<site>``: the committed small state of the site (JSON), written only by
  :meth:`SiteLease.commit`, in the same Lua step that checks and releases the lease.
- ``wp:sites``: the set of every site key that ever committed, for a status command.

The token is a fencing token (run id + pid + random): a run whose lease expired and was taken by
another can neither renew, release nor commit, because every one of those checks the token
inside Redis, atomically, in one script.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

LEASE_PREFIX = "wp:lease:"
STATE_PREFIX = "wp:state:"
SITES_KEY = "wp:sites"
KEY_LIMIT = 200
"""The longest site part of a Redis key kept readable (longer ones are cut and hashed)."""

_READABLE = re.compile(r"[A-Za-z0-9._~:/\[\]-]+")

RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

COMMIT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[2], ARGV[2])
for i = 3, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[i])
end
redis.call('DEL', KEYS[1])
return 1
"""
"""KEYS: lease, state, then sets; ARGV: token, value, then (from index 3) each set's member."""


class RedisClient(Protocol):
    """What the lease needs of a ``redis.Redis`` client (fakeredis in unit tests)."""

    def set(self, name: str, value: str, *, nx: bool = ..., px: int | None = ...) -> Any: ...

    def eval(self, script: str, numkeys: int, *keys_and_args: Any) -> Any: ...


def redis_site(site_key: str) -> str:
    """The site part of a Redis key: the site key when short and plain, else a bounded,
    hashed form (no control characters, spaces or unbounded length reach a key).

    >>> redis_site("example.com:8443/blog/")
    'example.com:8443/blog/'
    >>> long = redis_site("e.com/" + "x" * 500)
    >>> len(long) <= KEY_LIMIT + 17, long.startswith("e.com/xxx")
    (True, True)
    >>> redis_site("e.com/\\x1b[31m/") != "e.com/\\x1b[31m/"
    True
    """
    if len(site_key) <= KEY_LIMIT and _READABLE.fullmatch(site_key):
        return site_key
    digest = hashlib.sha256(site_key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    readable = "".join(c if _READABLE.fullmatch(c) else "-" for c in site_key[:KEY_LIMIT])
    return f"{readable}#{digest}"


def lease_key(site_key: str) -> str:
    """The key of a site's lease.

    >>> lease_key("e.com/a/")
    'wp:lease:e.com/a/'
    """
    return LEASE_PREFIX + redis_site(site_key)


def state_key(site_key: str) -> str:
    """The key of a site's committed small state.

    >>> state_key("e.com/a/")
    'wp:state:e.com/a/'
    """
    return STATE_PREFIX + redis_site(site_key)


def make_token(run_id: str) -> str:
    """A fencing token: the run id (who), the pid (which process) and a random part (which
    start of it), so even two starts of one run never share a token.

    >>> token = make_token("night-1")
    >>> token.startswith(f"night-1:{os.getpid()}:"), token != make_token("night-1")
    (True, True)
    """
    return f"{run_id[:64]}:{os.getpid()}:{secrets.token_hex(8)}"


def token_run(token: str | bytes | None) -> str | None:
    """The run id in a token (for a status line), or None.

    >>> token_run("night-1:42:abcd"), token_run(b"r:1:x"), token_run(None)
    ('night-1', 'r', None)
    """
    if token is None:
        return None
    if isinstance(token, bytes):
        token = token.decode("utf-8", "replace")
    return token.rsplit(":", 2)[0][:64] or None


class SiteLease:
    """One run's lease on one site."""

    def __init__(self, client: RedisClient, site_key: str, token: str, ttl_ms: int) -> None:
        if ttl_ms < 1:
            raise ValueError("the lease TTL must be at least 1 ms")
        self.client = client
        self.site_key = site_key
        self.key = lease_key(site_key)
        self.token = token
        self.ttl_ms = int(ttl_ms)

    def acquire(self) -> bool:
        """Take the lease if no one holds it (``SET NX PX``)."""
        return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def renew(self) -> bool:
        """Extend the lease by its TTL, only if it still holds our token."""
        return bool(self.client.eval(RENEW, 1, self.key, self.token, self.ttl_ms))

    def release(self) -> None:
        """Give the lease up, only if it is still ours (never another run's)."""
        self.client.eval(RELEASE, 1, self.key, self.token)

    def commit(self, state_key: str, value: str, *, extra: Sequence[tuple[str, str]] = ()) -> bool:
        """Write ``value`` at ``state_key`` and release the lease, in one atomic step, only if
        the lease still holds our token; ``extra`` pairs ``(set key, member)`` are added in
        the same step. False: the lease moved, nothing was written."""
        keys = [self.key, state_key, *(key for key, _ in extra)]
        args = [self.token, value, *(member for _, member in extra)]
        return bool(self.client.eval(COMMIT, len(keys), *keys, *args))
