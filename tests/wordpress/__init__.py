"""A real WordPress 6.1 (Debian 12 packages) for the test suite, on 127.0.0.1 only.

- ``site.WordPressSite``: start/stop the site, URLs per permalink mode, ground truth, PHP.
- ``fixtures``: the pytest plugin (``wordpress_site``, ``wordpress_urls``, ``wp_mode``).
- ``python -m tests.wordpress start|stop|status``: the same site by hand (``make wordpress``).
- ``record_demo``: re-records ``demo/site/*.json`` from it.

Nothing in the crawler imports this package; it needs root (to install packages) or the
packages already installed: see ``install.py``.
"""

from .install import SiteUnavailable
from .site import MODES, WordPressSite

__all__ = ["MODES", "SiteUnavailable", "WordPressSite"]
