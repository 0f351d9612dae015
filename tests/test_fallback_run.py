"""The crawl without REST as a pure run: a small site of pages captured from the real test
WordPress (``tests/data/fallback``), its sitemaps and feed written here, answered in the order
the run asks. What the records say is checked against what those pages show."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.cleaning import clean_content
from crawler.crawl.answer import Answer
from crawler.crawl.fallback import FallbackRun, Step, Want
from crawler.items import (
    CommentItem,
    EntryItem,
    MediaItem,
    PageItem,
    PostItem,
    TermItem,
    UserItem,
)

DATA = Path(__file__).parent / "data" / "fallback"
HOME = "http://wp.test:8080/"

POST = f"{HOME}2019/01/students-campaign-for-rural-schools/"
STICKY = f"{HOME}2021/09/its-5-oclock-somewhere/"
THREADED = f"{HOME}2021/01/mayors-plan-for-the-tram-extension/"
EVENT = f"{HOME}events/food-festival-2020/"
PAGE = f"{HOME}about-us/our-team/"
AUTHOR = f"{HOME}author/liwei/"
FRANCE = f"{HOME}category/world/europe/france/"


class Stats(Counter[str]):
    """The part of Scrapy's stats collector the run uses."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self[key] += count

    def set_value(self, key: str, value: Any) -> None:
        self[key] = value

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)


def urlset(*urls: str) -> bytes:
    locs = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
    ).encode()


def index(*names: str) -> bytes:
    maps = "".join(f"<sitemap><loc>{HOME}{name}</loc></sitemap>" for name in names)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
    ).encode()


def atom(*entries: tuple[str, str, str, str]) -> bytes:
    """A WordPress Atom page of ``(link, title, published, updated)`` entries by Li Wei."""
    body = "".join(
        f"<entry><author><name>Li Wei 李伟</name><uri>https://liwei.example/</uri></author>"
        f'<title type="html">{title}</title><link rel="alternate" type="text/html" href="{link}"/>'
        f"<id>{link}</id><updated>{updated}</updated><published>{published}</published>"
        '<summary type="html"><![CDATA[Students campaign for rural schools.]]></summary>'
        "</entry>"
        for link, title, published, updated in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        f'xmlns:thr="http://purl.org/syndication/thread/1.0"><title>Example News</title>{body}</feed>'
    ).encode()


def page(name: str) -> tuple[int, bytes, tuple[str, ...]]:
    links = DATA / f"{name}.links"
    headers = tuple(links.read_text().splitlines()) if links.exists() else ()
    return 200, (DATA / f"{name}.html").read_bytes(), headers


def core_site() -> dict[str, tuple[int, bytes, tuple[str, ...]]]:
    """Core sitemaps, the feed (one page), two posts, an event, a page and their archives."""
    return {
        f"{HOME}robots.txt": (200, f"Sitemap: {HOME}wp-sitemap.xml\n".encode(), ()),
        f"{HOME}wp-sitemap.xml": (
            200,
            index(
                "wp-sitemap-posts-post-1.xml",
                "wp-sitemap-posts-page-1.xml",
                "wp-sitemap-posts-event-1.xml",
                "wp-sitemap-taxonomies-category-1.xml",
                "wp-sitemap-users-1.xml",
            ),
            (),
        ),
        f"{HOME}wp-sitemap-posts-post-1.xml": (200, urlset(POST, STICKY), ()),
        f"{HOME}wp-sitemap-posts-page-1.xml": (200, urlset(HOME, PAGE), ()),
        f"{HOME}wp-sitemap-posts-event-1.xml": (200, urlset(EVENT), ()),
        f"{HOME}wp-sitemap-taxonomies-category-1.xml": (200, urlset(FRANCE), ()),
        f"{HOME}wp-sitemap-users-1.xml": (200, urlset(AUTHOR), ()),
        f"{HOME}feed/atom/": (
            200,
            atom((POST, "Students campaign", "2019-01-02T03:04:05Z", "2020-05-06T07:08:09Z")),
            (),
        ),
        HOME: page("home"),
        FRANCE: page("category-archive"),
        AUTHOR: page("author-archive"),
        POST: page("post-normal"),
        STICKY: page("post-sticky"),
        EVENT: page("event"),
        PAGE: page("page-child"),
    }


