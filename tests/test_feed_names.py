"""Names from site data never reach a file name, template or path raw (issue 10, point 2), and
the custom post types' feed files are bounded (point 4).

Unit tests of the slug, host and path rules, the feed extension driven directly with names no
validation would let through, and end-to-end crawls of a site whose ``/types`` lies: exit code,
which feeds exist, what they hold, and that nothing was written outside the output folder.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import resource
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Spider

from crawler.feeds import (
    FEED_RECORD_TYPES,
    AtomicFileFeedStorage,
    FeedLayout,
    OutsideOutputError,
    custom_type_feed,
    host_slug,
    name_slug,
)
from crawler.wordpress.types import OTHER_RECORD_TYPES
from tests.crawl import PROJECT_DIR, crawl
from tests.hostile import Answer, LyingSite, paged, post
from tests.test_feeds import HOST, Crawl

if TYPE_CHECKING:
    from collections.abc import Iterator

SAFE = set("abcdefghijklmnopqrstuvwxyz0123456789-")
HOSTILE_NAMES = [
    "%(host)s/../../x",
    "/etc/passwd",
    "%(url)s",
    "a\x00b",
    "..",
    "",
    "B" * 300,
    "Événements",
    "\x1b[31mred",
    "con",
]


# Slugs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_slug_is_short_and_from_the_strict_alphabet(name):
    slug = name_slug(name)
    assert slug
    assert set(slug) <= SAFE
    assert len(slug) <= 64
    assert not slug.startswith("-")


def test_a_slug_keeps_safe_names_and_hashes_changed_ones():
    assert name_slug("events") == "events"
    assert name_slug("my-events") == "my-events"
    changed = [name_slug(n) for n in ("Events", "my_events", "my events", "MY-EVENTS")]
    assert len(set(changed)) == 4  # all different, although they read the same
    assert not {"events", "my-events"} & set(changed)


def test_different_names_never_share_a_slug():
    names = [*HOSTILE_NAMES, "B" * 301, "b" * 300, "a-b", "a_b", "a/b", "A-B", "x", "X"]
    assert len({name_slug(n) for n in names}) == len(set(names))


def test_a_custom_feed_never_takes_a_fixed_feeds_name():
    for feed in FEED_RECORD_TYPES:
        assert custom_type_feed(feed) == f"type-{feed}"
    assert custom_type_feed("Posts") != "posts"


# Hosts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://../",
        "http://./",
        "http://.../",
        "",
        "http://",
        "http://[::1]:8080/",
        "http://[::1/",
        "http://bücher.de/",
        "http://u:p@../",
        "http://%2e%2e/",
        "http://a/b/",
        "http://" + "a." * 200 + "com/",
        "http://e.com:%(host)s/",
        "http://\x1b[31m/",
    ],
)
def test_a_host_slug_is_one_safe_path_component(url):
    slug = host_slug(url)
    assert slug not in ("", ".", "..")
    assert set(slug) <= SAFE | set("._")
    assert not slug.startswith(".")
    assert len(slug) <= 120
    assert Path("out", slug).resolve().parent == Path("out").resolve()


def test_ordinary_hosts_keep_their_names():  # state files are named by them
    assert host_slug("http://127.0.0.1:8080/") == "127.0.0.1_8080"
    assert host_slug("https://www.Example.org/blog/") == "www.example.org"
    assert host_slug("https://bücher.de/") == "xn--bcher-kva.de"
    assert host_slug("http://[2001:db8::1]:8443/") == "ipv6_2001-db8--1_8443"


def test_user_and_password_never_reach_the_host_slug():
    assert host_slug("http://alice:secret@e.com/") == "e.com"


def test_different_odd_hosts_get_different_folders():
    urls = ["http://../", "http://.../", "http://./", "", "http://[::1/", "http://%2e%2e/"]
    assert len({host_slug(u) for u in urls}) == len(urls)


# Paths ----------------------------------------------------------------------------------------


def test_feed_uri_escapes_percent_in_a_feed_name():
    uri = FeedLayout("out").uri("%(url)s")
    assert uri == "out/%(host)s/%%(url)s.jsonl"
    assert uri % {"host": "h"} == "out/h/%(url)s.jsonl"


def test_the_users_output_dir_may_hold_templates():
    layout = FeedLayout("out/%(name)s")
    assert layout.uri("posts") == "out/%(name)s/%(host)s/posts.jsonl"
    assert layout.root == "out"


def test_a_fixed_feed_outside_the_output_folder_is_refused(tmp_path):
    spider = Spider(name="s")
    layout = FeedLayout(str(tmp_path / "out"))
    options = layout.options("post")
    outside = AtomicFileFeedStorage(
        str(tmp_path / "out" / ".." / "posts.jsonl"), feed_options=options
    )
    with pytest.raises(OutsideOutputError):
        outside.open(spider)
    assert not (tmp_path / "posts.jsonl.part").exists()
    inside = AtomicFileFeedStorage(
        str(tmp_path / "out" / "h" / "posts.jsonl"), feed_options=options
    )
    inside.store(inside.open(spider))
    assert (tmp_path / "out" / "h" / "posts.jsonl").exists()


# The custom feeds' extension, given names that no validation filtered ---------------------


def files_under(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*")} if root.exists() else set()


def test_hostile_type_names_stay_in_the_output_folder(tmp_path):
    crawl = Crawl(tmp_path)
    types = [(name, f"type{i}") for i, name in enumerate(HOSTILE_NAMES)]
    items = [{"type": f"type{i}", "id": i} for i in range(len(types))]
    before = files_under(tmp_path.parent) - files_under(tmp_path)
    crawl.run(items, types=types)
    after = files_under(tmp_path.parent) - files_under(tmp_path)
    assert after == before
    written = sorted((crawl.output / HOST).iterdir())
    assert len(written) == len(types)
    for i, path in enumerate(sorted(written, key=lambda p: json.loads(p.read_text())["id"])):
        assert json.loads(path.read_text()) == items[i]
        assert set(path.name.removesuffix(".jsonl")) <= SAFE
    assert not list(crawl.output.glob("**/*.part"))


def test_two_types_with_one_feed_name_get_two_feeds(tmp_path, caplog):
    crawl = Crawl(tmp_path)
    crawl.run(
        [{"type": "a", "id": 1}, {"type": "b", "id": 2}, {"type": "c", "id": 3}],
        types=[("events-8d14f6e7", "a"), ("Events", "b"), ("Events", "c")],
    )
    feeds = {p.name: json.loads(p.read_text()) for p in (crawl.output / HOST).iterdir()}
    assert feeds.pop("events-8d14f6e7.jsonl") == {"type": "a", "id": 1}
    assert sorted(f["type"] for f in feeds.values()) == ["b", "c"]  # none replaced another
    assert crawl.stats["wordpress/feed_names_renamed"] == 2
    assert "would both write events-8d14f6e7" in caplog.text


def test_an_output_folder_escape_is_one_error_and_an_incomplete_crawl(tmp_path, monkeypatch):
    crawl = Crawl(tmp_path)
    # A slug can no longer escape; a layout whose root is elsewhere stands in for a future bug.
    layout = crawl.crawler.settings["WORDPRESS_FEED_LAYOUT"]
    monkeypatch.setattr(type(layout), "root", property(lambda self: str(tmp_path / "elsewhere")))
    crawl.run([{"type": "event", "id": 1}])
    assert not list(tmp_path.rglob("events.jsonl*"))
    assert crawl.stats["wordpress/incomplete"] is True
    assert crawl.stats["wordpress/feeds_refused"] == 1


# Bounded open files -----------------------------------------------------------------------------


@pytest.mark.parametrize("gzipped", [False, True])
def test_at_most_max_open_feed_files_and_nothing_lost(tmp_path, gzipped):
    crawl = Crawl(tmp_path, gzip=gzipped, WORDPRESS_MAX_OPEN_FEEDS=2)
    types = [(f"t{i}", f"type{i}") for i in range(5)]
    items = [{"type": f"type{i % 5}", "id": n} for n, i in enumerate([0, 1, 2, 3, 4] * 3)]
    crawl.run(items, types=types)
    for i in range(5):
        path = crawl.output / HOST / f"t{i}.jsonl{'.gz' if gzipped else ''}"
        opener: Any = gzip.open if gzipped else open
        with opener(path, "rt", encoding="utf-8") as lines:
            assert [json.loads(line) for line in lines] == [
                item for item in items if item["type"] == f"type{i}"
            ]
    assert crawl.stats["wordpress/feeds_open_max"] == 2
    assert crawl.stats["wordpress/feeds_suspended"] > 0
    assert crawl.stats["feedexport/success_count/AtomicFileFeedStorage"] == 5
    assert not list(crawl.output.glob("**/*.part"))


# End to end: a site whose /types lies -----------------------------------------------------------


def lying_types(site: LyingSite, extra: dict[str, Any]) -> None:
    types = {
        "post": {"rest_base": "posts", "rest_namespace": "wp/v2", "taxonomies": ["category"],
                 "_links": {"wp:items": [{"href": f"{site.api}wp/v2/posts"}]}},
        **extra,
    }  # fmt: skip
    site.route("/wp-json/wp/v2/types", lambda _: Answer(200, types))


def entry(post_id: int, site: LyingSite) -> dict[str, Any]:
    return post(post_id, link=f"{site.url}?p={post_id}")


def snapshot(*roots: Path) -> set[str]:
    found: set[str] = set()
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in (".git", ".venv", "__pycache__", ".mypy_cache")]
            found.update(str(Path(folder, name)) for name in (*dirs, *files))
    return found


@contextlib.contextmanager
def nothing_written_outside(tmp_path: Path) -> Iterator[None]:
    """Fail if anything appears beside ``tmp_path``, in the project or in ``/``, other than
    the crawl's output folder and stats file."""
    roots = (tmp_path.parent, PROJECT_DIR)
    before = snapshot(*roots)
    root_files = set(Path("/").iterdir())
    yield
    allowed = (str(tmp_path / "output"), str(tmp_path / "stats.json"))
    new = {p for p in snapshot(*roots) - before if not p.startswith(allowed)}
    assert new == set()
    assert set(Path("/").iterdir()) == root_files


