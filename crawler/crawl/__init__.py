"""The crawl run: every decision of a crawl, in plain Python, with no Scrapy import.

- :mod:`.listings`: which collections a crawl lists, in which phase (the plan);
- :mod:`.discovery`: what an answer means while looking for the REST API;
- :mod:`.outcome`: what one page of a collection means (``classify_page``);
- :mod:`.run`: the run itself, which turns outcomes into records to export and pages to
  request, moves through the phases, and tells whether the state may be committed.

The spider (:mod:`crawler.spiders.wordpress`) only turns these decisions into Scrapy requests
and items; the tests drive them with tables.
"""
