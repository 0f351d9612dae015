"""Shared pytest configuration: the real WordPress test site is a plugin of fixtures."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.wordpress.fixtures"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that change the shared WordPress site last, so every other test sees the
    site as seeded."""
    items.sort(key=lambda item: item.get_closest_marker("changes_wordpress") is not None)
