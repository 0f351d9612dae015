"""Which cleaner runs: the compiled one when it is built from these very sources, else Python.

``make setup`` compiles :mod:`crawler.cleaning` with mypyc into the separate package
``crawler_speedups`` (``speedups/build.py``). The Python package stays the source of truth
(importable anywhere, no compiler needed, traced by the tests' coverage); the compiled copy
runs the same code about a third faster (``bench/bench_clean.py``). It records the digest of
the sources it was built from, so a checkout edited since then falls back to Python instead
of running stale code. No Scrapy here: the build script uses the digest too.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "COMPILED_PACKAGE",
    "Cleaner",
    "choose_cleaner",
    "run_compiled_as_python",
    "source_digest",
]

COMPILED_PACKAGE = "crawler_speedups"
SOURCES = Path(__file__).resolve().parent / "cleaning"


def source_digest(folder: Path = SOURCES) -> str:
    """SHA-256 of the cleaner's ``*.py`` files, names and bytes, in name order.

    >>> len(source_digest()), source_digest() == source_digest()
    (64, True)
    """
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class Cleaner(NamedTuple):
    """The cleaning package in use (its ``batch`` module) and why it was chosen."""

    batch: ModuleType
    compiled: bool
    reason: str  # one line for the log
    stale: bool = False  # built, but from other sources: worth a warning


def choose_cleaner(want_compiled: bool = True) -> Cleaner:
    """The compiled cleaner if wanted, built and built from these sources; else Python.

    >>> choose_cleaner(want_compiled=False).batch.__name__
    'crawler.cleaning.batch'
    """
    python = importlib.import_module("crawler.cleaning.batch")
    if not want_compiled:
        return Cleaner(python, False, "the Python cleaner (the compiled one is switched off)")
    try:
        package = importlib.import_module(COMPILED_PACKAGE)
        batch = importlib.import_module(f"{COMPILED_PACKAGE}.cleaning.batch")
    except ImportError:
        return Cleaner(
            python, False, "the Python cleaner (the compiled one is not built: `make setup`)"
        )
    if getattr(package, "SOURCE_DIGEST", None) != source_digest():
        return Cleaner(
            python,
            False,
            "the Python cleaner: the compiled one was built from other sources "
            "(run `make setup` to rebuild it)",
            stale=True,
        )
    return Cleaner(batch, True, "the compiled cleaner")


def run_compiled_as_python() -> None:
    """Make every ``crawler.cleaning`` module the compiled copy, for code imported after this.

    For the tests and the benchmarks, which import ``crawler.cleaning``: they then check and
    time the code the crawl runs. Raises ImportError when the compiled cleaner is not built.
    """
    package = importlib.import_module(f"{COMPILED_PACKAGE}.cleaning")
    for path in SOURCES.glob("*.py"):
        if path.stem != "__init__":
            module = importlib.import_module(f"{COMPILED_PACKAGE}.cleaning.{path.stem}")
            sys.modules[f"crawler.cleaning.{path.stem}"] = module
    sys.modules["crawler.cleaning"] = package
    crawler = importlib.import_module("crawler")
    crawler.cleaning = package  # type: ignore[attr-defined]
