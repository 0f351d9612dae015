"""URL helpers for the cleaner: scheme allow-list, resolution, srcset and tracking pixels.

Every URL that reaches the cleaned HTML goes through :func:`safe_url`, so the scheme check
lives in one place. The check is an allow-list (``http``, ``https``, ``mailto``, ``tel``,
``ftp``; images only ``http``/``https``) applied *after* the same normalisation a browser
does (strip leading/trailing C0 controls and spaces, drop tabs and newlines anywhere), so
``jav&#x09;ascript:`` and friends cannot slip through.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urljoin, urlsplit

from w3lib.url import safe_url_string

__all__ = [
    "LINK_SCHEMES",
    "MEDIA_SCHEMES",
    "has_safe_scheme",
    "is_tracking_pixel",
    "largest_srcset_candidate",
    "safe_url",
    "url_scheme",
]

LINK_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto", "tel", "ftp"})
MEDIA_SCHEMES: frozenset[str] = frozenset({"http", "https"})

# Browsers strip leading/trailing C0 controls and spaces, and remove ASCII tab/LF/CR
# anywhere in a URL before looking at the scheme (WHATWG URL parser).
_EDGE_JUNK = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
# Any other control character left inside is never part of a real link: refuse the URL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Any of those characters (edge junk, tab, newline, control): none in nearly every URL,
# which then needs neither stripping nor the two regexes above.
_JUNK = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_SCHEME_DELIMS = re.compile(r"[:/?#]")
# URLs made only of these characters (no space, no non-ASCII, no bare "%") are returned
# unchanged by safe_url_string, so the common case skips its ~5 µs of parsing.
_ALREADY_SAFE = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
# The same characters but "%", as bytes to delete: without a "%", a URL is safe when
# deleting them leaves nothing (a C loop, ~5x cheaper than the regex).
_SAFE_BYTES: Final = (
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;="
)


def url_scheme(url: str) -> str | None:
    """Return the lower-cased scheme, ``""`` for a relative URL, ``None`` if ambiguous.

    A colon before the first ``/``, ``?`` or ``#`` that does not form a valid scheme is
    treated as ambiguous rather than relative: we would rather drop ``java script:x`` than
    guess how some user agent reads it.

    >>> url_scheme("HTTPS://example.com"), url_scheme("/a?b=c:d"), url_scheme("a b:c")
    ('https', '', None)
    """
    if url.startswith("https:"):  # what _SCHEME would find, without a match object
        return "https"
    if url.startswith("http:"):
        return "http"
    m = _SCHEME.match(url)
    if m:
        return m.group(1).lower()
    d = _SCHEME_DELIMS.search(url)
    if d and d.group() == ":":
        return None
    return ""


def has_safe_scheme(url: str, schemes: frozenset[str] = LINK_SCHEMES) -> bool:
    """True if *url* is relative or uses one of *schemes* (after browser normalisation).

    >>> has_safe_scheme("https://example.com/")
    True
    >>> has_safe_scheme("/relative/path")
    True
    >>> has_safe_scheme(" JaVa\\tScRiPt:alert(1)")
    False
    >>> has_safe_scheme("data:image/png;base64,AAAA", MEDIA_SCHEMES)
    False
    """
    if _JUNK.search(url) is not None:
        url = _TAB_NEWLINE.sub("", url.strip(_EDGE_JUNK))
        if _CONTROL.search(url):
            return False
    scheme = url_scheme(url)
    return scheme is not None and (scheme == "" or scheme in schemes)


def safe_url(
    url: str | None, base_url: str | None = None, schemes: frozenset[str] = LINK_SCHEMES
) -> str | None:
    """Normalise *url*, make it absolute against *base_url*, or return None if unsafe.

    The result is percent-encoded with :func:`w3lib.url.safe_url_string`, so it is stable
    when cleaned again. Protocol-relative URLs get ``https:`` when there is no base.

    >>> safe_url("/wp-content/uploads/a b.jpg", "https://example.com/2024/post/")
    'https://example.com/wp-content/uploads/a%20b.jpg'
    >>> safe_url("//www.youtube.com/embed/xyz")
    'https://www.youtube.com/embed/xyz'
    >>> safe_url("jav&#x09;ascript:alert(1)".replace("&#x09;", "\\t")) is None
    True
    >>> safe_url("data:text/html;base64,PHNjcmlwdD4=", schemes=MEDIA_SCHEMES) is None
    True
    >>> safe_url("mailto:editor@example.com")
    'mailto:editor@example.com'
    """
    if not url:
        return None
    if _JUNK.search(url) is not None:
        url = _TAB_NEWLINE.sub("", url.strip(_EDGE_JUNK))
        if not url or _CONTROL.search(url):
            return None
    scheme = url_scheme(url)
    if scheme is None or (scheme and scheme not in schemes):
        return None
    checked = url
    try:
        if not scheme:
            if base_url:
                url = urljoin(base_url, url)
            elif url.startswith("//"):
                url = "https:" + url
        if not _is_already_safe(url):
            url = safe_url_string(url)
    except (ValueError, UnicodeError):
        return None
    if url is checked:
        return url
    # Re-check after joining: a hostile base_url must not smuggle a scheme in either.
    scheme = url_scheme(url)
    if scheme is None or (scheme and scheme not in schemes):
        return None
    return url


def _is_already_safe(url: str) -> bool:
    """Whether *url* matches :data:`_ALREADY_SAFE` (so ``safe_url_string`` would keep it)."""
    if url.isascii() and "%" not in url:
        return not url.encode("ascii").translate(None, _SAFE_BYTES)
    return _ALREADY_SAFE.fullmatch(url) is not None


# One srcset candidate: a URL (no whitespace; may contain commas, e.g. "w_300,h_200" CDN
# paths) then optional descriptors up to the next comma. A URL ending in commas has none.
_CANDIDATE = re.compile(r"[\s,]*([^\s,](?:\S*[^\s,])?)(,+|\s+([^,]*)(?:,|$)|$)")


def largest_srcset_candidate(srcset: str | None) -> str | None:
    """Return the URL of the largest candidate in a ``srcset`` (``data:`` ones skipped).

    Width descriptors win over density ones; a candidate without descriptor counts as 1x.

    >>> largest_srcset_candidate("a-300.jpg 300w, a.jpg 1600w, a-1024.jpg 1024w")
    'a.jpg'
    >>> largest_srcset_candidate("a.jpg, a@2x.jpg 2x")
    'a@2x.jpg'
    >>> largest_srcset_candidate("https://cdn.example/w_300,h_200/a.jpg 300w")
    'https://cdn.example/w_300,h_200/a.jpg'
    >>> largest_srcset_candidate("data:image/gif;base64,R0lGOD 1w") is None
    True
    """
    if not srcset:
        return None
    best: str | None = None
    best_kind = 0
    best_size = 0.0
    # findall, not finditer: (url, commas, descriptors) tuples built in C, no match objects;
    # an unmatched descriptor group is "" there too. Following the HTML algorithm.
    candidate: tuple[str, str, str]
    for candidate in _CANDIDATE.findall(srcset):
        url, _, desc = candidate
        if url[:5].lower() == "data:":
            continue
        kind, size = 0, 1.0
        for token in desc.split():
            unit, number = token[-1:].lower(), token[:-1]
            try:
                if unit == "w":
                    kind, size = 1, float(number)
                elif unit == "x":
                    size = float(number)
            except ValueError:
                continue
        if best is None or kind > best_kind or (kind == best_kind and size > best_size):
            best, best_kind, best_size = url, kind, size
    return best


# Hosts that only ever serve tracking pixels or beacons.
_PIXEL_HOSTS: Final = frozenset(
    {
        "pixel.wp.com",
        "stats.wp.com",
        "www.google-analytics.com",
        "google-analytics.com",
        "ssl.google-analytics.com",
        "stats.g.doubleclick.net",
        "ad.doubleclick.net",
        "pixel.quantserve.com",
        "sb.scorecardresearch.com",
        "b.scorecardresearch.com",
        "bat.bing.com",
        "px.ads.linkedin.com",
        "analytics.twitter.com",
        "t.co",
        "ct.pinterest.com",
        "mc.yandex.ru",
        "pixel.mathtag.com",
        "c.statcounter.com",
        "track.hubspot.com",
        "certify.alexametrics.com",
        "q.quora.com",
        "www.googletagmanager.com",
        "feeds.feedburner.com",
        "feedproxy.google.com",
    }
)
# Spacer/beacon file names themes and newsletters use for 1x1 images.
_PIXEL_NAMES = re.compile(
    r"/(?:spacer|blank|pixel|transparent|1x1|clear)\.gif(?:$|\?)|//(?:www\.)?facebook\.com/tr\b",
    re.IGNORECASE,
)


def _dimension(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip().lower().removesuffix("px").strip()
    try:
        return float(value)
    except ValueError:
        return None


def is_tracking_pixel(src: str, width: str | None = None, height: str | None = None) -> bool:
    """True for 1x1 (or 0-sized) images, known beacon hosts and spacer GIFs.

    >>> is_tracking_pixel("https://example.com/photo.jpg", "1", "1")
    True
    >>> is_tracking_pixel("https://pixel.wp.com/g.gif?v=ext")
    True
    >>> is_tracking_pixel("https://example.com/wp-content/uploads/photo.jpg", "640", "480")
    False
    """
    for dim in (_dimension(width), _dimension(height)):
        if dim is not None and dim <= 1:
            return True
    if _PIXEL_NAMES.search(src):
        return True
    if src.isascii() and _JUNK.search(src) is None and "[" not in src and "]" not in src:
        # urlsplit cannot fail on such a URL, and its lower-cased host is a substring of
        # the lower-cased URL: no known host anywhere in it, no need to parse it.
        low = src.lower()
        for host in _PIXEL_HOSTS:
            if host in low:
                break
        else:
            return False
    try:
        host = urlsplit(src).hostname or ""
    except ValueError:
        return True
    return host in _PIXEL_HOSTS
