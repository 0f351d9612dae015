"""Looking for the REST API: what each answer means, from the page given to the REST index.

The user gives any page of the site. Its answer is the REST index itself, a block, or a page
that advertises the API (``Link`` header, ``<link>`` tag); otherwise the usual places are
probed in order. Each decision here returns what to do next: :class:`Found` (the index),
:class:`Probe` (request a candidate root) or :class:`Stop` (one line for the user). The
WordPress rules themselves (header and tag parsing, the candidates) are in
:mod:`crawler.wordpress.discovery`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.wordpress.discovery import (
    SiteInfo,
    api_root_from_headers,
    api_root_from_html,
    is_rest_index,
    probe_candidates,
)

from .answer import Answer  # noqa: TC001 - the doctests use it
from .outcome import Stop

if TYPE_CHECKING:
    from crawler.wordpress.errors import Problem


@dataclass(frozen=True)
class Found:
    """The REST index, at ``url``."""

    index: dict[str, Any]
    url: str


@dataclass(frozen=True)
class Probe:
    """Request ``url`` as a candidate REST root; ``fallbacks`` come next if it is not one."""

    url: str
    tried: tuple[str, ...]
    fallbacks: tuple[str, ...]
    advertised: bool = False
    """The site named this root itself (rather than a probe of the usual places)."""


@dataclass(frozen=True)
class Retry:
    """Request the page given again at ``url``: the user gave no scheme, https did not answer,
    so http is tried; ``message`` says so."""

    url: str
    message: str


Next = Found | Probe | Stop | Retry


def after_entry(answer: Answer, site_url: str) -> Next:
    """The page the user gave: a REST root itself, a block, or a page that advertises one.

    >>> page = Answer(200, {"content-type": "text/html"}, b"<html></html>", "https://e.com/",
    ...               link_headers=('<https://e.com/wp-json/>; rel="https://api.w.org/"',))
    >>> after_entry(page, "https://e.com/")
    Probe(url='https://e.com/wp-json/', tried=(), fallbacks=('https://e.com/wp-json/', 'https://e.com/index.php/wp-json/', 'https://e.com/?rest_route=/'), advertised=True)
    """
    settled = _settled(answer)
    if settled is not None:
        return settled
    root = api_root_from_headers(list(answer.link_headers), answer.url)
    if root is None and answer.is_html:
        root = api_root_from_html(answer.body.decode("utf-8", "replace"), answer.url)
    candidates = tuple(probe_candidates(site_url))
    if root is not None:
        return Probe(root, (), candidates, advertised=True)
    return next_candidate((), candidates, site_url)


def after_candidate(answer: Answer, probe: Probe, site_url: str) -> Next:
    """A candidate REST root answered: the index, a block, or on to the next candidate."""
    settled = _settled(answer)
    if settled is not None:
        return settled
    tried = (*probe.tried, probe.url)
    return next_candidate(tried, probe.fallbacks, site_url, answer.problem())


def _settled(answer: Answer) -> Found | Stop | None:
    """The REST index itself, or a block of the whole API: either ends the search."""
    index = answer.json()
    if is_rest_index(index):
        return Found(index, answer.url)
    problem = answer.problem()
    return Stop.blocked(problem) if problem.blocks_crawl else None


def next_candidate(
    tried: tuple[str, ...],
    candidates: tuple[str, ...],
    site_url: str,
    last_problem: Problem | None = None,
) -> Probe | Stop:
    """The next candidate not tried yet, or the end of the search with what was tried.

    >>> next_candidate(("https://e.com/wp-json/",), ("https://e.com/wp-json/",), "https://e.com/")
    Stop(reason='api_not_found', message='no WordPress REST API found for https://e.com/; tried https://e.com/wp-json/. Is it a WordPress site? If its API lives elsewhere, pass the API root as -a url=')
    """
    remaining = [c for c in candidates if c not in tried]
    if remaining:
        return Probe(remaining[0], tried, tuple(remaining[1:]))
    detail = f" (last answer: {last_problem.message})" if last_problem else ""
    return Stop(
        "api_not_found",
        f"no WordPress REST API found for {site_url}; tried {', '.join(tried)}{detail}. "
        "Is it a WordPress site? If its API lives elsewhere, pass the API root as -a url=",
    )


def without_content(site: SiteInfo, root_url: str) -> Stop | None:
    """An index without ``wp/v2`` routes has nothing to crawl: WordPress before 4.7, or a
    plugin removed them."""
    if site.has_wp_v2:
        return None
    return Stop(
        "api_without_content",
        f"the REST API at {root_url} has no wp/v2 routes (WordPress older than 4.7, "
        "or a plugin removed them); there is no content to crawl through it",
    )


UNREACHABLE = {
    "dns": "the host name {host} does not resolve; check the URL for typos",
    "refused": "{host} refused the connection; check the URL, the port and that the site is up",
    "timeout": "{host} did not answer in time; the site may be down or very slow "
    "(raise -s DOWNLOAD_TIMEOUT)",
    "tls": "{host} did not complete a TLS handshake, so it does not speak https on that port; "
    "if the site is http only, give -a url=http://{host}/",
}
"""Why a site could not be reached, by kind of download error, and what to do."""


@dataclass(frozen=True)
class DownloadError:
    """A request that got no answer at all: its URL, and the kind of error (``dns``,
    ``refused``, ``timeout``, or ``None`` with the error's own ``detail``)."""

    url: str
    kind: str | None
    detail: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def reason(self) -> str:
        """Why there was no answer, and what to do (:data:`UNREACHABLE`), else the detail."""
        known = UNREACHABLE.get(self.kind or "")
        return known.format(host=self.host) if known else self.detail


def unreachable(error: DownloadError, *, scheme_guessed: bool = False) -> Stop | Retry:
    """The site did not answer at all: nothing to crawl, or, when the user gave no scheme and
    https got no answer, http next (a host that does not resolve is not retried).

    >>> unreachable(DownloadError("http://x.invalid/", "dns")).message
    'could not reach http://x.invalid/: the host name x.invalid does not resolve; check the URL for typos'
    >>> unreachable(DownloadError("https://e.com:8080/", "refused"), scheme_guessed=True).message
    'no scheme given: https://e.com:8080/ did not answer (e.com:8080 refused the connection), trying http://e.com:8080/'
    >>> unreachable(DownloadError("http://e.com/", "refused"), scheme_guessed=True).reason
    'site_unreachable'
    """
    why = error.reason
    parts = urlsplit(error.url)
    if scheme_guessed and parts.scheme == "https" and error.kind != "dns":
        http = parts._replace(scheme="http").geturl()
        short = why.split(";", 1)[0]
        return Retry(http, f"no scheme given: {error.url} did not answer ({short}), trying {http}")
    return Stop("site_unreachable", f"could not reach {error.url}: {why}")


def after_candidate_error(probe: Probe, error: DownloadError, site_url: str) -> Probe | Stop:
    """A candidate root could not be fetched: the site is gone (no such host, refused), or
    that candidate is (try the next)."""
    if error.kind in ("dns", "refused"):
        return Stop("site_unreachable", unreachable(error).message)
    return next_candidate((*probe.tried, probe.url), probe.fallbacks, site_url)
