"""Incremental runs without REST, as pure decisions: what the conditional request, the feeds
ordered by modification and the sitemaps say changed, and what the run then reads.

The site is a small one of pages captured from the real test WordPress
(:func:`tests.test_fallback_run.core_site`); a previous state is built by a first run."""

from __future__ import annotations

from crawler.crawl.fallback import FallbackRun, Want
from crawler.crawl.fallback_changes import PageChanges, entry_key_of_comment, version_of
from crawler.items import CommentItem, PostItem, TermItem, TombstoneItem
from crawler.state.changes import RunChanges
from crawler.state.store import PageState, SiteState
from crawler.wordpress.atom import FeedEntry
from tests.test_fallback_run import (
    EVENT,
    HOME,
    PAGE,
    POST,
    STICKY,
    THREADED,
    Stats,
    atom,
    by_type,
    core_site,
    drive,
    page,
    urlset,
)

UPDATES = f"{HOME}feed/atom/?withcomments=1"
MODIFIED = f"{HOME}feed/atom/?orderby=modified+ID&order=DESC"
LAST_MODIFIED = "Wed, 01 May 2024 10:00:00 GMT"
NEW = "2024-06-01T00:00:00Z"
"""A change after the last run's mark and ``Last-Modified``."""


def entry(link: str, updated: str) -> FeedEntry:
    return FeedEntry(
        link=link, guid=None, post_id=None, title=None, published_gmt=updated,
        updated_gmt=updated, author_name=None, author_uri=None, comment_count=None,
        replies_link=False, summary_html=None, categories=(),
    )  # fmt: skip


def state_after_a_first_run(site: dict | None = None) -> tuple[SiteState, list]:
    """The state a first incremental run of ``site`` (:func:`core_site`) commits, and its
    records."""
    changes = RunChanges(SiteState(HOME))
    run = FallbackRun(HOME, Stats(), changes=PageChanges(changes))
    site = dict(site or core_site())
    site[UPDATES] = (200, atom(), ())
    records, _ = drive(run, site, run.start())
    for record in records:
        if getattr(record, "id", None) is not None:
            changes.reached_feeds((record.type, record.id))
    changes.validators = (LAST_MODIFIED, '"v1"')
    return changes.next_state("2024-05-01T11:00:00Z"), records


def test_a_first_run_keeps_every_record_and_its_page():
    state, records = state_after_a_first_run()
    posts = by_type(records, PostItem)
    assert state.records["posts"] == {i: p.modified_gmt or "" for i, p in posts.items()} | {
        308: state.records["posts"][308]  # no feed entry: a fingerprint
    }
    assert state.pages.places["posts"] == {20: POST, 308: STICKY}
    assert state.pages.places["pages"][5] == PAGE
    assert state.pages.places["events"][597] == EVENT
    assert state.pages.types["events"] == "event"
    assert (state.pages.last_modified, state.pages.etag) == (LAST_MODIFIED, '"v1"')
    assert state.mark == "2020-05-06T07:08:09Z"  # the feed's modified date of the post


def second_run(state: SiteState, site: dict) -> tuple[FallbackRun, list, list[tuple[Want, str]]]:
    run = FallbackRun(HOME, Stats(), changes=PageChanges(RunChanges(state)))
    order: list[tuple[Want, str]] = []
    records, _ = drive(run, site, run.start(), order=order)
    assert run.finished
    return run, records, order


def test_a_304_reads_the_sitemaps_and_no_page():
    state, _ = state_after_a_first_run()
    site = core_site()
    site[UPDATES] = (304, b"", ())
    run, records, order = second_run(state, site)
    assert records == []
    assert run.stats["wordpress/fallback/unchanged"] is True
    assert {want for want, _ in order} == {Want.ROBOTS, Want.HOME, Want.SITEMAP, Want.UPDATES}


