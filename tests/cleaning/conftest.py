"""Run this folder's tests against the compiled cleaner when asked.

With ``CLEANER_UNDER_TEST=compiled`` (as ``tests/test_speedups.py`` runs it), every
``crawler.cleaning`` module is the compiled copy from ``crawler_speedups`` before any test
module imports it: the goldens, the XSS vectors and the property tests then check the code
the crawl runs by default. Without it they test the Python sources, as usual.
"""

from __future__ import annotations

import os

from crawler.speedups import run_compiled_as_python

if os.environ.get("CLEANER_UNDER_TEST") == "compiled":
    run_compiled_as_python()
