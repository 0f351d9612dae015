"""Scrapy settings of the WordPress crawler.

Defaults are polite and safe for sites we do not control: an honest User-Agent, robots.txt
obeyed, AutoThrottle on, modest concurrency, retries on 429/5xx, capped downloads. Override any
of them per run with ``-s NAME=VALUE``.
"""

from crawler import __version__

BOT_NAME = "wordpress-crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# Identify honestly; add a contact address for the sites you crawl: -s USER_AGENT="... (you@x)"
USER_AGENT = f"wordpress-crawler/{__version__} (+Scrapy; archives public WordPress content)"

# Politeness. robots.txt is obeyed; to ignore it (only with the site owner's consent), run with
# -s ROBOTSTXT_OBEY=False.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
# AutoThrottle (crawler.extensions.throttle.LatencyThrottle): the target concurrency follows
# the server's latency, CONCURRENT_REQUESTS_PER_DOMAIN in flight for pages answered within
# AUTOTHROTTLE_FAST_LATENCY seconds, AUTOTHROTTLE_TARGET_CONCURRENCY (plain AutoThrottle's
# politeness) from AUTOTHROTTLE_SLOW_LATENCY on. The first answer sets the delay to at least
# latency / target, so a short start delay costs a slow site nothing.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.1
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
AUTOTHROTTLE_FAST_LATENCY = 0.5
AUTOTHROTTLE_SLOW_LATENCY = 2.0
# Without REST (a plugin or a firewall blocks it), records come from the sitemaps, the Atom
# feed and one PHP-rendered page each: ~1.4 requests and ~20x the bytes of REST per post. Those
# pages share one download slot, at most 2 in flight (AutoThrottle still follows the latency);
# WORDPRESS_FALLBACK_WINDOW entry pages are planned at a time, and at most
# WORDPRESS_FALLBACK_MAX_URLS entry URLs are read from the sitemaps (past it: incomplete).
DOWNLOAD_SLOTS = {"wordpress-fallback": {"concurrency": 2}}
WORDPRESS_FALLBACK_WINDOW = 16
WORDPRESS_FALLBACK_MAX_URLS = 200_000
# Content pages held (raw, ~2.4 MB each at 100 posts of 10 KB) or in flight at most while the
# linked collections are still listing (or waiting for media fetched by id): content is
# fetched meanwhile, memory stays flat.
WORDPRESS_HOLD_PAGES = 16

# Slow shared hosting: allow long answers, retry transient failures (429 and 5xx included).
DOWNLOAD_TIMEOUT = 60
# Scrapy's default resolver only looks up IPv4 addresses: IPv6 sites and literals need this one.
TWISTED_DNS_RESOLVER = "scrapy.resolver.CachingHostnameResolver"
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# The spider reports a lost page or an unreachable site itself, as one ERROR line.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"

# Safety: a REST page of 100 posts is under 2 MB; nothing legitimate comes near these caps.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

