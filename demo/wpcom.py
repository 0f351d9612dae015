"""A fake WordPress.com-hosted site: the site's pages on one origin, its REST API on another.

WordPress.com serves a simple site's pages on the site's host and its REST API on
``public-api.wordpress.com``: the home page advertises ``Link: <{api}/wp-json/?rest_route=
/sites/<site>>; rel="https://api.w.org/"``, the index is served there and the collections at
``{api}/wp/v2/sites/<site>/<collection>`` (the namespace first, then the site). Its traps, as
the research for issue 12 lists them: a 403 to requests without a ``User-Agent``, and
``X-WP-Total``/``X-WP-TotalPages`` that cannot be trusted (this fake doubles them).

Both origins are 127.0.0.1 ports. The API is a :class:`~demo.fake_wordpress.FakeWordPressServer`
in the ``pretty`` spelling behind a translation of the WordPress.com layout: requests are mapped
onto ``/wp-json/…`` and the answers' URLs back onto the WordPress.com layout (REST hrefs) or the
site's origin (front-end links, uploads)::

    with FakeWordPressCom(generate_site(50)) as wpcom:
        wpcom.home_url        # the site's home page, where a crawl starts
        wpcom.api_origin      # the WORDPRESS_COM_API setting to use
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from demo.app import Response
from demo.fake_wordpress import FakeWordPressServer, _Handler, _HTTPServer, shut_down
from demo.frontend import HTML_TYPE
from demo.rest import encode_json

if TYPE_CHECKING:
    from email.message import Message
    from pathlib import Path

    from demo.site import SiteData

DEFAULT_SITE = "example.wordpress.com"
_JSON = "application/json; charset=UTF-8"
_TOTALS = ("X-WP-Total", "X-WP-TotalPages")
_API_REL = "https://api.w.org/"
_PRIVATE = (
    b'{"code":"rest_forbidden","message":"Sorry, you are not allowed to do that.",'
    b'"data":{"status":403}}'
)


class FakeWordPressCom:
    """A running fake WordPress.com site: :attr:`pages` (the site) and :attr:`api` (the API).

    ``advertise=False`` leaves the API root out of the home page (only the ``wp.me`` shortlink
    and ``host-header`` say WordPress.com); ``lie_totals=False`` sends the true totals;
    ``private=True`` refuses every API request as a private site does (the status and code are
    a guess: not verified live).
    """

    def __init__(
        self,
        site: str | Path | SiteData,
        *,
        site_name: str = DEFAULT_SITE,
        advertise: bool = True,
        lie_totals: bool = True,
        private: bool = False,
        verbose: bool = False,
    ) -> None:
        self.site_name = site_name
        self.api = WordPressComApi(
            site, site_name=site_name, lie_totals=lie_totals, private=private, verbose=verbose
        )
        self.pages = _SitePages(self, advertise=advertise, verbose=verbose)

    def start(self) -> FakeWordPressCom:
        self.pages.bind()
        self.api.pages_origin = self.pages.origin
        try:
            self.api.start()
        except BaseException:
            self.pages.stop()
            raise
        self.pages.serve()
        return self

    def stop(self) -> None:
        self.api.stop()
        self.pages.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def home_url(self) -> str:
        """The site's home page (the start of a crawl)."""
        return self.pages.origin + "/"

    @property
    def api_origin(self) -> str:
        """The fake public API's origin, for the ``WORDPRESS_COM_API`` setting."""
        return self.api.origin

    @property
    def advertised_root(self) -> str:
        """The REST root the home page advertises (the index of this site on the API)."""
        return f"{self.api.origin}/wp-json/?rest_route=/sites/{self.site_name}"

    def collection_url(self, base: str, **params: Any) -> str:
        """A collection in WordPress.com's layout, e.g. ``collection_url("posts", page=2)``."""
        query = urlencode(params)
        url = f"{self.api.origin}/wp/v2/sites/{self.site_name}/{base}"
        return url + (f"?{query}" if query else "")

    @property
    def requests(self) -> list[str]:
        """Every request target of both origins, as ``origin + target``, in arrival order."""
        return [*self.pages.requests, *self.api.wpcom_requests]


