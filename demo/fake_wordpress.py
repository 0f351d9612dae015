"""A fake WordPress on 127.0.0.1: serves a site directory's REST API like WordPress 6.1.

Use it as a context manager in tests and benchmarks::

    with FakeWordPressServer("demo/site", spelling="pretty") as wp:
        urllib.request.urlopen(wp.api_root + "wp/v2/posts")

or from the shell: ``python -m demo.fake_wordpress --site demo/site --port 8080``.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import socket
import sys
import threading
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import unquote

from demo.app import Response, SiteApp
from demo.faults import Faults
from demo.params import Query, parse_query
from demo.site import SiteData, load_site
from demo.spelling import Spelling, api_root, check_spelling, resolve, rest_url

if TYPE_CHECKING:
    from email.message import Message
    from pathlib import Path

logger = logging.getLogger(__name__)
_LOOPBACK = {"127.0.0.1", "localhost"}


class FakeWordPressServer:
    """A running fake site. ``faults`` may be replaced or mutated at any time, even mid-crawl."""

    def __init__(
        self,
        site: str | Path | SiteData,
        *,
        spelling: str = "pathinfo",
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ) -> None:
        if host not in _LOOPBACK:
            raise ValueError(f"the fake site only listens on loopback, not {host!r}")
        self.source = site
        self.spelling: Spelling = check_spelling(spelling)
        self.faults = faults or Faults()
        self.host = host
        self.port = port
        self.verbose = verbose
        self.requests: list[str] = []
        self._log_lock = threading.Lock()
        self.in_flight = 0
        """Requests being answered right now."""
        self.peak_in_flight = 0
        """The most requests answered at once since the start (or :meth:`reset_log`): what a
        test of per-site politeness checks on the server's side."""
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.app: SiteApp | None = None

    # Lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeWordPressServer:
        """Bind, rebase the data to the bound origin, and serve from a background thread."""
        if self._httpd is not None:
            raise RuntimeError("already running")
        httpd = _HTTPServer((self.host, self.port), _Handler)
        try:
            self.port = httpd.server_address[1]
            if isinstance(self.source, SiteData):
                data = self.source.rebased(self.origin, self.spelling)
            else:
                data = load_site(self.source, self.origin, self.spelling)
            self.app = SiteApp(data, self.spelling, self._current_faults)
        except BaseException:
            httpd.server_close()
            raise
        httpd.wordpress = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-wordpress",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections; safe to call twice."""
        httpd, self._httpd = self._httpd, None
        shut_down(httpd, self._thread)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # What tests use ----------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` (the port is known once started)."""
        return f"http://{self.host}:{self.port}"

    @property
    def home_url(self) -> str:
        """The home page URL, where a crawler starts discovery."""
        return self.origin + "/"

    @property
    def api_root(self) -> str:
        """The REST root in this server's spelling, as the site advertises it."""
        return api_root(self.origin, self.spelling)

    def rest_url(self, route: str, **params: Any) -> str:
        """A REST URL in this server's spelling, e.g. ``rest_url("/wp/v2/posts", per_page=100)``."""
        query: Query = {key: str(value) for key, value in params.items()}
        return rest_url(self.origin, self.spelling, route, query or None)

    def route_of(self, target: str) -> str | None:
        """The REST route a logged target asked for (``/wp/v2/posts``), or ``None`` if not REST.

        Handy for counting: in the plain spelling, URLs taken from ``Link`` headers and
        ``wp:term`` hrefs spell the route percent-encoded (``rest_route=%2Fwp%2Fv2%2Fposts``).
        """
        path, _, query = target.partition("?")
        where = resolve(unquote(path) or "/", parse_query(query), self.spelling)
        return where.route if where.kind == "rest" else None

    def reset_log(self) -> None:
        """Forget logged requests and restart the ``rate_limit_every`` count."""
        with self._log_lock:
            self.requests.clear()
            self.peak_in_flight = self.in_flight
        if self.app is not None:
            self.app.reset_counter()

    def set_faults(self, **changes: Any) -> Faults:
        """Replace ``faults`` with a copy that has ``changes`` applied; returns the new faults."""
        self.faults = dataclasses.replace(self.faults, **changes)
        return self.faults

    def _current_faults(self) -> Faults:
        return self.faults

    def handle(self, target: str, headers: Message | None = None) -> Response:
        """Log and answer one request target; called from handler threads with the request's
        ``headers`` (which this site ignores; :mod:`demo.wpcom` reads the User-Agent)."""
        with self._log_lock:
            self.requests.append(target)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.app is None:
                raise RuntimeError("not started")
            return self.app.respond(target)
        finally:
            with self._log_lock:
                self.in_flight -= 1


