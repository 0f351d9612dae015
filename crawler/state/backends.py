"""Where a site's committed state lives, chosen by ``STATE_URI``, behind one interface.

A run :meth:`~StateBackend.begin`\\ s a :class:`SiteRun`: it holds the site (a file lock or a
Redis lease) from before its first request to its end, reads the previous state, renews while
the crawl runs, and :meth:`~SiteRun.commit`\\ s once, fenced: a run that lost the site writes
nothing.

- :class:`FileStateBackend` (``STATE_URI`` unset, ``file://state/`` or a path): today's one JSON
  file per site, under ``fcntl`` locks; one machine.
- :class:`RedisStateBackend` (``redis://host:port/db``): the small state in Redis
  (``wp:state:<site>``, see :mod:`crawler.state.lease` for every key), the bulky per-record
  versions as one immutable gzipped object per run in ``STATE_BLOB_URI``
  (``<root>/<site slug>/<run>.json.gz``), written before the fenced swap, so a committed pointer
  always names a whole object. Many machines.

The small state (JSON in ``wp:state:<site>``)::

    {"format": 1, "site": URL, "site_key": "host/path/", "run": last committed run id,
     "recent_runs": [...], "incremental": bool, "mark": ..., "runs": n, "committed_at": ...,
     "counts": {collection: n}, "manifest": {"feeds": [URI, ...]}, "blob": URI or null,
     "blob_key": key or null}
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

from crawler.logsafety import safe_uri
from crawler.state.blobs import BlobMissing, BlobStore, open_blobs
from crawler.state.lease import (
    SITES_KEY,
    SiteLease,
    lease_key,
    make_token,
    redis_site,
    state_key,
    token_run,
)
from crawler.state.store import (
    START_OVER,
    SiteLock,
    SiteLockedError,
    SiteState,
    StateError,
    load_state,
    save_state,
    site_key,
    state_name,
    state_path,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

logger = logging.getLogger(__name__)

FORMAT = 1
RECENT_RUNS = 32
"""Run ids kept in the small state, so a late duplicate job of a recent run returns at once."""
MANIFEST_LIMIT = 256 * 1024
"""The largest manifest (JSON bytes) a commit accepts: the small state stays small."""


class SiteBusyError(StateError):
    """Another run holds the site."""


class RunAlreadyCommitted(StateError):
    """This run id is already committed for this site: nothing to do."""


class LeaseLostError(StateError):
    """The lease moved to another run (or expired): nothing was written."""


class SiteRun(Protocol):
    previous: SiteState

    def renew(self) -> bool:
        """Keep the site; False once it is lost."""

    def commit(self, state: SiteState, manifest: dict[str, Any]) -> None:
        """Write the new state (fenced); raises :class:`LeaseLostError` if the site was lost."""

    def release(self) -> None:
        """Give the site up (idempotent)."""


class StateBackend(Protocol):
    shared: bool
    """Whether several machines share it: then every run of a site holds it, not only
    incremental ones."""

    def begin(self, url: str, run_id: str, *, incremental: bool = True) -> SiteRun:
        """Hold the site for this run and read its previous state (only when ``incremental``)."""


def open_backend(uri: str | None, settings: Mapping[str, Any]) -> StateBackend:
    """The backend of ``STATE_URI`` (None: files in ``STATE_DIR``).

    >>> open_backend(None, {"STATE_DIR": "st"}).root.name, open_backend("file://st2/", {}).root.name
    ('st', 'st2')
    >>> open_backend("mysql://h/db", {})
    Traceback (most recent call last):
    ...
    crawler.state.store.StateError: STATE_URI 'mysql://h/db' is not a folder, file:// or redis:// URI
    """
    if not uri:
        return FileStateBackend(settings.get("STATE_DIR") or "state")
    parts = urlsplit(uri)
    if parts.scheme in ("redis", "rediss", "unix"):
        return RedisStateBackend(uri, settings)
    if parts.scheme == "file":
        return FileStateBackend(unquote(parts.netloc + parts.path) or ".")
    if parts.scheme and len(parts.scheme) > 1:
        raise StateError(
            f"STATE_URI {safe_uri(uri)[:100]!r} is not a folder, file:// or redis:// URI"
        )
    return FileStateBackend(uri)


# Files ------------------------------------------------------------------------------------------


@dataclass
class FileSiteRun:
    """A run holding a site's state file under its ``fcntl`` lock (released by the kernel if
    the process dies, so nothing expires and nothing needs renewing)."""

    path: Path
    lock: SiteLock | None
    previous: SiteState

    def renew(self) -> bool:
        return self.lock is not None

    def commit(self, state: SiteState, manifest: dict[str, Any]) -> None:
        if self.lock is None:
            raise LeaseLostError(f"the lock on {self.path} was released before the commit")
        save_state(self.path, state)

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None


class FileStateBackend:
    """One JSON state file per site in ``root`` (today's ``STATE_DIR`` files, unchanged)."""

    shared = False

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def begin(self, url: str, run_id: str, *, incremental: bool = True) -> FileSiteRun:
        path = state_path(self.root, url)
        try:
            lock = SiteLock.acquire(path)
        except SiteLockedError as exc:
            raise SiteBusyError(str(exc)) from None
        try:
            previous = load_state(path, url) if incremental else SiteState(site=url)
        except BaseException:
            lock.release()
            raise
        return FileSiteRun(path, lock, previous)


# Redis ------------------------------------------------------------------------------------------


def blob_key(url: str, run_id: str) -> str:
    """The object key of a run's versions: ``<site slug>/<run>.json.gz`` (safe, bounded).

    >>> blob_key("https://e.com/blog/", "20261130T120000Z-abcdef")
    'e.com_blog.e1145f6e/20261130T120000Z-abcdef.json.gz'
    """
    return f"{state_name(url).removesuffix('.json')}/{run_id}.json.gz"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class RedisSiteRun:
    """A run holding a site's Redis lease."""

    backend: RedisStateBackend
    url: str
    run_id: str
    lease: SiteLease
    previous: SiteState
    summary: dict[str, Any] | None
    incremental: bool
    released: bool = field(default=False)

    def renew(self) -> bool:
        if self.released:
            return False
        return bool(self.backend.call(self.lease.renew))

    def commit(self, state: SiteState, manifest: dict[str, Any]) -> None:
        """Write the versions object (incremental runs), then swap the small state in one
        fenced step that also releases the lease."""
        if self.released:
            raise LeaseLostError(f"the lease on {self.url} was released before the commit")
        manifest_text = json.dumps(manifest, sort_keys=True)
        if len(manifest_text) > MANIFEST_LIMIT:
            raise StateError(f"the manifest of this run is too large ({len(manifest_text)} bytes)")
        old = self.summary or {}
        recent = [r for r in old.get("recent_runs", []) if isinstance(r, str)]
        value: dict[str, Any] = {
            "format": FORMAT,
            "site": self.url,
            "site_key": self.lease.site_key,
            "run": self.run_id,
            "recent_runs": [*recent, self.run_id][-RECENT_RUNS:],
            "incremental": self.incremental,
            "committed_at": _now(),
            "manifest": manifest,
            # A full run keeps the last incremental state: its versions stay the next base.
            "mark": old.get("mark"),
            "runs": old.get("runs", 0),
            "counts": old.get("counts", {}),
            "blob": old.get("blob"),
            "blob_key": old.get("blob_key"),
        }
        if self.incremental:
            data = gzip.compress(json.dumps(state.to_json()).encode("utf-8"), mtime=0)
            key = blob_key(self.url, self.run_id)
            try:
                uri = self.backend.blobs.put(key, data)
            except Exception as exc:  # noqa: BLE001 - any store's failure: one line, no commit
                raise StateError(
                    f"could not store this run's versions ({type(exc).__name__}: "
                    f"{str(exc)[:200]}); nothing committed"
                ) from None
            value.update(
                mark=state.mark,
                runs=state.runs,
                counts={name: len(ids) for name, ids in state.records.items()},
                blob=safe_uri(uri),
                blob_key=key,
            )
        committed = self.backend.call(
            self.lease.commit,
            state_key(self.lease.site_key),
            json.dumps(value, sort_keys=True),
            extra=[(SITES_KEY, self.lease.site_key)],
        )
        self.released = True
        if not committed:
            raise LeaseLostError(
                f"the lease on {self.url} moved to another run before the commit; "
                "nothing was written (the other run commits its own state)"
            )

    def release(self) -> None:
        if not self.released:
            self.released = True
            try:
                self.lease.release()
            except Exception as exc:  # noqa: BLE001 - the lease expires anyway
                logger.warning(
                    "Could not release the lease on %s (%s); it expires after its TTL",
                    self.url, type(exc).__name__,
                )  # fmt: skip


class RedisStateBackend:
    """Small state and leases in Redis, versions as objects in ``STATE_BLOB_URI``."""

    shared = True

    def __init__(self, uri: str, settings: Mapping[str, Any]) -> None:
        import redis  # noqa: PLC0415 - only runs that use Redis need it

        self.where = safe_uri(uri)
        try:
            self.client = redis.Redis.from_url(
                uri, socket_connect_timeout=10, socket_timeout=30, decode_responses=True
            )
        except ValueError as exc:
            raise StateError(f"STATE_URI {self.where!r} is not a Redis URL ({exc})") from None
        self.ttl_ms = max(1000, int(float(settings.get("STATE_LEASE_TTL") or 30) * 1000))
        blob_uri = settings.get("STATE_BLOB_URI") or str(
            Path(settings.get("STATE_DIR") or "state") / "blobs"
        )
        try:
            self.blobs: BlobStore = open_blobs(str(blob_uri), settings)
        except ValueError as exc:
            raise StateError(str(exc)) from None

    def call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """A Redis call whose connection failure is one readable :class:`StateError`."""
        import redis  # noqa: PLC0415

        try:
            return function(*args, **kwargs)
        except redis.exceptions.ConnectionError:
            raise StateError(
                f"cannot reach Redis at {self.where} (STATE_URI); start it or fix the URL"
            ) from None
        except redis.exceptions.RedisError as exc:
            raise StateError(f"Redis at {self.where} refused: {type(exc).__name__}") from None

    def begin(self, url: str, run_id: str, *, incremental: bool = True) -> RedisSiteRun:
        key = site_key(url)
        summary = self.summary(key)
        self._refuse_committed(summary, url, run_id)
        lease = SiteLease(self.client, key, make_token(run_id), self.ttl_ms)
        if not self.call(lease.acquire):
            holder = self.lease_holder(key)
            raise SiteBusyError(
                f"another crawl of {url} is running (run {holder or 'unknown'} holds its lease); "
                "wait for it to end, or for its lease to expire (STATE_LEASE_TTL)"
            )
        run = RedisSiteRun(self, url, run_id, lease, SiteState(site=url), None, incremental)
        try:
            run.summary = summary = self.summary(key)  # committed while we waited?
            self._refuse_committed(summary, url, run_id)
            if incremental:
                run.previous = self._previous(summary, url)
        except BaseException:
            run.release()
            raise
        return run

    @staticmethod
    def _refuse_committed(summary: dict[str, Any] | None, url: str, run_id: str) -> None:
        if summary and run_id in (summary.get("recent_runs") or []):
            raise RunAlreadyCommitted(f"run {run_id} of {url} is already committed")

    def _previous(self, summary: dict[str, Any] | None, url: str) -> SiteState:
        """The versions the last incremental commit points at (none yet: a first run)."""
        if not summary or not summary.get("blob_key"):
            return SiteState(site=url)
        key = str(summary["blob_key"])
        where = Path(f"{self.where} {key}")
        try:
            data = json.loads(gzip.decompress(self.blobs.get(key)))
        except BlobMissing:
            raise StateError(
                f"the committed state of {url} names {summary.get('blob')}, which is missing; "
                f"restore it, or delete {state_key(site_key(url))} to start over"
            ) from None
        except (OSError, EOFError, ValueError) as exc:
            raise StateError(f"{where} is damaged ({exc}); {START_OVER}") from None
        state = SiteState.from_json(data, where)
        if site_key(state.site) != site_key(url):
            raise StateError(f"{where} is the state of {state.site}, not of {url}")
        return state

    # For a status command ----------------------------------------------------------------------

    def sites(self) -> list[str]:
        """Every site key that committed a run, sorted."""
        return sorted(str(s) for s in self.call(self.client.smembers, SITES_KEY))

    def summary(self, site_key: str) -> dict[str, Any] | None:
        """The committed small state of a site (see the module docstring), or None."""
        text = self.call(self.client.get, state_key(site_key))
        if text is None:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            raise StateError(
                f"{state_key(site_key)} in Redis is not JSON; delete it to start over"
            ) from None
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            raise StateError(f"{state_key(site_key)} in Redis is not a state of this crawler")
        return value

    def lease_holder(self, site_key: str) -> str | None:
        """The run id holding the site's lease, or None."""
        return token_run(self.call(self.client.get, lease_key(site_key)))

    def close(self) -> None:
        self.client.close()


__all__ = [
    "FileStateBackend",
    "LeaseLostError",
    "RedisStateBackend",
    "RunAlreadyCommitted",
    "SiteBusyError",
    "SiteRun",
    "StateBackend",
    "open_backend",
    "redis_site",
    "safe_uri",
]
