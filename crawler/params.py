"""The spider's arguments (``-a name=value``), validated up front into typed values.

Scrapy passes every argument as a string. Known ones are checked here and unknown ones are an
error listing the valid names (a typo such as ``incremetal=true`` must not silently run a full
crawl); only Scrapyd's own arguments (``_job``, and any other starting with ``_``) pass. A
mistake ends in one readable line before any request is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from crawler.wordpress.routes import ascii_host

_AUTH = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]{0,127}|file:.{1,4096})$", re.DOTALL)
"""Where the application password is read from: an environment variable or a file."""
_USER = re.compile(r"^[^:\x00-\x1f\x7f]{1,60}$")
"""A WordPress login: at most 60 characters, no colon (Basic auth splits at the first one)."""

RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""A run id given with ``-a run=``: it names a folder and a Redis value, so it is short and plain."""

_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[\w.-]+)(:\d+)?$")
"""A bare host (``example.com``, ``bücher.example``, ``127.0.0.1:8080``, ``[::1]:8080``)."""

ARGUMENTS = (
    "url",
    "types",
    "incremental",
    "source",
    "auth",
    "user",
    "allow_insecure_auth",
    "include_private_user_fields",
    "run",
)
"""The spider's arguments; see :class:`CrawlParams`."""

SOURCES = ("auto", "rest", "html")
"""The values of ``-a source=``."""


class ArgumentError(ValueError):
    """An argument the user gave cannot be used; the message says what to give instead."""


def site_url(value: str | None) -> str:
    """Validate the ``url`` argument: an http(s) URL of any page on the site (or its REST root).

    A bare host is taken as https, as a browser would (the spider falls back to http if https
    does not answer, see :func:`scheme_guessed`). The host is written once in the form requests
    use (lower case, IDNA/punycode), so every host comparison of the crawl sees the same form.

    >>> site_url("https://example.com/blog/")
    'https://example.com/blog/'
    >>> site_url("example.com"), site_url("127.0.0.1:8080"), site_url("[::1]:8080")
    ('https://example.com/', 'https://127.0.0.1:8080/', 'https://[::1]:8080/')
    >>> site_url("http://Bücher.Example:8080/a"), site_url("http://[::1]/")
    ('http://xn--bcher-kva.example:8080/a', 'http://[::1]/')
    >>> site_url("ftp://example.com")
    Traceback (most recent call last):
    ...
    crawler.params.ArgumentError: url='ftp://example.com' is not an http(s) URL; give the address of any page of the site, e.g. -a url=https://example.com
    >>> site_url("https://admin:s3cret@example.com/")
    Traceback (most recent call last):
    ...
    crawler.params.ArgumentError: url= holds a user name and password (…@example.com): they are never read from the URL, and an application password comes through -a auth=env:NAME; give the URL without them
    """
    hint = "give the address of any page of the site, e.g. -a url=https://example.com"
    if not value or not value.strip():
        raise ArgumentError(f"no url given; {hint}")
    value = value.strip()
    _refuse_credentials(value)
    if scheme_guessed(value):
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise ArgumentError(f"url={value!r} is not an http(s) URL; {hint}")
    try:
        port = parts.port
    except ValueError:
        raise ArgumentError(f"url={value!r} has an invalid port; {hint}") from None
    host = ascii_host(parts.hostname)
    if host is None:
        raise ArgumentError(f"url={value!r} has a host name that is not valid; {hint}")
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def scheme_guessed(value: str) -> bool:
    """Whether a ``url`` argument came without a scheme (``example.com``, ``127.0.0.1:8080``).

    >>> scheme_guessed("example.com/blog/"), scheme_guessed("http://example.com/")
    (True, False)
    """
    head = value.strip().split("/", 1)[0]
    return "://" not in value and bool(_HOST.match(head)) and ("." in head or ":" in head)


def _refuse_credentials(value: str) -> None:
    """Refuse ``user:password@`` in the URL without ever repeating the password."""
    authority = value.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" not in authority:
        return
    host = authority.rsplit("@", 1)[1]
    raise ArgumentError(
        f"url= holds a user name and password (…@{host}): they are never read from the URL, "
        "and an application password comes through -a auth=env:NAME; "
        "give the URL without them"
    )


