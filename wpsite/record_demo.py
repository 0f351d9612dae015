"""Record the demo site's fixtures (demo/site/*.json) from the real test WordPress.

Re-record (as root on Debian 12, or with the packages installed)::

    python -m wpsite.record_demo [--dir /tmp/wp-crawler-demo] [--out demo/site]

It starts (or reuses, when one is running in --dir) the test site seeded with 160 posts,
reads every collection from the PATHINFO mode's REST API exactly as WordPress returns it
(``per_page=100&orderby=id&order=asc``, all pages concatenated, view context, no _embed),
and writes one JSON file per collection. Every recording origin
(``http://127.0.0.1:PORT``) is replaced by ``http://recorded.invalid``; the demo's fake
server substitutes its own origin when serving. Seeding is deterministic, so a
re-recording differs only where WordPress itself changed (IDs, text and dates stay).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from . import client
from .site import WordPressSite

POSTS = 160
MODE = "pathinfo"
RECORDED_ORIGIN = "http://recorded.invalid"
COLLECTIONS = {
    "posts": "wp/v2/posts",
    "pages": "wp/v2/pages",
    "media": "wp/v2/media",
    "categories": "wp/v2/categories",
    "tags": "wp/v2/tags",
    "users": "wp/v2/users",
    "comments": "wp/v2/comments",
    "events": "wp/v2/events",
    "venues": "wp/v2/venues",
}
OBJECTS = {"index": "", "types": "wp/v2/types", "taxonomies": "wp/v2/taxonomies"}
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "demo" / "site"
DEFAULT_DIR = Path(tempfile.gettempdir()) / "wp-crawler-demo"


def _get(url: str) -> client.Response:
    response = client.get(url)
    if response.status != 200:
        raise RuntimeError(f"GET {url} -> {response.status}: {response.body[:300]!r}")
    return response


def collection(root: str, route: str) -> list[dict[str, Any]]:
    """All pages of a collection, in id order. Pages can be short (media of non-public
    posts are counted but filtered), so the walk follows X-WP-TotalPages, not lengths."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        response = _get(f"{root}{route}?per_page=100&orderby=id&order=asc&page={page}")
        items.extend(response.json())
        if page >= int(response.headers.get("X-WP-TotalPages", "1")):
            return items
        page += 1


def anonymise(text: str, origins: list[str]) -> str:
    """Replace each recording origin (not followed by another port digit)."""
    for origin in origins:
        text = re.sub(re.escape(origin) + r"(?!\d)", RECORDED_ORIGIN, text)
    if "127.0.0.1" in text:
        raise RuntimeError("a 127.0.0.1 address survived anonymisation")
    return text


def record(site: WordPressSite, out: Path) -> dict[str, int]:
    """Write every fixture file; returns the item count per collection."""
    root = site.rest_root(MODE)
    data: dict[str, Any] = {name: _get(root + route).json() for name, route in OBJECTS.items()}
    data |= {name: collection(root, route) for name, route in COLLECTIONS.items()}
    data["site"] = {
        "recorded_from": f"WordPress {site.ground_truth(MODE)['wordpress']}",
        "permalinks": MODE,
        "posts": len(data["posts"]),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, value in data.items():
        text = json.dumps(value, ensure_ascii=False, indent=None)
        (out / f"{name}.json").write_text(anonymise(text, site.origins()) + "\n", encoding="utf-8")
    return {name: len(value) for name, value in data.items() if name in COLLECTIONS}


def main(argv: list[str] | None = None) -> None:
    """Start or reuse the 160-post site, record, and stop what was started here."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="site directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="fixture directory")
    args = parser.parse_args(argv)
    site = WordPressSite(args.dir, posts=POSTS, detach=True)
    site.start()
    try:
        counts = record(site, args.out)
    finally:
        if not site.adopted:
            site.stop()
    print(f"recorded {counts} into {args.out}")


if __name__ == "__main__":
    main()
