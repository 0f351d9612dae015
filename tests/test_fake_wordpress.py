"""The fake WordPress server behaves like WordPress 6.1 where a crawler can tell, faults included.

Expectations come from the WordPress behaviour recorded in the project's notes (status codes,
error codes, header formats), not from the server's code.
"""

from __future__ import annotations

import doctest
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import demo.fake_wordpress
import demo.params
import demo.query
import demo.shaping
import demo.spelling
import demo.wp_errors
from demo import fake_text
from demo.fake_wordpress import FakeWordPressServer
from demo.faults import Faults
from demo.generate import generate_site
from demo.site import RECORDED_ORIGIN, SiteData, load_site, write_site

if TYPE_CHECKING:
    from email.message import Message

PROJECT = Path(__file__).resolve().parent.parent
POSTS = 160


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def links(self) -> str:
        return ", ".join(self.headers.get_all("Link") or [])


def fetch(url: str, method: str = "GET") -> Reply:
    request = urllib.request.Request(url, method=method, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.headers, error.read())


@pytest.fixture(scope="module")
def site() -> SiteData:
    return generate_site(POSTS, seed=7)


@pytest.fixture(scope="module")
def wp(site: SiteData):
    with FakeWordPressServer(site, spelling="pretty") as server:
        yield server


@pytest.fixture
def broken(site: SiteData):
    """A server whose faults each test sets."""
    with FakeWordPressServer(site, spelling="pathinfo") as server:
        yield server


# Discovery and URL spellings ---------------------------------------------------------------

ROOTS = {
    "pretty": "/wp-json/",
    "pathinfo": "/index.php/wp-json/",
    "plain": "/index.php?rest_route=/",
}


@pytest.mark.parametrize("spelling", ["pretty", "pathinfo", "plain"])
def test_each_spelling_advertises_its_root_and_serves_it(site, spelling):
    with FakeWordPressServer(site, spelling=spelling) as server:
        root = server.origin + ROOTS[spelling]
        assert server.api_root == root
        home = fetch(server.home_url)
        assert home.status == 200
        assert home.headers["Link"] == f'<{root}>; rel="https://api.w.org/"'
        assert f'<link rel="https://api.w.org/" href="{root}" />' in home.body.decode()
        index = fetch(root)
        assert index.status == 200
        assert index.headers["Content-Type"] == "application/json; charset=UTF-8"
        assert "wp/v2" in index.json()["namespaces"]
        for path in ("/", "/index.php"):
            for route in ("/wp/v2/posts", "%2Fwp%2Fv2%2Fposts"):
                reply = fetch(f"{server.origin}{path}?rest_route={route}&per_page=3")
                assert reply.status == 200
                assert len(reply.json()) == 3


@pytest.mark.parametrize(
    ("spelling", "missing"),
    [
        ("pretty", []),
        ("pathinfo", ["/wp-json/", "/wp-json/wp/v2/posts"]),
        ("plain", ["/wp-json/", "/index.php/wp-json/", "/index.php/wp-json/wp/v2/posts"]),
    ],
)
def test_paths_wordpress_does_not_route_are_server_404s(site, spelling, missing):
    with FakeWordPressServer(site, spelling=spelling) as server:
        for path in missing:
            reply = fetch(server.origin + path)
            assert reply.status == 404
            assert reply.headers["Content-Type"].startswith("text/html")
            assert "Link" not in reply.headers
        assert fetch(server.origin + "/2024/05/some-post/").status == 200


def test_robots_and_rsd_allow_and_advertise(wp):
    robots = fetch(wp.origin + "/robots.txt")
    assert robots.status == 200
    assert b"Disallow: /wp-admin/" in robots.body
    assert b"Disallow: /\n" not in robots.body
    assert f'apiLink="{wp.api_root}"'.encode() in fetch(wp.origin + "/xmlrpc.php?rsd").body


def test_rest_responses_carry_wordpress_headers(wp):
    reply = fetch(wp.rest_url("/wp/v2/posts/" + str(first_post_id(wp))))
    assert reply.status == 200
    for name, value in [
        ("Content-Type", "application/json; charset=UTF-8"),
        ("X-Robots-Tag", "noindex"),
        ("X-Content-Type-Options", "nosniff"),
        ("Access-Control-Expose-Headers", "X-WP-Total, X-WP-TotalPages, Link"),
        ("Allow", "GET"),
        ("Link", f'<{wp.api_root}>; rel="https://api.w.org/"'),
    ]:
        assert reply.headers[name] == value
    assert b"\\/" in reply.body  # wp_json_encode() escapes slashes


