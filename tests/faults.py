"""A downloader middleware for tests: a page that fails for good, whatever its size."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from scrapy.http import HtmlResponse


class FailingPages:
    """Answer 500 to the requests whose URL contains ``TEST_FAILING_URL`` and whose page holds
    the record at offset ``TEST_FAILING_OFFSET``, at any ``per_page``: the crawler's smaller
    pages cannot get around it, as with a record that crashes PHP."""

    def __init__(self, marker: str, offset: int) -> None:
        self.marker = marker
        self.offset = offset

    @classmethod
    def from_crawler(cls, crawler: Any) -> FailingPages:
        settings = crawler.settings
        return cls(settings.get("TEST_FAILING_URL", ""), settings.getint("TEST_FAILING_OFFSET", 0))

    def process_request(self, request: Any) -> Any:
        if not self.marker or self.marker not in request.url:
            return None
        query = parse_qs(urlsplit(request.url).query)
        page = int(query.get("page", ["1"])[0])
        per_page = int(query.get("per_page", ["10"])[0])
        if (page - 1) * per_page <= self.offset < page * per_page:
            return HtmlResponse(
                request.url, status=500, body=b"<b>Fatal error</b>", request=request
            )
        return None
