"""The cleaner these tests check is the one asked for (see ``conftest.py``)."""

from __future__ import annotations

import os

import crawler.cleaning.sanitize


def test_the_cleaner_under_test_is_the_one_asked_for() -> None:
    compiled = os.environ.get("CLEANER_UNDER_TEST") == "compiled"
    path = crawler.cleaning.sanitize.__file__ or ""
    assert path.endswith(".so") is compiled, path
