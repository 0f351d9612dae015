"""The sitemap inventory: captured and written documents, then the real WordPress."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.wordpress.sitemaps import (
    MAX_ENTRIES,
    SitemapEntry,
    classify_sitemap,
    read_sitemap,
    robots_sitemaps,
    sitemap_candidates,
    without_home,
)
from tests.test_classify import fetch

if TYPE_CHECKING:
    from wpsite.site import WordPressSite

DATA = Path(__file__).parent / "data" / "fallback"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_scrapy_sitemap_parser_behaviour_we_rely_on() -> None:
    """scrapy.utils.sitemap is "subject to change": pin what read_sitemap relies on."""
    from scrapy.utils.sitemap import Sitemap

    sitemap = Sitemap(read("sitemap-core-index-plain.xml"))
    assert sitemap.type == "sitemapindex"  # the root's local name, namespace stripped
    first = next(iter(sitemap))
    assert first == {"loc": "http://127.0.0.1:56757/?sitemap=posts&sitemap-subtype=post&paged=1"}
    assert Sitemap(b"<!DOCTYPE html><html><body>x</body></html>").type == "html"  # recover=True
    entity = b'<!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]><urlset><url><loc>&x;</loc></url></urlset>'
    assert [d.get("loc") for d in Sitemap(entity)] in ([], [""])  # entities never resolved


def test_core_index_in_both_spellings() -> None:
    pretty = read_sitemap(read("sitemap-core-index-pretty.xml"))
    plain = read_sitemap(read("sitemap-core-index-plain.xml"))
    assert pretty is not None
    assert plain is not None
    assert pretty.kind == plain.kind == "sitemapindex"
    expected = [
        ("posts", "post"),
        ("posts", "page"),
        ("posts", "event"),
        ("taxonomies", "category"),
        ("taxonomies", "post_tag"),
        ("taxonomies", "venue"),
        ("users", None),
    ]
    for doc in (pretty, plain):
        assert [
            (f.provider, f.subtype) for f in map(classify_sitemap, (e.loc for e in doc.entries))
        ] == expected
        assert all(entry.lastmod is None for entry in doc.entries)  # core < 6.5 has no lastmod


def test_yoast_index_names_and_lastmod() -> None:
    doc = read_sitemap(read("sitemap-yoast-index.xml"))
    assert doc is not None
    assert doc.kind == "sitemapindex"
    assert doc.complete
    files = [classify_sitemap(e.loc) for e in doc.entries]
    assert [(f.provider, f.subtype) for f in files] == [
        ("posts", "post"),
        ("posts", "post"),
        ("posts", "page"),
        ("unknown", "event"),
        ("taxonomies", "category"),
        ("taxonomies", "post_tag"),
        ("users", None),
    ]
    # UTC to the second; a bare date has no time and is not turned into midnight
    assert [e.lastmod for e in doc.entries[:3]] == [
        "2024-12-23T21:40:08",
        "2025-01-15T00:00:00",
        None,
    ]


def test_jetpack_children_are_unknown() -> None:
    doc = read_sitemap(read("sitemap-jetpack-index.xml"))
    assert doc is not None
    assert [classify_sitemap(e.loc).provider for e in doc.entries] == ["unknown", "unknown"]
    assert classify_sitemap("https://e.com/?jetpack-sitemap=sitemap-1.xml").provider == "unknown"
    assert doc.entries[0].lastmod == "2024-12-23T21:40:08"


def test_gzip_and_its_size_cap() -> None:
    body = read("sitemap-core-pages-home-first.xml")
    doc = read_sitemap(gzip.compress(body))
    assert doc is not None
    assert len(doc.entries) == 15
    assert read_sitemap(gzip.compress(body), max_size=500) is None  # inflates past the cap
    assert read_sitemap(b"\x1f\x8b\x08 not gzip") is None
    assert read_sitemap(body, max_size=100) is None


def test_html_answer_at_a_sitemap_url_is_not_a_sitemap() -> None:
    assert read_sitemap(read("sitemap-404-html-page.html")) is None
    assert read_sitemap(b"") is None
    assert read_sitemap(b"User-agent: *\nDisallow:") is None


def test_php_notice_before_the_xml_and_a_cut_file() -> None:
    body = read("sitemap-core-pages-home-first.xml")
    doc = read_sitemap(b"<br />\n<b>Notice</b>: Undefined index in x.php on line 3<br />\n" + body)
    assert doc is not None
    assert len(doc.entries) == 15
    assert doc.complete
    cut = read_sitemap(body[:600])
    assert cut is not None
    assert not cut.complete
    assert 0 < len(cut.entries) < 15


def test_hostile_entries_are_dropped_and_capped() -> None:
    urls = "".join(f"<url><loc>https://e.com/{i}/</loc></url>" for i in range(MAX_ENTRIES + 5))
    junk = (
        "<url><loc>javascript:alert(1)</loc></url><url><loc>https://e.com/0/</loc></url><url></url>"
    )
    doc = read_sitemap(f"<urlset>{junk}{urls}</urlset>".encode())
    assert doc is not None
    assert len(doc.entries) == MAX_ENTRIES
    assert doc.entries[0].loc == "https://e.com/0/"
    assert doc.entries[1].loc == "https://e.com/1/"


def test_page_sitemap_starts_with_the_home_url() -> None:
    doc = read_sitemap(read("sitemap-core-pages-home-first.xml"))
    assert doc is not None
    assert doc.entries[0].loc == "http://127.0.0.1:52445/"
    pages = without_home(doc.entries, "http://127.0.0.1:52445")
    assert len(pages) == 14
    assert "http://127.0.0.1:52445/" not in {p.loc for p in pages}
    assert without_home(
        [SitemapEntry("http://127.0.0.1:52445/?page_id=4", None)], "http://127.0.0.1:52445/"
    )


def test_robots_sitemap_lines() -> None:
    text = read("robots-core-pretty.txt").decode()
    assert robots_sitemaps(text, "http://127.0.0.1:52445/robots.txt") == [
        "http://127.0.0.1:52445/wp-sitemap.xml"
    ]
    many = "".join(f"Sitemap: /s{i}.xml\n" for i in range(500))
    assert len(robots_sitemaps(many, "https://e.com/robots.txt")) == 50
    assert robots_sitemaps("\x00\xff junk", "https://e.com/robots.txt") == []


def test_plain_permalink_children_and_junk_names() -> None:
    assert classify_sitemap("https://e.com/?sitemap=users&paged=1").provider == "users"
    assert (
        classify_sitemap("https://e.com/?sitemap=posts&sitemap-subtype=<script>").provider
        == "unknown"
    )
    assert classify_sitemap("https://e.com/wp-sitemap-posts-a_b-c-12.xml").subtype == "a_b-c"
    assert classify_sitemap("http://[::1/").provider == "unknown"


# ---------------------------------------------------------------- the real WordPress


def inventory(home: str) -> tuple[dict[str, list[str]], int]:
    """The URLs each child sitemap lists (home dropped), by subtype or "users", and the requests."""
    requests = 1
    robots = fetch(home + "robots.txt")
    found = robots_sitemaps(robots.body.decode(), robots.url) if robots.status == 200 else []
    index = None
    for url in [*found, *(c for c in sitemap_candidates(home) if c not in found)]:
        requests += 1
        answer = fetch(url)
        if answer.status == 200 and (index := read_sitemap(answer.body)):
            break
    listed: dict[str, list[str]] = {}
    for entry in index.entries if index else ():
        sitemap = classify_sitemap(entry.loc)
        requests += 1
        answer = fetch(entry.loc)
        doc = read_sitemap(answer.body)
        assert answer.status == 200
        assert doc is not None
        assert doc.kind == "urlset"
        assert doc.complete
        if sitemap.provider == "users":
            listed.setdefault("users", []).extend(e.loc for e in doc.entries)
        elif sitemap.provider in ("posts", "taxonomies") and sitemap.subtype:
            listed.setdefault(sitemap.subtype, []).extend(
                e.loc for e in without_home(doc.entries, home)
            )
    return listed, requests


def test_sitemaps_list_every_published_record_once(
    wordpress_site: WordPressSite, wp_mode: str
) -> None:
    home = wordpress_site.url(wp_mode)
    truth = wordpress_site.ground_truth(wp_mode)
    listed, requests = inventory(home)
    if wp_mode == "pathinfo":
        # Core's known gap: with /index.php/ permalinks WordPress redirects every sitemap
        # spelling to /wp-sitemap.xml, which only a rewriting server answers. The fallback
        # then has the feeds only; if this starts failing, the site or core changed.
        assert listed == {}
        assert requests == 1 + 4
        return
    for subtype, records in (
        ("post", truth["posts"]),
        ("page", truth["pages"]),
        ("event", truth["events"]),
    ):
        assert Counter(listed[subtype]) == Counter(r["link"] for r in records), subtype
        assert max(Counter(listed[subtype]).values()) == 1
    assert home not in listed["page"]
    # term archives of non-empty terms (core's hide_empty) and authors with published posts
    for key, records in (
        ("category", truth["categories"]),
        ("post_tag", truth["tags"]),
        ("venue", truth["venues"]),
        ("users", truth["users"]),
    ):
        assert Counter(listed[key]) == Counter(
            r["link"] for r in records if r.get("count", 1) > 0
        ), key
    assert requests == 1 + (1 if wp_mode == "pretty" else 2) + 7
