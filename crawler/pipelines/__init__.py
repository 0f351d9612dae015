"""Item pipelines: thin Scrapy glue around the pure functions of ``crawler.cleaning``."""
