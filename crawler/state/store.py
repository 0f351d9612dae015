"""One JSON state file per site, written atomically so a crash never leaves half a state.

JSON rather than SQLite: the state is read once and written once per run, it stays small (about
40 bytes a record), and a person can read it. It is written to a temporary file in the same
folder, flushed to disk, then renamed over the old one, so a crash at any moment leaves either
the previous state or the new one, never a mix.

A state belongs to one site, keyed by host and path (:func:`site_key`), so two sites on one host
(a multisite network in subfolder mode: ``/a/`` and ``/b/``) never share one; the file records
its site and is refused for another. A run of a site holds the site's lock (:class:`SiteLock`)
from before its first request to its end, so two runs never race on one state.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

FORMAT_VERSION = 1


class StateError(ValueError):
    """A state file that cannot be used; the message says which and what to do."""


@dataclass
class PageState:
    """What a run without REST keeps so the next one can fetch only what changed.

    ``places`` maps a collection to ``{id: URL}``: the page each record was read from (for
    comments, their entry's page), so a known id whose URL left the sitemaps is checked there
    (deleted, or only moved). ``types`` names the record type of each collection, for the
    tombstones. ``last_modified`` and ``etag`` are the validators of the Atom feed, sent back
    as ``If-Modified-Since``/``If-None-Match``: WordPress answers 304 when no post and no
    comment changed since.

    >>> state = PageState(places={"posts": {5: "https://e.com/hello/"}}, types={"posts": "post"},
    ...                   etag='"abc"')
    >>> PageState.from_json(state.to_json(), Path("s.json")) == state
    True
    >>> PageState().empty
    True
    """

    places: dict[str, dict[int, str]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    last_modified: str | None = None
    etag: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.places or self.types or self.last_modified or self.etag)

    def to_json(self) -> dict[str, Any]:
        return {
            "places": {
                name: {str(i): url for i, url in sorted(ids.items())}
                for name, ids in sorted(self.places.items())
            },
            "types": dict(sorted(self.types.items())),
            "last_modified": self.last_modified,
            "etag": self.etag,
        }

    @classmethod
    def from_json(cls, data: Any, path: Path) -> PageState:
        """The ``pages`` part of a state file (absent: empty), checked like the records."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise StateError(f"{path} is damaged: 'pages' is not an object; {START_OVER}")
        types, last_modified, etag = (
            data.get("types", {}),
            data.get("last_modified"),
            data.get("etag"),
        )
        if not (
            isinstance(types, dict)
            and all(isinstance(v, str) for v in types.values())
            and (last_modified is None or isinstance(last_modified, str))
            and (etag is None or isinstance(etag, str))
        ):
            raise StateError(f"{path} is damaged: a part of 'pages' is malformed; {START_OVER}")
        return cls(
            places=_records(data.get("places"), path),
            types={str(k): v for k, v in types.items()},
            last_modified=last_modified,
            etag=etag,
        )


@dataclass
class SiteState:
    """What earlier runs exported for one site.

    ``records`` maps a collection (``posts``, ``media``, ``categories``...) to ``{id: version}``,
    where a version is the record's ``modified_gmt`` or, for records without one (terms, users,
    comments), a fingerprint of their content.
    """

    site: str
    mark: str | None = None
    """The high-water mark: the largest ``modified_gmt`` exported, ISO 8601 UTC with ``Z``."""
    records: dict[str, dict[int, str]] = field(default_factory=dict)
    runs: int = 0
    """How many runs committed this state."""
    committed_at: str | None = None
    pages: PageState = field(default_factory=PageState)
    """What runs without REST need beyond the versions (empty after REST runs)."""
    media_files: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Runs that download media files: per media id, the files stored for it, ``{path:
    {checksum, size}}`` (absent from the file when empty)."""

    def to_json(self) -> dict[str, Any]:
        data = {
            "format": FORMAT_VERSION,
            "site": self.site,
            "mark": self.mark,
            "runs": self.runs,
            "committed_at": self.committed_at,
            "records": {
                name: {str(i): v for i, v in sorted(ids.items())}
                for name, ids in sorted(self.records.items())
            },
        }
        if not self.pages.empty:
            data["pages"] = self.pages.to_json()
        if self.media_files:
            data["media_files"] = {str(i): f for i, f in sorted(self.media_files.items())}
        return data

    @classmethod
    def from_json(cls, data: Any, path: Path) -> SiteState:
        """A state from its JSON; any field of the wrong type is one clear :class:`StateError`."""
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise StateError(
                f"{path} is not a state file of this crawler (format {FORMAT_VERSION})"
            )
        records = _records(data.get("records"), path)
        site, mark, runs = data.get("site"), data.get("mark"), data.get("runs", 0)
        committed_at = data.get("committed_at")
        checks = {
            "'site' is not a URL": isinstance(site, str) and bool(site),
            # A string that is no date is the run's to ignore (crawler.state.changes.since).
            "'mark' is not a UTC date": mark is None or isinstance(mark, str),
            "'runs' is not a count": type(runs) is int and runs >= 0,
            "'committed_at' is not a date": committed_at is None or isinstance(committed_at, str),
        }
        for problem, ok in checks.items():
            if not ok:
                raise StateError(f"{path} is damaged: {problem}; {START_OVER}")
        return cls(
            site=str(site), mark=mark, records=records,
            runs=runs, committed_at=committed_at,
            pages=PageState.from_json(data.get("pages"), path),
            media_files=_media_files(data.get("media_files"), path),
        )  # fmt: skip


START_OVER = "move it away to start over with a full crawl"


def _records(value: Any, path: Path) -> dict[str, dict[int, str]]:
    """The ``records`` of a state file: ``{collection: {id: version}}``, checked."""
    if value is None:
        return {}
    problem = f"{path} has malformed records"
    if not isinstance(value, dict):
        raise StateError(f"{problem} (not an object); {START_OVER}")
    records: dict[str, dict[int, str]] = {}
    for name, ids in value.items():
        if not isinstance(ids, dict):
            raise StateError(f"{problem} ({name!r} is not an object); {START_OVER}")
        try:
            versions = {int(i): v for i, v in ids.items()}
        except ValueError as exc:
            raise StateError(f"{problem} ({exc}); {START_OVER}") from None
        if not all(isinstance(v, str) for v in versions.values()):
            raise StateError(f"{problem} (a version of {name!r} is not text); {START_OVER}")
        records[str(name)] = versions
    return records


def _media_files(value: Any, path: Path) -> dict[int, dict[str, dict[str, Any]]]:
    """The ``media_files`` of a state file: ``{id: {path: {checksum, size}}}``, checked (the
    entries themselves are checked where they are used: a malformed one is downloaded again).

    >>> _media_files({"7": {"full/a.jpg": {"checksum": "c", "size": 1}}}, Path("s.json"))
    {7: {'full/a.jpg': {'checksum': 'c', 'size': 1}}}
    """
    if value is None:
        return {}
    problem = f"{path} has malformed media files"
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise StateError(f"{problem} (not objects); {START_OVER}")
    try:
        return {int(i): {str(k): v for k, v in files.items()} for i, files in value.items()}
    except ValueError as exc:
        raise StateError(f"{problem} ({exc}); {START_OVER}") from None


_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_PATH_UNSAFE = re.compile(r"[^a-z0-9]+")
_DOTS = re.compile(r"\.{2,}")
NAME_LIMIT = 80
"""The longest readable part of a state file's name (the hash keeps longer keys apart)."""


def site_key(url: str) -> str:
    """What identifies a site: its host (and port) and path, lower-case host, no scheme,
    credentials, query or REST route.

    >>> site_key("https://user:pw@Example.com:8443/a/?x=1"), site_key("http://e.com")
    ('example.com:8443/a/', 'e.com/')
    >>> site_key("https://e.com/blog/wp-json/wp/v2/"), site_key("http://e.com/index.php?rest_route=/")
    ('e.com/blog/', 'e.com/')
    """
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2].lower()
    segments = []
    for segment in parts.path.split("/"):
        if segment in ("wp-json", "index.php"):
            break
        if segment:
            segments.append(segment)
    return f"{host}/" + "".join(f"{segment}/" for segment in segments)


