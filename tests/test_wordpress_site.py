"""The real test WordPress behaves as the crawler's design assumes, in every mode.

These tests pin facts of WordPress 6.1 itself (discovery, error codes, totals), and check
that the ground truth the crawler tests compare against matches what the server serves.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from typing import TYPE_CHECKING, Any

import pytest

from wpsite import client

if TYPE_CHECKING:
    from wpsite.site import WordPressSite

pytestmark = pytest.mark.wordpress


def rest(site: WordPressSite, mode: str, route: str, **params: object) -> str:
    """URL of a REST route under the root the mode advertises."""
    root = site.rest_root(mode)
    query = urllib.parse.urlencode(params)
    separator = "&" if "?" in root else "?"
    return root + route.lstrip("/") + (separator + query if query else "")


def get_json(url: str) -> tuple[int, Any, client.Response]:
    response = client.get(url)
    return response.status, response.json(), response


def all_items(site: WordPressSite, mode: str, route: str, **params: object) -> list[dict]:
    """Every item of a collection, page by page (orderby=id for a stable walk)."""
    items: list[dict] = []
    page = 1
    while True:
        status, body, response = get_json(
            rest(site, mode, route, per_page=100, page=page, orderby="id", order="asc", **params)
        )
        assert status == 200, body
        items.extend(body)
        if page >= int(response.headers.get("X-WP-TotalPages", "1")):
            return items
        page += 1


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment, entities decoded, whitespace collapsed (keeps U+00A0)."""
    text = re.sub(r"<script\b.*?</script>", " ", fragment, flags=re.DOTALL)
    text = re.sub(r"</?(?:a|em|strong|span)\b[^>]*>", "", text)  # inline: no word break
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def test_discovery_link_header_and_tag(wordpress_site: WordPressSite, wp_mode: str) -> None:
    root = wordpress_site.rest_root(wp_mode)
    assert wordpress_site.ground_truth(wp_mode)["rest_root"] == root
    response = client.get(wordpress_site.url(wp_mode), accept="text/html")
    assert response.status == 200
    assert f'<{root}>; rel="https://api.w.org/"' in response.header_values("Link")
    page = response.body.decode()
    assert f'<link rel="https://api.w.org/" href="{root}" />' in page


def test_wp_json_path_only_in_pretty_mode(wordpress_site: WordPressSite, wp_mode: str) -> None:
    response = client.get(wordpress_site.url(wp_mode) + "wp-json/")
    if wp_mode == "pretty":
        assert response.status == 200
        assert "wp/v2" in response.json()["namespaces"]
    else:
        assert response.status == 404


def test_rest_route_query_works_in_every_mode(wordpress_site: WordPressSite, wp_mode: str) -> None:
    status, index, _ = get_json(wordpress_site.url(wp_mode) + "?rest_route=/")
    assert status == 200
    assert index["home"] == wordpress_site.url(wp_mode).rstrip("/")
    status, posts, _ = get_json(wordpress_site.url(wp_mode) + "?rest_route=/wp/v2/posts&per_page=2")
    assert status == 200
    assert len(posts) == 2


def test_errors_past_last_page_and_oversized_page(
    wordpress_site: WordPressSite, wp_mode: str
) -> None:
    status, body, _ = get_json(rest(wordpress_site, wp_mode, "wp/v2/posts", page=9999))
    assert (status, body["code"]) == (400, "rest_post_invalid_page_number")
    status, body, _ = get_json(rest(wordpress_site, wp_mode, "wp/v2/posts", per_page=101))
    assert (status, body["code"]) == (400, "rest_invalid_param")
    assert "per_page" in body["data"]["params"]