def first_post_id(server: FakeWordPressServer) -> int:
    return fetch(server.rest_url("/wp/v2/posts", per_page=1)).json()[0]["id"]


def test_head_requests_get_headers_only(wp):
    reply = fetch(wp.rest_url("/wp/v2/posts", per_page=100), method="HEAD")
    assert reply.status == 200
    assert reply.body == b""
    assert reply.headers["X-WP-Total"] == str(POSTS)


# Pagination ------------------------------------------------------------------------------


def test_pages_report_totals_and_link_to_neighbours(wp):
    first = fetch(wp.rest_url("/wp/v2/posts", per_page=100))
    assert (first.headers["X-WP-Total"], first.headers["X-WP-TotalPages"]) == (str(POSTS), "2")
    assert first.links() == f'<{wp.origin}/wp-json/wp/v2/posts?per_page=100&page=2>; rel="next"'
    last = fetch(wp.rest_url("/wp/v2/posts", per_page=100, page=2))
    assert last.links() == f'<{wp.origin}/wp-json/wp/v2/posts?per_page=100&page=1>; rel="prev"'
    ids = [post["id"] for post in first.json() + last.json()]
    assert len(ids) == len(set(ids)) == POSTS
    middle = fetch(wp.rest_url("/wp/v2/posts", per_page=50, page=2))
    assert 'page=1>; rel="prev", <' in middle.links()
    assert middle.links().endswith('page=3>; rel="next"')


def test_single_page_collections_only_link_the_api_root(wp):
    reply = fetch(wp.rest_url("/wp/v2/categories", per_page=100))
    assert reply.links() == f'<{wp.api_root}>; rel="https://api.w.org/"'


def test_plain_spelling_links_percent_encode_the_route(site):
    with FakeWordPressServer(site, spelling="plain") as server:
        reply = fetch(server.origin + "/index.php?rest_route=/wp/v2/posts&per_page=100")
        assert reply.links() == (
            f"<{server.origin}/index.php?rest_route=%2Fwp%2Fv2%2Fposts&per_page=100&page=2>;"
            ' rel="next"'
        )
        post = reply.json()[0]
        assert post["_links"]["self"][0]["href"].startswith(
            f"{server.origin}/index.php?rest_route=/wp/v2/posts/"
        )
        term_href = post["_links"]["wp:term"][0]["href"]
        assert term_href.startswith(
            f"{server.origin}/index.php?rest_route=%2Fwp%2Fv2%2Fcategories&post="
        )
        assert fetch(term_href).status == 200
        assert server.route_of(term_href.removeprefix(server.origin)) == "/wp/v2/categories"


def test_past_the_last_page(wp):
    posts = fetch(wp.rest_url("/wp/v2/posts", per_page=100, page=3))
    assert posts.status == 400
    assert posts.json() == {
        "code": "rest_post_invalid_page_number",
        "message": "The page number requested is larger than the number of pages available.",
        "data": {"status": 400},
    }
    assert fetch(wp.rest_url("/wp/v2/media", per_page=100, page=99)).status == 400
    for base in ("tags", "categories", "users", "comments"):
        reply = fetch(wp.rest_url(f"/wp/v2/{base}", per_page=100, page=99))
        assert (reply.status, reply.json()) == (200, [])
    empty = fetch(wp.rest_url("/wp/v2/blocks", page=5))
    assert (empty.status, empty.json(), empty.headers["X-WP-Total"]) == (200, [], "0")


@pytest.mark.parametrize("per_page", ["101", "0"])
def test_per_page_out_of_range_is_rejected(wp, per_page):
    reply = fetch(wp.rest_url("/wp/v2/posts", per_page=per_page))
    assert reply.status == 400
    message = "per_page must be between 1 (inclusive) and 100 (inclusive)"
    assert reply.json() == {
        "code": "rest_invalid_param",
        "message": "Invalid parameter(s): per_page",
        "data": {
            "status": 400,
            "params": {"per_page": message},
            "details": {
                "per_page": {"code": "rest_out_of_bounds", "message": message, "data": None}
            },
        },
    }


# Query parameters ------------------------------------------------------------------------