# Bounds against hostile or broken sites (see the README's "Safe by default"): pages requested
# per collection (past it the collection is cut and the crawl incomplete, exit 1), and the HTML
# of one record that is cleaned (larger content is cut to it, with a WARNING: cleaning costs
# about 90 times its input in memory and 2 s of CPU a megabyte).
WORDPRESS_MAX_PAGES = 10_000
WORDPRESS_MAX_CONTENT_BYTES = 2 * 1024 * 1024

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.SiteScopeMiddleware": 50,
    # Hosts other than the user's must resolve to public addresses (after the scope check).
    "crawler.middlewares.AddressPolicyMiddleware": 55,
    # Scrapy's retries, plus Retry-After on 429/503.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
    # Authenticated crawls (-a auth=env:NAME): the Authorization header, added at download time
    # to the REST root's origin only, and taken off before the redirect and retry middlewares
    # (600, 550) copy the request back into the scheduler (and JOBDIR).
    "crawler.auth.ApplicationPasswordMiddleware": 700,
}
# Address policy and no third-party traffic (crawler.netpolicy). The host given by the user may
# be anything, loopback included; any other host the crawl is sent to (an advertised REST root,
# a redirect) must resolve only to public addresses: private, loopback, link-local, multicast,
# reserved and unspecified ranges (IPv4 and IPv6, IPv4-mapped too) are refused unless listed
# here, as hosts or networks: -s WORDPRESS_ALLOWED_ADDRESSES=10.0.0.0/8,wiki.corp
WORDPRESS_ALLOWED_ADDRESSES: list[str] = []
# The function (host, port) -> addresses the policy checks; tests replace it.
WORDPRESS_ADDRESS_RESOLVER = "crawler.netpolicy.resolve"
# The REST API needs no cookies, and Scrapy's cookie handling downloads the public-suffix list
# from the internet the first time a site sets one: off, so the crawl contacts only the site.
COOKIES_ENABLED = False
WORDPRESS_RETRY_AFTER_MAX = 120.0
# WordPress.com: a site hosted there advertises its REST root on this origin (scheme://host),
# whose host is then allowed for that crawl only. Its routes are laid out as
# {origin}/wp/v2/sites/<site>/posts, and its X-WP-Total headers are not trusted (paged to the
# end instead). Tests point it at a fake on 127.0.0.1.
WORDPRESS_COM_API = "https://public-api.wordpress.com"
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
    # AutoThrottle, with a target concurrency that follows the latency (settings above).
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.extensions.throttle.LatencyThrottle": 0,
    # Scrapy's feed exporter and core stats, with their item_scraped receivers behind the one
    # receiver of crawler.extensions.scraped (Scrapy runs a task per receiver per record).
    "scrapy.extensions.feedexport.FeedExporter": None,
    "crawler.extensions.scraped.FeedExporter": 0,
    "scrapy.extensions.corestats.CoreStats": None,
    "crawler.extensions.scraped.CoreStats": 0,
    # Scrapy's feed exports (on by default) write FEEDS; this adds a feed per custom post type
    # once the site's types are known, and tells the spider when every feed is stored.
    "crawler.extensions.typefeeds.CustomTypeFeeds": 0,
    "crawler.extensions.progress.CrawlProgress": 500,
    # Records rebuilt without REST: the closing coverage line and wordpress/fallback/* stats.
    "crawler.extensions.coverage.FallbackCoverage": 500,
    "crawler.extensions.quietlog.QuietExpectedErrors": 0,
    # One outcome rule: any unexpected error or feed not stored fails the crawl (exit 1).
    "crawler.extensions.outcome.CrawlOutcome": 0,
    # Incremental runs: the state follows the feeds, after a clean crawl.
    "crawler.extensions.state.CommitState": 600,
    # Renews the site's lease (STATE_URI=redis://) while the crawl runs; lost: stops it.
    "crawler.extensions.lease.RenewLease": 600,
    # The crawl's result as JSON for a job runner (WORDPRESS_RESULT_FILE), after the commit.
    "crawler.extensions.result.ResultFile": 900,
}