def test_a_site_whose_types_lie_writes_only_safe_feeds_in_the_output_folder(tmp_path):
    with LyingSite(posts=3) as site:
        lying_types(site, {
            "escape": {"rest_base": "%(host)s/../../x"},
            "escape2": {"rest_base": "x", "_links": {"wp:items": [
                {"href": f"{site.api}wp/v2/%(host)s/../../x"}]}},
            "passwd": {"rest_base": "/etc/passwd"},
            "nul": {"rest_base": "ev\x00ents"},
            "long": {"rest_base": "B" * 300},
            "news": {"rest_base": "posts", "rest_namespace": "evil/v1"},
            "event": {"rest_base": "events", "rest_namespace": "a/v1"},
            "event2": {"rest_base": "events", "rest_namespace": "b/v1"},
            "lookalike": {"rest_base": "posts-8d14f6e7"},
            "user": {"rest_base": "people"},
            "shapes": {"rest_base": 5, "_links": ["x"], "taxonomies": "category"},
            "links": {"_links": {"wp:items": "nope"}},
            "list": ["not", "an", "object"],
        })  # fmt: skip
        served = {
            "/wp-json/wp/v2/etc/passwd": [entry(10, site)],
            "/wp-json/wp/v2/" + "B" * 300: [entry(11, site)],
            "/wp-json/evil/v1/posts": [entry(666, site)],
            "/wp-json/a/v1/events": [entry(12, site)],
            "/wp-json/b/v1/events": [entry(13, site)],
            "/wp-json/wp/v2/posts-8d14f6e7": [entry(14, site)],
            "/wp-json/wp/v2/people": [entry(15, site)],
        }
        for path, records in served.items():
            site.route(path, paged(records))
        with nothing_written_outside(tmp_path):
            result = crawl(site.url, tmp_path, timeout=60)
        requested = {r.path for r in site.requests}
    assert result.returncode == 0, result.log[-3000:]
    # The core listing is the site's own posts, never the other namespace's "posts".
    assert sorted(r["id"] for r in result.feed("posts")) == [1, 2, 3]
    assert "/wp-json/evil/v1/posts" not in requested
    assert "/wp-json/b/v1/events" not in requested  # the same rest_base twice: the first wins
    assert "/wp-json/wp/v2/people" not in requested  # its records would be mixed with users'
    host = result.output_dir / host_slug(site.url)
    feeds = {p.name: [json.loads(x)["id"] for x in p.read_text().splitlines()]
             for p in host.iterdir()}  # fmt: skip
    long_feed = name_slug("B" * 300) + ".jsonl"
    assert feeds == {
        "posts.jsonl": [1, 2, 3],
        "passwd.jsonl": [10],
        long_feed: [11],
        "events.jsonl": [12],
        "posts-8d14f6e7.jsonl": [14],
    }
    assert len(long_feed) <= 64 + len(".jsonl")
    warnings = [line for line in result.log.splitlines() if "Skipping" in line]
    assert any("'escape', 'escape2', 'nul'" in line and "not a plain route" in line
               for line in warnings)  # fmt: skip
    assert any("'news'" in line and "core collection" in line for line in warnings)
    assert any("'event2'" in line and "another collection" in line for line in warnings)
    assert result.stats["wordpress/catalog_skipped"] >= 7  # escape, escape2, nul, news, ...
    assert "Traceback" not in result.log


