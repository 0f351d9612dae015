"""What an incremental run exports: records added or updated since the last run, and deletions.

A record's *version* is its ``modified_gmt`` when it has one (posts, pages, custom types,
media) and otherwise a fingerprint of its content (terms, users, comments), so a renamed
category is an update although WordPress keeps no date for it. Authenticated runs, which see
every status, add the entry's status (:func:`entry_version`): WP-cron publishes a scheduled
post (``wp_publish_post``) without touching ``post_modified_gmt``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from crawler.wordpress.records import real_date

from .store import PageState, SiteState

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)

ADDED, UPDATED, DELETED = "added", "updated", "deleted"

VERSION_EXCLUDED = ("change", "content_text", "source", "missing")
"""Fields left out of a fingerprint (runs with and without REST alike): set by this run or
derived by cleaning, not by the site; and where the record came from, which is not a change of
the record (a state written before ``source`` and ``missing`` existed keeps its fingerprints)."""
FILES_PENDING = "files-pending:"
"""Prefix of the version of a media record whose files a run could not store: no listing
returns that version, so the next run exports the record again (``updated``) with its files.

>>> run = RunChanges(SiteState("s"))
>>> run.record_exported("media", 5, "2024-01-01T00:00:00Z", None)
>>> run.note_files_failed(5)
>>> nxt = run.next_state("now")
>>> nxt.records["media"][5]
'files-pending:2024-01-01T00:00:00Z'
>>> RunChanges(nxt).classify("media", 5, "2024-01-01T00:00:00Z")
'updated'
"""


STATUS_SEPARATOR = "|"
"""Between ``modified_gmt`` and the status in a version (neither holds it)."""
MAX_STATUS = 32
"""A status longer than this (or not ``[a-z0-9_-]``) is junk: the version goes without it."""


def entry_version(modified: str, status: object = None) -> str:
    """An entry's version: ``modified_gmt``, and its status when the run sees every status.

    >>> entry_version("2024-01-01T00:00:00Z", "future")
    '2024-01-01T00:00:00Z|future'
    >>> entry_version("2024-01-01T00:00:00Z"), entry_version("2024-01-01T00:00:00Z", "a|b ")
    ('2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')
    """
    if (
        not isinstance(status, str)
        or not 0 < len(status) <= MAX_STATUS
        or not all(c.isascii() and (c.isalnum() or c in "_-") for c in status)
    ):
        return modified
    return f"{modified}{STATUS_SEPARATOR}{status.lower()}"


def same_version(known: str, seen: str) -> bool:
    """Whether ``seen`` is the version the state holds as ``known``. A version without a
    status (a state written before statuses were kept, or by an anonymous run) is compared on
    ``modified_gmt`` alone: upgrading, or switching between anonymous and authenticated runs,
    does not make every entry look changed.

    >>> same_version("2024-01-01T00:00:00Z|future", "2024-01-01T00:00:00Z|publish")
    False
    >>> same_version("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z|publish")
    True
    >>> same_version("files-pending:2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z")
    False
    """
    if known == seen:
        return True
    known_modified, _, known_status = known.partition(STATUS_SEPARATOR)
    seen_modified, _, seen_status = seen.partition(STATUS_SEPARATOR)
    return not (known_status and seen_status) and known_modified == seen_modified


def fingerprint(record: dict[str, Any]) -> str:
    """A short, stable digest of a record's content.

    >>> fingerprint({"b": 1, "a": "x"}) == fingerprint({"a": "x", "b": 1})
    True

    A comment's ``status`` counts only when it is not ``approved``: states written before
    comments had a status keep their fingerprints, and a pending comment that is approved
    is an update.

    >>> fingerprint({"id": 1, "status": "approved"}) == fingerprint({"id": 1})
    True
    >>> fingerprint({"id": 1, "status": "hold"}) == fingerprint({"id": 1})
    False
    """
    if record.get("type") in ("comment", None) and record.get("status") in ("approved", None):
        record = {k: v for k, v in record.items() if k != "status"}
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return "sha1:" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def valid_mark(mark: object) -> str | None:
    """``mark`` if it is a real UTC date (``YYYY-MM-DDTHH:MM:SSZ``, a sane year), else ``None``.

    A state file written before dates were checked can hold a mark that is not a date
    (``9999-99-99T99:99:99Z``); it is then treated as no mark, so the run asks for every change
    and the next state gets a real one.

    >>> valid_mark("2024-05-01T10:00:00Z"), valid_mark("9999-99-99T99:99:99Z"), valid_mark(5)
    ('2024-05-01T10:00:00Z', None, None)
    """
    if not isinstance(mark, str) or len(mark) != 20 or not mark.endswith("Z"):
        return None
    return mark if real_date(mark[:19]) else None


def since(mark: str | None, overlap_seconds: float) -> str | None:
    """The ``modified_after`` to send: the mark minus a safety overlap, in UTC with ``Z``.

    WordPress compares it with the site's *local* modification time and exclusively, so the
    overlap covers clock changes, time zones and records saved in the same second as the mark.
    A mark that is not a date is no mark (:func:`valid_mark`).

    >>> since("2024-05-01T10:00:00Z", 3600)
    '2024-05-01T09:00:00Z'
    >>> since(None, 3600) is None, since("9999-99-99T99:99:99Z", 3600) is None
    (True, True)
    >>> since("1000-01-01T00:00:00Z", 3600)
    '0999-12-31T23:00:00Z'
    """
    valid = valid_mark(mark)
    if valid is None:
        if mark:
            logger.warning(
                "The state's mark %r is not a date; asking the site for every change", mark
            )
        return None
    moment = datetime.strptime(valid[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return _iso(moment - timedelta(seconds=overlap_seconds))


def _soon() -> str:
    """A day from now: the latest ``modified_gmt`` that may become the mark."""
    return _iso(datetime.now(UTC) + timedelta(days=1))


def _iso(moment: datetime) -> str:
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ`` with a four-digit year on every platform."""
    return f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Version:
    """The version of a record on its way to the feeds, and where it goes in the state."""

    collection: str
    """The collection in the state (the REST base: ``posts``, ``categories``...)."""
    value: str
    """``modified_gmt``, or a fingerprint for records without one."""
    modified: str | None = None
    """``modified_gmt`` of dated records: it moves the mark once the record is exported."""


