"""The ``wordpress`` spider: Scrapy glue around the pure crawl run of :mod:`crawler.crawl`.

Flow, one way: the page given → its advertised REST root (or probes) → the REST index →
``/types`` and ``/taxonomies`` → phase 1, the linked collections (users, terms, media,
comments), at a higher request priority → phase 2, the content collections, started once every
linked collection answered its first page, each record joined once the tables are complete → (incremental
runs) phase 3, tombstones and fetches by id → items to the pipelines (resume, changes, cleaning)
and the feeds → the state, committed by :class:`crawler.extensions.state.CommitState` once the
feeds are stored. Every decision is made by :mod:`crawler.crawl`; this module turns Scrapy
responses into :class:`~crawler.crawl.answer.Answer`, and the decisions into requests, items
and, for every failure, one log line that says what happened and what to do.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.utils.defer import deferred_from_coro

from crawler import signals as wordpress_signals
from crawler.auth import REJECTED, AuthError, hand_over, read_secret
from crawler.crawl import discovery
from crawler.crawl.classify import SiteKind, classify
from crawler.crawl.fallback import MAX_URLS, WINDOW, FallbackRun, Fetch, Want, home_of, home_page
from crawler.crawl.fallback import Step as FallbackStep
from crawler.crawl.fallback_changes import PageChanges
from crawler.crawl.outcome import PageOutcome, Stop, classify_page, read_catalog
from crawler.crawl.run import HOLD_PAGES, CrawlRun, Step
from crawler.extensions.coverage import url_failed
from crawler.feeds import FeedLayout, use_default_feeds
from crawler.items import EntryRecord, Ref
from crawler.params import ArgumentError, CrawlParams
from crawler.spiders.adapters import answer_of, download_error, reset_scheduler
from crawler.state.backends import RunAlreadyCommitted, SiteBusyError, SiteRun, open_backend
from crawler.state.changes import RunChanges
from crawler.state.resume import Job, JobError, new_run_id, start_job
from crawler.state.store import StateError
from crawler.wordpress.discovery import site_info
from crawler.wordpress.errors import Problem
from crawler.wordpress.pagination import MAX_PAGES, PageRef
from crawler.wordpress.rankmath import GETHEAD_ROUTE, advertises_head, head_of, head_seo
from crawler.wordpress.routes import request_host
from crawler.wordpress.wpcom import DEFAULT_API, WpcomRoot, api_root

if TYPE_CHECKING:
    from crawler.crawl.answer import Answer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

FALLBACK_SLOT = "wordpress-fallback"
"""The download slot of the pages read without REST (``DOWNLOAD_SLOTS`` sets its politeness)."""
HEAD_PRIORITY = 20
"""Request priority of Rank Math heads: a record waits for its head, so heads go first."""
HTML_HEADERS = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON_HEADERS = {"Accept": "application/json"}
"""WordPress 5.0+ turns PHP's error display off for JSON requests, so notices stay out of bodies."""

API_STATUSES = [400, 401, 403, 404, 405, 410, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524]
"""Statuses whose bodies the crawl reads itself (WordPress error JSON, block pages). Redirects
are not listed: RedirectMiddleware must keep following them. 429 and 5xx arrive here only after
RetryMiddleware has given up on them."""


