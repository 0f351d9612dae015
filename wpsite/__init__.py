"""A real WordPress 6.1 (Debian 12 packages) on 127.0.0.1 only: the site the test suite crawls
(``tests/conftest.py`` loads ``wpsite.fixtures``), ``make wordpress`` starts by hand and
``bench/bench_crawl.py --wordpress`` measures. Not part of the installed ``crawler`` package.

- ``site.WordPressSite``: start/stop the site, URLs per permalink mode, ground truth, PHP.
- ``fixtures``: the pytest plugin (``wordpress_site``, ``wordpress_urls``, ``wp_mode``).
- ``python -m wpsite start|stop|status``: the same site by hand (``make wordpress``).
- ``record_demo``: re-records ``demo/site/*.json`` from it.

Nothing in the crawler imports this package; it needs root (to install packages) or the
packages already installed: see ``install.py``.
"""

from .install import SiteUnavailable
from .site import MODES, WordPressSite

__all__ = ["MODES", "SiteUnavailable", "WordPressSite"]
