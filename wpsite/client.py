"""Minimal HTTP GET for the test site, standard library only.

Why not plain urllib.request.urlopen: it honours http_proxy from the environment, which
would send loopback requests to a proxy; and it raises on 4xx, while the tests want to
read WordPress' error bodies. Only 127.0.0.1 URLs are accepted.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from email.message import Message

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Response:
    """Status, headers and body of one GET."""

    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def header_values(self, name: str) -> list[str]:
        """Every value of a header that may be repeated (Link)."""
        return self.headers.get_all(name) or []


def get(url: str, *, timeout: float = 60.0, accept: str = "application/json") -> Response:
    """GET a URL on 127.0.0.1 and return the response, whatever its status."""
    host = urllib.parse.urlsplit(url).hostname
    if host != "127.0.0.1":
        raise ValueError(f"the test site is only reached on 127.0.0.1, not {host!r}")
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 - 127.0.0.1 only, above
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, error.headers, error.read())
