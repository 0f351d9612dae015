"""Authenticated crawls with a WordPress application password (WordPress 5.6+).

The secret is read from an environment variable or a file named by ``-a auth=`` (never from
an argument or a setting: the process list shows those, and Scrapy logs overridden settings in
clear). It lives in a :class:`Secret`, which refuses to be pickled and shows as ``<redacted>``,
handed from the spider straight to :class:`ApplicationPasswordMiddleware`: no spider attribute
holds it (Scrapy's feed URI parameters read every one). The middleware adds the
``Authorization`` header at download time only, to the REST root's own origin, over https
unless ``allow_insecure_auth``, and takes it off again once the answer (or the error) is in: a
retry or a redirect built from that request, which goes back through the scheduler (and a
``JOBDIR``'s disk queue), never carries it, and a redirect to another host cannot either.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Self
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from crawler import logsafety

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

MAX_SECRET_BYTES = 4096
"""A file or variable holding more than this is not an application password."""

REJECTED = (
    "credentials not accepted: wrong application password, or the host strips the "
    "Authorization header"
)
"""The one line of a crawl whose credentials WordPress refused (401/403 on ``users/me``)."""


class AuthError(ValueError):
    """The credentials cannot be read; the message never holds the secret."""


class Secret:
    """A user name and application password: never pickled, never shown.

    >>> secret = Secret("ann", "abcd EFGH 1234")
    >>> secret, str(secret)
    (Secret(<redacted>), 'Secret(<redacted>)')
    >>> secret.header()
    b'Basic YW5uOmFiY2QgRUZHSCAxMjM0'
    >>> import pickle
    >>> pickle.dumps(secret)
    Traceback (most recent call last):
    ...
    TypeError: the application password is never pickled
    """

    __slots__ = ("_password", "_user")

    def __init__(self, user: str, password: str) -> None:
        self._user, self._password = user, password

    def __repr__(self) -> str:
        return "Secret(<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("the application password is never pickled")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("the application password is never pickled")

    def header(self) -> bytes:
        """The ``Authorization`` header's value (WordPress accepts the display spaces)."""
        return b"Basic " + base64.b64encode(f"{self._user}:{self._password}".encode())

    def redactions(self) -> list[str]:
        """Every form of the secret a log line could hold: the password as given and without
        its spaces, ``user:password``, and the base64 of both pairs.

        >>> Secret("ann", "ab cd").redactions()
        ['ann:ab cd', 'ann:abcd', 'YW5uOmFiIGNk', 'YW5uOmFiY2Q=', 'ab cd', 'abcd']
        """
        bare = re.sub(r"[^A-Za-z0-9]", "", self._password)
        pairs = list(dict.fromkeys([f"{self._user}:{self._password}", f"{self._user}:{bare}"]))
        encoded = [base64.b64encode(pair.encode()).decode() for pair in pairs]
        # Longest first, so a pair is replaced whole before its password alone.
        return list(dict.fromkeys([*pairs, *encoded, self._password, bare]))


def read_secret(source: str, user: str | None, environ: Mapping[str, str] | None = None) -> Secret:
    """The credentials named by ``-a auth=`` (``env:NAME`` or ``file:/path``): their content is
    the application password, or ``user:password``; the user name may also come from ``-a
    user=``. Errors say what is wrong, never what was read.

    >>> read_secret("env:WP", None, {"WP": "ann:abcd efgh"}).header() == Secret("ann", "abcd efgh").header()
    True
    >>> read_secret("env:WP", "ann", {"WP": " abcd efgh\\n"}).header() == Secret("ann", "abcd efgh").header()
    True
    >>> read_secret("env:WP", None, {"WP": "abcd"})
    Traceback (most recent call last):
    ...
    crawler.auth.AuthError: auth=env:WP holds a password but no user name: give -a user=NAME, or put user:password in it
    >>> read_secret("env:MISSING", "ann", {})
    Traceback (most recent call last):
    ...
    crawler.auth.AuthError: auth=env:MISSING: the environment variable MISSING is not set or empty
    >>> read_secret("env:WP", "bob", {"WP": "ann:abcd"})
    Traceback (most recent call last):
    ...
    crawler.auth.AuthError: auth=env:WP names another user than -a user=; give one of them
    """
    kind, _, name = source.partition(":")
    if kind == "env":
        text = (os.environ if environ is None else environ).get(name, "")
        if not text.strip():
            raise AuthError(f"auth={source}: the environment variable {name} is not set or empty")
    elif kind == "file":
        text = _read_file(source, name)
    else:
        raise AuthError("auth= takes env:NAME or file:/path")
    text = text.strip()
    if len(text.encode("utf-8", "replace")) > MAX_SECRET_BYTES or "\n" in text:
        raise AuthError(f"auth={source} holds more than one line: give only the password")
    given_user, colon, password = text.partition(":")
    if not colon:
        given_user, password = "", text
    if given_user and user and given_user != user:
        raise AuthError(f"auth={source} names another user than -a user=; give one of them")
    user = user or given_user
    if not user:
        raise AuthError(
            f"auth={source} holds a password but no user name: give -a user=NAME, "
            "or put user:password in it"
        )
    if not password.strip():
        raise AuthError(f"auth={source} holds no password")
    return Secret(user, password.strip())