def test_a_site_with_1100_custom_types_loses_nothing_with_few_open_files(tmp_path):
    count = 1100
    with LyingSite(posts=1) as site:
        lying_types(site, {f"t{i}": {"rest_base": f"t{i}"} for i in range(count)})
        for i in range(count):
            site.route(f"/wp-json/wp/v2/t{i}", paged([entry(100 + i, site)]))
        # Fewer descriptors than types: one file per type would fail "Too many open files".
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        in_use = len(list(Path("/proc/self/fd").iterdir()))
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(in_use + 400, hard), hard))
        try:
            with nothing_written_outside(tmp_path):
                result = crawl(site.url, tmp_path, timeout=240,
                               settings={"AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 16})  # fmt: skip
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert result.returncode == 0, result.log[-3000:]
    host = result.output_dir / host_slug(site.url)
    for i in range(count):
        assert [json.loads(x)["id"] for x in (host / f"t{i}.jsonl").read_text().splitlines()] == [
            100 + i
        ]
    assert result.stats["wordpress/feeds_open_max"] <= 32
    assert result.stats["feedexport/success_count/AtomicFileFeedStorage"] == count + 1


# The record types a post type may not be named after --------------------------------------------


def test_the_other_record_types_are_those_of_the_fixed_feeds():
    assert set(FEED_RECORD_TYPES.values()) - {"post", "page"} == OTHER_RECORD_TYPES


def test_a_file_uri_output_dir_is_written_as_before(tmp_path):
    crawl = Crawl(tmp_path)
    layout = FeedLayout(f"file://{tmp_path}/output")
    crawl.crawler.settings.frozen = False
    crawl.crawler.settings.set("WORDPRESS_FEED_LAYOUT", layout, "spider")
    crawl.run([{"type": "event", "id": 1}])
    assert crawl.feed("events.jsonl") == [{"type": "event", "id": 1}]
    assert "wordpress/feeds_refused" not in crawl.stats


def test_a_taxonomy_never_replaces_the_listing_of_a_post_type(caplog):
    from crawler.crawl.listings import plan_listings
    from crawler.wordpress.types import Collection

    shows = Collection("show", "venues", "a/v1/venues", taxonomies=("venue", "genre"))
    venues = Collection("venue", "venues", "wp/v2/venues")
    ids = Collection("genre", "venues-ids", "wp/v2/venues-ids")
    for since in (None, "2024-01-01T00:00:00Z"):
        plan = plan_listings([shows], [venues, ids], changes_since=since)
        assert [x.route for x in plan if x.key.startswith("venues")] == ["a/v1/venues"] * (
            1 if since is None else 2
        )
    assert "Skipping the taxonomies 'venue', 'genre'" in caplog.text
