"""The four distributions as a user gets them: built, checked, installed outside the repo.

* hatchling builds a wheel and an sdist of payments-core, payments-dummy, payments-bog
  and payments-tbc into a temporary directory (once per module);
* ``twine check --strict`` passes on all eight files, and every sdist holds only its own
  package (the core's carries no providers/, docs/, examples/, tests/ or benchmarks/);
* the wheels' metadata says what the pyproject files promise: version 0.2.0 from the
  package's ``__version__``, the providers' payments-core range, the emulators' web
  stack only behind ``[sandbox]``, the licence file;
* a fresh virtual environment outside the repository gets the core, dummy and bog
  wheels (no ``[sandbox]``) with their dependencies from the package index, pinned by
  ``constraints.txt``: Starlette and Uvicorn are not installed, the README's first
  example runs, and ``payments providers`` lists bog.

The install needs the package index. Without it the module is skipped on a developer's
machine, and fails under ``CI=true`` so that CI never passes without having run it.
"""

from __future__ import annotations

import email.parser
import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
VERSION = "0.2.0"
CORE_RANGE = "payments-core<0.3,>=0.2"
WEB_STACK = ("starlette", "uvicorn")

REQUIRED = os.environ.get("CI", "").lower() in ("1", "true", "yes")
"""CI sets CI=true: there a missing tool or index fails the module instead of skipping it."""

pytestmark = pytest.mark.packaging


@dataclass(frozen=True)
class Distribution:
    name: str
    project: Path
    package: str

    @property
    def stem(self) -> str:
        return f"{self.name.replace('-', '_')}-{VERSION}"


DISTRIBUTIONS = [
    Distribution("payments-core", ROOT, "payments_core"),
    Distribution("payments-dummy", ROOT / "providers" / "dummy", "payments_dummy"),
    Distribution("payments-bog", ROOT / "providers" / "bog", "payments_bog"),
    Distribution("payments-tbc", ROOT / "providers" / "tbc", "payments_tbc"),
]
BY_NAME = {dist.name: dist for dist in DISTRIBUTIONS}
PROVIDERS = [dist for dist in DISTRIBUTIONS if dist.name != "payments-core"]

SDIST_EXTRAS = {"README.md", "LICENSE", "pyproject.toml", "PKG-INFO", ".gitignore"}
"""What an sdist may hold besides its package (hatchling adds PKG-INFO and .gitignore)."""


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (CI=true: the packaging tests must run)", pytrace=False)
    pytest.skip(reason)


def _run(*args: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# -- building -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel and an sdist of every distribution, built by hatchling without isolation."""
    if importlib.util.find_spec("hatchling") is None:
        _unavailable("hatchling is not installed (payments-core's dev extra has it)")
    out = tmp_path_factory.mktemp("dist")
    for dist in DISTRIBUTIONS:
        built = _run(sys.executable, "-m", "hatchling", "build", "-d", out, cwd=dist.project)
        assert built.returncode == 0, f"hatchling could not build {dist.name}:\n{built.stderr}"
    return out


def _wheel(dist_dir: Path, dist: Distribution) -> Path:
    return dist_dir / f"{dist.stem}-py3-none-any.whl"


def _sdist(dist_dir: Path, dist: Distribution) -> Path:
    return dist_dir / f"{dist.stem}.tar.gz"


def _metadata(wheel: Path) -> email.message.Message:
    name = wheel.name.split("-py3")[0]
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(f"{name}.dist-info/METADATA").decode()
    return email.parser.Parser().parsestr(text)


def test_every_distribution_builds_a_wheel_and_an_sdist_of_version_0_2_0(
    dist_dir: Path,
) -> None:
    expected = {_wheel(dist_dir, d).name for d in DISTRIBUTIONS}
    expected |= {_sdist(dist_dir, d).name for d in DISTRIBUTIONS}

    assert {path.name for path in dist_dir.iterdir()} == expected


def test_twine_check_strict_passes_on_every_wheel_and_sdist(dist_dir: Path) -> None:
    if importlib.util.find_spec("twine") is None:
        _unavailable("twine is not installed (payments-core's dev extra has it)")
    files = sorted(dist_dir.iterdir())

    checked = _run(sys.executable, "-m", "twine", "check", "--strict", *files, cwd=dist_dir)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == len(files) == 8, checked.stdout


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: d.name)
def test_an_sdist_holds_only_its_own_package(dist_dir: Path, dist: Distribution) -> None:
    with tarfile.open(_sdist(dist_dir, dist)) as archive:
        names = archive.getnames()
    top = {name.split("/")[1] for name in names if name.count("/") >= 1}

    assert all(name.startswith(f"{dist.stem}/") for name in names)
    assert top == {dist.package} | SDIST_EXTRAS
    assert not top & {"providers", "docs", "examples", "tests", "benchmarks", "site"}
    assert f"{dist.stem}/{dist.package}/py.typed" in names