def state_name(url: str) -> str:
    """The file name of a site's state: file-system safe, bounded, one per :func:`site_key`.

    A site at the root of a plain host keeps the name earlier versions gave it.

    >>> state_name("http://127.0.0.1:8080/"), state_name("https://e.com/a/")
    ('127.0.0.1_8080.json', 'e.com_a.5420bc04.json')
    >>> state_name("https://e.com/b/") != state_name("https://e.com/a/")
    True
    >>> len(state_name("https://e.com/" + "x/" * 500)) <= NAME_LIMIT + 14
    True
    """
    key = site_key(url)
    host, _, path = key.partition("/")
    readable = _DOTS.sub(".", _UNSAFE.sub("-", host.replace(":", "_"))).strip("._-") or "site"
    if path:
        readable += "_" + (_PATH_UNSAFE.sub("-", path.lower()).strip("-") or "path")
    if readable == host.replace(":", "_") and len(readable) <= NAME_LIMIT:
        return f"{readable}.json"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{readable[:NAME_LIMIT].rstrip('.-_')}.{digest}.json"


def state_path(state_dir: str | Path, url: str) -> Path:
    """Where a site's state lives: ``<STATE_DIR>/<state_name(url)>``."""
    return Path(state_dir) / state_name(url)


def load_state(path: Path, site: str) -> SiteState:
    """The state at ``path``, or an empty one for a first run; a state of another site is an
    error.

    >>> load_state(Path("/nonexistent/x.json"), "https://e.com/").runs
    0
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SiteState(site=site)
    except (OSError, UnicodeDecodeError) as exc:
        raise StateError(f"{path} cannot be read ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateError(f"{path} is not valid JSON ({exc}); {START_OVER}") from None
    state = SiteState.from_json(data, path)
    if site_key(state.site) != site_key(site):
        raise StateError(
            f"{path} is the state of {state.site}, not of {site}; give that site's URL, "
            f"or set another STATE_DIR"
        )
    return state


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file at ``path`` with ``data`` so a crash leaves the old file or the new one,
    never a mix: a temporary file in the same folder, fsync, rename, fsync of the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name[:60] + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def save_state(path: Path, state: SiteState) -> None:
    """Replace the state at ``path`` atomically (:func:`write_atomically`)."""
    write_atomically(path, json.dumps(state.to_json(), indent=1).encode("utf-8"))


class SiteLockedError(StateError):
    """Another run of the site holds its lock."""


class SiteLock:
    """An exclusive lock on a site's state, held by one run from its start to its end.

    ``fcntl.flock`` on ``<state file>.lock``: the kernel releases it when the process ends, even
    by SIGKILL, so a crashed run never blocks the next. The file is removed on release; a run
    that locked a file removed under it tries again on the new one.
    """

    def __init__(self, path: Path, handle: IO[bytes]) -> None:
        self.path = path
        self.handle: IO[bytes] | None = handle

    @classmethod
    def acquire(cls, state_file: Path) -> SiteLock:
        """Lock the state at ``state_file``, or raise :class:`SiteLockedError` at once."""
        path = state_file.with_name(state_file.name + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(10):
            handle = path.open("ab")
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise SiteLockedError(
                    f"another crawl of this site is already running (it holds {path}); "
                    "wait for it to end"
                ) from None
            try:
                same = os.fstat(handle.fileno()).st_ino == path.stat().st_ino
            except FileNotFoundError:
                same = False
            if same:
                handle.write(f"{os.getpid()}\n".encode())
                handle.flush()
                return cls(path, handle)
            handle.close()  # the holder removed it as we opened it: lock the new file
        raise SiteLockedError(f"could not lock {path}; another crawl keeps replacing it")

    def release(self) -> None:
        """Remove the lock file and unlock (in that order, so no one locks a removed file)."""
        if self.handle is None:
            return
        self.path.unlink(missing_ok=True)
        self.handle.close()
        self.handle = None