class WordPressSpider(Spider):
    """Crawl a WordPress site's content and everything it links to, through its REST API.

    Arguments (validated by :class:`crawler.params.CrawlParams`): ``-a url=`` any page of the
    site or its REST root; ``-a types=posts,pages`` only those post types; ``-a
    incremental=true`` only what changed since the last clean run; ``-a auth=env:NAME`` (or
    ``file:/path``) with ``-a user=`` an application password: drafts, pending, private and
    scheduled records, protected bodies (see :mod:`crawler.auth`).
    """

    name = "wordpress"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args)
        self.argument_error: str | None = None
        try:
            self.params: CrawlParams | None = CrawlParams.from_arguments(**kwargs)
        except ArgumentError as exc:
            self.params, self.argument_error = None, str(exc)
        self.url = self.params.url if self.params else ""
        self.run_id = self.params.run if self.params and self.params.run else new_run_id()
        self.allowed_hosts: set[str] = {request_host(self.url)} if self.url else set()
        """Hosts the crawl may request (see :class:`crawler.middlewares.SiteScopeMiddleware`)."""
        self.run: CrawlRun | None = None
        """The crawl run, once the REST index is known."""
        self.changes: RunChanges | None = None
        """Incremental runs: the previous state and this run's change bookkeeping."""
        self.job: Job | None = None
        """A job (``JOBDIR``): its identity across restarts."""
        self.site_run: SiteRun | None = None
        """Incremental runs, and every run with a shared ``STATE_URI`` (Redis): the site held
        (lock or lease) for the whole run, and its fenced commit."""
        self.already_committed: str | None = None
        """This run id is already committed for the site: the crawl ends at once, clean."""
        self.setup_failure = "bad_argument"
        """The close reason of a crawl refused before its first request (``site_busy``: another
        run holds the site; a job queue retries those later)."""
        self.stop_reason: str | None = None
        self.fallback: FallbackRun | None = None
        """The crawl without REST (sitemaps, feed, pages), when the API is blocked."""
        self.rest_problem = ""
        """Why REST could not be used, as discovery said it (kept for the fallback's stops)."""
        self.rest_blocked_reason = ""
        """What :func:`classify` saw that says REST is blocked, for the log line."""
        self.rest_records = 0
        """Records the REST run exported: none, and a block of its routes falls back."""
        self.discovery_answers: dict[str, Answer] = {}
        """The home page and the REST candidates' answers, for :func:`classify` (a few)."""
        self.auth_origin: str | None = None
        """Authenticated crawls: the REST root's ``scheme://host:port``, the only origin the
        credentials are sent to (see :class:`crawler.auth.ApplicationPasswordMiddleware`)."""
        self.auth_pending: tuple[Any, Any] | None = None
        """Authenticated crawls: the site and root found, while the credentials are checked."""
        self.rankmath_root: Any = None
        """The REST root, when the site's index lists Rank Math's head route and
        ``WORDPRESS_RANKMATH_HEAD`` is on: entries without Yoast's head ask it for theirs."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WordPressSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.setup(crawler)
        return spider

    def setup(self, crawler: Crawler) -> None:
        """Feeds, the previous state of an incremental run (under the site's lock, taken before
        any request and released when the engine stops), and the job of a resumable one."""
        incremental = bool(self.params and self.params.incremental)
        # Spider priority: a user's -o/-O (command-line priority) or FEEDS setting wins.
        use_default_feeds(
            crawler.settings, FeedLayout.from_settings(crawler.settings, incremental=incremental)
        )
        if self.params is None:
            return
        if self.params.auth is not None:
            try:  # the secret goes to the middleware; no attribute of the spider holds it
                hand_over(crawler, read_secret(self.params.auth, self.params.user))
            except AuthError as exc:
                self.params, self.argument_error = None, str(exc)
                return
        try:
            jobdir = crawler.settings.get("JOBDIR")
            if jobdir:  # first: the job's run id wins on a restart, for the lease and commit
                self.job = start_job(jobdir, self.run_id, self.url)
                self.run_id = self.job.run_id  # the same run folder on every start of the job
                if self.job.resuming:
                    reset_scheduler(Path(jobdir))
            backend = open_backend(crawler.settings.get("STATE_URI"), crawler.settings)
            if incremental or backend.shared:  # shared: never two crawls of one site at once
                self.site_run = backend.begin(self.url, self.run_id, incremental=incremental)
                if incremental:
                    self.changes = RunChanges(self.site_run.previous)
        except RunAlreadyCommitted as exc:
            self.already_committed = str(exc)
        except (StateError, JobError, OSError) as exc:
            message = str(exc) if isinstance(exc, ValueError) else f"cannot use the state ({exc})"
            self.params, self.argument_error = None, message
            if isinstance(exc, SiteBusyError):
                self.setup_failure = "site_busy"
            self.changes = None
            if self.site_run is not None:
                self.site_run.release()
                self.site_run = None

    async def start(self) -> AsyncIterator[Request]:
        if self.params is None:
            self.fail(self.setup_failure, str(self.argument_error))
            return
        if self.already_committed:
            self.crawler.stats.set_value("wordpress/already_committed", True)
            self.logger.info("Nothing to do: %s", self.already_committed)
            return
        self.logger.info("Looking for the WordPress REST API of %s", self.url)
        yield self._request(self.url, self.parse_entry, self.on_discovery_error, entry=True)

    # Discovery ---------------------------------------------------------------------------

    def parse_entry(self, response: Response) -> Iterator[Any]:
        """The page the user gave: a REST root itself, or a page that advertises one."""
        answer = answer_of(response)
        self.discovery_answers["home"] = answer
        if self.params is not None and self.params.source == "html":
            self.logger.info(
                "Crawling %s from its sitemaps, feed and pages (-a source=html)", self.url
            )
            yield from self._start_fallback(answer)
            return
        yield from self._discover(discovery.after_entry(answer, self.url))

    def parse_candidate(self, response: Response, probe: discovery.Probe) -> Iterator[Any]:
        """A candidate REST root: the index, a block, or nothing (then the next candidate)."""
        answer = answer_of(response)
        if len(self.discovery_answers) < 8:
            self.discovery_answers[probe.url] = answer
        yield from self._discover(discovery.after_candidate(answer, probe, self.url))

    def on_discovery_error(self, failure: Failure) -> Iterator[Request]:
        """The site, or a candidate root, could not be fetched at all."""
        request = failure.request  # type: ignore[attr-defined]
        error = download_error(request.url, failure)
        probe = request.cb_kwargs.get("probe")
        if probe is None:
            guessed = bool(self.params and self.params.scheme_guessed)
            yield from self._discover(discovery.unreachable(error, scheme_guessed=guessed))
        else:
            yield from self._discover(discovery.after_candidate_error(probe, error, self.url))

    def _discover(self, step: discovery.Next) -> Iterator[Any]:
        if isinstance(step, Stop):
            if self._blocked_rest(step):
                yield from self._start_fallback(self.discovery_answers.get("home"))
            else:
                self.fail(step.reason, step.message)
        elif isinstance(step, discovery.Found):
            yield from self.on_index(step.index, step.url)
        elif isinstance(step, discovery.Retry):
            self.logger.warning("%s", step.message)
            self.url = step.url  # the same host and port: the scope and the feeds stay
            yield self._request(self.url, self.parse_entry, self.on_discovery_error, entry=True)
        else:
            if step.advertised:
                self.logger.info("The site advertises its REST API at %s", step.url)
            elif not step.tried:
                self.logger.info("No REST API link on %s; probing the usual places", self.url)
            self.allowed_hosts.add(request_host(step.url))
            yield self._request(step.url, self.parse_candidate, self.on_discovery_error, probe=step)

    def on_index(self, index: dict[str, Any], url: str) -> Iterator[Any]:
        """The REST index: learn the site, then ask which post types and taxonomies it has.

        A root on the ``WORDPRESS_COM_API`` origin is a WordPress.com site's: its routes are laid
        out there, and its paging headers are not trusted."""
        settings = self.crawler.settings
        root = api_root(url, wpcom_api=settings.get("WORDPRESS_COM_API") or DEFAULT_API)
        self.allowed_hosts.add(root.host.lower())
        site = site_info(index, urlsplit(self.url)._replace(path="/", query="").geturl())
        self.logger.info(
            "Found the REST API of %r at %s (namespaces: %s)",
            site.name, root.url, ", ".join(site.namespaces) or "none",
        )  # fmt: skip
        stop = discovery.without_content(site, root.url)
        if stop:
            if self._blocked_rest(stop):
                yield from self._start_fallback(self.discovery_answers.get("home"))
            else:
                self.fail(stop.reason, stop.message)
            return
        assert self.params is not None
        if settings.getbool("WORDPRESS_RANKMATH_HEAD", True) and advertises_head(index):
            self.rankmath_root = root
            self.logger.info("The site lists Rank Math's REST head: entries will ask for theirs")
        if self.params.auth is None:
            yield from self._plan_run(site, root)
            return
        # Verify first: WordPress treats a wrong application password as anonymous (200).
        if isinstance(root, WpcomRoot):
            self.fail(
                "auth_unsupported",
                "application passwords work on self-hosted WordPress sites, not through the "
                "WordPress.com API; crawl without -a auth=",
            )
            return
        parts = urlsplit(root.url)
        if parts.scheme != "https" and not self.params.allow_insecure_auth:
            self.fail(
                "auth_insecure",
                f"the REST API at {root.url} is plain http: the application password is only "
                "sent over https (for a test site on your own machine: -a allow_insecure_auth=true)",
            )
            return
        self.auth_origin = f"{parts.scheme}://{parts.netloc}".lower()
        self.auth_pending = (site, root)
        yield self._request(
            root.route("wp/v2/users/me", context="edit", _fields="id,capabilities"),
            self.parse_auth_check,
            self.on_auth_check_error,
        )

    def parse_auth_check(self, response: Response) -> Iterator[Any]:
        """``users/me``: 200 with the user's id means the credentials were accepted."""
        answer = answer_of(response)
        if answer.status in (401, 403):
            self.fail("auth_rejected", REJECTED)
            return
        data = answer.json()
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            self.fail(
                "auth_unverified",
                f"could not verify the credentials: {response.url} answered {answer.status} "
                "without a user (is this WordPress 5.6 or newer, with its users route open?)",
            )
            return
        self.logger.info("The application password was accepted (user id %d)", data["id"])
        self.crawler.stats.set_value("wordpress/auth", "application-password")
        capabilities = data.get("capabilities")
        moderate = isinstance(capabilities, dict) and capabilities.get("moderate_comments") is True
        if moderate:
            self.logger.info("The user may moderate comments: pending comments are crawled too")
        assert self.auth_pending is not None
        site, root = self.auth_pending
        self.auth_pending = None
        yield from self._plan_run(
            site,
            root,
            moderate_comments=moderate,
            capabilities=capabilities if isinstance(capabilities, dict) else None,
        )

    def on_auth_check_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        error = download_error(request.url, failure)
        self.fail("auth_unverified", f"could not verify the credentials: {error.reason}")

    def _plan_run(
        self,
        site: Any,
        root: Any,
        *,
        moderate_comments: bool = False,
        capabilities: dict[str, Any] | None = None,
    ) -> Iterator[Any]:
        """The crawl run, then ``/types`` and ``/taxonomies``."""
        assert self.params is not None
        settings = self.crawler.settings
        authenticated = self.params.auth is not None
        self.run = CrawlRun(
            site, root, self.crawler.stats,
            types=self.params.types,
            changes=self.changes,
            overlap=settings.getfloat("WORDPRESS_INCREMENTAL_OVERLAP", 3600),
            max_pages=settings.getint("WORDPRESS_MAX_PAGES", MAX_PAGES),
            hold_pages=settings.getint("WORDPRESS_HOLD_PAGES", HOLD_PAGES),
            ignore_totals=isinstance(root, WpcomRoot),
            authenticated=authenticated,
            private_user_fields=authenticated and self.params.include_private_user_fields,
            extra_fields=tuple(settings.getlist("WORDPRESS_EXTRA_FIELDS")),
            ask_fields=settings.getbool("WORDPRESS_REST_FIELDS", True),
            moderate_comments=moderate_comments,
            capabilities=capabilities,
        )  # fmt: skip
        for kind in ("types", "taxonomies"):
            url = root.route(f"wp/v2/{kind}")
            yield self._request(url, self.parse_catalog, self.on_catalog_error, kind=kind)

    def parse_catalog(self, response: Response, kind: str) -> Iterator[Any]:
        """``/types`` or ``/taxonomies``; when refused, WordPress's defaults are assumed."""
        if self.run is None:
            return  # REST was given up for the pages (see _act)
        data, problem = read_catalog(answer_of(response))
        yield from self._act(self._running().on_catalog(kind, data, problem))

    def on_catalog_error(self, failure: Failure) -> Iterator[Any]:
        if self.run is None:
            return
        kind = failure.request.cb_kwargs["kind"]  # type: ignore[attr-defined]
        problem = Problem("network", failure.getErrorMessage())
        yield from self._act(self._running().on_catalog(kind, None, problem))

    # Collections -------------------------------------------------------------------------

    def parse_page(self, response: Response, key: str, page: int, per_page: int) -> Iterator[Any]:
        """One page of a collection: its records, then the pages to request next."""
        if self.run is None:
            return
        run = self._running()
        outcome = classify_page(answer_of(response), page=page, edit=run.asks_edit(key))
        yield from self._act(run.on_page(key, PageRef(page, per_page), outcome))

    def on_page_error(self, failure: Failure) -> Iterator[Any]:
        """A page could not be downloaded at all (after retries)."""
        if self.run is None:
            return
        request = failure.request  # type: ignore[attr-defined]
        ref = PageRef(request.cb_kwargs["page"], request.cb_kwargs["per_page"])
        problem = Problem("network", f"could not fetch {request.url}: {failure.getErrorMessage()}")
        yield from self._act(
            self._running().on_page(request.cb_kwargs["key"], ref, PageOutcome.lost(problem))
        )

    def _act(self, step: Step) -> Iterator[Any]:
        """A step of the run: new feeds, a stop, records to export, pages to request."""
        if step.custom_types:
            self.crawler.signals.send_catch_log(
                wordpress_signals.custom_types_found, types=step.custom_types, spider=self
            )
        if step.stop and self._blocked_after_index(step.stop):
            self.run = None  # its answers still on the way are dropped
            yield from self._start_fallback(self.discovery_answers.get("home"))
            return
        if step.stop:
            hint = ""
            if step.stop.reason == "api_blocked" and self.rest_records:
                hint = "; crawl it again with -a source=html to read its pages instead"
            self.fail(step.stop.reason, step.stop.message + hint)
        self.rest_records += len(step.records)
        yield from self._users_from_archives(step.records)
        # Requests first: Scrapy runs the records through the pipelines (cleaning) as it reads
        # them, so pages yielded after a released hold of 1,600 records would wait for them
        # all; yielded before, they download while the records are cleaned.
        for call in step.pages:
            page: dict[str, Any] = {
                "key": call.key,
                "page": call.ref.page,
                "per_page": call.ref.per_page,
            }
            yield self._request(
                call.url, self.parse_page, self.on_page_error, priority=call.priority, **page
            )
        for record in step.records:
            yield self._with_head(record)

    # Rank Math heads ---------------------------------------------------------------------

    def _with_head(self, record: Any) -> Any:
        """``record`` itself, or, for a published entry without Yoast's head on a site that
        lists Rank Math's, the request for its page's head (the record travels with it)."""
        if (
            self.rankmath_root is None
            or not isinstance(record, EntryRecord)
            or record.seo is not None
            or record.status not in (None, "publish")
            or not record.link
        ):
            return record
        self.crawler.stats.inc_value("wordpress/rankmath/requests")
        url = self.rankmath_root.route(GETHEAD_ROUTE, url=record.link)
        return self._request(
            url, self.parse_head, self.on_head_error, priority=HEAD_PRIORITY, record=record
        )

    def parse_head(self, response: Response, record: Any) -> Iterator[Any]:
        """A record's Rank Math head: into its ``seo``; the record goes on whatever it says."""
        seo = head_seo(head_of(answer_of(response).json()))
        if seo is None:
            self.crawler.stats.inc_value("wordpress/rankmath/failed")
            yield record
            return
        yield replace(record, seo=seo)

    def on_head_error(self, failure: Failure) -> Iterator[Any]:
        """No head (after retries): the record is exported without it, never lost."""
        self.crawler.stats.inc_value("wordpress/rankmath/failed")
        yield failure.request.cb_kwargs["record"]  # type: ignore[attr-defined]

    def _request(
        self,
        url: str,
        callback: Callable[..., Any],
        errback: Callable[[Failure], Any],
        *,
        entry: bool = False,
        priority: int = 0,
        **cb_kwargs: Any,
    ) -> Request:
        """A request of the crawl. Each is planned once (discovery, ``CollectionState``) and a
        resumed job plans them again, so Scrapy's duplicate filter has nothing to add."""
        meta: dict[str, Any] = {"handle_httpstatus_list": API_STATUSES}
        if entry or "probe" in cb_kwargs:
            meta["wordpress_discovery"] = True  # redirects may move to the canonical host
        return Request(
            url,
            headers=None if entry else JSON_HEADERS,
            callback=callback,
            errback=errback,
            cb_kwargs=cb_kwargs,
            meta=meta,
            priority=priority,
            dont_filter=True,
        )

    def _running(self) -> CrawlRun:
        """The run, which every callback after the REST index has (not a property: Scrapy's
        feed URI parameters read every attribute of the spider)."""
        assert self.run is not None, "the crawl run starts with the REST index"
        return self.run

    # Without REST -------------------------------------------------------------------------

    def _blocked_rest(self, stop: Stop) -> bool:
        """Whether discovery ended because REST is blocked on a WordPress site whose pages are
        open (then the pages are crawled instead), as :func:`classify` reads the answers; the
        line says what was seen. Walls, rate limits, dead hosts and non-WordPress sites stop;
        so does a WordPress.com site, with a line that names it (its API host is never guessed)."""
        if self.params is None or self.params.source == "rest":
            return False
        answers = self.discovery_answers
        home = answers.get("home")
        rest_route = next((a for u, a in answers.items() if "rest_route=" in u), None)
        rest_root = next(
            (a for u, a in answers.items() if u != "home" and a is not rest_route), None
        )
        wpcom_api = self.crawler.settings.get("WORDPRESS_COM_API") or DEFAULT_API
        verdict = classify(home, rest_root, rest_route, wpcom_api=wpcom_api)
        self.crawler.stats.set_value("wordpress/site_kind", str(verdict.kind))
        if verdict.kind is SiteKind.WPCOM:
            if verdict.api_root is None:
                self.fail("wpcom_without_api", verdict.reason)
            else:  # its advertised API was asked and refused: a private or coming-soon site
                self.fail(
                    "wpcom_refused",
                    f"{stop.message} ({verdict.reason}; private and coming-soon WordPress.com "
                    "sites refuse anonymous reads)",
                )
            return False
        if verdict.kind is not SiteKind.REST_BLOCKED:
            return False
        self.rest_problem = stop.message
        self.rest_blocked_reason = verdict.reason
        return True

    def _blocked_after_index(self, stop: Stop) -> bool:
        """Whether the REST index answered but its ``wp/v2`` routes are blocked (Solid
        Security's restricted access): before any record left, the pages are crawled instead.
        After some did, the crawl stops (the pages would export them twice)."""
        if stop.reason != "api_blocked" or self.params is None or self.params.source == "rest":
            return False
        if self.rest_records:
            return False
        self.rest_problem = stop.message
        self.rest_blocked_reason = f"its index answers, its routes do not: {stop.message}"
        self.crawler.stats.set_value("wordpress/site_kind", "rest_blocked")
        return True

    def _users_from_archives(self, records: list[Any]) -> Iterator[Any]:
        """REST hides the users alone (Wordfence's user block): each author comes from their
        archive page, found through one of their records' pages; the rest stays REST."""
        run = self.run
        if run is None or "users" not in run.refused:
            return
        if self.params is None or self.params.source == "rest":
            return
        if self.fallback is None:
            self.logger.info(
                "Reading the authors from their archive pages instead (records source=html)"
            )
            self.fallback = FallbackRun(
                home_of(self.url), self.crawler.stats,
                users_only=True,
                window=self.crawler.settings.getint("WORDPRESS_FALLBACK_WINDOW", WINDOW),
            )  # fmt: skip
            self.fallback.start()
        for record in records:
            author = getattr(record, "author", None)
            if isinstance(author, Ref):
                hint = self.fallback.author_hint(author.id, record.link)
                yield from self._fallback_step(hint)

    def _start_fallback(self, home: Answer | None) -> Iterator[Any]:
        """The crawl without REST, from the home page the user gave (or the site's root)."""
        assert self.params is not None
        if self.rest_blocked_reason:
            self.logger.warning(
                "REST API blocked (%s); crawling the sitemaps, the Atom feed and the pages "
                "instead: records will carry source=html",
                self.rest_blocked_reason,
            )
        home_url = home_of(self.url)
        settings = self.crawler.settings
        changes = None
        if self.changes is not None:
            overlap = settings.getfloat("WORDPRESS_INCREMENTAL_OVERLAP", 3600)
            changes = PageChanges(self.changes, overlap=overlap)
        self.fallback = FallbackRun(
            home_url, self.crawler.stats,
            types=self.params.types,
            home=home_page(home, home_url),
            window=settings.getint("WORDPRESS_FALLBACK_WINDOW", WINDOW),
            max_urls=settings.getint("WORDPRESS_FALLBACK_MAX_URLS", MAX_URLS),
            max_feed_pages=settings.getint("WORDPRESS_MAX_PAGES", MAX_PAGES),
            why=self.rest_problem,
            changes=changes,
        )  # fmt: skip
        self.crawler.stats.set_value("wordpress/source", "html")
        yield from self._fallback_step(self.fallback.start())

    def parse_fallback(
        self, response: Response, want: str, url: str, about: str | None, page: int
    ) -> Iterator[Any]:
        """A page of the crawl without REST: sitemap, feed, archive, entry or comments
        (``url`` is the one planned: redirects may have moved the response elsewhere)."""
        fetch = Fetch(url, Want(want), about, page)
        yield from self._fallback_step(self._falling_back().on_answer(fetch, answer_of(response)))

    def on_fallback_error(self, failure: Failure) -> Iterator[Any]:
        """A page of the crawl without REST that got no answer at all (after retries)."""
        request = failure.request  # type: ignore[attr-defined]
        kwargs = request.cb_kwargs
        fetch = Fetch(kwargs["url"], Want(kwargs["want"]), kwargs["about"], kwargs["page"])
        why = download_error(request.url, failure).reason
        yield from self._fallback_step(self._falling_back().on_answer(fetch, None, why))

    def _fallback_step(self, step: FallbackStep) -> Iterator[Any]:
        for url_kind in step.failed:
            self.crawler.signals.send_catch_log(url_failed, url_kind=url_kind)
        if step.custom_types:
            self.crawler.signals.send_catch_log(
                wordpress_signals.custom_types_found, types=step.custom_types, spider=self
            )
        if step.stop:
            self.fail(step.stop.reason, step.stop.message)
        for fetch in step.fetches:
            statuses = [*API_STATUSES, 304] if fetch.headers else API_STATUSES
            yield Request(
                fetch.url,
                headers={**HTML_HEADERS, **dict(fetch.headers)},
                callback=self.parse_fallback,
                errback=self.on_fallback_error,
                cb_kwargs={
                    "want": str(fetch.want),
                    "url": fetch.url,
                    "about": fetch.about,
                    "page": fetch.page,
                },
                meta={"handle_httpstatus_list": statuses, "download_slot": FALLBACK_SLOT},
                priority=fetch.priority,
                dont_filter=True,
            )
        yield from step.records

    def _falling_back(self) -> FallbackRun:
        assert self.fallback is not None, "the crawl without REST starts after discovery"
        return self.fallback

    # Outcome -----------------------------------------------------------------------------

    def fail(self, reason: str, message: str) -> None:
        """Stop the crawl with one readable line; what was already exported stays in the feeds.

        The engine is asked to close rather than ``CloseSpider`` raised, because an exception
        raised in an errback makes Scrapy log the download error again with a traceback.
        """
        if self.stop_reason:
            return  # already stopping; the first reason is the one that matters
        self.stop_reason = reason
        if self.run is not None:
            self.run.stopped = True
        self.logger.error("Crawl stopped: %s", message)
        self.crawler.stats.set_value("wordpress/failure", message)
        if self.crawler.crawling:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def closed(self, reason: str) -> None:
        """Compare what was collected with what the site said it has (into the stats)."""
        if self.run is not None:
            self.run.close()
        fallback = self.fallback
        if fallback is not None and not fallback.done and not self.stop_reason:
            self.crawler.stats.set_value("wordpress/incomplete", True)
            self.logger.warning(
                "The crawl without REST ended before every listed page was read (%s); "
                "the feeds hold what was read, run it again to complete them",
                reason,
            )