def test_total_header_matches_ground_truth(wordpress_site: WordPressSite, wp_mode: str) -> None:
    truth = wordpress_site.ground_truth(wp_mode)
    status, _, response = get_json(rest(wordpress_site, wp_mode, "wp/v2/posts", per_page=100))
    assert status == 200
    assert int(response.headers["X-WP-Total"]) == len(truth["posts"]) == wordpress_site.posts
    pages = -(-wordpress_site.posts // 100)
    assert int(response.headers["X-WP-TotalPages"]) == pages


def test_posts_listed_anonymously_are_exactly_the_published_ones(
    wordpress_site: WordPressSite,
) -> None:
    truth = wordpress_site.ground_truth("pathinfo")
    listed = all_items(wordpress_site, "pathinfo", "wp/v2/posts")
    by_id = {post["id"]: post for post in listed}
    assert set(by_id) == {post["id"] for post in truth["posts"]}
    for status_ids in truth["non_public"].values():
        assert status_ids
        assert not set(status_ids) & set(by_id)
    for expected in truth["posts"]:
        served = by_id[expected["id"]]
        assert html.unescape(served["title"]["rendered"]) == expected["title"]
        assert served["link"] == expected["link"]
        assert served["date_gmt"] == expected["date_gmt"]
        assert served["modified_gmt"] == expected["modified_gmt"]
        assert sorted(served["categories"]) == expected["categories"]
        assert sorted(served["tags"]) == expected["tags"]
        assert served["featured_media"] == expected["featured_media"]
        assert served["sticky"] == expected["sticky"]
        assert served["content"]["protected"] == expected["protected"]


def test_non_public_posts_are_forbidden(wordpress_site: WordPressSite) -> None:
    truth = wordpress_site.ground_truth("pretty")
    draft = truth["non_public"]["draft"][0]
    status, body, _ = get_json(rest(wordpress_site, "pretty", f"wp/v2/posts/{draft}"))
    assert (status, body["code"]) in {(401, "rest_forbidden"), (404, "rest_post_invalid_id")}
    status, body, _ = get_json(rest(wordpress_site, "pretty", "wp/v2/posts", status="draft"))
    assert status in (400, 401)


def test_password_protected_and_sticky_posts(wordpress_site: WordPressSite) -> None:
    truth = wordpress_site.ground_truth("pretty")
    [protected] = [p for p in truth["posts"] if p["protected"]]
    [sticky] = [p for p in truth["posts"] if p["sticky"]]
    status, post, _ = get_json(rest(wordpress_site, "pretty", f"wp/v2/posts/{protected['id']}"))
    assert status == 200
    assert post["content"] == {"rendered": "", "protected": True}
    assert html.unescape(post["title"]["rendered"]) == protected["title"]
    url = rest(wordpress_site, "pretty", f"wp/v2/posts/{protected['id']}", password="secret")
    _, revealed, _ = get_json(url)
    assert protected["paragraphs"][0] in plain_text(revealed["content"]["rendered"])
    _, listed, _ = get_json(rest(wordpress_site, "pretty", "wp/v2/posts", sticky="true"))
    assert [p["id"] for p in listed] == [sticky["id"]]


def test_seeded_text_is_what_the_server_renders(wordpress_site: WordPressSite) -> None:
    truth = {p["id"]: p for p in wordpress_site.ground_truth("pretty")["posts"]}
    for post in all_items(wordpress_site, "pretty", "wp/v2/posts"):
        expected = truth[post["id"]]
        if expected["protected"]:
            continue
        rendered = post["content"]["rendered"]
        text = plain_text(rendered)
        for piece in expected["paragraphs"] + expected["headings"] + expected["captions"]:
            assert piece in text, (post["id"], piece)
        for junk in expected["boilerplate"]:
            assert junk in rendered or junk in text, (post["id"], junk)


def test_taxonomies_users_comments_pages_events(wordpress_site: WordPressSite) -> None:
    truth = wordpress_site.ground_truth("plain")
    for route, key in (
        ("wp/v2/categories", "categories"),
        ("wp/v2/tags", "tags"),
        ("wp/v2/venues", "venues"),
    ):
        served = {t["id"]: t for t in all_items(wordpress_site, "plain", route)}
        expected = {t["id"]: t for t in truth[key]}
        assert set(served) == set(expected), route
        for term_id, term in expected.items():
            assert html.unescape(served[term_id]["name"]) == term["name"]
            assert (served[term_id]["count"], served[term_id]["link"]) == (
                term["count"],
                term["link"],
            )
    users = all_items(wordpress_site, "plain", "wp/v2/users")
    assert [u["id"] for u in users] == [u["id"] for u in truth["users"]]
    public = {p["id"] for p in truth["posts"] if not p["protected"]}
    visible = {
        c["id"] for c in truth["comments"]["all"] if c["status"] == "1" and c["post"] in public
    }
    served_comments = {c["id"] for c in all_items(wordpress_site, "plain", "wp/v2/comments")}
    assert served_comments == visible
    assert not served_comments & set(truth["comments"]["not_approved"])
    pages = all_items(wordpress_site, "plain", "wp/v2/pages")
    assert [(p["id"], p["parent"], p["menu_order"]) for p in pages] == [
        (p["id"], p["parent"], p["menu_order"]) for p in truth["pages"]
    ]
    events = all_items(wordpress_site, "plain", "wp/v2/events")
    assert [(e["id"], sorted(e["venues"])) for e in events] == [
        (e["id"], e["venues"]) for e in truth["events"]
    ]


def test_php_changes_are_served_at_once(wordpress_site: WordPressSite) -> None:
    before = len(wordpress_site.ground_truth("pretty")["posts"])
    new_id = int(
        wordpress_site.php(
            "echo wp_insert_post(array('post_title' => 'Breaking & new', "
            "'post_content' => '<p>Fresh.</p>', 'post_status' => 'publish'));"
        )
    )
    try:
        _, _, response = get_json(rest(wordpress_site, "pathinfo", "wp/v2/posts", per_page=1))
        assert int(response.headers["X-WP-Total"]) == before + 1
        _, post, _ = get_json(rest(wordpress_site, "pretty", f"wp/v2/posts/{new_id}"))
        assert html.unescape(post["title"]["rendered"]) == "Breaking & new"
    finally:
        wordpress_site.php(f"wp_delete_post({new_id}, true);")
    assert len(wordpress_site.ground_truth("pretty")["posts"]) == before
