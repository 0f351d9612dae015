"""No request to a private address, and no network access besides the site (issue 10, point 3).

Not one packet leaves loopback here, even if the policy broke: every test runs under a
network guard that refuses (and records) any DNS lookup of a name and any connection that is
not loopback, and fails the test if one was attempted. Hosts such as ``internal.test`` "resolve"
to private addresses only in the policy's eyes (``WORDPRESS_ADDRESS_RESOLVER`` is
:func:`lying_dns`); the download itself goes through a loopback HTTP proxy, which is the lying
site on 127.0.0.1 itself: it answers every proxied request and records the ``Host`` it was
asked for. So a test asserts what WOULD have been contacted.
"""

from __future__ import annotations

import errno
import json
import socket
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.downloadermiddlewares import cookies as scrapy_cookies
from tldextract import TLDExtract

from crawler.netpolicy import address_of
from tests.crawl import crawl
from tests.hostile import Answer, LyingSite

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.hostile import Handler, Request

LYING_DNS = {
    "internal.test": ["10.0.0.7"],
    "metadata.test": ["169.254.169.254"],
    "mapped.test": ["93.184.216.34", "::ffff:10.0.0.7"],
    "intranet.test": ["10.1.2.3"],
    "public.test": ["93.184.216.34"],
}
"""What the policy is told these names resolve to."""


def lying_dns(host: str, port: int) -> list[str]:
    """``WORDPRESS_ADDRESS_RESOLVER`` of these tests: the lies above; never a real lookup."""
    literal = address_of(host)
    return [str(literal)] if literal is not None else LYING_DNS.get(host, [])


LYING = {"WORDPRESS_ADDRESS_RESOLVER": "tests.test_addresses.lying_dns"}

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host is None or (isinstance(host, str) and host.lower() in LOOPBACK_NAMES):
        return True
    address = address_of(str(host))
    return address is not None and address.is_loopback


class NetworkGuard:
    """Refuses and records every lookup and connection beyond loopback."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def lookup(real: Callable[..., Any]) -> Callable[..., Any]:
            def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
                if not _loopback(host):
                    self.attempts.append(f"lookup {host!r}")
                    raise socket.gaierror(socket.EAI_NONAME, "refused by the test's guard")
                return real(host, *args, **kwargs)

            return guarded

        def connect(real: Callable[..., Any]) -> Callable[..., Any]:
            def guarded(sock: socket.socket, address: Any) -> Any:
                if isinstance(address, tuple) and not _loopback(address[0]):
                    self.attempts.append(f"connect {address!r}")
                    raise OSError(errno.ENETUNREACH, "refused by the test's guard")
                return real(sock, address)

            return guarded

        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
            monkeypatch.setattr(socket, name, lookup(getattr(socket, name)))
        for name in ("connect", "connect_ex"):
            monkeypatch.setattr(socket.socket, name, connect(getattr(socket.socket, name)))


@pytest.fixture(autouse=True)
def guard(monkeypatch: pytest.MonkeyPatch) -> Any:
    network = NetworkGuard()
    network.install(monkeypatch)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    yield network
    assert network.attempts == [], "the crawl tried to reach beyond loopback"


def through_proxy(monkeypatch: pytest.MonkeyPatch, site: LyingSite) -> None:
    """Send every download through the lying site, acting as a loopback HTTP proxy."""
    monkeypatch.setenv("http_proxy", site.url)


def hosts_asked(site: LyingSite) -> set[str]:
    """The host names the site was asked for (as a proxy: the hosts that would be contacted)."""
    return {request.headers.get("Host", "").rsplit(":", 1)[0] for request in site.requests}


def by_host(site_answer: Handler, other: Handler) -> Handler:
    """``site_answer`` on the user's own host (127.0.0.1), ``other`` on any other host."""

    def answer(request: Request) -> Answer:
        own = request.headers.get("Host", "").startswith("127.0.0.1")
        return (site_answer if own else other)(request)

    return answer


def home_linking(api: str, *, tag: bool = False) -> Handler:
    """A home page that advertises ``api`` as its REST root (``Link`` header or ``<link>`` tag)."""
    if tag:
        html = f'<html><head><link rel="https://api.w.org/" href="{api}"></head></html>'
        return lambda _: Answer(200, html)
    return lambda _: Answer(200, "<html></html>", {"Link": f'<{api}>; rel="https://api.w.org/"'})


def links_on_host_asked(site: LyingSite, handler: Handler) -> Handler:
    """``handler``'s JSON with the site's links on the host the request was sent to, as
    WordPress writes them."""

    def answer(request: Request) -> Answer:
        found = handler(request)
        asked = request.headers.get("Host", f"127.0.0.1:{site.port}")
        text = json.dumps(found.body).replace(f"127.0.0.1:{site.port}", asked)
        return Answer(found.status, json.loads(text), found.headers)

    return answer


def blocked_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "Not visiting" in line]


