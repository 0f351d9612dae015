"""The sites file of scheduled multi-site crawls: one URL a line, ``#`` comments allowed."""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

from crawler.params import ArgumentError, scheme_guessed, site_url

if TYPE_CHECKING:
    from pathlib import Path


def read_sites(path: Path) -> list[str]:
    """The site URLs listed in ``path``, validated, in order, without duplicates.

    Blank lines and ``#`` comments (whole lines or after a URL) are skipped; a line that is not
    a URL is an error naming the file and line, so a typo never silently drops a site.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArgumentError(f"cannot read the sites file {path}: {exc.strerror}") from None
    return parse_sites(decode_sites(data, str(path)), str(path))


def decode_sites(data: bytes, source: str = "sites file") -> str:
    """The text of a sites file: UTF-8 (with or without a BOM) or UTF-16 with its BOM.

    Anything else is one error naming the file and line, never a guess: a Latin-1 host name
    decoded wrongly would silently crawl another host.

    >>> decode_sites("\\ufeffhttps://bücher.example/\\n".encode("utf-8"))
    'https://bücher.example/\\n'
    >>> decode_sites("a.example\\nb.example\\n".encode("utf-16"))
    'a.example\\nb.example\\n'
    >>> decode_sites("a.example\\nhttps://bücher.example/\\n".encode("latin-1"))
    Traceback (most recent call last):
    ...
    crawler.params.ArgumentError: sites file, line 2: byte 0xfc at column 10 is not UTF-8; save the file as UTF-8 (or UTF-16 with a BOM)
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-16":
            raise ArgumentError(
                f"{source}: not valid UTF-16 text despite its byte-order mark; save it as UTF-8"
            ) from None
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode(encoding, "replace")) + 1
        raise ArgumentError(
            f"{source}, line {line}: byte 0x{data[exc.start]:02x} at column {column} is not "
            "UTF-8; save the file as UTF-8 (or UTF-16 with a BOM)"
        ) from None


def parse_sites(text: str, source: str = "sites file") -> list[str]:
    """Parse a sites file's text. A host written without a scheme stays so: its crawl tries
    https, then http (see :func:`crawler.params.scheme_guessed`).

    >>> parse_sites("# news\\nhttps://a.example/  # main\\n\\nb.example\\nhttps://a.example/\\n")
    ['https://a.example/', 'b.example']
    >>> parse_sites("https://a.example/\\nnot a url\\n")
    Traceback (most recent call last):
    ...
    crawler.params.ArgumentError: sites file, line 2: url='not a url' is not an http(s) URL; give the address of any page of the site, e.g. -a url=https://example.com
    """
    sites: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not entry:
            continue
        try:
            url = site_url(entry)
        except ArgumentError as exc:
            raise ArgumentError(f"{source}, line {number}: {exc}") from None
        sites.setdefault(url, entry if scheme_guessed(entry) else url)
    if not sites:
        raise ArgumentError(f"{source} lists no site; write one URL a line")
    return list(sites.values())
