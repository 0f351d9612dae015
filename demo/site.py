"""The site data format: a directory of JSON files recorded from (or shaped like) WordPress.

A site directory holds ``index.json`` (the REST index), ``site.json`` (where it came from),
``types.json``/``taxonomies.json`` and one ``<rest_base>.json`` array per collection. Every URL
inside uses :data:`RECORDED_ORIGIN`; :meth:`SiteData.rebased` moves them to a live origin and
REST spelling once, at load time, so serving never rewrites strings.
"""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demo.params import parse_query
from demo.spelling import Spelling, check_spelling, rest_url, split_rest_url

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

RECORDED_ORIGIN = "http://recorded.invalid"
_SPECIAL_FILES = {"index", "site", "types", "taxonomies"}


@dataclass
class SiteData:
    """One WordPress site's REST data; ``collections`` maps a REST base to its objects."""

    index: dict[str, Any]
    meta: dict[str, Any]
    types: dict[str, Any]
    taxonomies: dict[str, Any]
    collections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    origin: str = RECORDED_ORIGIN

    @property
    def spelling(self) -> Spelling:
        """The REST spelling the hrefs in this data use (the recorded site's permalinks)."""
        return check_spelling(self.meta.get("permalinks", "pretty"))

    def rebased(self, origin: str, spelling: Spelling) -> SiteData:
        """A copy whose URLs point at ``origin`` and whose REST hrefs use ``spelling``."""
        convert = _url_converter(self.origin, self.spelling, origin, spelling)
        with paused_gc():
            return replace(
                self,
                index=_walk(self.index, convert),
                types=_walk(self.types, convert),
                taxonomies=_walk(self.taxonomies, convert),
                collections={
                    base: _walk(items, convert) for base, items in self.collections.items()
                },
                meta={**self.meta, "permalinks": spelling},
                origin=origin,
            )


def load_site(
    path: str | Path, origin: str | None = None, spelling: Spelling | None = None
) -> SiteData:
    """Read a site directory; every ``*.json`` other than the four special files is a collection.

    With ``origin`` (and optionally ``spelling``) the data comes back already rebased. When the
    spelling is the recorded one this is a text substitution before parsing, which keeps a
    10,000-post site in memory once instead of twice.
    """
    root = Path(path)
    if not (root / "index.json").is_file():
        raise FileNotFoundError(f"{root} has no index.json: not a site directory")
    meta = (
        json.loads((root / "site.json").read_text("utf-8"))
        if (root / "site.json").is_file()
        else {}
    )
    recorded = check_spelling(meta.get("permalinks", "pretty"))
    target = origin or RECORDED_ORIGIN
    substitute = target != RECORDED_ORIGIN and spelling in (None, recorded)

    def read(file: Path) -> Any:
        text = file.read_text(encoding="utf-8")
        if substitute:  # also the "http:\\/\\/" form, in case files hold raw WordPress output
            text = text.replace(RECORDED_ORIGIN, target).replace(
                RECORDED_ORIGIN.replace("/", "\\/"), target.replace("/", "\\/")
            )
        return json.loads(text)

    def special(name: str) -> Any:
        file = root / f"{name}.json"
        return read(file) if file.is_file() else {}

    with paused_gc():
        collections = {
            file.stem: read(file)
            for file in sorted(root.glob("*.json"))
            if file.stem not in _SPECIAL_FILES
        }
    site = SiteData(
        index=special("index"),
        meta={**meta, "permalinks": recorded},
        types=special("types"),
        taxonomies=special("taxonomies"),
        collections=collections,
        origin=target if substitute else RECORDED_ORIGIN,
    )
    if target != RECORDED_ORIGIN and not substitute:
        site = site.rebased(target, spelling or recorded)
    return site


def write_site(site: SiteData, path: str | Path) -> None:
    """Write ``site`` as a site directory: one object per line, so diffs of recordings stay readable."""
    if site.origin != RECORDED_ORIGIN:
        site = site.rebased(RECORDED_ORIGIN, site.spelling)
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob("*.json"):
        stale.unlink()
    for name, data in (
        ("index", site.index),
        ("site", site.meta),
        ("types", site.types),
        ("taxonomies", site.taxonomies),
    ):
        (root / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    for base, items in site.collections.items():
        lines = ",\n".join(json.dumps(item, separators=(",", ":")) for item in items)
        (root / f"{base}.json").write_text(f"[\n{lines}\n]\n", encoding="utf-8")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic GC while building large acyclic JSON trees (saves about a third)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _url_converter(
    old_origin: str, old_spelling: Spelling, new_origin: str, new_spelling: Spelling
) -> Callable[[str], str]:
    """Map one string: REST URLs are re-spelled, other mentions of the origin just moved."""

    def convert(text: str) -> str:
        if old_origin not in text:
            return text
        if old_spelling != new_spelling:
            parts = split_rest_url(text, old_origin, old_spelling)
            if parts is not None:
                route, query = parts
                return rest_url(new_origin, new_spelling, route, parse_query(query) or None)
        return text.replace(old_origin, new_origin)

    return convert


def _walk(value: Any, convert: Callable[[str], str]) -> Any:
    """Apply ``convert`` to every string value (not key) of a JSON tree."""
    if isinstance(value, str):
        return convert(value)
    if isinstance(value, dict):
        return {key: _walk(item, convert) for key, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, convert) for item in value]
    return value