# Records flow: spider (discover, list, join) -> resume (a resumed job skips what its feeds
# hold) -> changes (incremental runs drop unchanged records) -> cleaning -> media files (on
# only with WORDPRESS_DOWNLOAD_MEDIA; after the cleaner, so its batches never wait on a
# download, and after the change pipeline, so unchanged media download nothing) -> feeds.
ITEM_PIPELINES = {
    "crawler.pipelines.resume.ResumePipeline": 100,
    "crawler.pipelines.changes.ChangePipeline": 200,
    "crawler.pipelines.clean.CleanContentPipeline": 300,
    "crawler.pipelines.media_files.MediaFilesPipeline": 400,
}
# Media files (crawler.pipelines.media_files, Scrapy's FilesPipeline): off by default. On, each
# media record's original file is stored in FILES_STORE (a folder, s3://, gs://, ftp://; unset:
# <WORDPRESS_OUTPUT_DIR>/<site>/files) as full/<SHA1 of its URL><extension>, with the named
# generated sizes of WORDPRESS_MEDIA_SIZES (e.g. full,large). Files come from the site's own
# hosts or an uploads host its media records point at (never a private address). Each file is
# capped at WORDPRESS_MEDIA_MAX_FILE_BYTES (0: DOWNLOAD_MAXSIZE), all of them together at
# WORDPRESS_MEDIA_MAX_BYTES (0: no cap). A failed file is counted and logged, not fatal.
WORDPRESS_DOWNLOAD_MEDIA = False
WORDPRESS_MEDIA_SIZES = ""
WORDPRESS_MEDIA_MAX_FILE_BYTES = 0
WORDPRESS_MEDIA_MAX_BYTES = 16 * 1024 * 1024 * 1024
# Cleaning: Markdown on; the raw rendered HTML off (archivists: -s WORDPRESS_KEEP_RAW_HTML=True);
# syndication footers dropped by the cleaner's default patterns (set a list of regexes to change).
WORDPRESS_CONTENT_MARKDOWN = True
WORDPRESS_KEEP_RAW_HTML = False
# Plugin fields no release knows yet: top-level REST fields copied as they are into each record's
# `extra` object, e.g. -s WORDPRESS_EXTRA_FIELDS=price,stock_status (empty: `extra` is null).
WORDPRESS_EXTRA_FIELDS: list[str] = []
# Ask the REST API only for the fields the records read (_fields=): plugins such as Yoast SEO can
# triple what a page weighs. False asks for whole records (a site whose cache mishandles it).
WORDPRESS_REST_FIELDS = True
# Rank Math SEO adds no field to REST records: when the site's REST index lists its head route
# (rankmath/v1/getHead, its "headless support"), each published entry without Yoast's head asks
# for its page's head once (one more request per record) to fill `seo`. False: never asked.
WORDPRESS_RANKMATH_HEAD = True
# Cleaning runs in worker processes, fed in small batches: 0 = one per usable core (auto),
# 1 = in the crawl process itself (no pool), N = N processes.
WORDPRESS_CLEANING_PROCESSES = 0

# Feeds: one JSONL file per record type under WORDPRESS_OUTPUT_DIR/<host>/ (see crawler.feeds).
# Scrapy's own -o/-O or a FEEDS setting replace them.
WORDPRESS_OUTPUT_DIR = "output"
FEED_URI_PARAMS = "crawler.feeds.uri_params"
# Overwritten local feeds replace the previous file only when the new one is complete.
FEED_STORAGES = {
    "": "crawler.feeds.AtomicFileFeedStorage",
    "file": "crawler.feeds.AtomicFileFeedStorage",
    # Scrapy's S3 storage with one client per crawl, not one per feed (~0.2 s each).
    "s3": "crawler.extensions.feedstorage.SharedClientS3FeedStorage",
}
FEED_EXPORT_ENCODING = "utf-8"
# What the site sends (crawler.exporters, crawler.logsafety): JSON lines with U+2028, U+2029 and
# U+0085 escaped (every line one record for every reader) and counts of the dates and URLs the
# records set to null; log lines with the site's control characters and ANSI escapes removed.
FEED_EXPORTERS = {
    "jsonlines": "crawler.exporters.JsonLinesExporter",
    "jsonl": "crawler.exporters.JsonLinesExporter",
}
EXTENSIONS = {**EXTENSIONS, "crawler.logsafety.SafeLog": 0}
# Feeds on s3:// (or any Scrapy feed storage URI): WORDPRESS_OUTPUT_DIR=s3://bucket/prefix/ gives
# s3://bucket/prefix/<site>/[<run>/]<feed>.jsonl[.gz]; %(site)s and %(run)s work in FEEDS too.
# Credentials: boto's own chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY in the environment,
# ~/.aws, an instance role); AWS_ENDPOINT_URL for MinIO and other S3-compatible servers. Each
# crawl uploads through its own FEED_TEMPDIR (removed at the end; those of killed crawls at the
# next start), and checks its s3:// buckets before crawling (crawler.extensions.feedstorage).
EXTENSIONS = {
    **EXTENSIONS,
    "crawler.extensions.feedstorage.FeedTempDir": 0,
    "crawler.extensions.feedstorage.S3FeedCheck": 0,
}

