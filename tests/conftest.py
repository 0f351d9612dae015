"""Shared pytest configuration: the real WordPress test site is a plugin of fixtures, and the
in-process crawls share one reactor (``tests.reactor_thread``) for the whole session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests import reactor_thread

if TYPE_CHECKING:
    import pytest

pytest_plugins = ["wpsite.fixtures", "testservers.fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    """Install and run the reactor before any test, so every test sees the same Twisted setup
    (``scrapy.utils.test.get_crawler`` adapts to whether a reactor is installed)."""
    reactor_thread.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    reactor_thread.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that change the shared WordPress site last, so every other test sees the
    site as seeded."""
    items.sort(key=lambda item: item.get_closest_marker("changes_wordpress") is not None)