def test_changed_entries_are_read_again_and_gone_ones_checked_at_their_old_url():
    state, _ = state_after_a_first_run()
    site = core_site()
    # The post changed (the modification-ordered feed lists it after the mark), the sticky
    # post left the sitemap and answers 404, the page is read again (no feed, no lastmod),
    # the event's feed lists it as it was.
    site[UPDATES] = (200, atom(), ())
    site[f"{HOME}feed/atom/?post_type=event&orderby=modified+ID&order=DESC"] = (
        200,
        atom((EVENT, "Food festival", "2019-01-02T03:04:05Z", "2019-01-02T03:04:05Z")),
        (),
    )
    site[MODIFIED] = (
        200,
        atom((POST, "Students campaign", "2019-01-02T03:04:05Z", "2024-06-01T00:00:00Z")),
        (),
    )
    site[f"{HOME}wp-sitemap-posts-post-1.xml"] = (
        200,
        site[f"{HOME}wp-sitemap-posts-post-1.xml"][1].replace(STICKY.encode(), b""),
        (),
    )
    del site[STICKY]
    run, records, order = second_run(state, site)
    entries = [url for want, url in order if want is Want.ENTRY]
    assert sorted(entries) == sorted([POST, PAGE])  # not the event: its feed says unchanged
    assert (Want.GONE, STICKY) in order
    posts = by_type(records, PostItem)
    assert set(posts) == {20}
    assert posts[20].modified_gmt == "2024-06-01T00:00:00Z"
    tombstones = [r for r in records if isinstance(r, TombstoneItem)]
    assert [(t.type, t.id) for t in tombstones] == [("post", 308)]
    assert run.changes is not None
    assert run.changes.changes.removed == {"posts": {308}}
    # The changed post is an update; the page, read again, is compared by its fingerprint.
    assert run.changes.changes.classify("posts", 20, "2024-06-01T00:00:00Z") == "updated"
    assert run.changes.changes.pending[("page", 5)].value == state.records["pages"][5]


def test_the_same_id_at_an_old_url_is_kept_not_deleted():
    state, _ = state_after_a_first_run()
    site = core_site()
    site[UPDATES] = (200, atom(), ())
    site[MODIFIED] = (200, atom(), ())
    # The sitemap no longer lists the sticky post (an SEO plugin's noindex), but it is there.
    site[f"{HOME}wp-sitemap-posts-post-1.xml"] = (
        200,
        site[f"{HOME}wp-sitemap-posts-post-1.xml"][1].replace(STICKY.encode(), b""),
        (),
    )
    run, records, order = second_run(state, site)
    assert (Want.GONE, STICKY) in order
    assert not [r for r in records if isinstance(r, TombstoneItem)]
    assert run.stats["wordpress/fallback/unlisted_kept"] == 1


def test_a_lost_sitemap_reports_no_deletion():
    state, _ = state_after_a_first_run()
    site = core_site()
    site[UPDATES] = (200, atom(), ())
    site[f"{HOME}wp-sitemap-posts-post-1.xml"] = (500, b"", ())
    run, records, order = second_run(state, site)
    assert not [r for r in records if isinstance(r, TombstoneItem)]
    assert Want.GONE not in {want for want, _ in order}
    assert "pages were lost" in run.commit_problems("finished")


def with_comments() -> dict:
    """:func:`core_site` with a post of eight threaded comments."""
    site = core_site()
    site[f"{HOME}wp-sitemap-posts-post-1.xml"] = (200, urlset(POST, STICKY, THREADED), ())
    site[THREADED] = page("post-threaded-comments")
    return site


def test_new_comments_read_their_entry_again_and_only_the_comments_leave():
    state, first = state_after_a_first_run(with_comments())
    known = {c.id for c in first if isinstance(c, CommentItem)}
    assert len(known) == 8
    # A comment the last run exported on that post, gone from its page since.
    state.records["comments"][9999] = "sha1:0"
    state.pages.places["comments"][9999] = THREADED
    site = with_comments()
    comment = f"{THREADED}comment-page-2/#comment-99"
    site[UPDATES] = (200, atom((comment, "A comment", NEW, NEW)), ())
    # The posts' feed, newest edits first: a page of two, none since the last run (a comments
    # feed of one comment, which is new, then shows every new comment).
    old = "2019-01-02T03:04:05Z"
    site[MODIFIED] = (200, atom((POST, "A", old, old), (STICKY, "B", old, old)), ())
    _, records, order = second_run(state, site)
    assert THREADED in [url for want, url in order if want is Want.ENTRY]
    assert POST not in [url for want, url in order if want is Want.ENTRY]
    assert not by_type(records, PostItem)  # a new comment does not make its post an update
    comments = by_type(records, CommentItem)
    assert set(comments) == known
    assert {c.post for c in comments.values()} == {252}
    tombstones = [(r.type, r.id) for r in records if isinstance(r, TombstoneItem)]
    assert tombstones == [("comment", 9999)]


