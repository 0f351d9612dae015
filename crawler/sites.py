"""The sites file of scheduled multi-site crawls: one URL a line, ``#`` comments allowed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.params import ArgumentError, site_url

if TYPE_CHECKING:
    from pathlib import Path


def read_sites(path: Path) -> list[str]:
    """The site URLs listed in ``path``, validated, in order, without duplicates.

    Blank lines and ``#`` comments (whole lines or after a URL) are skipped; a line that is not
    a URL is an error naming the file and line, so a typo never silently drops a site.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ArgumentError(f"cannot read the sites file {path}: {exc.strerror}") from None
    return parse_sites(text, str(path))


def parse_sites(text: str, source: str = "sites file") -> list[str]:
    """Parse a sites file's text.

    >>> parse_sites("# news\\nhttps://a.example/  # main\\n\\nb.example\\nhttps://a.example/\\n")
    ['https://a.example/', 'https://b.example/']
    >>> parse_sites("https://a.example/\\nnot a url\\n")
    Traceback (most recent call last):
    ...
    crawler.params.ArgumentError: sites file, line 2: url='not a url' is not an http(s) URL; give the address of any page of the site, e.g. -a url=https://example.com
    """
    sites: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not entry:
            continue
        try:
            url = site_url(entry)
        except ArgumentError as exc:
            raise ArgumentError(f"{source}, line {number}: {exc}") from None
        if url not in sites:
            sites.append(url)
    if not sites:
        raise ArgumentError(f"{source} lists no site; write one URL a line")
    return sites
