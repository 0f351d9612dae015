"""Many sites on many machines: one job = one site = one ``scrapy crawl wordpress`` process.

:mod:`crawler.distributed.jobs` runs a site job (RQ workers and ``crawlsites -j N`` call the
same function); :mod:`crawler.distributed.queue` puts site jobs on an RQ queue and reads what
became of them.
"""
