"""WordPress REST rules as pure functions: no Scrapy import here, so they are easy to test and reuse."""
