"""The "Write your own provider" page builds a provider package that works.

An acceptance criterion of the project: a provider package written only from
``docs/extending/write-a-provider.md``, outside this repository, installs with pip,
shows up in ``payments providers``, is selected by configuration, and runs the
conformance suite. The page shows each file of its Acme Pay package whole, as one
fenced block titled ``payments-acme/<path>``. This test writes those blocks out,
installs the package with pip (offline, no dependencies, into a scratch ``--target``
directory) and checks it the way its author would, each time in a fresh interpreter.

Two more rules keep the page honest: the ``<!-- no-run -->`` samples that are not
files (they need the package installed, so ``test_docs`` cannot run them) run here,
their output checked against their ``# comments``; and the excerpts that explain the
provider module part by part are copied from the whole file, so they cannot drift.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from payments_core.testing import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "extending" / "write-a-provider.md"
PACKAGE = "payments-acme"
FILES = {
    "pyproject.toml",
    "payments_acme/__init__.py",
    "payments_acme/provider.py",
    "tests/conftest.py",
    "tests/test_conformance.py",
}
EXCERPTS_SECTION = "The provider module"
"""The section whose untitled samples are excerpts of ``payments_acme/provider.py``."""
NOT_APPLICABLE = 7
"""Scenarios the kit skips for Acme Pay, from what it declares: the five about capture and
void (not declared), the one for gateways without idempotency keys (Acme Pay honours
them), and the one for callbacks verified by reading back (Acme Pay signs them)."""

NO_RUN = "<!-- no-run -->"
FENCE = re.compile(r"^(?P<fence>`{3,})\s*(?P<info>[^`]*)$")
TITLE = re.compile(r"""title=["'](?P<title>[^"']+)["']""")
COMMENTED_PRINT = re.compile(r"^print\(.*\)  # (?P<expected>.+)$")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None,
    reason="hatchling is not installed (pip builds the package with it, offline)",
)


@dataclass(frozen=True)
class Block:
    line: int
    language: str
    title: str | None
    section: str
    no_run: bool
    code: str


def blocks() -> list[Block]:
    """The page's fenced blocks, with the ``##`` section each sits in."""
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    section = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = FENCE.match(line)
        if opening is None:
            if line.startswith("## "):
                section = line[3:].strip()
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == opening["fence"])
        info = opening["info"].strip()
        title = TITLE.search(info)
        previous = next((row.strip() for row in reversed(lines[:index]) if row.strip()), "")
        found.append(
            Block(
                line=index + 1,
                language=(info.split() or [""])[0],
                title=title["title"] if title else None,
                section=section,
                no_run=previous == NO_RUN,
                code="\n".join(lines[index + 1 : end]) + "\n",
            )
        )
        index = end + 1
    return found


def package_files() -> dict[str, str]:
    """``path inside the package -> content`` of every block titled ``payments-acme/...``."""
    files: dict[str, str] = {}
    for block in blocks():
        if block.title and block.title.startswith(f"{PACKAGE}/"):
            path = block.title.removeprefix(f"{PACKAGE}/")
            assert path not in files, f"{PAGE.name}:{block.line}: {path} is shown twice"
            files[path] = block.code
    return files


def installed_samples() -> list[Block]:
    """The page's python samples that need the package installed (no-run, not files)."""
    return [
        block
        for block in blocks()
        if block.language == "python"
        and block.no_run
        and block.title is None
        and block.section != EXCERPTS_SECTION
    ]


@dataclass(frozen=True)
class Installed:
    package: Path
    """The package's directory, as written from the page."""
    env: dict[str, str]
    """An environment whose ``PYTHONPATH`` starts with the ``--target`` directory."""

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            cwd=self.package.parent,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The page's package, written out and installed with pip into a scratch directory."""
    root = tmp_path_factory.mktemp("guide")
    package = root / PACKAGE
    for path, code in package_files().items():
        target = package / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    site = root / "site"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(site),
            str(package),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"pip could not install the page's package:\n{done.stderr}"
    # A user's environment: nothing configured from the outside, pytest's defaults.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PAYMENTS_", "ACME_", "PYTEST_"))
    }
    env["PYTHONPATH"] = os.pathsep.join([str(site), *(entry for entry in sys.path if entry)])
    return Installed(package=package, env=env)


def test_the_page_shows_every_file_of_the_package_once() -> None:
    assert set(package_files()) == FILES


def test_payments_providers_lists_it_with_its_capabilities(installed: Installed) -> None:
    done = installed.run("-m", "payments_core.cli", "providers", "--json")

    assert done.returncode == 0, done.stderr
    listed = {entry["name"]: entry for entry in json.loads(done.stdout)}
    assert "acme" in listed, f"payments providers does not list acme: {sorted(listed)}"
    assert listed["acme"]["error"] is None
    assert listed["acme"]["source"] == "payments_acme:AcmeProvider"
    assert listed["acme"]["capabilities"] == [
        "create",
        "partial_refund",
        "refund",
        "retrieve",
        "webhooks",
    ]


def test_configuration_selects_it(installed: Installed) -> None:
    probe = textwrap.dedent(
        """
        from payments_core import Payments

        config = {"provider": "acme", "api_key": "sk_probe_1", "webhook_secret": "whsec_probe_1"}
        with Payments.from_config(config) as payments:
            print(payments.provider.name, type(payments.provider).__module__)
        """
    )
    done = installed.run("-c", probe)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["acme", "payments_acme.provider"]


def test_its_conformance_suite_passes(installed: Installed) -> None:
    tests = installed.package / "tests"
    done = installed.run("-m", "pytest", str(tests), "-q", "-rs", "-p", "no:cacheprovider")

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|skipped|failed)", output)}
    assert counts.get("failed", 0) == 0, output
    assert counts.get("passed") == len(SCENARIOS) - NOT_APPLICABLE, output
    assert counts.get("skipped") == NOT_APPLICABLE, output
    assert "does not declare Capability.CAPTURE" in output
    assert "honours_idempotency_keys = True" in output
    assert "by their signature" in output


def test_the_samples_that_need_the_package_run_as_shown(installed: Installed) -> None:
    samples = installed_samples()
    assert samples, "the page shows no sample of the installed provider"
    for sample in samples:
        done = installed.run("-c", sample.code)

        where = f"{PAGE.name}:{sample.line}"
        assert done.returncode == 0, f"the sample at {where} failed:\n{done.stderr}"
        expected = [
            match["expected"]
            for line in sample.code.splitlines()
            if (match := COMMENTED_PRINT.match(line.strip()))
        ]
        assert done.stdout.splitlines() == expected, where


def test_the_excerpts_are_copied_from_the_provider_module() -> None:
    module = package_files()["payments_acme/provider.py"].splitlines()
    excerpts = [
        block
        for block in blocks()
        if block.section == EXCERPTS_SECTION and block.language == "python" and not block.title
    ]
    assert excerpts, f"no excerpts under {EXCERPTS_SECTION!r}"
    for excerpt in excerpts:
        wanted = textwrap.dedent(excerpt.code)
        size = len(wanted.splitlines())
        windows = (
            textwrap.dedent("\n".join(module[start : start + size]) + "\n")
            for start in range(len(module) - size + 1)
        )
        assert wanted in windows, f"{PAGE.name}:{excerpt.line} is not in provider.py as shown"
