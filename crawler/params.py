"""The spider's arguments (``-a name=value``), validated up front into typed values.

Scrapy passes every argument as a string, and Scrapyd adds its own (``_job``); unknown
arguments are therefore ignored, and known ones are checked here so that a mistake ends in one
readable line before any request is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d+)?$")


class ArgumentError(ValueError):
    """An argument the user gave cannot be used; the message says what to give instead."""


def site_url(value: str | None) -> str:
    """Validate the ``url`` argument: an http(s) URL of any page on the site (or its REST root).

    A bare host is taken as https, as a browser would.

    >>> site_url("https://example.com/blog/")
    'https://example.com/blog/'
    >>> site_url("example.com")
    'https://example.com/'
    >>> site_url("ftp://example.com")
    Traceback (most recent call last):
    ...
    crawler.params.ArgumentError: url='ftp://example.com' is not an http(s) URL; give the address of any page of the site, e.g. -a url=https://example.com
    """
    hint = "give the address of any page of the site, e.g. -a url=https://example.com"
    if not value or not value.strip():
        raise ArgumentError(f"no url given; {hint}")
    value = value.strip()
    if "://" not in value and _HOST.match(value.split("/", 1)[0]) and "." in value.split("/")[0]:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise ArgumentError(f"url={value!r} is not an http(s) URL; {hint}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ArgumentError(f"url={value!r} has an invalid port; {hint}") from None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


@dataclass(frozen=True)
class CrawlParams:
    """The validated arguments of one crawl."""

    url: str
    """Any page of the site, or its REST root."""
    types: str | None = None
    """Post types to crawl (REST bases or names, comma-separated); all public ones if None."""
    incremental: bool = False
    """Fetch only what changed since the last successful run (state in ``STATE_DIR``)."""

    @classmethod
    def from_arguments(
        cls,
        url: str | None = None,
        types: str | None = None,
        incremental: str | bool | None = None,
        **_ignored: object,
    ) -> CrawlParams:
        """Validate raw ``-a`` arguments; unknown ones (Scrapyd's ``_job``...) are ignored."""
        if "sites" in _ignored:
            raise ArgumentError(
                "to crawl the sites listed in a file, run: scrapy crawlsites FILE (one URL a line)"
            )
        if types is not None and not any(name.strip() for name in types.split(",")):
            raise ArgumentError("types= is empty; give post types like -a types=posts,pages")
        return cls(
            url=site_url(url),
            types=types.strip() if types else None,
            incremental=flag("incremental", incremental),
        )


def flag(name: str, value: str | bool | None) -> bool:
    """A yes/no argument: ``true``/``false``, ``yes``/``no``, ``1``/``0`` (absent is no).

    >>> flag("incremental", "true"), flag("incremental", "0"), flag("incremental", None)
    (True, False, False)
    """
    if value is None or isinstance(value, bool):
        return bool(value)
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ArgumentError(f"{name}={value!r} is not true or false; e.g. -a {name}=true")
