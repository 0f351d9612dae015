"""Pytest plugin: the real WordPress test site as fixtures.

Enable it in tests/conftest.py with ``pytest_plugins = ["wpsite.fixtures"]``.

Fixtures
--------
``wordpress_site`` (session)
    A started :class:`wpsite.site.WordPressSite`, seeded once per session (in the background
    from the end of collection, when a selected test needs it) with
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
import threading
from typing import TYPE_CHECKING

import pytest

from .install import SiteUnavailable
from .site import MODES, WordPressSite, site_from_env

if TYPE_CHECKING:
    from collections.abc import Iterator


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"WordPress test site cannot start in CI: {reason}", pytrace=False)
    pytest.skip(f"WordPress test site unavailable (a skip outside CI only; CI fails): {reason}")


class _Start:
    """``WordPressSite.start()`` in a thread: seeding takes a PHP process and the database
    (another core) for a quarter of a minute, while the tests that do not need the site run."""

    def __init__(self) -> None:
        self.site = site_from_env()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="wordpress-site", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.site.start()
        except BaseException as exc:  # noqa: BLE001 - raised again by wait(), in the test thread
            self.error = exc

    def wait(self) -> WordPressSite:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.site


_starting: list[_Start] = []


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the site in the background once the session is known to need it."""
    if session.config.option.collectonly:
        return
    if any("wordpress_site" in getattr(item, "fixturenames", ()) for item in session.items):
        _starting.append(_Start())


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop a site started in the background that no test ended up using."""
    while _starting:
        start = _starting.pop()
        start.thread.join()
        start.site.stop()


@pytest.fixture(scope="session")
def wordpress_site() -> Iterator[WordPressSite]:
    """The running test site (see the module docstring)."""
    start = _starting.pop() if _starting else None
    site = start.site if start else site_from_env()
    try:
        if start:
            start.wait()
        else:
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
