"""The HTML side of the fake site: pages that advertise the REST root, robots.txt and RSD.

Discovery is what a crawler starts from, so every page carries WordPress's three signals
(``Link`` header, ``<link rel="https://api.w.org/">`` and the RSD ``WP-API`` entry) unless
the ``no_link_discovery`` fault removes them.
"""

from __future__ import annotations

from html import escape
from typing import Any

HTML_TYPE = "text/html; charset=UTF-8"
WP_VERSION = "6.1.9"


class FrontEnd:
    """Renders the site's front-end responses; pages are built once per discovery setting."""

    def __init__(self, index: dict[str, Any], root: str, origin: str, latest: list[dict[str, Any]]):
        self.root = root
        self.origin = origin
        self.name = str(index.get("name", "WordPress"))
        self.description = str(index.get("description", ""))
        self.latest = latest
        self._pages = {flag: self._render(discovery=flag) for flag in (True, False)}

    def headers(self, discovery: bool) -> list[tuple[str, str]]:
        """Headers WordPress sends on a front-end page."""
        headers = [("Content-Type", HTML_TYPE)]
        if discovery:
            headers.append(("Link", f'<{self.root}>; rel="https://api.w.org/"'))
        return headers

    def page(self, discovery: bool) -> bytes:
        """The home page (also used for every other front-end path)."""
        return self._pages[discovery]

    def robots(self) -> bytes:
        """WordPress's virtual robots.txt: only ``/wp-admin/`` is disallowed.

        The ``Sitemap:`` line is left out because this fake serves no sitemaps.
        """
        return b"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"

    def rsd(self, discovery: bool) -> bytes:
        """``xmlrpc.php?rsd``, whose ``WP-API`` entry is the third discovery signal."""
        api = (
            f'      <api name="WP-API" blogID="1" preferred="false" apiLink="{escape(self.root)}" />\n'
            if discovery
            else ""
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rsd version="1.0" '
            'xmlns="http://archipelago.phrasewise.com/rsd">\n  <service>\n'
            "    <engineName>WordPress</engineName>\n"
            "    <engineLink>https://wordpress.org/</engineLink>\n"
            f"    <homePageLink>{self.origin}</homePageLink>\n    <apis>\n"
            f'      <api name="WordPress" blogID="1" preferred="true" '
            f'apiLink="{self.origin}/xmlrpc.php" />\n'
            f"{api}    </apis>\n  </service>\n</rsd>\n"
        ).encode()

    def _render(self, discovery: bool) -> bytes:
        head_links = (
            f'<link rel="https://api.w.org/" href="{escape(self.root)}" />\n'
            f'<link rel="EditURI" type="application/rsd+xml" title="RSD" '
            f'href="{self.origin}/xmlrpc.php?rsd" />\n'
            if discovery
            else ""
        )
        posts = "\n".join(
            f'<article id="post-{post["id"]}" class="post-{post["id"]} post type-post '
            f'status-publish hentry"><h2 class="entry-title"><a href="{escape(post["link"])}">'
            f"{post['title']['rendered']}</a></h2></article>"
            for post in self.latest
        )
        return (
            '<!doctype html>\n<html lang="en-US">\n<head>\n<meta charset="UTF-8" />\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
            f"<title>{self.name} &#8211; {self.description}</title>\n"
            "<meta name='robots' content='max-image-preview:large' />\n"
            f'<link rel="alternate" type="application/rss+xml" title="{self.name} &raquo; Feed" '
            f'href="{self.origin}/feed/" />\n'
            f"{head_links}"
            f'<meta name="generator" content="WordPress {WP_VERSION}" />\n'
            '</head>\n<body class="home blog wp-embed-responsive">\n'
            f'<div id="page" class="site"><header id="masthead" class="site-header">'
            f'<h1 class="site-title"><a href="{self.origin}/">{self.name}</a></h1>'
            f'<p class="site-description">{self.description}</p></header>\n'
            f'<main id="main" class="site-main">\n{posts}\n</main>\n'
            '<footer class="site-footer"><a href="https://wordpress.org/">'
            "Proudly powered by WordPress</a></footer></div>\n</body>\n</html>\n"
        ).encode()


SERVER_404 = (
    b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
    b"<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