def drive(
    run: FallbackRun,
    site: dict[str, tuple[int, bytes, tuple[str, ...]]],
    first: Step,
    *,
    order: list[tuple[Want, str]] | None = None,
) -> tuple[list[Any], int]:
    """Answer every fetch from ``site`` (404 for the rest), first in, first out; the records in
    export order, and the most entry pages ever waiting for an answer at once."""
    queue = list(first.fetches)
    records: list[Any] = list(first.records)
    most = 0
    while queue:
        most = max(most, sum(f.want is Want.ENTRY for f in queue))
        fetch = queue.pop(0)
        if order is not None:
            order.append((fetch.want, fetch.url))
        status, body, links = site.get(fetch.url, (404, b"<html>Not found</html>", ()))
        answer = Answer(status, {"content-type": "text/html"}, body, fetch.url, links)
        step = run.on_answer(fetch, answer)
        queue += step.fetches
        records += step.records
    return records, most


def by_type(records: list[Any], cls: type) -> dict[int, Any]:
    return {record.id: record for record in records if type(record) is cls}


def test_every_record_of_the_site_rebuilt_from_its_pages_and_joined():
    stats = Stats()
    run = FallbackRun(HOME, stats)
    records, _ = drive(run, core_site(), run.start())

    assert run.finished
    posts = by_type(records, PostItem)
    assert set(posts) == {20, 308}
    post = posts[20]
    assert (post.source, post.type, post.link) == ("html", "post", POST)
    assert post.slug == "students-campaign-for-rural-schools"
    # The feed's dates win (exact to the second); the page's title and terms.
    assert (post.date_gmt, post.modified_gmt) == ("2019-01-02T03:04:05Z", "2020-05-06T07:08:09Z")
    assert post.author is not None
    assert (post.author.id, post.author.name, post.author.slug) == (2, "Li Wei 李伟", "liwei")
    assert [(c.id, c.name) for c in post.categories] == [(9, "France")]
    assert post.format == "standard"
    assert post.sticky is False
    # Only the sticky post of the home page is sticky (the run read the home page itself).
    assert posts[308].sticky is True
    # A featured image without an id in the markup: null, and said.
    assert "featured_media.id" in posts[308].missing
    assert "featured_media.id" not in post.missing
    # A page: no date, author or menu order in core markup; null and listed, never defaults.
    (page_record,) = by_type(records, PageItem).values()
    assert page_record.id == 5
    assert page_record.menu_order is None
    assert {"menu_order", "date_gmt", "author"} <= set(page_record.missing)
    assert page_record.date_gmt is None
    assert page_record.author is None
    # The home URL heading the page sitemap is not a page.
    assert HOME not in {r.link for r in records if hasattr(r, "link")}
    (event,) = by_type(records, EntryItem).values()
    assert (event.id, event.type) == (597, "event")
    # Each featured image the pages show is a media record, once, with what the page tells.
    media = [r for r in records if isinstance(r, MediaItem)]
    featured = {r.featured_media.source_url for r in posts.values() if r.featured_media}
    assert featured
    assert sorted(m.source_url for m in media) == sorted(featured)
    for item in media:
        assert item.source == "html"
        assert item.title is None
        assert "title" in item.missing
        assert (item.id is None) == ("id" in item.missing)


