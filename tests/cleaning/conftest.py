"""Run this folder's tests against the compiled cleaner when asked.

With ``CLEANER_UNDER_TEST=compiled`` (as ``tests/test_speedups.py`` runs it), every
``crawler.cleaning`` module is the compiled copy from ``crawler_speedups`` before any test
module imports it: the goldens, the XSS vectors and the property tests then check the code
the crawl runs by default. Without it they test the Python sources, as usual.
"""

from __future__ import annotations

import importlib
import os
import sys

import crawler
from crawler.speedups import COMPILED_PACKAGE, SOURCES

if os.environ.get("CLEANER_UNDER_TEST") == "compiled":
    compiled = importlib.import_module(f"{COMPILED_PACKAGE}.cleaning")
    for path in SOURCES.glob("*.py"):
        name = path.stem
        if name == "__init__":
            continue
        module = importlib.import_module(f"{COMPILED_PACKAGE}.cleaning.{name}")
        sys.modules[f"crawler.cleaning.{name}"] = module
    sys.modules["crawler.cleaning"] = compiled
    crawler.cleaning = compiled  # type: ignore[attr-defined]
