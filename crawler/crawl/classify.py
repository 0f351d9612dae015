"""The site verdict: REST works, REST is blocked (fall back to sitemaps, feed and pages), or stop.

A crawl decides once, from at most three answers observed after Scrapy's normal retries: the home
page, the advertised (or probed) REST root, and ``?rest_route=/``. Falling back costs about 25
times the requests of REST, so it happens only on evidence that the API itself is refused while
the site serves its pages: a blocking plugin's error code, an index without ``wp/v2``, a wall on
the REST paths only, or HTML at both spellings while the home page shows WordPress. A wall on the
home page stops the crawl (the pages are walled too; challenges are never solved), and rate
limiting never switches to the heavier path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.wordpress.discovery import (
    API_REL,
    api_root_from_html,
    is_rest_index,
    link_header_targets,
)
from crawler.wordpress.errors import error_code, wall_name
from crawler.wordpress.jsonbody import NotJsonError, decode_body, html_selector, parse_json
from crawler.wordpress.wpcom import DEFAULT_API, api_origin, is_wpcom_api, without_api_message

if TYPE_CHECKING:
    from .answer import Answer

MAX_HOME_CHARS = 1_000_000
"""How much of the home page is searched for WordPress markers: they are in the head."""
WPCOM_API_HOST = "public-api.wordpress.com"
"""The host of :data:`crawler.wordpress.wpcom.DEFAULT_API` (``WORDPRESS_COM_API`` sets it)."""

# 401/403 codes of plugins that keep the API from anonymous users, and who sends them.
_BLOCKED_BY: dict[str, str] = {
    "rest_cannot_access": "the 'Disable REST API' plugin",
    "rest_login_required": "a plugin such as 'Disable WP REST API'",
    "rest_not_logged_in": "the API refuses anonymous users",
    "rest_forbidden": "the API refuses anonymous users",
}
_ITHEMES = "Solid/iThemes Security"
_CODE = re.compile(r"[a-z0-9_]{1,80}")
_PLAIN_URL = re.compile(r"[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]{1,500}")
"""A URL of printable ASCII only, short: safe to log as it is."""


class SiteKind(StrEnum):
    REST_OK = "rest_ok"
    REST_BLOCKED = "rest_blocked"
    WPCOM = "wpcom"
    WALLED = "walled"
    DOWN = "down"
    NOT_WORDPRESS = "not_wordpress"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class Verdict:
    kind: SiteKind
    reason: str
    """One line for the log: what was seen, and where."""
    wall: str | None = None
    """``cloudflare-challenge``, ``wordfence``, ``sucuri``, ``cloudflare-block`` when one was seen."""
    api_root: str | None = None
    """For ``wpcom``: the WordPress.com API root the site advertises, when it does (on the
    ``WORDPRESS_COM_API`` origin; a root on any other host is an ordinary advertised root)."""


def classify(
    home: Answer | None,
    rest_root: Answer | None,
    rest_route: Answer | None,
    *,
    home_error: str | None = None,
    wpcom_api: str = DEFAULT_API,
) -> Verdict:
    """What kind of site this is, from the home page and the two REST spellings (shared doc §4).

    ``home`` is None when the home page got no HTTP answer (``home_error`` says why); either
    REST answer is None when it was not fetched. ``wpcom_api`` is the WordPress.com API origin
    (the ``WORDPRESS_COM_API`` setting).
    """
    if home is None:
        return Verdict(SiteKind.DOWN, f"no answer from the home page: {home_error or 'unknown'}")
    answers = [answer for answer in (rest_root, rest_route) if answer is not None]
    return (
        _from_home(home, wpcom_api)
        or _from_rest(home, answers, wpcom_api)
        or _from_markers(home, answers)
    )


def _from_home(home: Answer, wpcom_api: str) -> Verdict | None:
    """Verdicts the home page alone gives: a wall, rate limiting, down, WordPress.com."""
    text = decode_body(home.body[:MAX_HOME_CHARS])
    if wall := wall_name(home.status, home.headers, text[:200_000]):
        return Verdict(
            SiteKind.WALLED,
            f"the home page {home.url} answered a {wall} page (HTTP {home.status}): "
            "the pages are walled too, and challenges are never solved",
            wall,
        )
    if limited := _rate_limited(home):
        return Verdict(SiteKind.RATE_LIMITED, limited)
    if home.status >= 500:
        return Verdict(SiteKind.DOWN, f"the home page {home.url} failed with HTTP {home.status}")
    if api := _wpcom_api(home, text, wpcom_api):
        return Verdict(
            SiteKind.WPCOM, f"{home.url} advertises the WordPress.com API {api}", api_root=api
        )
    return None


def _from_rest(home: Answer, answers: list[Answer], wpcom_api: str) -> Verdict | None:
    """Verdicts the REST answers give: rate limiting, an index, a blocking plugin's code."""
    for answer in answers:
        if limited := _rate_limited(answer):
            return Verdict(SiteKind.RATE_LIMITED, limited)
    indexes = [(answer, answer.json()) for answer in answers]
    for answer, index in indexes:
        if is_rest_index(index) and "wp/v2" in index["namespaces"]:
            return Verdict(SiteKind.REST_OK, f"the REST index at {answer.url} lists wp/v2")
    if hint := _wpcom_hint(home):
        return Verdict(SiteKind.WPCOM, without_api_message(home.url, hint, wpcom_api))
    for answer in answers:
        if blocked := _blocked(answer):
            return blocked
    for answer, index in indexes:
        if is_rest_index(index):
            return Verdict(
                SiteKind.REST_BLOCKED,
                f"the REST index at {answer.url} has no wp/v2 (WordPress older than 4.7, "
                "or a plugin removed it)",
            )
    return None