def test_linked_records_leave_before_the_content_and_terms_last_with_their_count():
    stats = Stats()
    run = FallbackRun(HOME, stats)
    order: list[tuple[Want, str]] = []
    records, _ = drive(run, core_site(), run.start(), order=order)

    kinds = [type(r).__name__ for r in records]
    assert kinds.index("UserItem") < kinds.index("PostItem")
    assert kinds[-1] == "TermItem"
    # No entry page was asked for before every archive the sitemaps list was answered.
    first_entry = next(i for i, (want, _) in enumerate(order) if want is Want.ENTRY)
    assert order.index((Want.ARCHIVE, FRANCE)) < first_entry
    assert order.index((Want.ARCHIVE, AUTHOR)) < first_entry
    (user,) = by_type(records, UserItem).values()
    assert (user.id, user.slug, user.url, user.source) == (
        2,
        "liwei",
        "https://liwei.example/",
        "html",
    )
    (term,) = by_type(records, TermItem).values()
    # France is on post 20 only: its count, derived once every type was crawled.
    assert (term.id, term.taxonomy, term.count) == (9, "category", 1)
    assert "count" not in term.missing


def test_entry_pages_are_planned_a_window_at_a_time():
    site = core_site()
    run = FallbackRun(HOME, Stats(), window=1)
    records, most = drive(run, site, run.start())
    assert most == 1
    assert len(by_type(records, PostItem)) == 2


def test_a_page_that_fails_makes_the_crawl_incomplete_and_keeps_the_rest():
    site = core_site()
    site[STICKY] = (500, b"<html>Internal Server Error</html>", ())
    site[EVENT] = (404, b"<html>gone</html>", ())
    stats = Stats()
    run = FallbackRun(HOME, stats)
    records, _ = drive(run, site, run.start())

    assert set(by_type(records, PostItem)) == {20}
    assert by_type(records, PageItem)
    assert stats["wordpress/incomplete"] is True
    assert stats["wordpress/fallback/failed_urls"] == 1
    # A 404 is a page unpublished since it was listed: counted, not a failure (here the
    # event, and the tag archive post 20 links to, which this small site does not serve).
    assert stats["wordpress/fallback/gone"] == 2
    # Term counts are not derived from a crawl that missed records: null and said.
    (term,) = by_type(records, TermItem).values()
    assert term.count is None
    assert "count" in term.missing


def test_without_a_sitemap_posts_come_from_the_feed_and_archives_are_read_on_demand():
    site = {
        url: answer
        for url, answer in core_site().items()
        if "sitemap" not in url and not url.endswith("robots.txt")
    }
    stats = Stats()
    run = FallbackRun(HOME, stats)
    records, _ = drive(run, site, run.start())

    assert stats["wordpress/fallback/inventory"] == "atom"
    posts = by_type(records, PostItem)
    assert set(posts) == {20}, "only what the feed lists"
    author = posts[20].author
    assert author is not None
    assert author.name == "Li Wei 李伟"
    assert [c.name for c in posts[20].categories] == ["France"]
    kinds = [type(r).__name__ for r in records]
    assert kinds.index("UserItem") < kinds.index("PostItem"), "the archive before its record"
    assert 9 in by_type(records, TermItem)


def test_a_site_that_hides_only_its_users_gets_them_through_one_page_per_author():
    site = core_site()
    stats = Stats()
    run = FallbackRun(HOME, stats, users_only=True)
    first = run.start()
    assert not first.fetches, "no inventory: the REST records name the pages"
    records, _ = drive(run, site, run.author_hint(2, POST))
    again = run.author_hint(2, STICKY)
    assert not again.fetches, "one page per author"
    assert run.author_hint(3, "https://elsewhere.example/x/").fetches == []
    (user,) = records
    assert isinstance(user, UserItem)
    assert (user.id, user.name, user.source) == (2, "Li Wei 李伟", "html")
    assert user.url is None
    assert "url" in user.missing, "the website is only in the feed"
    assert run.done


@pytest.mark.parametrize("types", ["posts", "post"])
def test_types_limit_the_entries_and_leave_term_counts_null(types):
    run = FallbackRun(HOME, Stats(), types=types)
    records, _ = drive(run, core_site(), run.start())
    assert set(by_type(records, PostItem)) == {20, 308}
    assert not by_type(records, PageItem)
    assert not by_type(records, EntryItem)
    (term,) = by_type(records, TermItem).values()
    assert term.count is None


