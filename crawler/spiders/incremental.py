"""Incremental runs and resumed jobs: what changed, what disappeared, and the state to commit.

A mixin of :class:`crawler.spiders.wordpress.WordPressSpider`; the bookkeeping itself is the
pure code of :mod:`crawler.state`.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.feeds import FeedLayout, host_slug
from crawler.items import MediaItem, TombstoneItem
from crawler.spiders.plan import BY_ID, FULL, IDS, RECORD_TYPES, Listing, by_id_listing
from crawler.state.changes import RunChanges
from crawler.state.resume import exported_records, start_job
from crawler.state.store import save_state
from crawler.wordpress.joins import Lookups
from crawler.wordpress.pagination import CollectionState, PageRef
from crawler.wordpress.records import MalformedRecordError, utc_iso
from crawler.wordpress.records import record_id as record_id_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.utils.log import SpiderLoggerAdapter

    from crawler.wordpress.discovery import SiteInfo


class IncrementalMixin:
    """Change tracking against the previous state, tombstones, the state commit, and resume."""

    crawler: Crawler
    logger: SpiderLoggerAdapter
    url: str
    run_id: str
    site: SiteInfo | None
    listings: dict[str, Listing]
    collections: dict[str, CollectionState]
    lookups: Lookups
    changes: RunChanges | None
    state_file: Path | None
    close_reason: str | None
    feeds_stored: bool
    present: dict[str, dict[int, str]]
    yielded: dict[str, dict[int, str]]
    versions: dict[tuple[str, int], tuple[str, str, str | None]]
    waiting: dict[str, tuple[str, list[Any]]]
    already_exported: set[tuple[str, int]]
    refused: set[str]
    batches: int

    def _page_request(self, key: str, ref: PageRef) -> Request:  # provided by the spider
        raise NotImplementedError

    def _records(self, key: str, objects: list[Any], *, ready: bool = False) -> Iterator[Any]:
        raise NotImplementedError

    def resume_job(self, jobdir: str, layout: FeedLayout) -> None:
        """Join the job in ``jobdir``: same run folder, and on a resume, what the feeds hold.

        Scrapy's own queue and duplicate filter are reset on a resume: after a kill they are
        not reliable, and the crawl is planned again anyway.
        """
        job = start_job(jobdir, self.run_id, self.url)
        self.run_id = job.run_id
        if not job.resuming:
            return
        for name in ("requests.queue", "requests.seen"):
            target = Path(jobdir) / name
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        folder = Path(layout.uri("feed") % {"host": host_slug(self.url), "run": self.run_id}).parent
        self.already_exported = exported_records(folder) if folder.is_dir() else set()
        self.logger.info(
            "Resuming the job in %s (start %d): %d records are already in %s and will not be "
            "written again",
            jobdir, job.starts, len(self.already_exported), folder,
        )  # fmt: skip

    def _deletions(self) -> Iterator[TombstoneItem]:
        """Tombstones for what the previous state had and the site no longer lists."""
        if self.changes is None or not self.changes.previous.runs:
            return
        assert self.site is not None
        detected_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        by_collection: dict[str, list[Listing]] = {}
        for listing in self.listings.values():
            by_collection.setdefault(listing.collection, []).append(listing)
        for collection, listings in by_collection.items():
            states = [
                self.collections[item.key] for item in listings if item.key in self.collections
            ]
            if collection in self.refused or any(state.failed_pages for state in states):
                continue  # refused or a lost page: absence proves nothing
            if any(item.kind == IDS for item in listings):
                present = set(self.present.get(collection, {}))
            else:
                present = set(self.collections[collection].seen)
            record_type = listings[0].record_type or RECORD_TYPES[listings[0].item_class]
            for record_id in self.changes.deleted(collection, present):
                self.crawler.stats.inc_value(f"wordpress/{collection}/deleted")
                self.changes.record_removed(collection, record_id)
                if (record_type, record_id) not in self.already_exported:
                    yield TombstoneItem(
                        type=record_type, id=record_id, site=self.site.home, detected_at=detected_at
                    )

    def _missed_changes(self) -> Iterator[Request]:
        """Fetch by id what the id listings show changed and the date filter did not return."""
        if self.changes is None:
            return
        for listing in list(self.listings.values()):
            if listing.kind != IDS:
                continue
            known = self.changes.previous.records.get(listing.collection, {})
            yielded = self.yielded.get(listing.collection, {})
            missed = sorted(
                record_id
                for record_id, modified in self.present.get(listing.collection, {}).items()
                if known.get(record_id) != modified and yielded.get(record_id) != modified
            )
            if missed:
                self.crawler.stats.inc_value(
                    f"wordpress/{listing.collection}/fetched_by_id", len(missed)
                )
                self.logger.info(
                    "%s: %d changes the date filter did not return; fetching them by id",
                    listing.collection, len(missed),
                )  # fmt: skip
            for start in range(0, len(missed), 100):
                yield self._by_id_request(listing, missed[start : start + 100], BY_ID)

    def _by_id_request(self, listing: Listing, ids: list[int], kind: str) -> Request:
        self.batches += 1
        batch = by_id_listing(listing, ids, self.batches, kind=kind)
        self.listings[batch.key] = batch
        state = self.collections.setdefault(batch.key, CollectionState(batch.route))
        return self._page_request(batch.key, state.first_page())

    def on_item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        """An item reached the feeds: its version may go into the next state."""
        if self.changes is None or isinstance(item, TombstoneItem):
            return
        version = self.versions.pop((item.type, item.id), None)
        if version is not None:
            collection, value, modified = version
            self.changes.record_exported(collection, item.id, value, modified)

    def commit_state(self) -> None:
        """The feeds are stored: the state can follow them."""
        self.feeds_stored = True
        self._commit_when_feeds_are_stored()

    def _commit_when_feeds_are_stored(self) -> None:
        """Commit the state only after a clean crawl whose feeds are written.

        A crawl that failed, was stopped, lost a page or came up short of ``X-WP-Total`` on its
        content leaves the previous state as it was, so the next run covers the gap again.
        """
        if self.changes is None or self.state_file is None:
            return
        if not (self.feeds_stored and self.close_reason):
            return
        problems = []
        if self.close_reason != "finished":
            problems.append(f"the crawl ended with {self.close_reason!r}")
        if self.crawler.stats.get_value("wordpress/incomplete"):
            problems.append("pages were lost")
        for key, state in self.collections.items():
            listing = self.listings[key]
            short = (
                listing.kind in (FULL, IDS)
                and listing.dated
                and listing.item_class is not MediaItem
            )
            if short and state.shortfall:
                problems.append(f"{key} came up {state.shortfall} short of X-WP-Total")
        if problems or self.waiting or self.versions:
            if self.versions:
                problems.append(f"{len(self.versions)} records did not reach the feeds")
            self.crawler.stats.set_value("wordpress/state_committed", False)
            self.logger.warning(
                "State not updated (%s); the next run covers this run's changes again",
                "; ".join(problems) or "records still waiting",
            )
            return
        committed_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        state = self.changes.next_state(committed_at)
        save_state(self.state_file, state)
        self.crawler.stats.set_value("wordpress/state_committed", True)
        self.logger.info(
            "State saved to %s: %d records, mark %s",
            self.state_file,
            sum(len(ids) for ids in state.records.values()),
            state.mark,
        )

    def _note_ids(self, listing: Listing, objects: list[Any]) -> None:
        """An id listing's page: which records the site shows now, and their versions."""
        present = self.present.setdefault(listing.collection, {})
        state = self.collections[listing.key]
        for data in objects:
            try:
                record_id = record_id_of(data)
            except MalformedRecordError:
                continue
            if state.accept(record_id):
                self.crawler.stats.inc_value(f"wordpress/{listing.key}/collected")
            present[record_id] = utc_iso(data.get("modified_gmt")) or ""

    def _missing_media(self, listing: Listing, objects: list[Any]) -> list[int]:
        """Featured images of the changed records here that no table holds yet."""
        assert self.changes is not None
        missing = set()
        for data in objects:
            if not isinstance(data, dict) or not isinstance(data.get("id"), int):
                continue
            version = utc_iso(data.get("modified_gmt")) or ""
            if self.changes.classify(listing.collection, data["id"], version) is None:
                continue  # unchanged (the overlap): not exported, no link needed
            media_id = data.get("featured_media")
            known = media_id in self.lookups.media or media_id in self.lookups.hidden_media
            if isinstance(media_id, int) and media_id > 0 and not known:
                missing.add(media_id)
        return sorted(missing)[:100]

    def _lookup_answer(self, key: str, objects: list[Any]) -> Iterator[Any]:
        """Linked media a page of changed records needed: into the table, then the records."""
        assert self.site is not None
        asked = {int(i) for i in dict(self.listings[key].params)["include"].split(",")}
        for data in objects:
            try:
                record = self.listings[key].build(data, site=self.site.home)
            except MalformedRecordError:
                continue
            self.lookups.add_media(record)
        self.lookups.hidden_media.update(asked - set(self.lookups.media))
        if key in self.waiting:  # not on the empty page that closes a header-less listing
            waiting_key, waiting_objects = self.waiting.pop(key)
            yield from self._records(waiting_key, waiting_objects, ready=True)

    def _release_waiting(self, key: str) -> Iterator[Any]:
        """The media a page of records waited for could not be fetched: export the records
        anyway, their featured image as an id only, rather than hold them back."""
        if key in self.waiting:
            waiting_key, waiting_objects = self.waiting.pop(key)
            yield from self._records(waiting_key, waiting_objects, ready=True)