@pytest.mark.parametrize(
    ("host", "tag", "why"),
    [
        ("internal.test", False, "internal.test resolves to 10.0.0.7, a private address"),
        ("metadata.test", True, "metadata.test resolves to 169.254.169.254, a link-local"),
        ("mapped.test", False, "mapped.test resolves to ::ffff:10.0.0.7, a private address"),
    ],
)
def test_an_api_root_advertised_on_a_private_address_is_not_requested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str, tag: bool, why: str
) -> None:
    with LyingSite() as site:
        private_api = f"http://{host}:{site.port}/wp-json/"
        site.route("/", by_host(home_linking(private_api, tag=tag), home_linking(private_api)))
        # Only the private address would answer with the index: it is the only way to the API.
        index = site.routes["/wp-json/"]
        site.route("/wp-json/", by_host(lambda _: Answer(404, {"code": "rest_no_route"}), index))
        through_proxy(monkeypatch, site)
        result = crawl(site.url, tmp_path, settings=LYING, timeout=60)
    assert host not in hosts_asked(site)
    assert hosts_asked(site) == {"127.0.0.1"}
    assert result.returncode == 1
    lines = blocked_lines(result.log)
    assert len(lines) == 1, result.log
    assert "WARNING" in lines[0]
    assert f"Not visiting {private_api}: {why}" in lines[0]
    assert "WORDPRESS_ALLOWED_ADDRESSES" in lines[0]
    assert result.stats["wordpress/address_blocked"] == 1
    assert len(result.errors) == 1, result.errors
    assert "no WordPress REST API found" in result.errors[0]
    assert "Traceback" not in result.log


def test_a_discovery_redirect_to_a_private_address_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LyingSite() as site:
        target = f"http://metadata.test:{site.port}/latest/meta-data/"
        home = site.routes["/"]
        site.route("/", by_host(lambda _: Answer(302, "", {"Location": target}), home))
        through_proxy(monkeypatch, site)
        result = crawl(site.url, tmp_path, settings=LYING, timeout=60)
    assert hosts_asked(site) == {"127.0.0.1"}
    assert site.requested("/latest/meta-data/") == 0
    assert result.returncode == 1
    assert len(blocked_lines(result.log)) == 1
    assert result.stats["wordpress/address_blocked"] == 1
    assert len(result.errors) == 1, result.errors
    assert f"could not reach {target}" in result.errors[0]
    assert "metadata.test resolves to 169.254.169.254, a link-local address" in result.errors[0]
    assert "Traceback" not in result.log


def test_a_discovery_redirect_to_a_public_host_is_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LyingSite(posts=3) as site:
        home = site.routes["/"]
        moved = f"http://public.test:{site.port}/"
        site.route("/", by_host(lambda _: Answer(301, "", {"Location": moved}), home))
        through_proxy(monkeypatch, site)
        result = crawl(site.url, tmp_path, settings=LYING, timeout=60)
    assert "public.test" in hosts_asked(site)
    assert result.returncode == 0, result.log
    assert "wordpress/address_blocked" not in result.stats
    assert [post["id"] for post in result.feed("posts")] == [1, 2, 3]


def test_an_allowed_intranet_network_is_visited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LyingSite(posts=2) as site:
        intranet_api = f"http://intranet.test:{site.port}/wp-json/"
        site.route("/", home_linking(intranet_api))
        for catalog in ("types", "taxonomies"):
            path = f"/wp-json/wp/v2/{catalog}"
            site.route(path, links_on_host_asked(site, site.routes[path]))
        through_proxy(monkeypatch, site)
        settings = {**LYING, "WORDPRESS_ALLOWED_ADDRESSES": ["10.1.0.0/16"]}
        result = crawl(site.url, tmp_path, settings=settings, timeout=60)
    assert "intranet.test" in hosts_asked(site)
    assert result.returncode == 0, result.log
    assert "wordpress/address_blocked" not in result.stats
    assert len(result.feed("posts")) == 2


def test_the_users_own_loopback_host_is_crawled(tmp_path: Path) -> None:
    """The user's host may be loopback; so may another name of the same address (here the
    user gives ``localhost`` and the site advertises its API on ``127.0.0.1``)."""
    with LyingSite(posts=3) as site:
        result = crawl(f"http://localhost:{site.port}/", tmp_path, timeout=60)
    assert result.returncode == 0, result.log
    assert site.requested("/wp-json/wp/v2/posts") >= 1
    assert "wordpress/address_blocked" not in result.stats
    assert len(result.feed("posts")) == 3


def test_a_site_that_sets_cookies_makes_no_third_party_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: NetworkGuard
) -> None:
    """Scrapy's cookie handling would fetch the public-suffix list from the internet on the
    first cookie (here with an empty cache, as on a fresh machine); the guard fails the test on
    any such attempt."""
    empty_cache = TLDExtract(cache_dir=str(tmp_path / "tld"), include_psl_private_domains=True)
    monkeypatch.setattr(scrapy_cookies, "_split_domain", empty_cache)
    with LyingSite(posts=2) as site:
        for path, handler in list(site.routes.items()):
            site.route(path, with_cookie(handler))
        result = crawl(site.url, tmp_path, timeout=60)
    assert result.returncode == 0, result.log
    assert len(result.feed("posts")) == 2
    assert guard.attempts == []


def with_cookie(handler: Handler) -> Handler:
    def answer(request: Request) -> Answer:
        found = handler(request)
        found.headers = {**found.headers, "Set-Cookie": "session=abc; Domain=127.0.0.1; Path=/"}
        return found

    return answer
