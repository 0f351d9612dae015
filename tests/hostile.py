"""A WordPress REST API on 127.0.0.1 that lies exactly as a test tells it to.

The fake WordPress server (``demo/fake_wordpress.py``) behaves like a real site with switchable
faults; this one is for the hostile cases: a test replaces any route with a function and the
site answers whatever it returns (shapes, headers, sizes, redirects, dates, names). Everything
not replaced answers like a tiny honest WordPress: a home page that advertises ``/wp-json/``,
the index, ``/types`` and ``/taxonomies`` with posts and categories, ``posts`` paged for real
(``page``, ``per_page``, ``X-WP-Total``, ``X-WP-TotalPages``) and empty linked collections.

    with LyingSite(posts=3) as site:
        site.route("/wp-json/wp/v2/posts", lambda req: Answer(200, body=[{"id": "x" * 5000}]))
        result = crawl(site.url, tmp_path)
        assert site.requested("/wp-json/wp/v2/posts") == 1
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """What the crawler asked for."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]

    def int(self, name: str, default: int) -> int:
        try:
            return int(self.query.get(name, default))
        except ValueError:
            return default


@dataclass
class Answer:
    """What the site says: a JSON-able ``body`` is sent as JSON, ``bytes``/``str`` as they are."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/json; charset=UTF-8"
        if isinstance(self.body, str):
            return self.body.encode("utf-8", "surrogatepass"), "text/html; charset=UTF-8"
        return json.dumps(self.body).encode(), "application/json; charset=UTF-8"


Handler = Callable[[Request], Answer]


def post(post_id: int, **fields: Any) -> dict[str, Any]:
    """A published post as the REST API shows it."""
    return {
        "id": post_id,
        "date_gmt": "2024-01-01T00:00:00",
        "modified_gmt": "2024-01-02T00:00:00",
        "slug": f"post-{post_id}",
        "status": "publish",
        "link": f"/?p={post_id}",
        "title": {"rendered": f"Post {post_id}"},
        "content": {"rendered": f"<p>Body {post_id}</p>", "protected": False},
        "excerpt": {"rendered": "", "protected": False},
        "author": 0,
        "featured_media": 0,
        "categories": [],
        "tags": [],
        "_links": {},
        **fields,
    }


def paged(records: list[dict[str, Any]]) -> Handler:
    """A collection answered page by page, as WordPress does (400 past the last page)."""

    def answer(request: Request) -> Answer:
        per_page, page = request.int("per_page", 10), request.int("page", 1)
        pages = max(1, math.ceil(len(records) / per_page))
        headers = {"X-WP-Total": str(len(records)), "X-WP-TotalPages": str(pages)}
        if page > pages:
            error = {
                "code": "rest_post_invalid_page_number",
                "message": "",
                "data": {"status": 400},
            }
            return Answer(400, error, headers)
        return Answer(200, records[(page - 1) * per_page : page * per_page], headers)

    return answer


class LyingSite:
    """The site; ``route(path, handler)`` makes it lie at ``path`` (see the module docstring)."""

    def __init__(self, *, posts: int = 3) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.api = f"{self.url}wp-json/"
        self.posts = [post(i, link=f"{self.url}?p={i}") for i in range(1, posts + 1)]
        self._thread: threading.Thread | None = None
        self._defaults()

    def route(self, path: str, handler: Handler) -> None:
        """Answer ``path`` (without the query) with ``handler``."""
        self.routes[path] = handler

    def requested(self, path: str) -> int:
        """How many requests reached ``path``."""
        return sum(1 for request in self.requests if request.path == path)

    def _defaults(self) -> None:
        link = {"Link": f'<{self.api}>; rel="https://api.w.org/"'}
        index = {"name": "Lying", "home": self.url, "namespaces": ["wp/v2"], "routes": {}}
        types = {"post": {"name": "Posts", "slug": "post", "rest_base": "posts",
                          "rest_namespace": "wp/v2", "taxonomies": ["category"],
                          "_links": {"wp:items": [{"href": f"{self.api}wp/v2/posts"}]}}}  # fmt: skip
        taxonomies = {"category": {"name": "Categories", "slug": "category",
                                   "rest_base": "categories", "rest_namespace": "wp/v2",
                                   "_links": {"wp:items": [{"href": f"{self.api}wp/v2/categories"}]}}}  # fmt: skip
        self.route("/robots.txt", lambda _: Answer(404, "not found"))
        self.route("/", lambda _: Answer(200, "<html><head></head><body>Hi</body></html>", link))
        self.route("/wp-json/", lambda _: Answer(200, index))
        self.route("/wp-json/wp/v2/types", lambda _: Answer(200, types))
        self.route("/wp-json/wp/v2/taxonomies", lambda _: Answer(200, taxonomies))
        self.route("/wp-json/wp/v2/posts", paged(self.posts))
        for linked in ("users", "media", "comments", "categories"):
            self.route(f"/wp-json/wp/v2/{linked}", paged([]))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                request = Request(parts.path, query, dict(self.headers.items()))
                site.requests.append(request)
                handler = site.routes.get(parts.path)
                answer = handler(request) if handler else Answer(404, {"code": "rest_no_route"})
                body, content_type = answer.encoded()
                self.send_response(answer.status)
                headers = {"Content-Type": content_type, **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