class WordPressComApi(FakeWordPressServer):
    """The public API origin: WordPress.com's layout over the fake's ``/wp-json/`` routes."""

    def __init__(
        self,
        site: str | Path | SiteData,
        *,
        site_name: str = DEFAULT_SITE,
        lie_totals: bool = True,
        private: bool = False,
        verbose: bool = False,
    ) -> None:
        super().__init__(site, spelling="pretty", verbose=verbose)
        self.site_name = site_name
        self.lie_totals = lie_totals
        self.private = private
        self.pages_origin = ""
        """The site's own origin, where front-end links and uploads point."""
        self.wpcom_requests: list[str] = []
        """What was asked, in WordPress.com's layout (``requests`` holds the translated form)."""
        self.without_user_agent = 0
        """Requests refused for want of a ``User-Agent``."""

    def handle(self, target: str, headers: Message | None = None) -> Response:
        """Refuse requests without a User-Agent, translate the layout, rewrite the answer."""
        with self._log_lock:
            self.wpcom_requests.append(self.origin + target)
        if headers is not None and not headers.get("User-Agent"):
            self.without_user_agent += 1
            return Response(403, [("Content-Type", HTML_TYPE)], b"<h1>403 Forbidden</h1>\n")
        if self.private:
            return Response(403, [("Content-Type", _JSON)], _PRIVATE)
        inner = self.to_inner(target)
        if inner is None:
            body = b'{"code":"rest_no_route","message":"No route was found.","data":{"status":404}}'
            return Response(404, [("Content-Type", _JSON)], body)
        response = super().handle(inner)
        body = self._body(response.body)
        if inner.partition("?")[0] == "/wp-json/" and response.status == 200:
            body = self._site_routes(body)
        return Response(response.status, self._headers(response.headers), body)

    def to_inner(self, target: str) -> str | None:
        """The ``/wp-json/…`` target a WordPress.com-layout target stands for, or ``None``.

        >>> api = WordPressComApi("demo/site", site_name="a.blog")
        >>> api.to_inner("/wp/v2/sites/a.blog/posts?page=2&per_page=100")
        '/wp-json/wp/v2/posts?page=2&per_page=100'
        >>> api.to_inner("/wp-json/?rest_route=%2Fsites%2Fa.blog%2F")
        '/wp-json/'
        >>> api.to_inner("/wp-json/?rest_route=/sites/a.blog/wp/v2/tags&post=3")
        '/wp-json/wp/v2/tags?post=3'
        >>> api.to_inner("/wp/v2/sites/b.blog/posts") is None, api.to_inner("/wp-json/wp/v2/posts")
        (True, None)
        """
        path, _, query = target.partition("?")
        path = unquote(path)
        prefix = f"/wp/v2/sites/{self.site_name}"
        if path == prefix or path.startswith(prefix + "/"):
            rest = path[len(prefix) :].strip("/")
            return "/wp-json/wp/v2" + (f"/{quote(rest)}" if rest else "") + _q(query)
        pairs = parse_qsl(query, keep_blank_values=True)
        route = dict(pairs).get("rest_route")
        head = f"/sites/{self.site_name}"
        if path not in ("/", "/wp-json", "/wp-json/") or route is None:
            return None
        if route.rstrip("/") != head and not route.startswith(head + "/"):
            return None
        rest = route[len(head) :].strip("/")
        others = urlencode([(k, v) for k, v in pairs if k != "rest_route"], safe="/,")
        return "/wp-json/" + quote(rest) + _q(others)

    def _rewrite(self, text: str) -> str:
        """REST hrefs into WordPress.com's layout, every other URL of this origin onto the site's."""
        api, marker = self.origin, "\x00wpcom-api\x00"
        for slash in ("/", "\\/"):
            own = api.replace("/", slash)
            text = text.replace(
                f"{own}{slash}wp-json{slash}wp{slash}v2{slash}",
                f"{marker}{slash}wp{slash}v2{slash}sites{slash}{self.site_name}{slash}",
            )
            text = text.replace(own, self.pages_origin.replace("/", slash))
            text = text.replace(marker, own)
        return text

    def _site_routes(self, body: bytes) -> bytes:
        """The index's route keys in a per-site shape: WordPress.com's real keys were not seen
        (no internet), so the crawl must not depend on them (feature detection then says no)."""
        index = json.loads(body)
        routes = index.get("routes")
        if isinstance(routes, dict):
            index["routes"] = {
                f"/sites/{self.site_name}{key}" if key != "/" else key: value
                for key, value in routes.items()
            }
        return encode_json(index)

    def _body(self, body: bytes) -> bytes:
        if not self.pages_origin:
            return body
        return self._rewrite(body.decode("utf-8")).encode("utf-8")

    def _headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(name, self._header(name, value)) for name, value in headers]

    def _header(self, name: str, value: str) -> str:
        if name in _TOTALS and self.lie_totals and value.isdigit():
            return str(int(value) * 2 + 1)  # WordPress.com's totals cannot be trusted
        if name == "Link" and "api.w.org" in value:
            return f'<{self.origin}/wp-json/?rest_route=/sites/{self.site_name}>; rel="{_API_REL}"'
        if name == "Link" and self.pages_origin:
            return self._rewrite(value)
        return value


def _q(query: str) -> str:
    return f"?{query}" if query else ""


class _SitePages:
    """The site's own origin: the home page, with WordPress.com's headers; 404 elsewhere."""

    def __init__(self, owner: FakeWordPressCom, *, advertise: bool, verbose: bool) -> None:
        self.owner = owner
        self.advertise = advertise
        self.verbose = verbose
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def bind(self) -> None:
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.wordpress = self  # type: ignore[assignment]  # the handler needs handle() and verbose
        self._httpd = httpd
        self.port = httpd.server_address[1]

    def serve(self) -> None:
        assert self._httpd is not None
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-wordpress-com-pages",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        shut_down(httpd, self._thread)
        self._thread = None

    def handle(self, target: str, headers: Message | None = None) -> Response:
        """The home page for ``/``, a 404 page for anything else."""
        with self._lock:
            self.requests.append(self.origin + target)
        path = urlsplit(target).path
        links = ["<https://wp.me/p1-2>; rel=shortlink"]
        if self.advertise:
            links.insert(0, f'<{self.owner.advertised_root}>; rel="https://api.w.org/"')
        headers_out = [
            ("Content-Type", HTML_TYPE),
            ("host-header", "WordPress.com"),
            ("x-hacker", "Want root?  Visit join.a8c.com/hacker and mention this header."),
            *(("Link", link) for link in links),
        ]
        if path != "/":
            return Response(404, headers_out, b"<html><body><h1>Not found</h1></body></html>\n")
        page = (
            "<!DOCTYPE html><html><head><title>A WordPress.com site</title>"
            '<meta name="generator" content="WordPress.com" /></head>'
            "<body><h1>A WordPress.com site</h1></body></html>\n"
        )
        return Response(200, headers_out, page.encode())
