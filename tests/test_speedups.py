"""The compiled cleaner: built from these sources, used by the crawl, and equal to the Python one.

``make setup`` builds it (``speedups/build.py``). Outside CI a missing build skips these
tests with the reason; in CI (``CI=true``) it fails them: the crawl's default cleaner must be
the one under test.
"""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.utils.test import get_crawler

import crawler.speedups
from crawler.cleaning import CleanOptions, clean_content, clean_excerpt
from crawler.pipelines.clean import CleanContentPipeline
from crawler.speedups import COMPILED_PACKAGE, choose_cleaner
from demo.fake_wordpress import FakeWordPressServer
from demo.site import load_site
from tests.crawl import PROJECT_DIR, crawl

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType

SITE_DIR = PROJECT_DIR / "demo" / "site"
GOLDEN_DIR = PROJECT_DIR / "tests" / "cleaning" / "golden"
XSS_VECTORS = PROJECT_DIR / "tests" / "cleaning" / "xss_vectors.txt"


@pytest.fixture(scope="module")
def compiled() -> ModuleType:
    """The compiled ``content`` module; fails in CI, skips elsewhere, when it is not built."""
    cleaner = choose_cleaner()
    if not cleaner.compiled:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test the compiled cleaner, but: {cleaner.reason}", pytrace=False)
        pytest.skip(f"a skip outside CI only: {cleaner.reason}")
    return importlib.import_module(f"{COMPILED_PACKAGE}.cleaning.content")


def site_bodies() -> list[tuple[str, str | None, str | None]]:
    """(content, link, excerpt) of every post, page, event and comment of the demo site."""
    site = load_site(SITE_DIR, "http://127.0.0.1:8000", "pathinfo")
    bodies = []
    for collection in ("posts", "pages", "events", "comments"):
        for record in site.collections[collection]:
            excerpt = (record.get("excerpt") or {}).get("rendered")
            bodies.append((record["content"]["rendered"], record.get("link"), excerpt))
    return bodies


def hostile_bodies() -> list[str]:
    """The golden inputs and every XSS vector of the cleaner's own tests."""
    bodies = [path.read_text() for path in sorted(GOLDEN_DIR.glob("*.html"))
              if ".expected." not in path.name]  # fmt: skip
    vectors = XSS_VECTORS.read_text().split("\n")
    return bodies + [v for v in vectors if v.strip() and not v.startswith("#")]


def test_every_module_of_the_copy_is_compiled(compiled: ModuleType) -> None:
    sources = sorted(p.stem for p in crawler.speedups.SOURCES.glob("*.py"))
    for name in sources:
        module = importlib.import_module(f"{COMPILED_PACKAGE}.cleaning.{name}")
        if name == "protocols":  # read by the type checker only
            continue
        assert (module.__file__ or "").endswith(".so"), name


def test_the_compiled_cleaner_cleans_as_the_python_one(compiled: ModuleType) -> None:
    """Byte for byte, over the demo site's bodies, the goldens and the XSS vectors."""
    options = CleanOptions()
    fast_options = compiled.CleanOptions()
    inputs = [(html, link, excerpt) for html, link, excerpt in site_bodies()]
    inputs += [(html, "https://example.org/post/", None) for html in hostile_bodies()]
    assert len(inputs) > 500
    for html, link, excerpt in inputs:
        mine = compiled.clean_content(html, link, fast_options)
        python = clean_content(html, link, options)
        for field in ("html", "text", "markdown", "word_count", "links", "images"):
            assert getattr(mine, field) == getattr(python, field), (field, html[:200])
        if excerpt is not None:
            assert compiled.clean_excerpt(excerpt) == clean_excerpt(excerpt)


def test_the_cleaning_tests_pass_against_the_compiled_copy(compiled: ModuleType) -> None:
    """The goldens, XSS and property tests of ``tests/cleaning``, run on the compiled copy."""
    env = {**os.environ, "CLEANER_UNDER_TEST": "compiled"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/cleaning", "-q", "-rA", "-p", "no:cacheprovider",
         "--no-cov"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
    assert " failed" not in done.stdout
    # The tests really ran on the compiled copy (they check it themselves).
    under_test = "test_under_test.py::test_the_cleaner_under_test_is_the_one_asked_for"
    assert f"PASSED tests/cleaning/{under_test}" in done.stdout


def test_a_crawl_cleans_with_the_compiled_copy(compiled: ModuleType, tmp_path: Path) -> None:
    """Its records equal what the Python cleaner makes of what the site served."""
    with FakeWordPressServer(SITE_DIR, spelling="pathinfo") as wp:
        result = crawl(wp.home_url, tmp_path, settings={"WORDPRESS_CLEANING_PROCESSES": 2},
                       timeout=180)  # fmt: skip
        origin = wp.origin
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["wordpress/cleaner"] == "compiled"
    assert "Cleaning with the compiled cleaner" in result.log
    site = load_site(SITE_DIR, origin, "pathinfo")
    served = {r["id"]: r for r in site.collections["posts"] if r["status"] == "publish"}
    records = result.feed("posts")
    assert {r["id"] for r in records} == set(served)
    for record in records:
        expected = clean_content(served[record["id"]]["content"]["rendered"], record["link"])
        assert record["content_html"] == expected.html
        assert record["content_markdown"] == expected.markdown


def pipeline_log(caplog: pytest.LogCaptureFixture, **settings: Any) -> tuple[str, str]:
    """The cleaner a pipeline chose (its stat) and the line it logged about it."""
    crawler = get_crawler(settings_dict=settings)
    assert crawler.stats is not None
    crawler.stats.open_spider()
    pipeline = CleanContentPipeline(crawler)
    with caplog.at_level(logging.INFO, logger="crawler.pipelines.clean"):
        pipeline.open_spider()
    record = caplog.records[-1]
    return crawler.stats.get_value("wordpress/cleaner"), f"{record.levelname} {record.message}"


def test_a_stale_build_is_not_used(
    compiled: ModuleType, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Sources edited since the build: the crawl cleans in Python and says how to rebuild."""
    monkeypatch.setattr(crawler.speedups, "source_digest", lambda folder=None: "edited")
    cleaner = choose_cleaner()
    assert not cleaner.compiled
    assert cleaner.stale
    assert cleaner.batch.__name__ == "crawler.cleaning.batch"
    stat, line = pipeline_log(caplog)
    assert stat == "python"
    assert line.startswith("WARNING Cleaning with the Python cleaner")
    assert "make setup" in line


def test_the_compiled_cleaner_can_be_switched_off(caplog: pytest.LogCaptureFixture) -> None:
    stat, line = pipeline_log(caplog, WORDPRESS_COMPILED_CLEANER=False)
    assert stat == "python"
    assert line == "INFO Cleaning with the Python cleaner (the compiled one is switched off)"


def test_without_a_build_the_crawl_cleans_in_python(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """As after ``pip install`` without ``make setup``: one INFO line, not an error."""
    real_import = importlib.import_module

    def no_speedups(name: str, package: str | None = None) -> ModuleType:
        if name.startswith(COMPILED_PACKAGE):
            raise ImportError(name)
        return real_import(name, package)

    monkeypatch.setattr(crawler.speedups.importlib, "import_module", no_speedups)
    stat, line = pipeline_log(caplog)
    assert stat == "python"
    assert line == (
        "INFO Cleaning with the Python cleaner (the compiled one is not built: `make setup`)"
    )