# How often the log reports progress against X-WP-Total, in seconds (0: never).
WORDPRESS_PROGRESS_INTERVAL = 15.0
# Where to write the final stats as JSON (empty: nowhere).
WORDPRESS_STATS_FILE = ""
# Where to write the crawl's result as JSON (site, run, finish reason, failed and why, counts,
# state committed, busy) when it ends: what site jobs (crawler.distributed.jobs) read, since an
# exit code cannot tell a busy site from a failed one (empty: nowhere).
WORDPRESS_RESULT_FILE = ""
# Site jobs (scrapy enqueue, rq workers, crawlsites -j N): a crawl taking longer is killed and
# failed (seconds); each crawl's log goes to <WORDPRESS_JOB_LOG_DIR>/<site>/<run>.log.
WORDPRESS_JOB_TIMEOUT = 6 * 3600
WORDPRESS_JOB_LOG_DIR = "logs"

LOG_LEVEL = "INFO"
# The spider's callbacks return nothing: Scrapy's check for a generator with a return value
# re-reads a callback's source on every response, a few milliseconds each.
WARN_ON_GENERATOR_RETURN_VALUE = False

# Incremental runs (-a incremental=true): one state file per site in STATE_DIR, committed only
# after a clean crawl. Changes are asked for since the last mark minus this overlap (seconds).
STATE_DIR = "state"
# Where the state lives: None = files in STATE_DIR (one machine); redis://host:port/db = the small
# state and a per-site lease in Redis (many machines: every run of a site, incremental or not,
# holds the lease, so two crawls of one site never overlap), the per-record versions as one
# immutable gzipped object per run in STATE_BLOB_URI (a folder, file:// or s3://bucket/prefix;
# unset: <STATE_DIR>/blobs, one machine only). The lease lives STATE_LEASE_TTL seconds and is
# renewed every third of it; a killed run's site is free again after at most that long.
STATE_URI: str | None = None
STATE_BLOB_URI: str | None = None
STATE_LEASE_TTL = 30.0
WORDPRESS_INCREMENTAL_OVERLAP = 3600
# Feeds of each run in their own folder (<dir>/<host>/<run>/): on for incremental runs when
# unset; gzip them (.jsonl.gz) with WORDPRESS_FEED_GZIP.
WORDPRESS_RUN_FOLDERS = None
WORDPRESS_FEED_GZIP = False
# Feed names from site data (issue 10): custom post types' feeds are named by a [a-z0-9-] slug of
# their rest_base (hash-suffixed when changed or taken) and must stay under WORDPRESS_OUTPUT_DIR.
# At most this many custom-type feed files are open at once; the least recently written one is
# closed and reopened for appending when needed (a site with 1,000 types loses nothing).
WORDPRESS_MAX_OPEN_FEEDS = 32
# Scrapy's stats, also written to WORDPRESS_STATS_FILE (JSON) when the crawl closes.
STATS_CLASS = "crawler.extensions.progress.FileStatsCollector"

# One outcome rule (crawler.extensions.outcome): any unexpected exception (callback, pipeline,
# exporter, feed storage), failed feed store or lost record fails the crawl: one ERROR line,
# exit 1, state not committed. Spider and pipeline errors name the callback, page and record.
LOG_FORMATTER = "crawler.extensions.outcome.OutcomeLogFormatter"
