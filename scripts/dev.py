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
    python3 scripts/dev.py setup         # only build/refresh .venv

The environment is rebuilt only when a packaging file changed since the last
install, so repeated runs start at once.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".payments-install-stamp"
PACKAGING_FILES = [
    "pyproject.toml",
    "constraints.txt",
    "providers/dummy/pyproject.toml",
    "providers/bog/pyproject.toml",
    "providers/tbc/pyproject.toml",
]


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in PACKAGING_FILES:
        path = ROOT / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def setup() -> None:
    if sys.version_info < (3, 11):
        sys.exit("payments-core needs Python 3.11 or newer")
    if not PYTHON.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print(
        "installing payments-core, payments-dummy, payments-bog, payments-tbc into .venv ...",
        flush=True,
    )
    pip = [PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    constraints = ROOT / "constraints.txt"
    if constraints.exists():
        pip += ["-c", constraints]
    _run(
        *pip,
        "-e",
        ".[dev,docs]",
        "-e",
        "providers/dummy",
        "-e",
        "providers/bog",
        "-e",
        "providers/tbc",
    )
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    job, rest = argv[0], argv[1:]
    setup()
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
    print(f"unknown job {job!r}; see --help", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