def _read_file(source: str, name: str) -> str:
    try:
        with Path(name).open("rb") as handle:
            data = handle.read(MAX_SECRET_BYTES + 1)
    except OSError as exc:
        raise AuthError(f"auth={source}: cannot read the file ({exc.strerror})") from None
    return data.decode("utf-8", "replace")


def may_authorize(url: str, origin: str | None, *, allow_insecure: bool) -> bool:
    """Whether a request to ``url`` may carry the credentials: only to ``origin`` (the REST
    root's ``scheme://host:port``), and only over https unless ``allow_insecure``.

    >>> may_authorize("https://e.com/wp-json/wp/v2/posts", "https://e.com", allow_insecure=False)
    True
    >>> may_authorize("https://cdn.e.com/x", "https://e.com", allow_insecure=False)
    False
    >>> may_authorize("http://e.com/wp-json/", "http://e.com", allow_insecure=False)
    False
    >>> may_authorize("http://e.com:80/wp-json/", "http://e.com", allow_insecure=True)
    False
    >>> may_authorize("https://e.com/", None, allow_insecure=True)
    False
    """
    if not origin:
        return False
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_insecure and parts.scheme == "http"):
        return False
    return f"{parts.scheme}://{parts.netloc}".lower() == origin.lower()


_HANDED: WeakKeyDictionary[object, Secret] = WeakKeyDictionary()
"""Secrets on their way from a crawler's spider to its middleware (taken once)."""


def hand_over(crawler: object, secret: Secret) -> None:
    """Give ``secret`` to ``crawler``'s middleware (built after the spider) and to the log's
    redaction, without any attribute of the spider holding it."""
    logsafety.redact(secret.redactions())
    _HANDED[crawler] = secret


class ApplicationPasswordMiddleware:
    """Adds ``Authorization: Basic …`` to the requests for the REST root's origin, at download
    time, and removes it once the answer is in (see the module's docstring).

    It sits after Scrapy's redirect and retry middlewares on the way out (a higher number), so
    on the way back it removes the header before they copy the request. The origin is the
    spider's ``auth_origin``, set once the REST root is known: discovery runs anonymously.
    """

    def __init__(self, crawler: Crawler, secret: Secret | None) -> None:
        self.crawler = crawler
        self._header = secret.header() if secret is not None else None
        params = getattr(crawler.spider, "params", None)
        self.allow_insecure = bool(getattr(params, "allow_insecure_auth", False))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, _HANDED.pop(crawler, None))

    def process_request(self, request: Request) -> None:
        if self._header is None:
            return
        origin = getattr(self.crawler.spider, "auth_origin", None)
        if may_authorize(request.url, origin, allow_insecure=self.allow_insecure):
            request.headers[b"Authorization"] = self._header
        else:  # nothing else may carry it (a copy made before it was taken off, say)
            self._take_off(request)

    def process_response(self, request: Request, response: Response) -> Response:
        self._take_off(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._take_off(request)

    def _take_off(self, request: Request) -> None:
        if self._header is not None and request.headers.get(b"Authorization") == self._header:
            del request.headers[b"Authorization"]