def test_comment_records_follow_their_post():
    site = core_site()
    site[f"{HOME}wp-sitemap-posts-post-1.xml"] = (200, urlset(THREADED), ())
    site[THREADED] = page("post-threaded-comments")
    run = FallbackRun(HOME, Stats())
    records, _ = drive(run, site, run.start())
    comments = [r for r in records if isinstance(r, CommentItem)]
    post = by_type(records, PostItem)[252]
    assert len(comments) == post.comment_count == 8
    assert {c.post for c in comments} == {252}
    assert all((c.link or "").startswith(THREADED) for c in comments)
    assert any(c.parent for c in comments), "threaded replies keep their parent"
    assert records.index(post) < records.index(comments[0])


def test_without_robots_txt_the_usual_sitemap_places_are_probed_in_order():
    site = core_site()
    del site[f"{HOME}robots.txt"]
    site[f"{HOME}sitemap_index.xml"] = site.pop(f"{HOME}wp-sitemap.xml")  # Yoast's place
    run = FallbackRun(HOME, Stats())
    order: list[tuple[Want, str]] = []
    records, _ = drive(run, site, run.start(), order=order)
    probes = [url for want, url in order if want is Want.SITEMAP][:3]
    assert probes == [f"{HOME}wp-sitemap.xml", f"{HOME}?sitemap=index", f"{HOME}sitemap_index.xml"]
    assert run.finished
    assert set(by_type(records, PostItem)) == {20, 308}


SPLIT = f"{HOME}2026/11/split-in-three/"
"""A post of three parts (``<!--nextpage-->``), captured with its parts and one comment."""


def split_site() -> dict[str, tuple[int, bytes, tuple[str, ...]]]:
    site = core_site()
    site[f"{HOME}wp-sitemap-posts-post-1.xml"] = (200, urlset(SPLIT), ())
    site[SPLIT] = page("post-multipage")
    site[f"{SPLIT}2/"] = page("post-multipage-part-2")
    site[f"{SPLIT}3/"] = page("post-multipage-part-3")
    return site


def test_a_split_post_waits_for_its_parts_and_joins_them_in_order():
    stats = Stats()
    run = FallbackRun(HOME, stats)
    order: list[tuple[Want, str]] = []
    records, _ = drive(run, split_site(), run.start(), order=order)

    assert run.finished
    assert [url for want, url in order if want is Want.PART] == [f"{SPLIT}2/", f"{SPLIT}3/"]
    assert stats["wordpress/fallback/requests/part"] == 2
    post = by_type(records, PostItem)[610]
    text = clean_content(post.content_html or "", SPLIT).text
    # What the three captured pages show, in part order, and no page navigation.
    assert text.index("First part") < text.index("Second part") < text.index("Third and last")
    assert "Page 2" not in text
    assert "content_html" not in post.missing
    # Every part page prints the comments again: each comment is exported once.
    comments = [r for r in records if isinstance(r, CommentItem)]
    assert len(comments) == len({c.id for c in comments}) == post.comment_count == 1
    assert not stats.get("wordpress/incomplete")


def test_a_lost_part_makes_the_crawl_incomplete_and_the_content_null():
    site = split_site()
    site[f"{SPLIT}3/"] = (500, b"<html>Internal Server Error</html>", ())
    stats = Stats()
    run = FallbackRun(HOME, stats)
    records, _ = drive(run, site, run.start())

    post = by_type(records, PostItem)[610]
    assert post.content_html is None, "two parts of three would read like the whole post"
    assert "content_html" in post.missing
    assert stats["wordpress/incomplete"] is True
    assert stats["wordpress/fallback/failed_urls"] == 1
    # Its comments still leave, as with a lost comment page.
    assert [r for r in records if isinstance(r, CommentItem)]