def shut_down(httpd: _HTTPServer | None, thread: threading.Thread | None) -> None:
    """Stop a server started in ``thread`` and drop its keep-alive connections."""
    if httpd is None:
        return
    httpd.shutdown()
    httpd.close_connections()
    httpd.server_close()
    if thread is not None:
        thread.join(timeout=5)


class _HTTPServer(ThreadingHTTPServer):
    """A threading server that can drop idle keep-alive connections when stopped."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    wordpress: FakeWordPressServer

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (a killed crawl) is not an error of the site."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Unblock handler threads waiting on idle keep-alive sockets."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                continue


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive transport; writes each response in one ``send`` for speed."""

    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    disable_nagle_algorithm = True
    timeout = 120
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        wordpress = self.server.wordpress
        try:
            response = wordpress.handle(self.path, self.headers)
        except Exception:
            logger.exception("fake WordPress failed on %s", self.path)
            response = Response(500, [("Content-Type", "text/plain")], b"internal error\n")
        if wordpress.verbose:
            self.log_request(response.status, len(response.body))
        self._write(response, head)

    def _write(self, response: Response, head: bool) -> None:
        reason = HTTPStatus(response.status).phrase
        lines = [f"HTTP/1.1 {response.status} {reason}"]
        if not any(name == "Server" for name, _ in response.headers):
            lines.append("Server: nginx")
        lines.append("Date: " + formatdate(usegmt=True))
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        lines.append(f"Content-Length: {len(response.body)}")
        lines.append("Connection: close" if self.close_connection else "Connection: keep-alive")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(data if head else data + response.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib signature
        if self.server.wordpress.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")


# Command line ---------------------------------------------------------------------------


def parse_fault(text: str) -> tuple[str, Any]:
    """``name=value`` from the command line into a typed :class:`Faults` field.

    >>> parse_fault("max_per_page=50")
    ('max_per_page', 50)
    >>> sorted(parse_fault("fail_pages=posts:2,posts:3")[1])
    [('posts', 2), ('posts', 3)]
    """
    name, _, value = text.partition("=")
    fields = {f.name: f for f in dataclasses.fields(Faults)}
    if name not in fields:
        raise argparse.ArgumentTypeError(f"unknown fault {name!r}; one of {', '.join(fields)}")
    default = fields[name].default
    if name == "fail_pages":
        pairs = (item.rpartition(":") for item in value.split(",") if item)
        return name, frozenset((base, int(page)) for base, _, page in pairs)
    if isinstance(default, bool):
        return name, value.lower() in ("", "1", "true", "yes", "on")
    if isinstance(default, float):
        return name, float(value)
    return name, int(value)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Serve a site directory until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m demo.fake_wordpress", description=main.__doc__)
    parser.add_argument("--site", default="demo/site", help="site directory (default: demo/site)")
    parser.add_argument("--host", default="127.0.0.1", choices=sorted(_LOOPBACK))
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--spelling", default="pathinfo", choices=["pretty", "pathinfo", "plain"])
    parser.add_argument(
        "--fault", action="append", type=parse_fault, default=[], metavar="NAME=VALUE",
        help="switch on a fault, e.g. --fault bom=2 --fault fail_pages=posts:3 (repeatable)",
    )  # fmt: skip
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    faults = Faults(**dict(args.fault))
    wordpress = FakeWordPressServer(
        args.site, spelling=args.spelling, faults=faults, host=args.host, port=args.port,
        verbose=args.verbose,
    )  # fmt: skip
    signal.signal(signal.SIGTERM, _interrupt)  # stop as cleanly on `kill` as on Ctrl-C
    with wordpress:
        print(f"Fake WordPress at {wordpress.home_url} (REST root {wordpress.api_root})")
        print("Press Ctrl-C to stop.", flush=True)  # flushes the line above too
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("Stopping.", flush=True)


if __name__ == "__main__":
    main()
