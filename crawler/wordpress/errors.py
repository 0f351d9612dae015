"""Turn a failed or unexpected REST answer into one line that says what happened and what to do.

WordPress errors are JSON ``{"code", "message", "data": {"status"}}``; ``message`` is translated
into the site's language, so decisions key on ``code``. Blocks that are not WordPress at all
(Cloudflare challenges, Wordfence rate limits, HTML walls) are recognised by their headers and
markers so they are reported as blocks, never parsed as data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .jsonbody import NotJsonError, decode_body, parse_json

if TYPE_CHECKING:
    from collections.abc import Mapping

_BLOCKING_CODES: dict[str, str] = {
    "rest_cannot_access": (
        "the 'Disable REST API' plugin lets only logged-in users use the API; "
        "ask the site owner to allow anonymous read access"
    ),
    "rest_login_required": (
        "the REST API is restricted to logged-in users (a plugin such as 'Disable WP REST API'); "
        "ask the site owner to allow anonymous read access"
    ),
    "itsec_rest_api_access_restricted": (
        "Solid/iThemes Security restricts the REST API to logged-in users; "
        "ask the site owner to relax 'REST API' in its settings"
    ),
    "rest_disabled": "the REST API is switched off (WordPress 4.4-4.6 with rest_enabled=false)",
}


@dataclass(frozen=True)
class Problem:
    """A diagnosed failure: ``kind`` for stats and decisions, ``message`` for the user."""

    kind: str
    message: str
    code: str | None = None

    @property
    def blocks_crawl(self) -> bool:
        """Whether retrying other routes is pointless: the site blocks the crawler as a whole."""
        return self.kind in {"blocked", "challenge", "rate_limited"}


def error_code(data: Any) -> str | None:
    """The ``code`` of a WordPress error body, if ``data`` is one.

    >>> error_code({"code": "rest_no_route", "message": "No route", "data": {"status": 404}})
    'rest_no_route'
    >>> error_code([]) is None
    True
    """
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, str) and "message" in data else None


EDIT_REFUSED_CODES = frozenset({"rest_forbidden_context", "rest_forbidden_status"})
"""What WordPress answers (401/403) a user who may not see a post type in the edit context
or with other statuses than ``publish``."""


def edit_refused(status: int, data: Any) -> bool:
    """Whether an answer to a ``status=any``/``context=edit`` listing says the user may not
    edit this post type (an author asking for pages), rather than that the listing failed:
    400 ``rest_invalid_param`` naming ``status`` or ``context`` (the ``status`` argument's
    check of the type's ``edit_posts`` capability), or 401/403 ``rest_forbidden_context`` /
    ``rest_forbidden_status``. The type can still be listed as an anonymous run does.

    >>> edit_refused(400, {"code": "rest_invalid_param", "message": "Invalid parameter(s): status",
    ...                    "data": {"status": 400, "params": {"status": "Status is forbidden."}}})
    True
    >>> edit_refused(401, {"code": "rest_forbidden_context", "message": "no", "data": {}})
    True
    >>> edit_refused(400, {"code": "rest_invalid_param", "message": "Invalid parameter(s): per_page",
    ...                    "data": {"params": {"per_page": "too big"}}})
    False
    >>> edit_refused(401, {"code": "rest_cannot_access", "message": "DRA"}), edit_refused(400, [])
    (False, False)
    """
    code = error_code(data)
    if status in (401, 403):
        return code in EDIT_REFUSED_CODES
    if status != 400 or code != "rest_invalid_param":
        return False
    details = data.get("data")
    params = details.get("params") if isinstance(details, dict) else None
    return isinstance(params, dict) and bool({"status", "context"} & set(params))


_CLOUDFLARE_BLOCK = re.compile(
    r"Error code:?\s*(?:1020|1010|1015)\b|Sorry, you have been blocked|Attention Required! \| Cloudflare"
)


def wall_name(status: int, headers: Mapping[str, str], text: str) -> str | None:
    """Which anti-bot wall answered, if any: ``cloudflare-challenge``, ``wordfence``,
    ``sucuri`` or ``cloudflare-block``. ``headers`` keys are lower-case; ``text`` is the
    decoded start of the body. Checked in this order, so a page with two markers gets the first.

    >>> wall_name(403, {"cf-mitigated": "challenge"}, "")
    'cloudflare-challenge'
    >>> wall_name(503, {}, "<p>Your access to this site has been limited by the site owner</p>")
    'wordfence'
    >>> wall_name(403, {}, "<title>Sucuri WebSite Firewall - Access Denied</title>"
    ...           "<h1>Access Denied - Sucuri Website Firewall</h1>")
    'sucuri'
    >>> wall_name(403, {"server": "cloudflare"}, "<span>Error code 1020</span>")
    'cloudflare-block'
    >>> wall_name(403, {"server": "cloudflare"}, "<h1>Sorry, you have been blocked</h1>")
    'cloudflare-block'
    >>> wall_name(200, {}, "<p>Hello</p>") is None
    True
    """
    if headers.get("cf-mitigated", "").lower() == "challenge" or (
        status in (403, 429, 503) and "/cdn-cgi/challenge-platform/" in text
    ):
        return "cloudflare-challenge"
    if "Generated by Wordfence" in text or "Your access to this site has been limited" in text:
        return "wordfence"
    if "Access Denied - Sucuri Website Firewall" in text:
        return "sucuri"
    if (
        status in (403, 429)
        and headers.get("server", "").lower() == "cloudflare"
        and _CLOUDFLARE_BLOCK.search(text)
    ):
        return "cloudflare-block"
    return None


def diagnose(status: int, headers: Mapping[str, str], body: bytes, url: str) -> Problem:
    """Explain why a REST answer is unusable. ``headers`` keys are lower-case.

    >>> diagnose(401, {}, b'{"code":"rest_cannot_access","message":"DRA","data":{"status":401}}',
    ...          "https://e.com/wp-json/").message  # doctest: +ELLIPSIS
    "API blocked at https://e.com/wp-json/ (HTTP 401, code rest_cannot_access): the 'Disable REST API' ..."
    >>> diagnose(403, {"cf-mitigated": "challenge"}, b"<html>", "https://e.com/").kind
    'challenge'
    >>> diagnose(200, {}, b"<html><title>Home</title></html>", "https://e.com/wp-json/").message
    'expected JSON from https://e.com/wp-json/ but got an HTML page ("Home") instead of JSON: a security plugin, cache or anti-bot page answered instead of the API; open the URL in a browser to see what it serves'
    """
    text = decode_body(body[:200_000])
    wall = wall_name(status, headers, text)
    if wall == "cloudflare-challenge":
        return Problem(
            "challenge",
            f"Cloudflare challenge at {url} (HTTP {status}): the site blocks automated clients; "
            "ask the site owner to allow this crawler's User-Agent",
        )
    if wall == "wordfence":
        return Problem(
            "rate_limited",
            f"Wordfence blocked the crawler at {url} (HTTP {status}); wait, then crawl slower "
            "(-s DOWNLOAD_DELAY=5 -s CONCURRENT_REQUESTS_PER_DOMAIN=1)",
        )
    if status == 429:
        return Problem(
            "rate_limited",
            f"rate-limited at {url} (HTTP 429) after retries; wait, then crawl slower "
            "(-s DOWNLOAD_DELAY=5 -s CONCURRENT_REQUESTS_PER_DOMAIN=1)",
        )
    try:
        data = parse_json(body)
    except NotJsonError as exc:
        if exc.kind in ("too_deep", "huge_number"):
            return Problem(
                "malformed_json",
                f"unreadable JSON from {url}: {exc}; no WordPress sends this, the page is skipped",
            )
        if 200 <= status < 300:
            return Problem(
                "not_json",
                f"expected JSON from {url} but got {exc}: a security plugin, cache or anti-bot "
                "page answered instead of the API; open the URL in a browser to see what it serves",
            )
        return Problem("http_error", f"HTTP {status} from {url} ({exc})")
    code = error_code(data)
    if code in _BLOCKING_CODES and status in (401, 403, 404):
        return Problem(
            "blocked",
            f"API blocked at {url} (HTTP {status}, code {code}): {_BLOCKING_CODES[code]}",
            code,
        )
    if code == "rest_no_route":
        return Problem(
            "no_route",
            f"no such route at {url} (code rest_no_route): WordPress older than 4.7, "
            "or a plugin removed it",
            code,
        )
    if code:
        return Problem("rest_error", f"HTTP {status} from {url}, code {code}", code)
    if status >= 500:
        return Problem("server_error", f"the server failed with HTTP {status} at {url}")
    return Problem("http_error", f"unexpected HTTP {status} from {url}")
