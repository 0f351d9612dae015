"""Pytest plugin: the real WordPress test site as fixtures.

Enable it in tests/conftest.py with ``pytest_plugins = ["wpsite.fixtures"]``.

Fixtures
--------
``wordpress_site`` (session)
    A started :class:`wpsite.site.WordPressSite`, seeded once per session with
    ``WP_TEST_POSTS`` published posts (default 300) and stopped at the end. Use
    ``.url(mode)``, ``.rest_root(mode)``, ``.ground_truth(mode)``, ``.php(code)``.
``wordpress_urls`` (session)
    ``{"plain": "http://127.0.0.1:P1/", "pathinfo": ..., "pretty": ...}``.
``wp_mode`` (function, parametrized)
    Each of "plain", "pathinfo", "pretty" in turn: a test taking it runs once per mode.

Every test that uses ``wordpress_site`` (directly or through the fixtures above) gets
the ``wordpress`` marker, so ``pytest -m "not wordpress"`` leaves them out.

When the site cannot start (not root and packages missing, no apt-get, a daemon that
does not come up), the fixture skips with the exact reason — except in CI
(``CI=true``), where it fails: CI must never silently skip the real-server tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .install import SiteUnavailable
from .site import MODES, WordPressSite, site_from_env


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"WordPress test site cannot start in CI: {reason}", pytrace=False)
    pytest.skip(f"WordPress test site unavailable (a skip outside CI only; CI fails): {reason}")


@pytest.fixture(scope="session")
def wordpress_site() -> Iterator[WordPressSite]:
    """The running test site (see the module docstring)."""
    site = site_from_env()
    try:
        site.start()
    except SiteUnavailable as exc:
        site.stop()
        _unavailable(str(exc))
    except BaseException:
        site.stop()
        raise
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture(scope="session")
def wordpress_urls(wordpress_site: WordPressSite) -> dict[str, str]:
    """Home URL of each permalink mode."""
    return {mode: wordpress_site.url(mode) for mode in MODES}


@pytest.fixture(params=MODES)
def wp_mode(request: pytest.FixtureRequest) -> str:
    """Runs the test once per permalink mode."""
    return str(request.param)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the site with `wordpress`."""
    for item in items:
        if "wordpress_site" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.wordpress)
