"""WordPress rules as pure functions: no Scrapy engine here, so they are easy to test and reuse.

The one Scrapy import is in ``sitemaps.py``: Scrapy's sitemap parser and gunzip, plain parsing
helpers with no engine behind them.
"""
