"""The site verdict (shared doc §4): one row per observation, then the real WordPress."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from crawler.crawl.answer import Answer
from crawler.crawl.classify import SiteKind, classify, wordpress_markers

if TYPE_CHECKING:
    from wpsite.site import WordPressSite

DATA = Path(__file__).parent / "data" / "fallback"
HOME = "https://e.com/"
ROOT = "https://e.com/wp-json/"
ROUTE = "https://e.com/?rest_route=/"
WP_HEAD = (DATA / "classify-home-wordpress-head.html").read_bytes()
HTML = {"content-type": "text/html; charset=UTF-8"}
JSON = {"content-type": "application/json; charset=UTF-8"}
INDEX = b'{"name":"E","namespaces":["oembed/1.0","wp/v2"],"routes":{}}'


def home(
    status: int = 200,
    body: bytes = WP_HEAD,
    headers: dict[str, str] | None = None,
    links: tuple[str, ...] = (),
) -> Answer:
    return Answer(status, headers or HTML, body, HOME, links)


def rest(
    status: int, body: bytes, url: str = ROOT, headers: dict[str, str] | None = None
) -> Answer:
    return Answer(status, headers or JSON, body, url)


def error(code: str, status: int) -> bytes:
    return f'{{"code":"{code}","message":"x","data":{{"status":{status}}}}}'.encode()


NOT_FOUND_HTML = b"<!doctype html><html><head><title>Page not found</title></head></html>"
CHALLENGE = (
    b"<html><title>Just a moment...</title><script src='/cdn-cgi/challenge-platform/h/g'></script>"
)

ROWS = [
    # (name, home, rest_root, rest_route, kind, wall, words in the reason)
    ("home 502", home(502, b"Bad gateway"), None, None, SiteKind.DOWN, None, "HTTP 502"),
    (
        "cloudflare 521",
        home(521, b"Error code 521", {"server": "cloudflare"}),
        None,
        None,
        SiteKind.DOWN,
        None,
        "HTTP 521",
    ),
    (
        "cloudflare challenge home",
        home(403, CHALLENGE, {"cf-mitigated": "challenge"}),
        None,
        None,
        SiteKind.WALLED,
        "cloudflare-challenge",
        "never solved",
    ),
    (
        "wordfence home",
        home(503, b"<h1>Your access to this site has been limited by the site owner</h1>"),
        None,
        None,
        SiteKind.WALLED,
        "wordfence",
        "wordfence",
    ),
    (
        "sucuri home",
        home(403, b"<h1>Access Denied - Sucuri Website Firewall</h1>"),
        None,
        None,
        SiteKind.WALLED,
        "sucuri",
        "sucuri",
    ),
    (
        "cloudflare 1020",
        home(403, b"<span>Error code 1020</span>", {"server": "cloudflare"}),
        None,
        None,
        SiteKind.WALLED,
        "cloudflare-block",
        "cloudflare-block",
    ),
    ("home 429", home(429, b"slow down"), None, None, SiteKind.RATE_LIMITED, None, "HTTP 429"),
    (
        "wpcom link",
        home(
            links=(
                (
                    "<https://public-api.wordpress.com/wp-json/?rest_route=/sites/e.com>; "
                    'rel="https://api.w.org/"'
                ),
            )
        ),
        None,
        None,
        SiteKind.WPCOM,
        None,
        "public-api.wordpress.com",
    ),
    (
        "wpcom headers",
        home(headers=HTML | {"host-header": "WordPress.com"}),
        rest(404, NOT_FOUND_HTML, headers=HTML),
        None,
        SiteKind.WPCOM,
        None,
        "host-header",
    ),
    ("index", home(), rest(200, INDEX), None, SiteKind.REST_OK, None, "lists wp/v2"),
    (
        "notice-prefixed index at ?rest_route=",
        home(),
        rest(404, NOT_FOUND_HTML, headers=HTML),
        rest(
            200,
            b"<br />\n<b>Notice</b>: Undefined index x in y.php on line 3<br />\n" + INDEX,
            ROUTE,
        ),
        SiteKind.REST_OK,
        None,
        ROUTE,
    ),
    (
        "disable rest api",
        home(),
        rest(401, error("rest_cannot_access", 401)),
        rest(401, error("rest_cannot_access", 401), ROUTE),
        SiteKind.REST_BLOCKED,
        None,
        "HTTP 401 rest_cannot_access at https://e.com/wp-json/ (the 'Disable REST API' plugin)",
    ),
    (
        "disable wp rest api",
        home(),
        rest(401, error("rest_login_required", 401)),
        None,
        SiteKind.REST_BLOCKED,
        None,
        "rest_login_required",
    ),
    (
        "ithemes",
        home(),
        rest(401, error("itsec_rest_api_access_restricted", 401)),
        None,
        SiteKind.REST_BLOCKED,
        None,
        "Solid/iThemes",
    ),
    (
        "ithemes old 500",
        home(),
        rest(500, error("itsec_rest_api_access_restricted", 500)),
        None,
        SiteKind.REST_BLOCKED,
        None,
        "HTTP 500 itsec_",
    ),
    (
        "not logged in",
        home(),
        rest(403, error("rest_not_logged_in", 403)),
        None,
        SiteKind.REST_BLOCKED,
        None,
        "rest_not_logged_in",
    ),
    (
        "forbidden",
        home(),
        rest(403, error("rest_forbidden", 403)),
        None,
        SiteKind.REST_BLOCKED,
        None,
        "rest_forbidden",
    ),
    (
        "wp 4.6 disabled",
        home(),
        rest(404, error("rest_disabled", 404)),
        None,
        SiteKind.REST_BLOCKED,
        None,
        "rest_disabled",
    ),
    (
        "index without wp/v2",
        home(),
        rest(200, b'{"namespaces":["oembed/1.0"],"routes":{}}'),
        None,
        SiteKind.REST_BLOCKED,
        None,
        "no wp/v2",
    ),
    (
        "waf on REST only",
        home(),
        rest(403, CHALLENGE, headers=HTML | {"cf-mitigated": "challenge"}),
        rest(403, CHALLENGE, ROUTE, HTML | {"cf-mitigated": "challenge"}),
        SiteKind.REST_BLOCKED,
        "cloudflare-challenge",
        "on the REST paths only",
    ),
    (
        "html at both spellings",
        home(),
        rest(404, NOT_FOUND_HTML, headers=HTML),
        rest(200, WP_HEAD, ROUTE, HTML),
        SiteKind.REST_BLOCKED,
        None,
        "rewritten away",
    ),
    ("rest 429", home(), rest(429, b""), None, SiteKind.RATE_LIMITED, None, "HTTP 429"),
    (
        "rest 503 retry-after",
        home(),
        rest(503, b"", headers={"retry-after": "120"}),
        None,
        SiteKind.RATE_LIMITED,
        None,
        "Retry-After 120 s",
    ),
    (
        "plain server",
        home(body=b"<html><body><h1>Directory listing</h1></body></html>"),
        rest(404, NOT_FOUND_HTML, headers=HTML),
        rest(200, b"<html>listing</html>", ROUTE, HTML),
        SiteKind.NOT_WORDPRESS,
        None,
        "no WordPress marker",
    ),
]


@pytest.mark.parametrize(
    ("name", "home_answer", "root", "route", "kind", "wall", "words"),
    ROWS,
    ids=[row[0] for row in ROWS],
)
def test_each_row_of_the_decision_table(  # noqa: PLR0917 - one argument per column
    name: str,
    home_answer: Answer,
    root: Answer | None,
    route: Answer | None,
    kind: SiteKind,
    wall: str | None,
    words: str,
) -> None:
    verdict = classify(home_answer, root, route)
    assert (verdict.kind, verdict.wall) == (kind, wall), verdict.reason
    assert words in verdict.reason
    assert "\n" not in verdict.reason


def test_no_answer_at_home_is_down() -> None:
    verdict = classify(None, None, None, home_error="Connection refused")
    assert verdict.kind == SiteKind.DOWN
    assert "Connection refused" in verdict.reason


def test_the_advertised_wordpress_com_root_is_kept() -> None:
    root = "https://public-api.wordpress.com/wp-json/?rest_route=/sites/e.com"
    verdict = classify(home(links=(f'<{root}>; rel="https://api.w.org/"',)), None, None)
    assert (verdict.kind, verdict.api_root) == (SiteKind.WPCOM, root)
    odd = home(links=('<https://public-api.wordpress.com/x\u00e9\x1b>; rel="https://api.w.org/"',))
    assert classify(odd, None, None).api_root == "https://public-api.wordpress.com/wp-json/"


def test_weaker_wordpress_com_hints_only_without_a_working_index() -> None:
    shortlink = ("<https://wp.me/p1-2>; rel=shortlink",)
    wpcom_home = Answer(200, HTML, b"<html></html>", "https://news.wordpress.com/", ())
    for answer in (
        home(links=shortlink),
        wpcom_home,
        home(headers=HTML | {"x-hacker": "join.a8c.com/hacker"}),
    ):
        assert (
            classify(answer, rest(404, NOT_FOUND_HTML, headers=HTML), None).kind == SiteKind.WPCOM
        )
        # an Atomic site: the same hints, and its own REST API works
        assert classify(answer, rest(200, INDEX), None).kind == SiteKind.REST_OK


def test_a_wall_on_the_home_page_wins_over_a_working_index() -> None:
    walled = home(503, b"<p>Generated by Wordfence at Mon</p>")
    assert classify(walled, rest(200, INDEX), None).kind == SiteKind.WALLED


def test_site_text_in_an_error_code_never_reaches_the_reason() -> None:
    verdict = classify(home(), rest(401, error("itsec_\\u001b[31mred", 401)), None)
    assert "\x1b" not in verdict.reason
    assert verdict.kind == SiteKind.REST_BLOCKED  # still WordPress markers, no index


def test_markers_of_a_captured_wordpress_home_page() -> None:
    answer = home(links=('<https://e.com/wp-json/>; rel="https://api.w.org/"',))
    assert wordpress_markers(answer) == (
        "api-link-header",
        "api-link-tag",
        "generator",
        "wp-content",
        "wp-includes",
        "rsd",
    )
    assert wordpress_markers(home(body=b"<html><body>/wp-content/ in text</body></html>")) == (
        "wp-content",
    )
    assert wordpress_markers(home(body=b"")) == ()


# ---------------------------------------------------------------- the real WordPress


def fetch(url: str) -> Answer:
    """One GET without following redirects, as an Answer (Scrapy's view of it)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
    try:
        with opener.open(url, timeout=60) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            status, headers, body = exc.code, exc.headers, exc.read()
    return Answer(
        status,
        {k.lower(): v for k, v in headers.items()},
        body,
        url,
        tuple(headers.get_all("Link") or ()),
    )


def test_the_real_site_is_rest_ok(wordpress_site: WordPressSite, wp_mode: str) -> None:
    base = wordpress_site.url(wp_mode)
    answer = fetch(base)
    verdict = classify(
        answer, fetch(wordpress_site.rest_root(wp_mode)), fetch(base + "?rest_route=/")
    )
    assert verdict.kind == SiteKind.REST_OK, verdict.reason
    assert {"api-link-header", "api-link-tag", "generator"} <= set(wordpress_markers(answer))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_plain_http_server_is_not_wordpress(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html><body><h1>Hello</h1></body></html>")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/"
        for _ in range(100):
            try:
                answer = fetch(base)
                break
            except urllib.error.URLError:
                time.sleep(0.05)
        verdict = classify(answer, fetch(base + "wp-json/"), fetch(base + "?rest_route=/"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert verdict.kind == SiteKind.NOT_WORDPRESS, verdict.reason


def test_a_closed_port_is_down() -> None:
    base = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(urllib.error.URLError) as caught:
        fetch(base)
    verdict = classify(None, None, None, home_error=str(caught.value.reason))
    assert verdict.kind == SiteKind.DOWN
    assert "refused" in verdict.reason.lower()


def rest_url(site: WordPressSite, mode: str, route: str) -> str:
    root = site.rest_root(mode)
    return (
        f"{root}{route}"
        if mode != "plain"
        else root.replace("rest_route=/", f"rest_route=/{route}")
    )


def test_real_wordpress_refusals_are_read_as_blocks(
    wordpress_site: WordPressSite, wp_mode: str
) -> None:
    """Real WordPress answers standing in for a blocked API: a 401 JSON error at a REST URL,
    and its own 404 page at both spellings (REST rewritten away)."""
    base = wordpress_site.url(wp_mode)
    home_answer = fetch(base)
    refused = fetch(rest_url(wordpress_site, wp_mode, "wp/v2/settings"))
    assert refused.status == 401
    verdict = classify(home_answer, refused, None)
    assert verdict.kind == SiteKind.REST_BLOCKED
    assert verdict.reason.startswith(f"HTTP 401 rest_forbidden at {refused.url}")
    missing = fetch(base + "?p=999999")
    assert missing.status == 404
    assert missing.is_html
    verdict = classify(home_answer, missing, missing)
    assert verdict.kind == SiteKind.REST_BLOCKED
    assert "rewritten away" in verdict.reason
