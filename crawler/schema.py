"""Generate the JSON Schema of every record type from the item classes.

Run ``python -m crawler.schema`` to rewrite ``docs/schema/``; the test suite checks that the
committed files match the code, so the documented contract never drifts from what is exported.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter

from crawler.items import RECORD_CLASSES

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "docs" / "schema"


def record_schema(item_class: type) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one record class."""
    schema = ItemAdapter.get_json_schema(item_class)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": item_class.__name__,
        "description": (item_class.__doc__ or "").strip(),
        **schema,
    }


def render(schema: dict[str, Any]) -> str:
    """The committed text form of a schema: stable key order, UTF-8, trailing newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write one ``<feed>.schema.json`` per record class into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for feed, item_class in RECORD_CLASSES.items():
        path = directory / f"{feed}.schema.json"
        path.write_text(render(record_schema(item_class)), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_schemas(Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_DIR):
        print(path)