def test_a_feed_full_of_new_comments_reads_every_entry_again():
    changes = PageChanges(
        RunChanges(SiteState(HOME, runs=1, pages=PageState(last_modified=LAST_MODIFIED)))
    )
    changes.on_comments([entry(f"{POST}#comment-{i}", "2024-06-01T00:00:00") for i in range(10)])
    assert changes.overflow
    assert changes.wants(POST, "post", None)
    changes = PageChanges(
        RunChanges(SiteState(HOME, runs=1, pages=PageState(last_modified=LAST_MODIFIED)))
    )
    changes.on_comments(
        [
            entry(f"{POST}#comment-1", "2024-06-01T00:00:00"),
            entry(f"{STICKY}#comment-2", "2020-01-01T00:00:00"),
        ]
    )
    assert not changes.overflow
    assert changes.commented == {POST}


def test_the_feed_walk_stops_at_the_mark_minus_the_overlap():
    state = SiteState(HOME, mark="2024-05-01T10:00:00Z", runs=1)
    changes = PageChanges(RunChanges(state), overlap=3600)
    assert changes.on_feed_page("post", [entry(POST, "2024-05-01T09:30:00")])
    assert not changes.on_feed_page("post", [entry(STICKY, "2024-05-01T08:59:59")])
    assert changes.changed == {POST}


def test_validators_are_sent_back_only_when_well_formed():
    pages = PageState(last_modified="not a date", etag='"ok"\r\nX-Injected: 1')
    changes = PageChanges(RunChanges(SiteState(HOME, runs=1, pages=pages)))
    assert changes.check_headers() == {}
    changes.on_check(200, {"last-modified": LAST_MODIFIED, "etag": 'W/"abc"'})
    assert changes.changes.validators == (LAST_MODIFIED, 'W/"abc"')
    # A 304 to a request that carried no validator is not "nothing changed".
    changes.on_check(304, {})
    assert not changes.unchanged


def test_versions_of_pages_and_terms():
    post = PostItem(id=1, site=HOME, modified_gmt="2024-01-01T00:00:00Z")
    assert version_of(post, "posts").value == "2024-01-01T00:00:00Z"
    term = TermItem(id=3, taxonomy="category", name="News", slug="news", site=HOME, count=4)
    same = TermItem(id=3, taxonomy="category", name="News", slug="news", site=HOME, count=None)
    renamed = TermItem(id=3, taxonomy="category", name="World", slug="news", site=HOME)
    # A count only full runs derive is no change; a new name is.
    assert version_of(term, "categories") == version_of(same, "categories")
    assert version_of(term, "categories") != version_of(renamed, "categories")


def test_comment_links_lead_to_their_entry():
    assert entry_key_of_comment(f"{POST}comment-page-3/#comment-7") == POST
    assert entry_key_of_comment(f"{HOME}?p=20&cpage=2#comment-7") == f"{HOME}?p=20"


def test_a_site_without_feeds_reads_every_entry_and_still_finds_deletions():
    state, _ = state_after_a_first_run()
    site = core_site()
    # A "disable feeds" plugin: every feed URL answers 404.
    site.pop(f"{HOME}feed/atom/")
    site[f"{HOME}wp-sitemap-posts-post-1.xml"] = (200, urlset(POST), ())
    del site[STICKY]
    run, records, order = second_run(state, site)
    entries = {url for want, url in order if want is Want.ENTRY}
    assert entries == {POST, PAGE, EVENT}
    assert not run.stats.get("wordpress/incomplete")
    assert [(r.type, r.id) for r in records if isinstance(r, TombstoneItem)] == [("post", 308)]
