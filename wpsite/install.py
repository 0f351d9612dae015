"""Make sure the Debian packages the test WordPress needs are present.

Why a module of its own: CI starts from a clean Debian 12 clone as root, so the test
suite must install what it needs itself; a developer who is not root gets an error that
names exactly what to install instead of a half-working site.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .processes import child_env

WORDPRESS_DIR = Path("/usr/share/wordpress")
PHP = "/usr/bin/php"
MARIADBD = "/usr/sbin/mariadbd"
THEME = "twentytwentyone"
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")

# Installed alongside `wordpress` only to satisfy its "apache2 | httpd" and
# "libapache2-mod-php | php" dependencies cheaply: with them in the same transaction apt
# picks neither apache2 nor libapache2-mod-php. Nothing here is ever started.
_DEPENDENCY_HELPERS = ("nginx", "php", "php8.2-cgi")


class SiteUnavailable(RuntimeError):
    """The site cannot run here; the message says why and what would fix it."""


@dataclass(frozen=True)
class Requirement:
    """One Debian package and how to tell that it is installed."""

    package: str
    present: bool


def _php_modules() -> set[str]:
    if not Path(PHP).exists():
        return set()
    out = subprocess.run(
        [PHP, "-m"], env=child_env(), capture_output=True, text=True, check=False
    ).stdout
    return {line.strip().lower() for line in out.splitlines()}


def requirements() -> list[Requirement]:
    """Check each needed package by the file or PHP module it provides."""
    modules = _php_modules()
    theme = WORDPRESS_DIR / "wp-content" / "themes" / THEME / "style.css"
    return [
        Requirement("php-cli", Path(PHP).exists()),
        Requirement("php-mysql", "mysqli" in modules),
        Requirement("php-gd", "gd" in modules),
        # SimpleXML: without it core answers every sitemap with 501 "missing SimpleXML extension"
        Requirement("php-xml", "simplexml" in modules),
        Requirement(
            "mariadb-server",
            Path(MARIADBD).exists() and shutil.which("mariadb-install-db") is not None,
        ),
        Requirement("wordpress", (WORDPRESS_DIR / "wp-settings.php").exists()),
        Requirement("wordpress-theme-twentytwentyone", theme.exists()),
    ]


def missing_packages() -> list[str]:
    """Names of the Debian packages still to install (empty when all are there)."""
    return [req.package for req in requirements() if not req.present]


def apt_install(packages: list[str]) -> None:
    """Run apt-get with a temporary policy-rc.d so no package starts a service."""
    created_policy = False
    if not POLICY_RC_D.exists():
        POLICY_RC_D.write_text("#!/bin/sh\n# temporary: wpsite/install.py\nexit 101\n")
        POLICY_RC_D.chmod(0o755)
        created_policy = True
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        wait = ["-o", "DPkg::Lock::Timeout=300"]  # another apt run may hold the lock
        for cmd in (
            ["apt-get", *wait, "update", "-qq"],
            ["apt-get", *wait, "install", "-y", "-qq", "--no-install-recommends", *packages],
        ):
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                tail = (proc.stdout + proc.stderr)[-2000:]
                raise SiteUnavailable(f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{tail}")
    finally:
        if created_policy:
            POLICY_RC_D.unlink(missing_ok=True)


def ensure_packages(*, install: bool = True) -> float:
    """Install missing packages when root; return the seconds spent installing.

    Raises SiteUnavailable naming the packages when they are missing and cannot be
    installed (not root, no apt-get, or installation disabled).
    """
    missing = missing_packages()
    if not missing:
        return 0.0
    command = "apt-get install --no-install-recommends " + " ".join(missing)
    if not install:
        raise SiteUnavailable(f"missing Debian packages: {' '.join(missing)} (run `{command}`)")
    if shutil.which("apt-get") is None:
        raise SiteUnavailable(
            f"missing Debian packages {' '.join(missing)} and no apt-get on this machine"
        )
    if os.geteuid() != 0:
        raise SiteUnavailable(
            f"missing Debian packages {' '.join(missing)}; not root, so run as root: `{command}`"
        )
    packages = list(missing)
    if "wordpress" in packages:
        packages += [p for p in _DEPENDENCY_HELPERS if p not in packages]
    started = time.monotonic()
    apt_install(packages)
    still = missing_packages()
    if still:
        raise SiteUnavailable(f"still missing after apt-get install: {' '.join(still)}")
    return time.monotonic() - started


def main() -> None:
    """`python -m wpsite.install`: install and report the time taken."""
    seconds = ensure_packages()
    print(f"packages ready (installed in {seconds:.1f} s)" if seconds else "packages ready")


if __name__ == "__main__":
    main()
