"""Golden posts: each ``golden/<name>.html`` must clean to exactly its expected outputs.

The expected files are the contract; review any change to them by eye. To regenerate
after an intended change, run with ``UPDATE_GOLDEN=1`` and read the diff before
committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.cleaning import clean_content

GOLDEN = Path(__file__).parent / "golden"
BASE_URL = "https://example.com/2024/05/sample-post/"
CASES = sorted(
    p.name.removesuffix(".html") for p in GOLDEN.glob("*.html") if ".expected" not in p.name
)
OUTPUTS = {"html": ".expected.html", "text": ".expected.txt", "markdown": ".expected.md"}


def test_there_are_golden_posts() -> None:
    assert len(CASES) >= 5


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("field", list(OUTPUTS))
def test_golden_output(name: str, field: str) -> None:
    cleaned = clean_content((GOLDEN / f"{name}.html").read_text(encoding="utf-8"), BASE_URL)
    actual = getattr(cleaned, field) + "\n"
    expected_path = GOLDEN / f"{name}{OUTPUTS[field]}"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(actual, encoding="utf-8")
    assert actual == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CASES)
def test_golden_html_is_stable(name: str) -> None:
    """Cleaning the cleaned HTML changes nothing (the output is a fixed point)."""
    once = clean_content((GOLDEN / f"{name}.html").read_text(encoding="utf-8"), BASE_URL)
    twice = clean_content(once.html, BASE_URL)
    assert (twice.html, twice.text, twice.markdown) == (once.html, once.text, once.markdown)
