"""One site job: ``scrapy crawl wordpress`` of one site as a child process, judged by its result.

RQ workers (``scrapy enqueue``) and ``scrapy crawlsites -j N`` call :func:`crawl_site`. The
crawl runs in its own process (a fresh reactor and memory per site), in its own process group
(a timeout stops it with its cleaning processes), and dies with the job: ``PR_SET_PDEATHSIG``
kills it when the process that started it dies, so a SIGKILLed worker leaves no orphan crawl
writing feeds while another worker re-runs the site. The exit code cannot tell a busy site
from a failed one (nor a site that was down from a good run), so the job reads the crawl's
result file (:mod:`crawler.extensions.result`):

- another crawl holds the site's lease: :class:`SiteBusy` (RQ's ``Retry`` runs it later);
- the crawl failed: :class:`SiteFailed` with one line saying why (RQ's ``FailedJobRegistry``);
- otherwise the result (small: counts, not records; the crawl's log is in a file).

Secrets never reach the child's command line (``ps`` shows it to every user): AWS keys go in
its environment, other secret-looking settings in a private settings module.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from crawler.extensions.result import one_line
from crawler.feeds import name_slug, site_slug
from crawler.params import ArgumentError, site_url

RUN_ARGUMENT = "run"
"""The spider argument naming the run id (``-a run=<id>``): the feeds' run folder and the
idempotent state commit."""

RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]{0,99}")
"""A run id: it names job ids, folders and feed keys, so only these characters."""

ENVIRONMENT_SETTINGS = frozenset(
    {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
)
"""Secrets botocore reads from the environment itself: passed there, not as settings."""

_SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
_CREDENTIALS_IN_URI = re.compile(r"://[^/@\s]*:[^/@\s]*@")

STOP_GRACE = 10.0
"""Seconds a timed-out crawl gets to stop on SIGTERM before its process group is killed."""

DEFAULT_TIMEOUT = 6 * 3600
DEFAULT_LOG_DIR = "logs"


_running: set[subprocess.Popen[bytes]] = set()
_running_lock = threading.Lock()


def stop_running_crawls() -> None:
    """Stop every crawl this process started and still waits for (``crawlsites -j N`` on
    Ctrl-C: the crawls run in their own sessions, so the terminal's SIGINT never reaches them)."""
    with _running_lock:
        processes = list(_running)
    for process in processes:
        _stop_group(process)


class SiteBusy(Exception):
    """Another crawl of the site holds its lease: run this job again later."""


class SiteFailed(Exception):
    """The site's crawl failed; the message is one line saying why."""


def check_run_id(run_id: str) -> str:
    """``run_id`` if it is a valid run id, else a :class:`ValueError` saying what is allowed.

    >>> check_run_id("2026-11-30T22")
    '2026-11-30T22'
    >>> check_run_id("../x")
    Traceback (most recent call last):
    ...
    ValueError: a run id is 1-100 letters, digits and . _ : + - (starting with a letter or digit)
    """
    if not RUN_ID.fullmatch(run_id):
        raise ValueError(
            "a run id is 1-100 letters, digits and . _ : + - (starting with a letter or digit)"
        )
    return run_id


def is_secret_setting(name: str, value: str) -> bool:
    """Whether a setting must stay off the command line: its name says secret, or its value is
    a URI with a password (``redis://:pw@host``).

    >>> is_secret_setting("AWS_SECRET_ACCESS_KEY", "x"), is_secret_setting("STATE_URI", "redis://:p@h/0")
    (True, True)
    >>> is_secret_setting("FEEDS", '{"s3://b/%(host)s/posts.jsonl": {}}')
    False
    """
    return bool(_SECRET_NAME.search(name) or _CREDENTIALS_IN_URI.search(value))


def project_dir() -> Path:
    """The folder of ``scrapy.cfg`` the crawl runs in: the current one if it has one (a user's
    project), else the one this package was installed from."""
    here = Path.cwd()
    if (here / "scrapy.cfg").is_file():
        return here
    source = Path(__file__).resolve().parents[2]
    return source if (source / "scrapy.cfg").is_file() else here


def crawl_command(
    url: str, run_id: str, spider_args: dict[str, str], settings: dict[str, str]
) -> list[str]:
    """The child's command line (no secrets: see :func:`split_settings`).

    >>> crawl_command("https://e.com/", "r1", {"incremental": "true"}, {"A": "1"})[3:]
    ['crawl', 'wordpress', '-a', 'url=https://e.com/', '-a', 'incremental=true', '-a', '...run=r1', '-s', 'A=1']
    """
    argv = [sys.executable, "-m", "scrapy", "crawl", "wordpress", "-a", f"url={url}"]
    for name, value in spider_args.items():
        if name not in ("url", "run", "_run"):
            argv += ["-a", f"{name}={value}"]
    argv += ["-a", f"{RUN_ARGUMENT}={run_id}"]
    for name, value in settings.items():
        argv += ["-s", f"{name}={value}"]
    return argv


def split_settings(
    settings: dict[str, str],
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Settings for the command line, for the environment (AWS keys) and for a private
    settings module (other secrets).

    >>> split_settings({"A": "1", "AWS_SECRET_ACCESS_KEY": "k", "STATE_URI": "redis://:p@h/0"})
    ({'A': '1'}, {'AWS_SECRET_ACCESS_KEY': 'k'}, {'STATE_URI': 'redis://:p@h/0'})
    """
    plain, environment, private = {}, {}, {}
    for name, value in settings.items():
        if name in ENVIRONMENT_SETTINGS:
            environment[name] = value
        elif is_secret_setting(name, value):
            private[name] = value
        else:
            plain[name] = value
    return plain, environment, private


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the parent dies (Linux; elsewhere a no-op)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def _write_settings_module(folder: Path, base: str, private: dict[str, str]) -> str:
    """A settings module (``base`` + ``private``), readable only by us; returns its name."""
    path = folder / "wordpress_job_settings.py"
    text = (
        f"import json\nfrom {base} import *  # noqa: F403\n\n"
        f"globals().update(json.loads({json.dumps(private)!r}))\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    return path.stem


def _stop_group(process: subprocess.Popen[bytes], grace: float = STOP_GRACE) -> None:
    """Stop the crawl and everything it started (its process group): SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _setting(settings: dict[str, str], name: str, default: Any) -> Any:
    if name in settings:
        return settings[name]
    with contextlib.suppress(Exception):
        from scrapy.utils.project import get_project_settings  # noqa: PLC0415

        return get_project_settings().get(name, default)
    return default


def job_settings(plain: dict[str, str], result_path: Path, work: Path) -> dict[str, str]:
    """The settings every site job's crawl gets on top of the user's.

    >>> job_settings({"WORDPRESS_CLEANING_PROCESSES": "2"}, Path("r.json"), Path("w"))["WORDPRESS_CLEANING_PROCESSES"]
    '2'
    >>> job_settings({}, Path("r.json"), Path("w"))["REMOTE_CONTROL_ENABLED"]
    'False'
    """
    return {
        # One job per core already uses every core: clean in the crawl's own process unless
        # told otherwise (a pool of cleaners per job only adds process starts and contention).
        "WORDPRESS_CLEANING_PROCESSES": "1",
        **plain,
        "WORDPRESS_RESULT_FILE": str(result_path),
        # Scrapy 2.19's remote control leaves a job file per SIGKILLed crawl behind.
        "REMOTE_CONTROL_ENABLED": "False",
        "FEED_TEMPDIR": str(work),
    }


def crawl_site(
    url: str,
    run_id: str,
    spider_args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Crawl one site as a child ``scrapy crawl wordpress`` and return its result.

    Raises :class:`SiteBusy` when another crawl holds the site's lease and :class:`SiteFailed`
    (one line) when the crawl failed, timed out (``WORDPRESS_JOB_TIMEOUT``) or left no
    result. The crawl's log is ``<WORDPRESS_JOB_LOG_DIR>/<site>/<run>.log``; the result names it.
    """
    try:
        url = site_url(url)
        check_run_id(run_id)
    except (ArgumentError, ValueError) as exc:
        raise SiteFailed(one_line(str(exc))) from None
    settings = dict(settings or {})
    timeout = float(_setting(settings, "WORDPRESS_JOB_TIMEOUT", DEFAULT_TIMEOUT))
    log_dir = Path(str(_setting(settings, "WORDPRESS_JOB_LOG_DIR", DEFAULT_LOG_DIR)))
    cwd = project_dir()
    log_path = (cwd / log_dir / site_slug(url) / f"{name_slug(run_id)}.log").resolve()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="wordpress-job-"))
    try:
        result_path = work / "result.json"
        plain, environment, private = split_settings(settings)
        plain = job_settings(plain, result_path, work)
        env = {**os.environ, **environment}
        if private:
            base = env.get("SCRAPY_SETTINGS_MODULE", "crawler.settings")
            env["SCRAPY_SETTINGS_MODULE"] = _write_settings_module(work, base, private)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(work), str(cwd), env.get("PYTHONPATH", "")) if p
            )
        argv = crawl_command(url, run_id, spider_args or {}, plain)
        started = time.monotonic()
        with log_path.open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only prctl, before exec
            )
            with _running_lock:
                _running.add(process)
            try:
                code = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _stop_group(process)
                raise SiteFailed(
                    f"{url}: the crawl took longer than {timeout:g} s and was stopped; "
                    f"see {log_path}"
                ) from None
            finally:
                _stop_group(process)  # the job itself was stopped (RQ timeout): no orphan
                with _running_lock:
                    _running.discard(process)
        try:
            result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise SiteFailed(
                f"{url}: the crawl ended without a result (exit code {code}); see {log_path}"
            ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.update(
        {"exit_code": code, "seconds": round(time.monotonic() - started, 2), "log": str(log_path)}
    )
    if result.get("busy"):
        raise SiteBusy(f"{url}: another crawl of this site is running; retry later")
    if result.get("failed") or code != 0:
        raise SiteFailed(f"{url}: {result.get('failure') or f'exit code {code}'}")
    return result