def _from_markers(home: Answer, answers: list[Answer]) -> Verdict:
    """No index and no blocking code: a wall on the REST paths, REST removed, or no WordPress."""
    for answer in answers:
        text = decode_body(answer.body[:200_000])
        if wall := wall_name(answer.status, answer.headers, text):
            return Verdict(
                SiteKind.REST_BLOCKED,
                f"{wall} on the REST paths only (HTTP {answer.status} at {answer.url})",
                wall,
            )
    if markers := wordpress_markers(home):
        seen = "; ".join(f"HTTP {a.status} at {a.url}" for a in answers) or "no REST answer"
        return Verdict(
            SiteKind.REST_BLOCKED,
            f"the home page shows WordPress ({', '.join(markers)}) but no REST index answers "
            f"({seen}): REST removed or rewritten away",
        )
    return Verdict(
        SiteKind.NOT_WORDPRESS,
        f"no WordPress marker on {home.url} (HTTP {home.status}) and no REST index",
    )


def _rate_limited(answer: Answer) -> str | None:
    if answer.status == 429 or (answer.status == 503 and answer.headers.get("retry-after")):
        after = answer.headers.get("retry-after", "").strip()
        wait = f", Retry-After {after} s" if after.isascii() and after.isdigit() else ""
        return f"rate-limited at {answer.url} (HTTP {answer.status}{wait}): back off, crawl slower"
    return None


def _blocked(answer: Answer) -> Verdict | None:
    """A blocking plugin's error answer, as a verdict."""
    try:
        code = error_code(parse_json(answer.body))
    except NotJsonError:
        return None
    if code is None:
        return None
    if not _CODE.fullmatch(code):
        return None  # not a code any plugin sends; and site text never reaches the log raw
    by = _BLOCKED_BY.get(code) or (_ITHEMES if code.startswith("itsec_") else None)
    if (by and answer.status in (401, 403)) or (code.startswith("itsec_") and answer.status == 500):
        return Verdict(SiteKind.REST_BLOCKED, f"HTTP {answer.status} {code} at {answer.url} ({by})")
    if code == "rest_disabled" and answer.status == 404:
        return Verdict(
            SiteKind.REST_BLOCKED,
            f"HTTP 404 rest_disabled at {answer.url} (WordPress 4.4-4.6 with rest_enabled=false)",
        )
    return None


def _wpcom_api(home: Answer, text: str, api: str) -> str | None:
    """The WordPress.com API root (on the origin ``api``) a WordPress.com site advertises."""
    roots = link_header_targets(list(home.link_headers), API_REL)
    in_page = api_root_from_html(text, home.url)
    for root in [*roots, *([in_page] if in_page else [])]:
        if is_wpcom_api(root, api):
            return root if _PLAIN_URL.fullmatch(root) else f"{api_origin(api)}/wp-json/"
    return None


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _wpcom_hint(home: Answer) -> str | None:
    """Weaker signs of WordPress.com hosting, used only when no REST index answered."""
    if _host(home.url).endswith(".wordpress.com"):
        return "a wordpress.com host"
    if home.headers.get("host-header", "").lower() == "wordpress.com":
        return "host-header: WordPress.com"
    if "join.a8c.com" in home.headers.get("x-hacker", ""):
        return "x-hacker header"
    shortlinks = link_header_targets(list(home.link_headers), "shortlink")
    if any(_host(link) == "wp.me" for link in shortlinks):
        return "wp.me shortlink"
    return None


def wordpress_markers(home: Answer) -> tuple[str, ...]:
    """The core markers the home page shows, in a fixed order.

    ``api-link-header`` and ``api-link-tag`` (``rel="https://api.w.org/"``, which the Disable REST
    API plugin leaves in place), ``generator`` (``<meta name="generator" content="WordPress…">``),
    ``wp-content``, ``wp-includes`` (asset paths) and ``rsd`` (``xmlrpc.php?rsd``).
    """
    text = decode_body(home.body[:MAX_HOME_CHARS])
    found: list[str] = []
    if link_header_targets(list(home.link_headers), API_REL):
        found.append("api-link-header")
    if api_root_from_html(text, home.url):
        found.append("api-link-tag")
    if text.strip() and any(
        content.strip().startswith("WordPress")
        for content in html_selector(text[:262_144])
        .css('meta[name="generator"]::attr(content)')
        .getall()
    ):
        found.append("generator")
    found += [
        name
        for name, path in (("wp-content", "/wp-content/"), ("wp-includes", "/wp-includes/"))
        if path in text
    ]
    if "xmlrpc.php?rsd" in text:
        found.append("rsd")
    return tuple(found)
