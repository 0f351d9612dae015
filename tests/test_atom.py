"""The Atom feed reader and feed URLs: a captured page, then the real WordPress to the 404."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crawler.wordpress.atom import atom_feed_url, read_atom
from crawler.wordpress.jsonbody import html_selector
from tests.test_classify import fetch

if TYPE_CHECKING:
    from wpsite.site import WordPressSite

DATA = Path(__file__).parent / "data" / "fallback"
PAGE = (DATA / "atom-core-page1-two-entries.xml").read_bytes()


def test_captured_page_fields() -> None:
    page = read_atom(PAGE)
    assert page is not None
    assert page.updated_gmt == "2025-01-15T00:00:00"
    first, second = page.entries
    assert first.link == "http://127.0.0.1:52445/2024/12/how-one-town-rebuilt-the-solar-farm/"
    assert first.guid == "http://127.0.0.1:45845/2024/12/how-one-town-rebuilt-the-solar-farm/"
    assert first.post_id is None  # a seeded post's guid is its first permalink, not ?p=ID
    assert first.title == "How one town rebuilt the solar farm"
    assert (first.published_gmt, first.updated_gmt) == (
        "2024-12-23T21:40:08",
        "2025-01-15T00:00:00",
    )
    assert (first.author_name, first.author_uri) == (
        "Li Wei 李伟",
        "https://example.com/staff/liwei",
    )
    assert (first.comment_count, first.replies_link) == (0, True)
    assert first.categories == ("Weather", "editor's pick", "global budget", "local rail")
    assert (second.comment_count, second.author_name) == (4, "Fatima Al-Zahra فاطمة الزهراء")
    # the sanitizer and URI rewriting are off: the summary keeps its markup and relative URLs stay
    assert first.summary_html is not None
    assert '<a class="more-link" href="http://127.0.0.1:52445/' in first.summary_html


def test_php_notice_and_bom_before_the_xml() -> None:
    clean = read_atom(PAGE)
    notice = b"<br />\n<b>Warning</b>:  Undefined variable $x in <b>/var/www/f.php</b> on line <b>3</b><br />\n"
    for prefix in (notice, b"\xef\xbb\xbf\xef\xbb\xbf", b"\n\n"):
        assert read_atom(prefix + PAGE) == clean


def test_not_a_feed() -> None:
    assert read_atom(b"<!DOCTYPE html><html><head><title>Not found</title></head></html>") is None
    assert read_atom(b"") is None
    assert read_atom(b"http://127.0.0.1:1/feed/") is None  # bytes: never fetched as an address


def test_hostile_entry_values() -> None:
    body = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
        b'xmlns:thr="http://purl.org/syndication/thread/1.0"><entry>'
        b"<author><name><![CDATA[<b>Eve</b> &amp; co]]></name><uri>javascript:alert(1)</uri></author>"
        b'<link rel="alternate" href="data:text/html,x"/><id>https://e.com/?p=99999999999999999999999</id>'
        b"<thr:total>-3</thr:total><published>not a date</published></entry></feed>"
    )
    page = read_atom(body)
    assert page is not None
    (entry,) = page.entries
    assert (entry.link, entry.author_uri, entry.post_id, entry.comment_count) == (
        None,
        None,
        None,
        None,
    )
    assert entry.author_name == "Eve & co"
    assert entry.published_gmt is None
    assert not entry.replies_link


def test_feed_urls_in_each_spelling() -> None:
    assert (
        atom_feed_url("https://e.com/", "https://e.com/feed/", page=2)
        == "https://e.com/feed/atom/?paged=2"
    )
    assert atom_feed_url(
        "https://e.com/", "https://e.com/?feed=rss2", post_type="event", page=2
    ) == ("https://e.com/?feed=atom&post_type=event&paged=2")
    assert atom_feed_url("https://e.com/", "https://e.com/index.php/feed/", with_comments=True) == (
        "https://e.com/index.php/feed/atom/?withcomments=1"
    )
    assert atom_feed_url("https://e.com/", "https://e.com/feed/", modified_order=True) == (
        "https://e.com/feed/atom/?orderby=modified+ID&order=DESC"
    )
    # another host, or not a feed URL: the home's ?feed=atom
    assert atom_feed_url("https://e.com/", "https://e.com:8443/feed/") == "https://e.com/?feed=atom"
    assert atom_feed_url("https://e.com/", "javascript:alert(1)") == "https://e.com/?feed=atom"
    assert atom_feed_url("https://e.com/", "https://e.com/about/") == "https://e.com/?feed=atom"


# ---------------------------------------------------------------- the real WordPress


def walk(home: str, rss: str | None, post_type: str | None = None) -> tuple[list, int]:
    """Every entry of a feed, page by page to the 404; every page must answer without a redirect."""
    entries, page = [], 1
    while page < 200:
        answer = fetch(atom_feed_url(home, rss, page=page, post_type=post_type))
        if answer.status == 404:
            return entries, page
        assert answer.status == 200, (answer.url, answer.status, answer.headers.get("location"))
        feed = read_atom(answer.body)
        assert feed is not None
        assert feed.entries
        entries += feed.entries
        page += 1
    raise AssertionError("the feed never ended")


def test_feed_dates_and_counts_equal_the_database(
    wordpress_site: WordPressSite, wp_mode: str
) -> None:
    home = wordpress_site.url(wp_mode)
    truth = wordpress_site.ground_truth(wp_mode)
    rss = (
        html_selector(fetch(home).body.decode())
        .css('link[rel=alternate][type="application/rss+xml"]::attr(href)')
        .get()
    )
    assert rss is not None
    posts, requests = walk(home, rss)
    by_link = {entry.link: entry for entry in posts}
    assert len(by_link) == len(posts) == len(truth["posts"])
    for post in truth["posts"]:
        entry = by_link[post["link"]]
        assert (entry.published_gmt, entry.updated_gmt) == (
            post["date_gmt"],
            post["modified_gmt"],
        ), post["id"]
        assert entry.comment_count == post["comment_count"], post["id"]
    users = {user["name"] for user in truth["users"]}
    assert {entry.author_name for entry in posts} <= users
    events, event_requests = walk(home, rss, "event")
    assert {e.link: e.published_gmt for e in events} == {
        e["link"]: e["date_gmt"] for e in truth["events"]
    }
    # the whole listing cost: one request per feed page and one 404 per feed
    assert requests == -(-len(truth["posts"]) // 10) + 1
    assert event_requests == -(-len(truth["events"]) // 10) + 1


def test_changed_first_and_comment_feeds_answer_in_each_mode(
    wordpress_site: WordPressSite, wp_mode: str
) -> None:
    home = wordpress_site.url(wp_mode)
    truth = wordpress_site.ground_truth(wp_mode)
    rss = (
        html_selector(fetch(home).body.decode())
        .css('link[rel=alternate][type="application/rss+xml"]::attr(href)')
        .get()
    )
    changed = fetch(atom_feed_url(home, rss, modified_order=True))
    assert changed.status == 200
    page = read_atom(changed.body)
    assert page is not None
    newest = sorted((post["modified_gmt"] for post in truth["posts"]), reverse=True)
    assert [entry.updated_gmt for entry in page.entries] == newest[: len(page.entries)]
    assert page.updated_gmt == newest[0]
    # withcomments=1 makes WordPress serve the comments feed: one page, whose Last-Modified
    # covers posts and comments, for the "anything changed?" request
    with_comments = fetch(atom_feed_url(home, rss, with_comments=True))
    assert with_comments.status == 200
    comments = read_atom(with_comments.body)
    assert comments is not None
    assert comments.entries
    assert all("#comment-" in (entry.link or "") for entry in comments.entries)
    assert with_comments.headers.get("last-modified")


def test_external_entities_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret-value")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&x;</title>'
        '<link rel="alternate" href="https://e.com/a/"/></entry></feed>'
    ).encode()
    page = read_atom(body)
    assert page is not None
    assert "secret-value" not in repr(page)
    assert page.entries[0].link == "https://e.com/a/"
