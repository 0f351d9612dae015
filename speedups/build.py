"""Compile the cleaner (``crawler/cleaning``) with mypyc and install it as ``crawler_speedups``.

    python speedups/build.py            # build and install into this Python's site-packages
    python speedups/build.py --out DIR  # build into DIR only (DIR/crawler_speedups)

The sources are copied as they are into a package of another name, so the Python cleaner
and the compiled one can be imported side by side (the tests compare them) and the Python
one is never shadowed by a stale build. The package records the digest of the sources it
was built from (:func:`crawler.speedups.source_digest`); the crawler uses it only while that
digest matches. Needs mypy (the project's test extra), a C compiler and Python's headers
(Debian: ``gcc`` and ``python3-dev``); ``make setup`` installs them when it runs as root.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from crawler.speedups import COMPILED_PACKAGE, SOURCES, source_digest  # noqa: E402

# Read by the type checker only: never imported at run time, and mypyc cannot compile it.
NOT_COMPILED = frozenset({"protocols.py"})

SETUP = """
from setuptools import setup
from mypyc.build import mypycify

setup(
    name={name!r},
    packages=[],
    ext_modules=mypycify({modules!r}, opt_level="3", group_name={name!r}),
    script_args=["build_ext", "--inplace", "--parallel", {jobs!r}],
)
"""


def fail(message: str) -> None:
    print(f"speedups: {message}", file=sys.stderr)
    raise SystemExit(1)


def check_toolchain() -> None:
    """One clear line when the compiler or the headers are missing, not a compiler trace."""
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not include.exists():
        fail(f"Python's headers are missing ({include}): install python3-dev (Debian)")
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        fail(f"no C compiler ({compiler}): install gcc (Debian)")
    try:
        import mypyc  # noqa: F401, PLC0415 - only the build needs it
    except ImportError:
        fail("mypyc is missing: pip install mypy (the project's test extra has it)")


def build(work: Path) -> Path:
    """Copy the sources into ``work/crawler_speedups`` and compile them there."""
    package = work / COMPILED_PACKAGE
    cleaning = package / "cleaning"
    cleaning.mkdir(parents=True)
    for path in sorted(SOURCES.glob("*.py")):
        shutil.copy2(path, cleaning / path.name)
    (package / "__init__.py").write_text(
        '"""The compiled copy of crawler.cleaning (built by speedups/build.py)."""\n\n'
        f"SOURCE_DIGEST = {source_digest()!r}\n"
    )
    modules = [
        f"{COMPILED_PACKAGE}/cleaning/{path.name}"
        for path in sorted(cleaning.glob("*.py"))
        if path.name not in NOT_COMPILED
    ]
    script = SETUP.format(name=COMPILED_PACKAGE, modules=modules, jobs=str(os.cpu_count() or 1))
    log = work / "build.log"
    with log.open("w") as out:
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        print("\n".join(tail), file=sys.stderr)
        fail("mypyc could not compile the cleaner (the lines above say why)")
    return package


def install(package: Path, dest: Path) -> None:
    """Replace any earlier build in *dest* with *package* and its shared runtime library."""
    shutil.rmtree(dest / COMPILED_PACKAGE, ignore_errors=True)
    for old in dest.glob(f"{COMPILED_PACKAGE}__mypyc*"):
        old.unlink()
    shutil.copytree(package, dest / COMPILED_PACKAGE, ignore=shutil.ignore_patterns("build"))
    for lib in package.parent.glob(f"{COMPILED_PACKAGE}__mypyc*"):
        shutil.copy2(lib, dest / lib.name)


def verify(dest: Path) -> None:
    """Import the installed build in a fresh process and clean one post with it."""
    probe = (
        "import crawler_speedups.cleaning.content as c\n"
        "assert c.__file__.endswith('.so'), c.__file__\n"
        "assert c.clean_content('<p>a <b>b</b></p>').markdown == 'a **b**'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(dest)}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "", file=sys.stderr)
        fail("the compiled cleaner was built but does not work")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="build into this folder, do not install")
    args = parser.parse_args()
    check_toolchain()
    dest = args.out or Path(sysconfig.get_paths()["platlib"])
    with tempfile.TemporaryDirectory(prefix="speedups-") as tmp:
        package = build(Path(tmp))
        dest.mkdir(parents=True, exist_ok=True)
        install(package, dest)
    verify(dest)
    print(f"speedups: the compiled cleaner is installed in {dest / COMPILED_PACKAGE}")


if __name__ == "__main__":
    main()
