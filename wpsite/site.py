"""WordPressSite: a real, seeded WordPress 6.1 on 127.0.0.1 in three permalink modes.

Usage::

    with WordPressSite(posts=300) as site:
        site.url("pretty")          # "http://127.0.0.1:PORT/", REST at /wp-json/
        site.url("pathinfo")        # REST at /index.php/wp-json/ (/wp-json/ is a 404)
        site.url("plain")           # REST only at /index.php?rest_route=/
        truth = site.ground_truth("pretty")   # what the site holds, read back from it
        site.php("echo get_bloginfo('name');")  # any PHP inside the loaded WordPress
        with site.rest_blocked("all"):  # REST refused as Disable REST API does it
            ...
        with site.seo_metadata():  # pages print Yoast SEO's JSON-LD graph and OpenGraph
            ...

Layout of the site directory (a temporary one unless `directory` is given):
``wordpress/`` (a copy of /usr/share/wordpress with our wp-config.php and mu-plugin),
``mysql/`` (private MariaDB data and socket), ``logs/``, ``state.json`` (ports, PIDs,
seeding parameters: lets `python -m wpsite stop` find the processes, and a later
start reuse the seeded database), ``rest-wall`` (present while rest_blocked("wall") is on).

The switches (rest_blocked(), seo_metadata()) are read by the servers on every request, from
a WordPress option (mu-plugin) or that flag file (router, before WordPress), so the three
modes change together and nothing restarts. start() opens a reused site again and refreshes its mu-plugin.

Why one object owns everything: the suite must leave nothing running, so whatever
start() launched, stop() ends by PID and process group, also from another process.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from . import mariadb, servers
from .install import PHP, WORDPRESS_DIR, SiteUnavailable, ensure_packages
from .processes import Daemon, child_env, runs, stop

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import TracebackType

MODES = servers.MODES
PHP_DIR = servers.PHP_DIR
STATE_FILE = "state.json"
DEFAULT_SEED = 1
# The ways the tests can refuse the REST API to anonymous visitors (see rest_blocked()).
REST_BLOCKS = ("all", "users", "content", "wall", "429")
WALL_FLAG = "rest-wall"


class WordPressSite:
    """Start, query and stop the test WordPress. See the module docstring."""

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        posts: int = 300,
        seed: int = DEFAULT_SEED,
        thumbnails: bool = True,
        workers: int = 4,
        install_packages: bool = True,
        detach: bool = False,
    ) -> None:
        """`posts` published posts; `detach` leaves the processes running at exit."""
        self._temporary = directory is None
        self.directory = Path(directory) if directory else None
        self.posts = posts
        self.seed = seed
        self.thumbnails = thumbnails
        self.workers = workers
        self.install_packages = install_packages
        self.detach = detach
        self.ports: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self._daemons: list[Daemon] = []
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._truth: dict[str, dict[str, Any]] = {}
        self._seed_origin = ""
        self._running = False
        self.adopted = False  # True when start() found the site already running.

    @classmethod
    def attach(cls, directory: str | Path) -> WordPressSite:
        """The site already running in `directory` (started by `python -m wpsite start`).

        Raises SiteUnavailable when nothing runs there; never starts or seeds anything.
        """
        path = Path(directory)
        state_file = path / STATE_FILE
        state = json.loads(state_file.read_text()) if state_file.exists() else None
        if not state:
            raise SiteUnavailable(f"no WordPress test site in {path} ({STATE_FILE} missing)")
        site = cls(
            path,
            posts=int(state.get("posts", 300)),
            seed=int(state.get("seed", DEFAULT_SEED)),
            thumbnails=bool(state.get("thumbnails", True)),
            install_packages=False,
            detach=True,
        )
        if not site._adopt(state, check_ready=False):
            raise SiteUnavailable(f"the WordPress test site in {path} is not running")
        return site

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> WordPressSite:
        """Install packages if needed, create or reuse the site, start the servers.

        Idempotent: a running site (this object's, or one recorded in the directory's
        state file) is reused. Raises SiteUnavailable when the site cannot run here.
        """
        if self._running:
            return self
        started = time.monotonic()
        self.timings["packages"] = ensure_packages(install=self.install_packages)
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="wp-site-"))
        state = self._read_state()
        if state and self._adopt(state):
            self._reset_switches(running=True)
            self.timings["start"] = time.monotonic() - started
            return self
        try:
            self._launch(state)
        except BaseException:
            self._stop_daemons()
            raise
        self.timings["start"] = time.monotonic() - started - self.timings.get("seed", 0.0)
        self.timings["start"] -= self.timings["packages"]
        return self

    def stop(self, *, purge: bool | None = None) -> None:
        """Stop every process this site started; remove a temporary directory.

        `purge` also removes a given directory (default: only temporary ones).
        Safe to call twice, and from another process (reads the state file).
        """
        if self.directory is None:
            return
        if not self._daemons:
            state = self._read_state()
            self._daemons = [Daemon.from_json(d) for d in (state or {}).get("daemons", [])]
        self._stop_daemons()
        self._running = False
        if purge or (purge is None and self._temporary):
            shutil.rmtree(self.directory, ignore_errors=True)
            return
        state = self._read_state()
        if state is not None:
            state["daemons"] = []
            (self.directory / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ queries

    def url(self, mode: str = "pretty") -> str:
        """Home URL of the server for `mode`: "http://127.0.0.1:PORT/"."""
        self._check_mode(mode)
        return f"{servers.origin(self.ports[mode])}/"

    def rest_root(self, mode: str = "pretty") -> str:
        """The REST root WordPress advertises in that mode."""
        return {
            "plain": f"{self.url(mode)}index.php?rest_route=/",
            "pathinfo": f"{self.url(mode)}index.php/wp-json/",
            "pretty": f"{self.url(mode)}wp-json/",
        }[mode]

    def origins(self) -> list[str]:
        """Every origin that can appear in the site's data (servers, and seeding)."""
        found = [servers.origin(port) for port in self.ports.values()]
        return found + [o for o in (self._seed_origin,) if o and o not in found]

    def ground_truth(self, mode: str = "pretty") -> dict[str, Any]:
        """What the site holds, read from it (links in `mode`); cached until php()."""
        self._check_mode(mode)
        if mode not in self._truth:
            self._truth[mode] = json.loads(self._run_php("ground-truth.php", mode=mode))
        return self._truth[mode]

    def php(self, code: str, mode: str = "pretty") -> str:
        """Run PHP statements inside WordPress as admin, kses off; return the output.

        Example: ``site.php("echo wp_insert_post(['post_title' => 'x', 'post_status' =>
        'publish']);")``. Invalidates the cached ground truth.
        """
        self._check_mode(mode)
        self._truth.clear()
        return self._run_php("eval.php", mode=mode, stdin=code)

    # ------------------------------------------------------------------ switches

    @contextlib.contextmanager
    def rest_blocked(self, kind: str) -> Iterator[None]:
        """Refuse the REST API to anonymous visitors inside the block, in all three modes.

        `kind`: "all" (401 rest_cannot_access everywhere, the index included: the Disable
        REST API plugin), "users" (only wp/v2/users refused, and no users sitemap:
        Wordfence), "wall" (a 403 Cloudflare block page on every REST spelling, before
        WordPress), "429" (rate limited, Retry-After). The site is open again on exit, also
        when the block raises. Nothing restarts: the servers read the switch per request.
        """
        self.set_rest_block(kind)
        try:
            yield
        finally:
            self.set_rest_block("none")

    def set_rest_block(self, kind: str) -> None:
        """Switch the REST block to `kind` (one of REST_BLOCKS, or "none") until changed."""
        if kind not in (*REST_BLOCKS, "none"):
            raise ValueError(f"kind must be one of {(*REST_BLOCKS, 'none')}, not {kind!r}")
        self._check_mode("pretty")
        option = kind if kind in ("all", "users", "content", "429") else ""
        self._run_php(
            "eval.php",
            mode="pretty",
            stdin=f"update_option( 'wpt_rest_block', '{option}', true );",
        )
        wall = self._site_dir() / WALL_FLAG
        if kind == "wall":
            wall.touch()
        else:
            wall.unlink(missing_ok=True)

    @contextlib.contextmanager
    def failing_post(self, post_id: int) -> Iterator[None]:
        """Inside the block, the page of post `post_id` answers 500 (its REST record, feed
        entry and sitemap URL stay), in all three modes."""
        self._check_mode("pretty")
        self._run_php(
            "eval.php", mode="pretty", stdin=f"update_option( 'wpt_fail_post', {int(post_id)} );"
        )
        try:
            yield
        finally:
            self._run_php("eval.php", mode="pretty", stdin="delete_option( 'wpt_fail_post' );")

    @contextlib.contextmanager
    def seo_metadata(self) -> Iterator[None]:
        """Inside the block, pages print what Yoast SEO prints: its JSON-LD graph (a WebPage
        node with datePublished and dateModified from the GMT columns) and OpenGraph
        (og:url; article:modified_time when the page was edited after publication), in all
        three modes (see the mu-plugin's wpt_seo_meta)."""
        self._check_mode("pretty")
        self._run_php(
            "eval.php", mode="pretty", stdin="update_option( 'wpt_seo_meta', 'yoast', true );"
        )
        try:
            yield
        finally:
            self._run_php("eval.php", mode="pretty", stdin="delete_option( 'wpt_seo_meta' );")

    @contextlib.contextmanager
    def rankmath_head(self) -> Iterator[None]:
        """Inside the block, the site runs Rank Math (headless support on) instead of Yoast:
        no ``yoast_head_json``, and ``rankmath/v1/getHead`` answers the head of a page (what
        ``wpt_yoast_post()`` builds for it, as Rank Math prints it). Every URL asked is
        listed by :meth:`rankmath_calls`, which the block starts empty."""
        self._check_mode("pretty")
        self._run_php(
            "eval.php",
            mode="pretty",
            stdin="update_option( 'wpt_seo_plugin', 'rankmath', true );"
            " @unlink( WP_CONTENT_DIR . '/wpt-rankmath-calls.log' );",
        )
        try:
            yield
        finally:
            self._run_php("eval.php", mode="pretty", stdin="delete_option( 'wpt_seo_plugin' );")

    def rankmath_calls(self) -> list[str]:
        """The page URLs ``rankmath/v1/getHead`` was asked for since :meth:`rankmath_head`."""
        text = self.php(
            "$f = WP_CONTENT_DIR . '/wpt-rankmath-calls.log';"
            " echo file_exists( $f ) ? file_get_contents( $f ) : '';"
        )
        return [line for line in text.splitlines() if line]

    def _reset_switches(self, *, running: bool) -> None:
        """Open the site again (a switch left on by a killed run) and refresh the mu-plugin,
        so a reused site runs this checkout's switches."""
        (self._site_dir() / WALL_FLAG).unlink(missing_ok=True)
        mu_plugin = self._site_dir() / "wordpress" / "wp-content" / "mu-plugins"
        if mu_plugin.is_dir():
            source = (PHP_DIR / "mu-plugin.php").read_bytes()
            target = mu_plugin / "crawler-test-site.php"
            if not target.exists() or target.read_bytes() != source:
                target.write_bytes(source)
        self._run_php(
            "eval.php",
            mode="pretty",
            running=running,
            stdin="delete_option( 'wpt_rest_block' ); delete_option( 'wpt_fail_post' );"
            " delete_option( 'wpt_seo_meta' ); delete_option( 'wpt_seo_plugin' );",
        )

    # ------------------------------------------------------------------ internals

    def _check_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if not self._running:
            raise RuntimeError("the WordPress site is not running; call start() first")

    def _site_dir(self) -> Path:
        assert self.directory is not None
        return self.directory

    def _read_state(self) -> dict[str, Any] | None:
        path = self._site_dir() / STATE_FILE
        return json.loads(path.read_text()) if path.exists() else None

    def _write_state(self, **extra: Any) -> None:
        state = {
            "posts": self.posts,
            "seed": self.seed,
            "thumbnails": self.thumbnails,
            "ports": self.ports,
            "seed_origin": self._seed_origin,
            "daemons": [d.to_json() for d in self._daemons if runs(d)],
            "timings": self.timings,
        } | extra
        old = self._read_state() or {}
        state.setdefault("seeded", old.get("seeded", False))
        (self._site_dir() / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")

    def _matches(self, state: dict[str, Any]) -> bool:
        """True when the recorded site was seeded with the same parameters."""
        return bool(state.get("seeded")) and (
            state.get("posts"),
            state.get("seed"),
            state.get("thumbnails"),
        ) == (self.posts, self.seed, self.thumbnails)

    def _adopt(self, state: dict[str, Any], *, check_ready: bool = True) -> bool:
        """Reuse a site that is already running with the same parameters.

        `check_ready` waits for each server's REST index, which a REST block refuses.
        """
        daemons = [Daemon.from_json(d) for d in state.get("daemons", [])]
        if not self._matches(state) or len(daemons) != 1 + len(MODES):
            return False
        if not all(runs(d) for d in daemons):
            return False
        self._daemons = daemons
        self.ports = {mode: int(port) for mode, port in state["ports"].items()}
        self._seed_origin = state.get("seed_origin", "")
        try:
            for port in self.ports.values() if check_ready else ():
                servers.wait_ready(port, None, timeout=5)
        except SiteUnavailable:
            self._daemons = []
            return False
        self._running = True
        self.adopted = True
        self.detach = True  # Someone else started it; leave it running at exit.
        return True

    def _launch(self, state: dict[str, Any] | None) -> None:
        site_dir = self._site_dir()
        if state:
            self._daemons = [Daemon.from_json(d) for d in state.get("daemons", [])]
            self._stop_daemons()
        reuse = bool(state) and self._matches(state or {})
        if not reuse:
            self._wipe(site_dir, known=state is not None)
        self.ports = servers.free_ports((state or {}).get("ports"))
        if not self.detach:
            atexit.register(self.stop)
        t0 = time.monotonic()
        if reuse:
            self._seed_origin = (state or {}).get("seed_origin", "")
            self._start_mariadb()
            self._reset_switches(running=False)
        else:
            (site_dir / "logs").mkdir(parents=True, exist_ok=True)
            mariadb.initialise(site_dir)
            self._start_mariadb()
            self._copy_wordpress()
            self._seed_origin = servers.origin(self.ports["pretty"])
            self._run_php("install.php", mode="pretty", running=False)
        self.timings["database"] = time.monotonic() - t0
        self._write_state()
        if not reuse:
            t0 = time.monotonic()
            args = [str(self.posts), str(self.seed)]
            self._run_php("seed.php", *args, mode="pretty", running=False, timeout=1800)
            self.timings["seed"] = time.monotonic() - t0
            self._write_state(seeded=True)
        t0 = time.monotonic()
        for mode in MODES:
            self._start_server(mode)
        self.timings["servers"] = time.monotonic() - t0
        self._running = True
        self._write_state()

    def _start_server(self, mode: str, attempts: int = 3) -> None:
        """Start one php -S; if its port was taken in the meantime, retry on a fresh one."""
        for attempt in range(1, attempts + 1):
            daemon, proc = servers.start(
                self._site_dir(), mode, self.ports[mode], workers=self.workers
            )
            self._remember(daemon, proc)
            try:
                servers.wait_ready(self.ports[mode], proc)
            except SiteUnavailable:
                if proc.poll() is None or attempt == attempts:
                    raise
                self._daemons.remove(daemon)
                self._procs.pop(daemon.pid, None)
                self.ports[mode] = servers.free_ports()[mode]
            else:
                return

    def _wipe(self, site_dir: Path, *, known: bool) -> None:
        """Empty the directory, but only if it is ours (state file) or already empty."""
        if site_dir.exists() and any(site_dir.iterdir()):
            if not known:
                raise SiteUnavailable(
                    f"{site_dir} is not empty and holds no {STATE_FILE}; refusing to reuse it"
                )
            shutil.rmtree(site_dir)
        site_dir.mkdir(parents=True, exist_ok=True)

    def _start_mariadb(self) -> None:
        daemon, proc = mariadb.start(self._site_dir())
        self._remember(daemon, proc)

    def _copy_wordpress(self) -> None:
        """cp -RL: Debian's tree has relative symlinks that a copy would break."""
        target = self._site_dir() / "wordpress"
        subprocess.run(["cp", "-RL", str(WORDPRESS_DIR), str(target)], env=child_env(), check=True)
        (target / "wp-config.php").write_bytes((PHP_DIR / "wp-config.php").read_bytes())
        mu_plugins = target / "wp-content" / "mu-plugins"
        mu_plugins.mkdir(parents=True, exist_ok=True)
        (mu_plugins / "crawler-test-site.php").write_bytes((PHP_DIR / "mu-plugin.php").read_bytes())
        (target / "wp-content" / "uploads").mkdir(exist_ok=True)

    def _remember(self, daemon: Daemon, proc: subprocess.Popen[bytes]) -> None:
        self._daemons.append(daemon)
        self._procs[daemon.pid] = proc

    def _stop_daemons(self) -> None:
        """Web servers first (SIGINT lets php -S reap its workers), the database last."""
        order = sorted(self._daemons, key=lambda d: d.name == "mariadbd")
        for daemon in order:
            first = stop_signal(daemon)
            stop(daemon, first=first, proc=self._procs.pop(daemon.pid, None))
        self._daemons = []

    def _run_php(
        self,
        script: str,
        *args: str,
        mode: str,
        stdin: str | None = None,
        running: bool = True,
        timeout: float = 600,
    ) -> str:
        """Run one of the php/ scripts as the given mode's CLI; return its stdout."""
        if running:
            self._check_mode(mode)
        env = servers.mode_env(self._site_dir(), mode, self.ports[mode])
        if not self.thumbnails:
            env["WPT_THUMBNAILS"] = "0"
        argv = [PHP, "-d", "memory_limit=1024M", str(PHP_DIR / script), *args]
        proc = subprocess.run(
            argv, input=stdin, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if proc.returncode != 0:
            log = self._site_dir() / "logs" / "php-error.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise SiteUnavailable(
                f"php {script} failed ({proc.returncode}):\n{proc.stdout[-2000:]}"
                f"{proc.stderr[-3000:]}\n{tail}"
            )
        return proc.stdout


def stop_signal(daemon: Daemon) -> signal.Signals:
    """SIGINT for php -S (its master then stops the workers), SIGTERM otherwise."""
    return signal.SIGINT if daemon.name.startswith("php-") else signal.SIGTERM


def site_from_env(**kwargs: Any) -> WordPressSite:
    """A WordPressSite sized by WP_TEST_POSTS (default 300)."""
    return WordPressSite(posts=int(os.environ.get("WP_TEST_POSTS", "300")), **kwargs)
