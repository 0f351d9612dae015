"""The feed contract: committed schema and README field tables match the item classes."""

import pytest

from crawler.items import RECORD_CLASSES
from crawler.schema import (
    README,
    SCHEMA_CLASSES,
    SCHEMA_DIR,
    readme_with_fields,
    record_schema,
    render,
)


@pytest.fixture(scope="module")
def schemas():
    """Each feed's schema, built once: building reads the item classes' source for their field
    docstrings, a quarter of a second per class."""
    return {feed: record_schema(item_class) for feed, item_class in SCHEMA_CLASSES.items()}


def test_committed_schemas_match_the_item_classes(schemas):
    for feed, schema in schemas.items():
        committed = (SCHEMA_DIR / f"{feed}.schema.json").read_text(encoding="utf-8")
        assert committed == render(schema), (
            f"docs/schema/{feed}.schema.json is stale: run `python -m crawler.schema`"
        )


def test_readme_documents_every_field(schemas):
    readme = README.read_text(encoding="utf-8")
    assert readme == readme_with_fields(readme), (
        "README field tables are stale: run `python -m crawler.schema`"
    )
    for schema in schemas.values():
        for name in schema["properties"]:
            assert f"| `{name}` |" in readme


def test_schema_forbids_unknown_fields_and_requires_identity():
    schema = record_schema(RECORD_CLASSES["posts"])
    assert schema["additionalProperties"] is False
    assert {"site", "id"} <= set(schema["required"])
