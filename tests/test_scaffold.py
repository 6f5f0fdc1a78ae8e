"""``create_provider_package`` writes a provider package that works out of the box.

The generated package is checked the way its author would use it: its own tests
(conformance suite included) pass, its code is lint-clean, it installs as a wheel
and registers its entry point; bad names and existing directories are refused.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from payments_core import ConfigurationError, InvalidRequestError
from payments_core.scaffold import TEMPLATE_FILES, create_provider_package, provider_names
from payments_core.testing import SCENARIOS, check_provider_class

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

GENERATED = {
    "README.md",
    "pyproject.toml",
    "payments_acme/__init__.py",
    "payments_acme/provider.py",
    "payments_acme/py.typed",
    "tests/conftest.py",
    "tests/test_conformance.py",
    "tests/test_provider.py",
}


NOT_APPLICABLE = 7
"""Scenarios the kit skips for the generated provider, from its declaration: five about
capture and void (not declared), the one for gateways without idempotency keys (it
honours them), and the one for callbacks read back (it verifies signatures)."""


def files_under(directory: Path) -> set[str]:
    return {
        path.relative_to(directory).as_posix()
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_package_is_named_after_the_provider(tmp_path: Path) -> None:
    package = create_provider_package("acme", tmp_path)

    assert package == tmp_path / "payments-acme"
    assert files_under(package) == GENERATED
    pyproject = (package / "pyproject.toml").read_text()
    assert 'name = "payments-acme"' in pyproject
    assert 'acme = "payments_acme:AcmeProvider"' in pyproject
    assert '"payments-core>=' in pyproject
    assert 'build-backend = "hatchling.build"' in pyproject
    assert "$" not in "".join((package / name).read_text() for name in GENERATED)


def test_every_spelling_follows_from_the_name() -> None:
    names = provider_names("my_gateway")

    assert (names.module, names.dist_name, names.directory) == (
        "payments_my_gateway",
        "my-gateway",
        "payments-my-gateway",
    )
    assert (names.class_prefix, names.title, names.env_prefix) == (
        "MyGateway",
        "My Gateway",
        "MY_GATEWAY_",
    )


def test_the_generated_package_passes_its_own_tests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = create_provider_package("acme", pytester.path)
    monkeypatch.syspath_prepend(str(package))

    # Its own configuration, but module names rooted above it: an in-process run must
    # not mistake its tests/conftest.py for this repository's (both "tests.conftest").
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-p", "no:asyncio",
        "-c", str(package / "pyproject.toml"), "--rootdir", str(pytester.path), str(package),
    )  # fmt: skip

    # every scenario but the ones that do not apply, plus five unit tests of its own
    result.assert_outcomes(passed=len(SCENARIOS) - NOT_APPLICABLE + 5, skipped=NOT_APPLICABLE)
    result.stdout.fnmatch_lines(["*does not declare Capability.CAPTURE*"])


@pytest.fixture
def import_generated(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path, str], Any]]:
    """Import a generated package for one test, and forget it afterwards."""
    before = set(sys.modules)

    def load(package: Path, module: str) -> Any:
        monkeypatch.syspath_prepend(str(package))
        return importlib.import_module(module)

    yield load
    for name in set(sys.modules) - before:
        if name.startswith("payments_acme"):
            del sys.modules[name]


def test_the_generated_provider_is_well_formed(
    tmp_path: Path, import_generated: Callable[[Path, str], Any]
) -> None:
    package = create_provider_package("acme_pay", tmp_path)

    provider_class = import_generated(package, "payments_acme_pay").AcmePayProvider

    assert check_provider_class(provider_class) == []
    assert (provider_class.name, provider_class.env_prefix) == ("acme_pay", "ACME_PAY_")


@pytest.mark.skipif(not (BIN / "ruff").exists(), reason="ruff is not installed next to python")
def test_the_generated_code_is_lint_clean(tmp_path: Path) -> None:
    package = create_provider_package("acme", tmp_path)

    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        done = subprocess.run(
            [str(BIN / "ruff"), *command], cwd=package, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None, reason="hatchling is not installed"
)
def test_the_generated_package_installs_and_registers_its_provider(tmp_path: Path) -> None:
    package = create_provider_package("acme", tmp_path / "src")
    site = tmp_path / "site"

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(site),
            str(package),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    probe = (
        "from payments_core import Payments\n"
        "with Payments('acme', api_key='k', autoload_plugins=False) as payments:\n"
        "    print(type(payments.provider).__module__, sorted(payments.capabilities))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("payments_acme.provider [<Capability.CREATE")
    assert (site / "payments_acme" / "py.typed").exists()


@pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None, reason="hatchling is not installed"
)
def test_the_templates_ship_in_the_payments_core_wheel() -> None:
    from hatchling.builders.wheel import WheelBuilder

    shipped = {f.distribution_path for f in WheelBuilder(str(ROOT)).recurse_included_files()}

    for template, _output in TEMPLATE_FILES:
        assert f"payments_core/scaffold/templates/{template}" in shipped


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Acme", "lowercase identifier"),
        ("acme-pay", "lowercase identifier"),
        ("1acme", "lowercase identifier"),
        ("acme__pay", "lowercase identifier"),
        ("acme_", "lowercase identifier"),
        ("", "lowercase identifier"),
        ("a" * 41, "at most 40 characters"),
        ("core", "payments_core is payments-core itself"),
    ],
)
def test_a_bad_name_is_refused_before_anything_is_written(
    tmp_path: Path, name: str, why: str
) -> None:
    with pytest.raises(InvalidRequestError, match=why) as raised:
        create_provider_package(name, tmp_path)

    assert raised.value.field == "name"
    assert list(tmp_path.iterdir()) == []


def test_a_name_that_is_not_a_string_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match="must be a string"):
        create_provider_package(42, tmp_path)  # type: ignore[arg-type]


def test_an_existing_package_is_kept_unless_forced(tmp_path: Path) -> None:
    package = create_provider_package("acme", tmp_path)
    (package / "README.md").write_text("my notes")
    (package / "CHANGELOG.md").write_text("mine")

    with pytest.raises(ConfigurationError, match="already exists"):
        create_provider_package("acme", tmp_path)
    assert (package / "README.md").read_text() == "my notes"

    assert create_provider_package("acme", tmp_path, force=True) == package
    assert (package / "README.md").read_text().startswith("# payments-acme")
    assert (package / "CHANGELOG.md").read_text() == "mine"


def test_a_file_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "payments-acme").write_text("")

    with pytest.raises(ConfigurationError, match="not a directory"):
        create_provider_package("acme", tmp_path, force=True)


def test_a_missing_target_directory_is_created(tmp_path: Path) -> None:
    package = create_provider_package("acme", tmp_path / "new" / "place")

    assert files_under(package) == GENERATED