def test_the_core_sdist_carries_no_providers_docs_or_examples(dist_dir: Path) -> None:
    with tarfile.open(_sdist(dist_dir, BY_NAME["payments-core"])) as archive:
        names = archive.getnames()
    inside = [name.partition("/")[2] for name in names]
    unwanted = ("providers", "docs", "examples", "tests", "benchmarks", "mkdocs.yml", "scripts")

    assert [name for name in inside if name.startswith(unwanted)] == []
    assert [name for name in inside if re.search(r"payments_(bog|tbc|dummy)\b", name)] == []
    assert f"payments_core-{VERSION}/payments_core/scaffold/templates/pyproject.toml.tmpl" in (
        names
    )


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: d.name)
def test_wheel_metadata_is_complete(dist_dir: Path, dist: Distribution) -> None:
    metadata = _metadata(_wheel(dist_dir, dist))
    classifiers = metadata.get_all("Classifier") or []
    urls = {url.split(",")[0] for url in metadata.get_all("Project-URL") or []}

    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().startswith(f"# {dist.name}\n")
    assert urls == {"Homepage", "Documentation", "Source", "Issues"}
    for classifier in (
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Typing :: Typed",
        "License :: OSI Approved :: MIT License",
        "Topic :: Office/Business :: Financial",
    ):
        assert classifier in classifiers
    assert ("Framework :: Pytest" in classifiers) == (dist.name == "payments-core")
    with zipfile.ZipFile(_wheel(dist_dir, dist)) as archive:
        licence = archive.read(f"{dist.stem}.dist-info/licenses/LICENSE")
    assert licence == (ROOT / "LICENSE").read_bytes()


@pytest.mark.parametrize("dist", PROVIDERS, ids=lambda d: d.name)
def test_a_provider_pins_the_core_range_and_keeps_the_web_stack_behind_sandbox(
    dist_dir: Path, dist: Distribution
) -> None:
    requires = _metadata(_wheel(dist_dir, dist)).get_all("Requires-Dist") or []
    unconditional = [req for req in requires if ";" not in req]
    web = [req for req in requires if req.startswith(WEB_STACK)]

    assert CORE_RANGE in unconditional
    assert not [req for req in unconditional if req.startswith(WEB_STACK)]
    if dist.name == "payments-dummy":
        assert unconditional == [CORE_RANGE]
        assert web == []
    else:
        assert sorted(req.split(">=")[0] for req in web) == list(WEB_STACK)
        assert all(req.endswith("; extra == 'sandbox'") for req in web), web


