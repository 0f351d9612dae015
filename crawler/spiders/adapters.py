"""Scrapy's side of the pure crawl code: responses, download errors and job folders."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)

from crawler.crawl.answer import Answer
from crawler.crawl.discovery import DownloadError

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.http import Response
    from twisted.python.failure import Failure


def answer_of(response: Response) -> Answer:
    """A Scrapy response as the pure code reads it."""
    headers = {
        key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }
    links = tuple(_header_text(value) for value in response.headers.getlist("Link"))
    return Answer(response.status, headers, response.body, response.url, links)


def _header_text(value: bytes) -> str:
    """A header value that may carry a URL: WordPress writes an IDN site's ``Link`` in UTF-8,
    other servers in Latin-1 (HTTP's historical charset); UTF-8 is tried first.

    >>> _header_text("<https://bücher.example/wp-json/>".encode()), _header_text(b"<\\xfc>")
    ('<https://bücher.example/wp-json/>', '<ü>')
    """
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def reset_scheduler(jobdir: Path) -> None:
    """Forget Scrapy's queue and seen requests of a resumed job: after a kill they are not
    reliable, and the crawl is planned again anyway (the feeds say what is already done)."""
    for name in ("requests.queue", "requests.seen"):
        target = jobdir / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


def download_error(url: str, failure: Failure) -> DownloadError:
    """A download failure as the pure code reads it."""
    kind = None
    if isinstance(failure.value, CannotResolveHostError):
        kind = "dns"
    elif isinstance(failure.value, DownloadConnectionRefusedError):
        kind = "refused"
    elif isinstance(failure.value, DownloadTimeoutError):
        kind = "timeout"
    elif _tls_failed(failure.value):
        kind = "tls"
    return DownloadError(url, kind, failure.getErrorMessage())


def _tls_failed(error: BaseException | None) -> bool:
    """Whether a failed download died in the TLS handshake (https to a port that speaks http):
    Scrapy wraps Twisted's ``ResponseNeverReceived``, whose ``reasons`` hold pyOpenSSL's error."""
    for _ in range(8):  # a short chain of causes; a cycle must not loop
        if error is None:
            return False
        reasons = [getattr(reason, "value", None) for reason in getattr(error, "reasons", ())]
        if any(type(value).__module__.startswith("OpenSSL") for value in (error, *reasons)):
            return True
        error = error.__cause__ or error.__context__
    return False
