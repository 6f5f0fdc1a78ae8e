"""The README's quickstart type-checks under ``mypy --strict``, as a user's code would.

A user copies the quickstart into a strictly typed project. Every name it uses
must be typed there: in particular the dummy's own methods (``complete``,
``webhook_for``), which the facade's ``provider`` (a ``PaymentProvider``) does not
have; the quickstart reaches them through ``payments_dummy.testing.dummy_of``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_docs import PYTHON, ROOT, fenced_blocks

pytest.importorskip("mypy", reason="install the dev extra: pip install -e '.[dev]'")


QUICKSTART_HEADING = "## A short example"


def quickstart() -> str:
    """The README's quickstart: the first python block under its heading."""
    readme = ROOT / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines()
    assert QUICKSTART_HEADING in lines, f"README.md has no {QUICKSTART_HEADING!r} heading"
    heading = lines.index(QUICKSTART_HEADING) + 1  # 1-based, like Block.line
    blocks = [b for b in fenced_blocks(readme) if b.language in PYTHON and b.line > heading]
    assert blocks, f"README.md has no python block under {QUICKSTART_HEADING!r}"
    return blocks[0].code


def test_the_readme_quickstart_passes_mypy_strict(tmp_path: Path) -> None:
    sample = tmp_path / "quickstart.py"
    sample.write_text(quickstart(), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            str(sample),
        ],
        cwd=tmp_path,  # no project configuration: the flags above are the whole setup
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