@pytest.mark.parametrize("dist", PROVIDERS, ids=lambda d: d.name)
def test_a_provider_ships_the_repository_licence(dist: Distribution) -> None:
    assert (dist.project / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()


# -- the provider packages never load the emulators by themselves -----------------------------


def test_importing_the_providers_loads_no_web_stack_even_where_it_is_installed() -> None:
    """In the development environment Starlette is there; nothing may import it unasked."""
    probe = (
        "import sys\n"
        "import payments_bog, payments_tbc, payments_dummy\n"
        "from payments_bog import BogProvider\n"
        "from payments_tbc import TbcProvider\n"
        "from click.testing import CliRunner\n"
        "from payments_core.cli import main\n"
        "result = CliRunner().invoke(main, ['providers'])\n"
        "assert result.exit_code == 0, result.output\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn')\n"
        "                or m.startswith(('payments_bog.sandbox', 'payments_tbc.sandbox')))\n"
        "print(loaded)\n"
    )

    done = _run(sys.executable, "-c", probe, cwd=ROOT)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# -- a user's fresh environment -------------------------------------------------------------


@dataclass(frozen=True)
class UserVenv:
    root: Path
    bin: Path
    home: Path
    """A working directory outside the repository."""

    @property
    def python(self) -> Path:
        return self.bin / ("python.exe" if os.name == "nt" else "python")


@pytest.fixture(scope="module")
def user_venv(tmp_path_factory: pytest.TempPathFactory, dist_dir: Path) -> UserVenv:
    """core + dummy + bog wheels (no [sandbox]) in a new venv; dependencies from the index."""
    root = tmp_path_factory.mktemp("user-venv")
    assert not root.resolve().is_relative_to(ROOT)
    venv.EnvBuilder(with_pip=True, clear=True).create(root / "venv")
    home = root / "shop"
    home.mkdir()
    env = UserVenv(root / "venv", root / "venv" / ("Scripts" if os.name == "nt" else "bin"), home)
    wheels = [_wheel(dist_dir, BY_NAME[name]) for name in ("payments-core", "payments-dummy")]
    wheels.append(_wheel(dist_dir, BY_NAME["payments-bog"]))
    installed = _run(
        env.python,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "-c",
        CONSTRAINTS,
        *wheels,
        cwd=home,
        timeout=300,
    )
    if installed.returncode != 0:
        output = installed.stdout + installed.stderr
        if not _index_reachable(env, root):
            _unavailable(f"pip cannot reach the package index:\n{output[-2000:]}")
        pytest.fail(f"pip could not install the wheels:\n{output[-4000:]}", pytrace=False)
    return env


def _index_reachable(env: UserVenv, root: Path) -> bool:
    """Whether pip gets a pinned dependency from the index: tells a failed install caused
    by the network (pip reports it as an unresolvable conflict with the pins) from one
    caused by the packages."""
    probe = _run(
        env.python,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--no-deps",
        "-c",
        CONSTRAINTS,
        "-d",
        root / "probe",
        "click",
        cwd=env.home,
    )
    return probe.returncode == 0


def _readme_example() -> str:
    """The README's first ```python block, as tests/test_docs.py reads it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^```python[^\n]*\n(?P<code>.*?)^```\s*$", text, re.DOTALL | re.MULTILINE)
    assert found, "README.md has no python block"
    return found["code"]


def test_a_production_install_of_bog_has_no_web_stack(user_venv: UserVenv) -> None:
    listed = _run(user_venv.python, "-m", "pip", "list", "--format=json", cwd=user_venv.home)
    installed = {entry["name"].lower(): entry["version"] for entry in json.loads(listed.stdout)}
    probe = (
        "import importlib.util, payments_bog, payments_core\n"
        "from payments_bog import BogProvider\n"
        "print(payments_core.__file__)\n"
        "print(payments_core.__version__, payments_bog.__version__)\n"
        "print([m for m in ('starlette', 'uvicorn') if importlib.util.find_spec(m)])\n"
    )

    done = _run(user_venv.python, "-c", probe, cwd=user_venv.home)

    assert installed["payments-core"] == installed["payments-bog"] == VERSION
    assert not set(WEB_STACK) & set(installed), sorted(installed)
    assert done.returncode == 0, done.stderr
    location, versions, web = done.stdout.splitlines()
    assert Path(location).is_relative_to(user_venv.root)  # the wheel, not the repository
    assert versions == f"{VERSION} {VERSION}"
    assert web == "[]"


def test_the_readme_example_runs_in_the_user_environment(user_venv: UserVenv) -> None:
    script = user_venv.home / "readme_example.py"
    script.write_text(_readme_example(), encoding="utf-8")

    done = _run(user_venv.python, script, cwd=user_venv.home, timeout=60)

    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first.startswith("pending https://")
    assert second == "captured"


def test_payments_providers_lists_bog_in_the_user_environment(user_venv: UserVenv) -> None:
    command = user_venv.bin / ("payments.exe" if os.name == "nt" else "payments")

    done = _run(command, "providers", "--json", cwd=user_venv.home, timeout=60)

    assert done.returncode == 0, done.stderr
    listed = {entry["name"]: entry for entry in json.loads(done.stdout)}
    assert sorted(listed) == ["bog", "dummy"]
    assert listed["bog"]["error"] is None
    assert listed["bog"]["source"] == "payments_bog:BogProvider"
    assert "refund" in listed["bog"]["capabilities"]