def test_default_order_is_date_descending_and_orderby_id_is_stable(wp, site):
    newest = fetch(wp.rest_url("/wp/v2/posts", per_page=100)).json()
    dates = [post["date"] for post in newest]
    assert dates == sorted(dates, reverse=True)
    by_id = fetch(wp.rest_url("/wp/v2/posts", per_page=100, orderby="id", order="asc")).json()
    lowest = sorted(post["id"] for post in site.collections["posts"])[:100]
    assert [post["id"] for post in by_id] == lowest
    bad = fetch(wp.rest_url("/wp/v2/posts", orderby="nonsense"))
    assert bad.status == 400
    assert bad.json()["data"]["details"]["orderby"]["code"] == "rest_not_in_enum"


def test_include_keeps_the_requested_order_in_both_list_forms(wp, site):
    ids = [post["id"] for post in site.collections["posts"][10:15]][::-1]
    listed = fetch(wp.rest_url("/wp/v2/posts", include=",".join(map(str, ids)), orderby="include"))
    assert [post["id"] for post in listed.json()] == ids
    brackets = "&".join(f"include[]={i}" for i in ids)
    reply = fetch(f"{wp.api_root}wp/v2/posts?{brackets}&orderby=include&per_page=100")
    assert [post["id"] for post in reply.json()] == ids
    assert "include%5B0%5D=" not in reply.links()  # one page: no pagination links
    assert fetch(wp.rest_url("/wp/v2/posts", orderby="include")).status == 400


def test_exclude_slug_parent_and_post_filters(wp, site):
    post = site.collections["posts"][3]
    by_slug = fetch(wp.rest_url("/wp/v2/posts", slug=post["slug"])).json()
    assert [p["id"] for p in by_slug] == [post["id"]]
    media = fetch(wp.rest_url("/wp/v2/media", parent=post["id"], per_page=100)).json()
    assert all(item["post"] == post["id"] for item in media)
    comments = fetch(wp.rest_url("/wp/v2/comments", post=post["id"], per_page=100)).json()
    assert all(comment["post"] == post["id"] for comment in comments)
    terms = fetch(wp.rest_url("/wp/v2/tags", post=post["id"])).json()
    assert sorted(term["id"] for term in terms) == sorted(post["tags"])
    total = int(fetch(wp.rest_url("/wp/v2/posts")).headers["X-WP-Total"])
    excluded = fetch(wp.rest_url("/wp/v2/posts", exclude=post["id"]))
    assert int(excluded.headers["X-WP-Total"]) == total - 1


def test_fields_trims_objects_like_rest_filter_response_fields(wp):
    trimmed = fetch(wp.rest_url("/wp/v2/posts", _fields="id,modified_gmt,title.rendered")).json()
    assert all(list(post) == ["id", "modified_gmt", "title"] for post in trimmed)
    assert all(list(post["title"]) == ["rendered"] for post in trimmed)
    # WordPress drops even ``id`` unless it is asked for, and filters /types by type name.
    titles_only = fetch(wp.rest_url("/wp/v2/posts", _fields="title")).json()
    assert all(list(post) == ["title"] for post in titles_only)
    assert fetch(wp.rest_url("/wp/v2/types", _fields="slug")).json() == []
    index = fetch(wp.rest_url("/", _fields="name,namespaces")).json()
    assert list(index) == ["name", "namespaces"]


