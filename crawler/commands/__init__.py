"""Project commands: ``crawl`` is Scrapy's own with an exit code that tells whether it worked."""
