"""Request handling without sockets: target -> response, with the faults applied in order.

Kept apart from :mod:`demo.fake_wordpress` so the behaviour can be read (and tested) as plain
functions, and the HTTP layer stays a thin, fast byte pump.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from demo import faults as junk
from demo.frontend import HTML_TYPE, SERVER_404, FrontEnd
from demo.params import Query, parse_query
from demo.rest import RestApi, RestResult, encode_json
from demo.spelling import Spelling, resolve
from demo.wp_errors import api_blocked, critical_error

if TYPE_CHECKING:
    from collections.abc import Callable

    from demo.faults import Faults
    from demo.site import SiteData


@dataclass(frozen=True, slots=True)
class Response:
    """What goes on the wire, minus transport headers (Date, Content-Length, Connection)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class SiteApp:
    """One served site: resolves targets, runs the REST API or front end, applies faults."""

    def __init__(self, site: SiteData, spelling: Spelling, faults: Callable[[], Faults]) -> None:
        self.api = RestApi(site, spelling)
        posts = self.api.catalog.get("posts")
        latest = posts.ordered("date")[-10:][::-1] if posts else []
        self.frontend = FrontEnd(site.index, self.api.root, site.origin, latest)
        self.spelling = spelling
        self.host = urlsplit(site.origin).netloc
        self._faults = faults
        self._rest_count = 0
        self._lock = threading.Lock()

    def reset_counter(self) -> None:
        """Restart the REST request count that ``rate_limit_every`` uses."""
        with self._lock:
            self._rest_count = 0

    def respond(self, target: str) -> Response:
        """Answer one GET/HEAD request for ``target`` (path plus query string)."""
        faults = self._faults()
        if faults.cloudflare_challenge:
            return Response(403, list(junk.CLOUDFLARE_HEADERS), junk.cloudflare_page(self.host))
        raw_path, _, raw_query = target.partition("?")
        path = unquote(raw_path) or "/"
        query = parse_query(raw_query)
        where = resolve(path, query, self.spelling)
        if where.kind == "rest":
            return self._rest(where.route, query, faults, path)
        if where.kind == "server_404":
            return Response(404, [("Content-Type", "text/html")], SERVER_404)
        discovery = not faults.no_link_discovery
        if path == "/robots.txt":
            return Response(
                200, [("Content-Type", "text/plain; charset=utf-8")], self.frontend.robots()
            )
        if path == "/xmlrpc.php" and "rsd" in query:
            rsd = self.frontend.rsd(discovery)
            return Response(200, [("Content-Type", "text/xml; charset=UTF-8")], rsd)
        return Response(200, self.frontend.headers(discovery), self.frontend.page(discovery))

    def _rest(self, route: str, query: Query, faults: Faults, path: str) -> Response:
        with self._lock:
            self._rest_count += 1
            count = self._rest_count
        if faults.rate_limit_every and count % faults.rate_limit_every == 0:
            headers = [("Content-Type", "text/html"), ("Retry-After", "1")]
            return Response(429, headers, junk.too_many_requests_page())
        if faults.latency:
            time.sleep(faults.latency)
        if faults.block_api:
            return self._json(self.api.error(api_blocked()), faults)
        if faults.html_instead_of_json:
            return Response(200, [("Content-Type", HTML_TYPE)], junk.testcookie_page(path))
        base = self.api.collection_base(route)
        if base is not None:
            per_page = _int(query.get("per_page"), 10)
            if faults.max_per_page is not None and per_page > faults.max_per_page:
                return Response(500, [("Content-Type", HTML_TYPE)], junk.memory_fatal_page())
            if (base, _int(query.get("page"), 1)) in faults.fail_pages:
                return self._json(self.api.error(critical_error()), faults)
        return self._json(self.api.dispatch(route, query, faults), faults)

    def _json(self, result: RestResult, faults: Faults) -> Response:
        headers = result.headers
        if faults.no_link_discovery:
            headers = [(k, v) for k, v in headers if not (k == "Link" and "api.w.org" in v)]
        return Response(
            result.status, headers, junk.decorate_json(encode_json(result.body), faults)
        )


def _int(value: object, default: int) -> int:
    try:
        return int(str(value)) if value is not None else default
    except ValueError:
        return default
