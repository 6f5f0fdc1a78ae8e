#!/usr/bin/env python3
"""Set up the development environment and run the project's jobs.

Needs only Python 3.11+; everything else is installed into ``.venv`` from the
repository's own files (the four packages, editable, with the versions pinned
in ``constraints.txt``). Usage::

    python3 scripts/dev.py demo [ARGS]   # payments demo (the main job)
    python3 scripts/dev.py test [ARGS]   # the test suite (pytest ARGS)
    python3 scripts/dev.py lint          # ruff and mypy, as CI runs them
    python3 scripts/dev.py docs [ARGS]   # build the docs site strictly (mkdocs ARGS)
    python3 scripts/dev.py shop [ARGS]   # the example shop on loopback (BOG/TBC emulator, dummy)
    python3 scripts/dev.py setup         # only build/refresh .venv (everything)

``.venv`` is filled in two layers, each with its own stamp:

* ``run``: the four packages with the core's ``journal`` extra (SQLAlchemy and
  aiosqlite: the demo and the CLI keep an embedded SQLite journal) and the providers'
  ``[sandbox]`` extras (the emulators), all that ``demo`` and ``shop`` need;
* ``dev``: the core's ``dev``, ``docs``, ``django``, ``fastapi`` and ``postgres``
  (psycopg) extras on top, for ``test``, ``lint``, ``docs`` and ``setup``.

A layer is installed again only when a packaging file changed since its last
install, so repeated runs start at once.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
OLD_STAMP = VENV / ".payments-install-stamp"  # the single stamp of earlier versions
PACKAGING_FILES = [
    "pyproject.toml",
    "constraints.txt",
    "providers/dummy/pyproject.toml",
    "providers/bog/pyproject.toml",
    "providers/tbc/pyproject.toml",
]

RUN = "run"
DEV = "dev"
PROVIDERS = ["providers/dummy", "providers/bog[sandbox]", "providers/tbc[sandbox]"]
"""The providers, editable, with the emulators' extras: all that ``demo`` and ``shop`` add."""
RUN_EXTRAS = "journal"
"""The core's extras the ``run`` layer installs: the journal's SQLite stack."""
DEV_EXTRAS = "dev,docs,django,fastapi,postgres"
"""The core's extras the ``dev`` layer adds: test, lint and docs tools, the web frameworks,
the journal's PostgreSQL driver."""
JOB_LAYER = {"demo": RUN, "shop": RUN, "test": DEV, "lint": DEV, "docs": DEV, "setup": DEV}


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in PACKAGING_FILES:
        path = ROOT / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


def _stamp(layer: str) -> Path:
    return VENV / f".payments-{layer}-stamp"


def _is_current(layer: str, wanted: str) -> bool:
    stamp = _stamp(layer)
    return stamp.exists() and stamp.read_text() == wanted


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def _say(message: str) -> None:
    print(f"dev.py: {message}", flush=True)


def _pip_install(layers: list[str]) -> None:
    """Install ``layers`` in one pip run, telling what goes in and letting pip show progress."""
    extras = [RUN_EXTRAS, DEV_EXTRAS] if DEV in layers else [RUN_EXTRAS]
    requirements = ["-e", f".[{','.join(extras)}]"]
    if RUN in layers:
        requirements += [arg for provider in PROVIDERS for arg in ("-e", provider)]
        _say(
            f"installing payments-core[{RUN_EXTRAS}], payments-dummy, payments-bog[sandbox] "
            "and payments-tbc[sandbox] (editable; [journal] brings SQLAlchemy for the "
            "journal, [sandbox] the emulators' web stack)"
        )
    if DEV in layers:
        _say(
            f"installing payments-core's extras [{DEV_EXTRAS}] "
            "(test, lint and docs tools, the web frameworks, psycopg)"
        )
    pip: list[str | Path] = [PYTHON, "-m", "pip", "install", "--disable-pip-version-check"]
    constraints = ROOT / "constraints.txt"
    if constraints.exists():
        _say("versions pinned by constraints.txt; pip's own progress follows")
        pip += ["-c", constraints]
    started = time.monotonic()
    _run(*pip, *requirements)
    _say(f"installed in {time.monotonic() - started:.0f} s")


def setup(layer: str = DEV) -> None:
    """Make ``.venv`` hold ``layer`` (``dev`` includes ``run``) as the files say now."""
    if sys.version_info < (3, 11):
        sys.exit("payments-core needs Python 3.11 or newer")
    if not PYTHON.exists():
        _say("creating .venv ...")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = _fingerprint()
    if _is_current(layer, wanted):
        return
    needed = [RUN] if layer == RUN else [DEV] if _is_current(RUN, wanted) else [RUN, DEV]
    _pip_install(needed)
    OLD_STAMP.unlink(missing_ok=True)
    for done in needed:
        _stamp(done).write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    job, rest = argv[0], argv[1:]
    if job not in JOB_LAYER:
        print(f"unknown job {job!r}; see --help", file=sys.stderr)
        return 2
    setup(JOB_LAYER[job])
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if job == "setup":
        return 0
    if job == "demo":
        return subprocess.call([str(BIN / "payments"), "demo", *rest], cwd=ROOT, env=env)
    if job == "test":
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT, env=env)
    if job == "shop":
        return subprocess.call([str(PYTHON), "-m", "examples.shop", *rest], cwd=ROOT, env=env)
    if job == "docs":
        args = rest or ["build", "--strict", "--site-dir", "site"]
        return subprocess.call([str(BIN / "mkdocs"), *args], cwd=ROOT, env=env)
    if job == "lint":
        checks = [
            [str(BIN / "ruff"), "check", "."],
            [str(BIN / "ruff"), "format", "--check", "."],
            [str(BIN / "mypy")],
        ]
        return max(subprocess.call(check, cwd=ROOT, env=env) for check in checks)
    raise AssertionError(f"no runner for job {job!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