RecordKey = tuple[str, int]
"""A record's ``(type, id)``: unique across a site's feeds."""


@dataclass
class RunChanges:
    """The change bookkeeping of one run against the previous state.

    >>> run = RunChanges(SiteState("s", records={"posts": {1: "2024-01-01T00:00:00Z"}}))
    >>> run.classify("posts", 1, "2024-01-01T00:00:00Z") is None  # seen in the overlap: skip
    True
    >>> run.classify("posts", 1, "2024-02-01T00:00:00Z"), run.classify("posts", 2, "x")
    ('updated', 'added')
    >>> run.deleted("posts", [2])
    [1]
    """

    previous: SiteState
    exported: dict[str, dict[int, str]] = field(default_factory=dict)
    """Versions exported during this run (only committed if the run ends cleanly)."""
    removed: dict[str, set[int]] = field(default_factory=dict)
    mark: str | None = None
    present: dict[str, dict[int, str]] = field(default_factory=dict)
    """Ids and ``modified_gmt`` the id listings found, per collection: what the site shows."""
    listed: dict[str, dict[int, str]] = field(default_factory=dict)
    """Versions of the records the listings returned this run, per collection."""
    pending: dict[RecordKey, Version] = field(default_factory=dict)
    """Versions of records on their way to the feeds; only exported ones reach the state."""
    places: dict[str, dict[int, str]] = field(default_factory=dict)
    """Runs without REST: the page each record was read from (:class:`PageState`)."""
    types: dict[str, str] = field(default_factory=dict)
    """Runs without REST: the record type of each collection, for later tombstones."""
    validators: tuple[str | None, str | None] | None = None
    """Runs without REST: the Atom feed's ``Last-Modified`` and ``ETag`` seen this run."""
    media_files: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Runs that download media files: the files stored this run per media id."""

    files_failed: set[int] = field(default_factory=set)
    """Media ids whose files this run could not store: tried again by the next run."""

    def note_files_failed(self, record_id: int) -> None:
        """A media record reaches the feeds without all its files: its version in the next
        state is marked (:data:`FILES_PENDING`), so the next run sees it changed (its id
        listing shows another version), fetches it again and retries the files."""
        self.files_failed.add(record_id)

    def note_media_files(self, record_id: int, files: dict[str, dict[str, Any]]) -> None:
        """The files stored for a media record this run (``{path: {checksum, size}}``); they
        replace the previous run's when the state is committed."""
        self.media_files[record_id] = files

    def note_place(self, collection: str, record_id: int, url: str, record_type: str) -> None:
        """Where a record rebuilt from pages was read (committed with the run)."""
        self.places.setdefault(collection, {})[record_id] = url
        self.types[collection] = record_type

    def note_listed(self, key: RecordKey, version: Version) -> None:
        """A listing returned this record: it goes to the feeds unless it is unchanged."""
        self.listed.setdefault(version.collection, {})[key[1]] = version.value
        self.pending[key] = version

    def note_present(self, collection: str, record_id: int, modified: str) -> None:
        """An id listing shows this record at version ``modified``. A version the state holds
        without the status this one has, and otherwise the same, is upgraded in the next
        state (once, on the first authenticated run that sees it unchanged).

        >>> run = RunChanges(SiteState("s", records={"posts": {1: "t"}}))
        >>> run.note_present("posts", 1, "t|future")
        >>> run.missed("posts"), run.next_state("now").records["posts"][1]
        ([], 't|future')
        """
        self.present.setdefault(collection, {})[record_id] = modified
        known = self.previous.records.get(collection, {}).get(record_id)
        old_format = known is not None and STATUS_SEPARATOR not in known
        if old_format and known != modified and same_version(str(known), modified):
            self.exported.setdefault(collection, {}).setdefault(record_id, modified)

    def change_of(self, key: RecordKey) -> str | None:
        """``added`` or ``updated`` for a listed record; ``None`` (and forgotten) if unchanged
        or not listed by this run."""
        version = self.pending.get(key)
        if version is None:
            return None
        change = self.classify(version.collection, key[1], version.value)
        if change is None:
            del self.pending[key]
        return change

    def reached_feeds(self, key: RecordKey) -> None:
        """The record reached the feeds: its version goes into the next state."""
        version = self.pending.pop(key, None)
        if version is not None:
            self.record_exported(version.collection, key[1], version.value, version.modified)

    def missed(self, collection: str) -> list[int]:
        """Ids the id listing shows changed that no listing of this run returned as such.

        >>> run = RunChanges(SiteState("s", records={"posts": {1: "a", 2: "a"}}))
        >>> for i, modified in ((1, "a"), (2, "b"), (3, "c")):
        ...     run.note_present("posts", i, modified)
        >>> run.note_listed(("post", 3), Version("posts", "c"))
        >>> run.missed("posts")
        [2]
        """
        known = self.previous.records.get(collection, {})
        listed = self.listed.get(collection, {})
        return sorted(
            record_id
            for record_id, modified in self.present.get(collection, {}).items()
            if ((was := known.get(record_id)) is None or not same_version(was, modified))
            and listed.get(record_id) != modified
        )

    def classify(self, collection: str, record_id: int, version: str) -> str | None:
        """``added``, ``updated``, or ``None`` when this version was already exported."""
        known = self.previous.records.get(collection, {}).get(record_id)
        if known is None:
            return ADDED
        return None if same_version(known, version) else UPDATED

    def deleted(self, collection: str, present_ids: Iterable[int]) -> list[int]:
        """Ids the previous state had that the site no longer lists: deleted or unpublished."""
        present = set(present_ids)
        return sorted(i for i in self.previous.records.get(collection, {}) if i not in present)

    def record_exported(
        self, collection: str, record_id: int, version: str, modified: str | None
    ) -> None:
        """Keep the version for the next state; ``modified`` moves the mark unless it is in
        the future (a site's bad clock would make later runs ask for nothing).

        >>> run = RunChanges(SiteState("s"))
        >>> run.record_exported("posts", 1, "v", "2024-01-01T00:00:00Z")
        >>> run.record_exported("posts", 2, "v", "2999-01-01T00:00:00Z")
        >>> run.mark
        '2024-01-01T00:00:00Z'
        """
        self.exported.setdefault(collection, {})[record_id] = version
        if modified and (self.mark is None or modified > self.mark) and modified <= _soon():
            self.mark = modified

    def record_removed(self, collection: str, record_id: int) -> None:
        self.removed.setdefault(collection, set()).add(record_id)

    def next_state(self, committed_at: str) -> SiteState:
        """The state to commit: the previous one with this run's exports and removals applied."""
        records = {name: dict(ids) for name, ids in self.previous.records.items()}
        for name, versions in self.exported.items():
            records.setdefault(name, {}).update(versions)
        for name, gone in self.removed.items():
            for record_id in gone:
                records.get(name, {}).pop(record_id, None)
        media = records.get("media", {})
        for record_id in self.files_failed:
            if record_id in media and not media[record_id].startswith(FILES_PENDING):
                media[record_id] = FILES_PENDING + media[record_id]
        marks = [m for m in (valid_mark(self.previous.mark), valid_mark(self.mark)) if m]
        return SiteState(
            site=self.previous.site,
            mark=max(marks) if marks else None,
            records=records,
            runs=self.previous.runs + 1,
            committed_at=committed_at,
            pages=self._next_pages(),
            media_files=self._next_media_files(),
        )

    def _next_media_files(self) -> dict[int, dict[str, dict[str, Any]]]:
        """The previous run's stored files, with this run's and without deleted media.

        >>> run = RunChanges(SiteState("s", media_files={1: {"a": {}}, 2: {"b": {}}}))
        >>> run.note_media_files(2, {"c": {}})
        >>> run.record_removed("media", 1)
        >>> run._next_media_files()
        {2: {'c': {}}}
        """
        files = dict(self.previous.media_files) | self.media_files
        for record_id in self.removed.get("media", ()):
            files.pop(record_id, None)
        return {record_id: entry for record_id, entry in files.items() if entry}

    def _next_pages(self) -> PageState:
        """The previous :class:`PageState` with this run's places, types, removals and feed
        validators applied.

        >>> run = RunChanges(SiteState("s", pages=PageState(places={"posts": {1: "a", 2: "b"}})))
        >>> run.note_place("posts", 2, "b2", "post")
        >>> run.record_removed("posts", 1)
        >>> run.validators = ("Mon, 01 Jan 2024 00:00:00 GMT", None)
        >>> pages = run._next_pages()
        >>> pages.places, pages.types, pages.last_modified
        ({'posts': {2: 'b2'}}, {'posts': 'post'}, 'Mon, 01 Jan 2024 00:00:00 GMT')
        """
        before = self.previous.pages
        places = {name: dict(ids) for name, ids in before.places.items()}
        for name, ids in self.places.items():
            places.setdefault(name, {}).update(ids)
        for name, gone in self.removed.items():
            for record_id in gone:
                places.get(name, {}).pop(record_id, None)
        last_modified, etag = self.validators or (before.last_modified, before.etag)
        return PageState(
            places={name: ids for name, ids in places.items() if ids},
            types=before.types | self.types,
            last_modified=last_modified,
            etag=etag,
        )


def past_the_mark(modified: Iterable[str | None], since_value: str) -> bool:
    """Whether a page of records, newest first, reached records older than ``since_value``:
    then no later page can hold a change.

    >>> past_the_mark(["2024-05-02T00:00:00Z", "2024-04-30T00:00:00Z"], "2024-05-01T00:00:00Z")
    True
    >>> past_the_mark(["2024-05-03T00:00:00Z", "2024-05-02T00:00:00Z"], "2024-05-01T00:00:00Z")
    False
    """
    return any(value is not None and value < since_value for value in modified)
