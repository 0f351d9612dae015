"""One HTTP answer as the pure code of the crawl sees it: no Scrapy response, just the facts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.wordpress.errors import Problem, diagnose
from crawler.wordpress.jsonbody import NotJsonError, parse_json

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, as the pure code needs it (headers lower-cased, values joined)."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    link_headers: tuple[str, ...] = ()
    """Every ``Link`` header value, one per header line."""

    @property
    def is_html(self) -> bool:
        return "html" in self.headers.get("content-type", "").lower()

    def json(self) -> Any:
        """The JSON body of a 2xx answer, tolerating what broken sites add; else ``None``."""
        if not 200 <= self.status < 300:
            return None
        try:
            return parse_json(self.body)
        except NotJsonError:
            return None

    def problem(self) -> Problem:
        """What is wrong with this answer, as one line."""
        return diagnose(self.status, self.headers, self.body, self.url)