@dataclass(frozen=True)
class CrawlParams:
    """The validated arguments of one crawl."""

    url: str
    """Any page of the site, or its REST root."""
    types: str | None = None
    """Post types to crawl (REST bases or names, comma-separated); all public ones if None."""
    incremental: bool = False
    """Fetch only what changed since the last successful run (state in ``STATE_DIR``)."""
    scheme_guessed: bool = False
    """The user gave no scheme: ``url`` is https, and http is tried if https does not answer."""
    source: str = "auto"
    """Where records come from: ``rest`` (the REST API only), ``html`` (sitemaps, the Atom
    feed and the pages, without trying REST) or ``auto`` (REST, and the pages when a plugin
    or a firewall blocks it)."""
    auth: str | None = None
    """Where the application password is read from: ``env:NAME`` or ``file:/path`` (never the
    password itself); the content is the password, or ``user:password``."""
    user: str | None = None
    """The WordPress user name of the application password (or in ``auth``'s content)."""
    allow_insecure_auth: bool = False
    """Send the credentials over plain http too (a test site; never over the internet)."""
    include_private_user_fields: bool = False
    """Authenticated crawls: export users' e-mail, roles and names (personal data)."""
    run: str | None = None
    """The run id (``%(run)s`` feed folders, the idempotent state commit); None: a new one,
    or the ``JOBDIR``'s on a restart (which wins)."""

    @classmethod
    def from_arguments(cls, **arguments: str | bool | None) -> CrawlParams:
        """Validate raw ``-a`` arguments; an unknown one is an error naming the valid ones.

        >>> CrawlParams.from_arguments(url="example.com", incremental="yes", _job="abc")
        CrawlParams(url='https://example.com/', types=None, incremental=True, scheme_guessed=True, source='auto', auth=None, user=None, allow_insecure_auth=False, include_private_user_fields=False, run=None)
        >>> CrawlParams.from_arguments(url="https://e.com/", incremetal="true")
        Traceback (most recent call last):
        ...
        crawler.params.ArgumentError: unknown argument -a incremetal=; the wordpress spider takes -a url=, -a types=, -a incremental=, -a source=, -a auth=, -a user=, -a allow_insecure_auth=, -a include_private_user_fields=, -a run=
        >>> CrawlParams.from_arguments(url="https://e.com/", auth="env:WP_APP", user="ann").auth
        'env:WP_APP'
        >>> CrawlParams.from_arguments(url="https://e.com/", password="abcd")
        Traceback (most recent call last):
        ...
        crawler.params.ArgumentError: a password is never given as an argument (the process list shows arguments): put it in an environment variable or a file and pass -a auth=env:NAME or -a auth=file:/path
        """
        if "password" in arguments:
            raise ArgumentError(f"a password is never given as an argument {_AUTH_HINT}")
        if "sites" in arguments:
            raise ArgumentError(
                "to crawl the sites listed in a file, run: scrapy crawlsites FILE (one URL a line)"
            )
        # Scrapyd passes its own arguments with a leading underscore (_job, _version).
        unknown = sorted(name for name in arguments if name not in ARGUMENTS and name[:1] != "_")
        if unknown:
            names = ", ".join(f"-a {name}=" for name in unknown)
            valid = ", ".join(f"-a {name}=" for name in ARGUMENTS)
            plural = "s" if len(unknown) > 1 else ""
            raise ArgumentError(
                f"unknown argument{plural} {names}; the wordpress spider takes {valid}"
            )
        url, types = arguments.get("url"), arguments.get("types")
        if not isinstance(url, str | None) or not isinstance(types, str | None):
            raise ArgumentError("url= and types= take text")
        if types is not None and not any(name.strip() for name in types.split(",")):
            raise ArgumentError("types= is empty; give post types like -a types=posts,pages")
        source = arguments.get("source") or "auto"
        if not isinstance(source, str) or source.strip().lower() not in SOURCES:
            raise ArgumentError(
                f"source={source!r} is not one of rest, html, auto; e.g. -a source=html"
            )
        auth, user = _auth_source(arguments.get("auth")), arguments.get("user")
        if user is not None and (not isinstance(user, str) or not _USER.match(user.strip())):
            raise ArgumentError(
                "user= is not a WordPress user name (1 to 60 characters, no colon); "
                "e.g. -a user=editor"
            )
        private_fields = flag(
            "include_private_user_fields", arguments.get("include_private_user_fields")
        )
        if private_fields and auth is None:
            raise ArgumentError(
                "include_private_user_fields=true needs an authenticated crawl: -a auth=env:NAME"
            )
        run = arguments.get("run")
        if run is not None and (not isinstance(run, str) or not RUN.fullmatch(run.strip())):
            raise ArgumentError(
                "run= is not a run id (1 to 64 letters, digits, '.', '_' or '-', starting with "
                "a letter or digit); e.g. -a run=2026-11-30"
            )
        return cls(
            url=site_url(url),
            types=types.strip() if types else None,
            incremental=flag("incremental", arguments.get("incremental")),
            scheme_guessed=scheme_guessed(url or ""),
            source=source.strip().lower(),
            auth=auth,
            user=user.strip() if isinstance(user, str) else None,
            allow_insecure_auth=flag("allow_insecure_auth", arguments.get("allow_insecure_auth")),
            include_private_user_fields=private_fields,
            run=run.strip() if isinstance(run, str) else None,
        )


_AUTH_HINT = (
    "(the process list shows arguments): put it in an environment variable or a file and "
    "pass -a auth=env:NAME or -a auth=file:/path"
)


def _auth_source(value: str | bool | None) -> str | None:
    """Validate ``auth=``: ``env:NAME`` or ``file:/path``. Its value is never repeated in the
    message, in case someone passed the password itself.

    >>> _auth_source(" env:WP_APP_PASSWORD "), _auth_source("file:/run/secrets/wp"), _auth_source(None)
    ('env:WP_APP_PASSWORD', 'file:/run/secrets/wp', None)
    >>> _auth_source("abcd efgh ijkl")
    Traceback (most recent call last):
    ...
    crawler.params.ArgumentError: auth= takes env:NAME or file:/path, never the password itself (the process list shows arguments): put it in an environment variable or a file and pass -a auth=env:NAME or -a auth=file:/path
    """
    if value is None:
        return None
    if isinstance(value, str) and _AUTH.match(value.strip()):
        return value.strip()
    raise ArgumentError(
        f"auth= takes env:NAME or file:/path, never the password itself {_AUTH_HINT}"
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