def test_modified_after_compares_modification_times_exclusively(wp, site):
    cutoff = sorted(post["modified_gmt"] for post in site.collections["posts"])[POSTS // 2]
    expected = sorted(p["id"] for p in site.collections["posts"] if p["modified_gmt"] > cutoff)
    after = cutoff + "Z"
    reply = fetch(wp.rest_url("/wp/v2/posts", modified_after=after, per_page=100, _fields="id"))
    pages = int(reply.headers["X-WP-TotalPages"])
    ids = [post["id"] for post in reply.json()]
    for page in range(2, pages + 1):
        more = fetch(wp.rest_url("/wp/v2/posts", modified_after=after, per_page=100, page=page))
        ids += [post["id"] for post in more.json()]
    assert sorted(ids) == expected
    assert fetch(wp.rest_url("/wp/v2/posts", modified_after="2024-01-01")).status == 400


def test_single_items_and_their_errors(wp, site):
    post = site.collections["posts"][0]
    assert fetch(wp.rest_url(f"/wp/v2/posts/{post['id']}")).json()["slug"] == post["slug"]
    for route, status, code in [
        ("/wp/v2/posts/999999", 404, "rest_post_invalid_id"),
        ("/wp/v2/pages/999999", 404, "rest_post_invalid_id"),
        ("/wp/v2/categories/999999", 404, "rest_term_invalid"),
        ("/wp/v2/users/999999", 404, "rest_user_invalid_id"),
        ("/wp/v2/comments/999999", 404, "rest_comment_invalid_id"),
        ("/wp/v2/no-such-route", 404, "rest_no_route"),
        ("/wp/v2/settings", 401, "rest_forbidden"),
        (f"/wp/v2/posts/{post['id']}/revisions", 401, "rest_cannot_read"),
    ]:
        reply = fetch(wp.rest_url(route))
        assert (reply.status, reply.json()["code"]) == (status, code), route
    reply = fetch(wp.rest_url("/wp/v2/posts", context="edit"))
    assert (reply.status, reply.json()["code"]) == (401, "rest_forbidden_context")


def test_types_and_taxonomies_are_objects_keyed_by_name(wp):
    types = fetch(wp.rest_url("/wp/v2/types")).json()
    assert types["post"]["rest_base"] == "posts"
    assert types["event"]["_links"]["wp:items"][0]["href"] == wp.rest_url("/wp/v2/events")
    assert fetch(wp.rest_url("/wp/v2/taxonomies/category")).json()["hierarchical"] is True
    assert fetch(wp.rest_url("/wp/v2/types/nope")).json()["code"] == "rest_type_invalid"


def test_embed_inlines_linked_objects(wp):
    post = next(
        p
        for p in fetch(wp.rest_url("/wp/v2/posts", per_page=100, _embed="")).json()
        if p["featured_media"] and "replies" in p["_links"]
    )
    embedded = post["_embedded"]
    assert embedded["author"][0]["id"] == post["author"]
    assert "meta" not in embedded["author"][0]  # embed context
    assert embedded["wp:featuredmedia"][0]["id"] == post["featured_media"]
    assert [t["id"] for t in embedded["wp:term"][0]] == sorted(post["categories"])
    only_author = fetch(wp.rest_url(f"/wp/v2/posts/{post['id']}", _embed="author")).json()
    assert list(only_author["_embedded"]) == ["author"]


# Faults ------------------------------------------------------------------------------------


def posts_url(server: FakeWordPressServer, **params: Any) -> str:
    return server.rest_url("/wp/v2/posts", **params)


def test_strip_total_headers(broken):
    broken.faults = Faults(strip_total_headers=True)
    reply = fetch(posts_url(broken, per_page=100))
    assert reply.status == 200
    assert "X-WP-Total" not in reply.headers
    assert "X-WP-TotalPages" not in reply.headers
    assert 'rel="next"' not in reply.links()


def test_wrong_total_pages_claims_fewer_pages_than_exist(broken):
    broken.set_faults(wrong_total_pages=True)
    reply = fetch(posts_url(broken, per_page=40))
    assert reply.headers["X-WP-TotalPages"] == "2"
    assert len(fetch(posts_url(broken, per_page=40, page=4)).json()) == 40
    assert 'rel="next"' not in fetch(posts_url(broken, per_page=40, page=2)).links()


def test_junk_around_the_json(broken):
    broken.faults = Faults(php_notice_prefix=True, bom=2, trailing_html_comment=True)
    reply = fetch(posts_url(broken, per_page=2))
    assert reply.body.startswith(b"\xef\xbb\xbf\xef\xbb\xbf\n<br />\n<b>Warning</b>:")
    assert b" on line <b>12</b><br />\n[" in reply.body
    assert reply.body.endswith(b"-->")
    text = reply.body.decode("utf-8")
    data, _ = json.JSONDecoder().raw_decode(text, text.index("["))
    assert len(data) == 2
    broken.faults = Faults(bom=1)
    assert fetch(posts_url(broken, per_page=2)).body.startswith(b"\xef\xbb\xbf\n[")


def test_max_per_page_answers_a_php_memory_fatal(broken):
    broken.faults = Faults(max_per_page=50)
    reply = fetch(posts_url(broken, per_page=100))
    assert reply.status == 500
    assert reply.headers["Content-Type"].startswith("text/html")
    assert b"Allowed memory size of" in reply.body
    assert fetch(posts_url(broken, per_page=50)).status == 200


def test_block_api_denies_every_route_including_the_index(broken):
    broken.faults = Faults(block_api=True)
    expected = {
        "code": "rest_cannot_access",
        "message": "DRA: Only authenticated users can access the REST API.",
        "data": {"status": 401},
    }
    for url in (broken.api_root, posts_url(broken)):
        reply = fetch(url)
        assert (reply.status, reply.json()) == (401, expected)
    assert fetch(broken.home_url).status == 200


def test_block_users_like_wordfence(broken, site):
    broken.faults = Faults(block_users=True)
    listing = fetch(broken.rest_url("/wp/v2/users"))
    assert (listing.status, listing.json()["code"]) == (401, "rest_user_cannot_view")
    user_id = site.collections["users"][0]["id"]
    single = fetch(broken.rest_url(f"/wp/v2/users/{user_id}"))
    assert (single.status, single.json()["code"]) == (404, "rest_user_invalid_id")
    assert fetch(posts_url(broken)).status == 200


def test_html_instead_of_json(broken):
    broken.faults = Faults(html_instead_of_json=True)
    reply = fetch(posts_url(broken))
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.body.lstrip().startswith(b"<html>")


def test_cloudflare_challenge(broken):
    broken.faults = Faults(cloudflare_challenge=True)
    for url in (broken.home_url, posts_url(broken)):
        reply = fetch(url)
        assert reply.status == 403
        assert reply.headers["cf-mitigated"] == "challenge"
        assert b"<title>Just a moment...</title>" in reply.body


def test_rate_limit_every_nth_rest_request(broken):
    broken.faults = Faults(rate_limit_every=3)
    broken.reset_log()
    replies = [fetch(posts_url(broken, per_page=1)) for _ in range(6)]
    assert [reply.status for reply in replies] == [200, 200, 429, 200, 200, 429]
    assert replies[2].headers["Retry-After"] == "1"
    assert fetch(broken.home_url).status == 200  # front-end pages are not counted


def test_fail_pages_fail_permanently(broken):
    broken.faults = Faults(fail_pages=frozenset({("posts", 2)}))
    for _ in range(2):
        reply = fetch(posts_url(broken, per_page=50, page=2))
        assert (reply.status, reply.json()["code"]) == (500, "internal_server_error")
    assert fetch(posts_url(broken, per_page=50, page=3)).status == 200
    assert fetch(broken.rest_url("/wp/v2/pages", page=2)).status in (200, 400)


def test_no_link_discovery_hides_every_signal(broken):
    broken.faults = Faults(no_link_discovery=True)
    home = fetch(broken.home_url)
    assert "Link" not in home.headers
    assert b"https://api.w.org/" not in home.body
    assert b"WP-API" not in fetch(broken.origin + "/xmlrpc.php?rsd").body
    assert fetch(broken.api_root).status == 200  # probing still finds it


def test_latency_delays_rest_responses(broken):
    broken.faults = Faults(latency=0.3)
    started = time.perf_counter()
    fetch(posts_url(broken, per_page=1))
    assert time.perf_counter() - started >= 0.3


def test_faults_switch_while_serving_and_requests_are_logged(broken):
    broken.reset_log()
    assert fetch(posts_url(broken, per_page=1)).status == 200
    broken.set_faults(block_api=True)
    assert fetch(posts_url(broken, per_page=1)).status == 401
    broken.set_faults(block_api=False)
    assert fetch(posts_url(broken, per_page=1)).status == 200
    assert broken.requests == ["/index.php/wp-json/wp/v2/posts?per_page=1"] * 3
    assert [broken.route_of(target) for target in broken.requests] == ["/wp/v2/posts"] * 3


# The generated site --------------------------------------------------------------------------

POST_KEYS = [
    "id", "date", "date_gmt", "guid", "modified", "modified_gmt", "slug", "status", "type", "link",
    "title", "content", "excerpt", "author", "featured_media", "comment_status", "ping_status",
    "sticky", "template", "format", "meta", "categories", "tags", "_links",
]  # fmt: skip
POST_LINKS = [
    "self", "collection", "about", "author", "replies", "version-history", "wp:attachment",
    "wp:term", "curies",
]  # fmt: skip
MEDIA_KEYS = [
    "id", "date", "date_gmt", "guid", "modified", "modified_gmt", "slug", "status", "type", "link",
    "title", "author", "comment_status", "ping_status", "template", "meta", "description",
    "caption", "alt_text", "media_type", "mime_type", "media_details", "post", "source_url",
    "_links",
]  # fmt: skip
EVENT_KEYS = [
    "id", "date", "date_gmt", "guid", "modified", "modified_gmt", "slug", "status", "type", "link",
    "title", "content", "excerpt", "author", "featured_media", "template", "meta", "venues",
    "_links",
]  # fmt: skip
TERM_KEYS = ["id", "count", "description", "link", "name", "slug", "taxonomy"]
USER_KEYS = ["id", "name", "url", "description", "link", "slug", "avatar_urls", "meta", "_links"]
COMMENT_KEYS = [
    "id", "post", "parent", "author", "author_name", "author_url", "date", "date_gmt", "content",
    "link", "status", "type", "author_avatar_urls", "meta", "_links",
]  # fmt: skip


def test_generated_objects_have_wordpress_keys(site):
    collections = site.collections
    for post in collections["posts"]:
        assert list(post) == POST_KEYS
        assert [rel for rel in post["_links"] if rel in POST_LINKS] == POST_LINKS
        assert not post["date_gmt"].endswith("Z")
        assert post["guid"]["rendered"] == f"{RECORDED_ORIGIN}/?p={post['id']}"
        assert [t["taxonomy"] for t in post["_links"]["wp:term"]] == ["category", "post_tag"]
    assert all(list(item) == MEDIA_KEYS for item in collections["media"])
    terms = collections["categories"] + collections["tags"] + collections["venues"]
    assert all(list(term)[:7] == TERM_KEYS for term in terms)
    assert all(list(event) == EVENT_KEYS for event in collections["events"])
    assert all("parent" in term for term in collections["categories"])
    assert all(list(user) == USER_KEYS for user in collections["users"])
    assert all(list(comment) == COMMENT_KEYS for comment in collections["comments"])
    assert all("parent" in page and "menu_order" in page for page in collections["pages"])


def test_generated_objects_match_the_recorded_site(site):
    recorded = load_site(PROJECT / "demo" / "site")
    for base, items in recorded.collections.items():
        generated = site.collections[base]
        assert list(generated[0]) == list(items[0]), base
        recorded_rels = {rel for item in items for rel in item["_links"]}
        assert recorded_rels <= {rel for item in generated for rel in item["_links"]}, base
    assert set(site.types) == set(recorded.types)
    assert set(site.taxonomies) == set(recorded.taxonomies)
    assert set(site.index) == set(recorded.index)


def test_generated_content_looks_like_real_wordpress(site):
    posts = site.collections["posts"]
    titles = " ".join(post["title"]["rendered"] for post in posts)
    for entity in ("&#8217;", "&#038;", "&#8220;", "&#8212;"):
        assert entity in titles
    bodies = [post["content"]["rendered"] for post in posts if not post["content"]["protected"]]
    assert all(4000 < len(body) < 14000 for body in bodies)
    joined = "".join(bodies)
    for marker in ('class="wp-image-', "data-lazy-src=", "<noscript>", "<!--more-->", "wp-smiley"):
        assert marker in joined
    assert any(post["content"]["protected"] for post in posts)
    assert sum(post["sticky"] for post in posts) == 2
    post_types = ("posts", "pages", "media", "events")
    ids = [item["id"] for base in post_types for item in site.collections[base]]
    assert len(ids) == len(set(ids))  # one id space for every post type


def test_generation_is_deterministic_and_round_trips(site, tmp_path):
    again = generate_site(POSTS, seed=7)
    assert again.collections["posts"] == site.collections["posts"]
    assert generate_site(POSTS, seed=8).collections["posts"] != site.collections["posts"]
    write_site(site, tmp_path / "site")
    loaded = load_site(tmp_path / "site")
    assert loaded.collections == site.collections
    assert loaded.index == site.index
    moved = load_site(tmp_path / "site", "http://127.0.0.1:9", "pretty")
    assert RECORDED_ORIGIN not in json.dumps(moved.collections)
    href = moved.collections["posts"][0]["_links"]["self"][0]["href"]
    assert href.startswith("http://127.0.0.1:9/wp-json/wp/v2/posts/")


def test_the_bundled_demo_site_loads():
    bundled = load_site(PROJECT / "demo" / "site")
    assert bundled.meta["posts"] == len(bundled.collections["posts"])
    expected = {"posts", "pages", "media", "categories", "tags", "users", "comments"}
    assert expected <= set(bundled.collections)


def test_command_line_server_serves_until_stopped():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = "demo.fake_wordpress"
    command = [sys.executable, "-m", server, "--site", "demo/site", "--port", str(port)]
    with subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert f"http://127.0.0.1:{port}/" in line
            assert fetch(f"http://127.0.0.1:{port}/index.php/wp-json/wp/v2/posts").status == 200
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.mark.parametrize(
    "module",
    [
        demo.params,
        demo.spelling,
        demo.query,
        demo.shaping,
        demo.wp_errors,
        demo.fake_wordpress,
        fake_text,
    ],
)
def test_doctests(module):
    assert doctest.testmod(module).failed == 0
