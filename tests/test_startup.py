"""What a fresh process imports to build one gateway: only that gateway's provider.

``Payments("dummy")`` looks the provider up by name, which loads that one entry
point; the other installed providers, stevedore (used to list every provider),
the BOG facades and the emulators' web stack stay unimported. Each check runs
in a new interpreter, so nothing this test session imported can hide a regression.
Listing the providers still loads them all (tests/test_registry.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

NEVER_IMPORTED_FOR_A_GATEWAY = ("starlette", "uvicorn", "stevedore")


def _modules_after(code: str, *, autoload: bool = False) -> set[str]:
    """The top-level and provider modules a new interpreter has imported after ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAYMENTS_", "BOG_", "TBC_"))}
    if not autoload:
        env["PAYMENTS_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _imported(modules: set[str], package: str) -> bool:
    return any(m == package or m.startswith(package + ".") for m in modules)


def test_importing_the_core_loads_no_provider_and_no_emulator() -> None:
    modules = _modules_after("import payments_core")

    for package in (
        "payments_bog",
        "payments_tbc",
        "payments_dummy",
        *NEVER_IMPORTED_FOR_A_GATEWAY,
    ):
        assert not _imported(modules, package), package
    assert not _imported(modules, "cryptography")


def test_importing_the_core_loads_no_network_stack_config_parser_or_database() -> None:
    # httpcore comes with the first network client (the deadline's wrappers wait for
    # it), tomllib with the first configuration file, the journal's database drivers
    # with the first journal.
    modules = _modules_after("import payments_core")

    for package in ("httpcore", "tomllib", "sqlalchemy", "psycopg", "cryptography"):
        assert not _imported(modules, package), package


def test_a_dummy_gateway_loads_only_the_dummy_provider() -> None:
    modules = _modules_after("from payments_core import Payments\nPayments('dummy').close()")

    assert _imported(modules, "payments_dummy")
    for package in ("payments_bog", "payments_tbc", "cryptography", *NEVER_IMPORTED_FOR_A_GATEWAY):
        assert not _imported(modules, package), package


def test_a_bog_gateway_loads_the_bog_provider_without_its_facades_or_emulator() -> None:
    pytest.importorskip("payments_bog")
    modules = _modules_after(
        "from payments_core import Payments\n"
        "Payments('bog', client_id='a', client_secret='b').close()"
    )

    assert "payments_bog.provider" in modules
    for module in ("payments_bog.api", "payments_bog.sandbox"):
        assert module not in modules, module
    for package in ("payments_tbc", "payments_dummy", *NEVER_IMPORTED_FOR_A_GATEWAY):
        assert not _imported(modules, package), package


def test_the_provider_packages_still_export_their_names() -> None:
    pytest.importorskip("payments_bog")
    pytest.importorskip("payments_tbc")
    import payments_bog
    import payments_tbc

    for package in (payments_bog, payments_tbc):
        for name in package.__all__:
            assert getattr(package, name) is not None, f"{package.__name__}.{name}"
            assert name in dir(package)
        with pytest.raises(AttributeError):
            package.no_such_name  # noqa: B018


def test_a_bog_gateway_defers_the_tls_context_asyncio_and_cryptography() -> None:
    # The default httpx.Client (httpcore, certifi, a TLS context) is made on the first
    # call, asyncio only by the async facade, cryptography with the first callback.
    pytest.importorskip("payments_bog")
    modules = _modules_after(
        "from payments_core import Payments\nPayments('bog', client_id='a', client_secret='b')"
    )

    for package in ("asyncio", "httpcore", "certifi", "cryptography", "payments_bog.callbacks"):
        assert not _imported(modules, package), package


def test_a_bog_gateway_is_built_without_bogs_wire_models_and_flows() -> None:
    # Building a gateway is what every process does at start; BOG's pydantic wire
    # models and its operation modules load with the first call instead.
    pytest.importorskip("payments_bog")
    modules = _modules_after(
        "from payments_core import Payments\n"
        "Payments('bog', client_id='c', client_secret='s').close()"
    )

    assert "payments_bog.provider" in modules
    for module in (
        "payments_bog.wire",
        "payments_bog.operations",
        "payments_bog.own_operations",
        "payments_bog.orders",
        "payments_bog.receipt",
    ):
        assert module not in modules, module


def test_importing_the_core_imports_what_it_exports_only_when_asked() -> None:
    # ``payments_core.X`` and ``from payments_core import X`` import X's module on first
    # use (tests/test_public_api.py checks every name is there).
    modules = _modules_after("import payments_core")

    loaded = sorted(m for m in modules if m.startswith("payments_core."))
    assert loaded == ["payments_core.exports"]  # the first-use machinery itself
    for package in ("httpx", "pydantic", "pluggy"):
        assert not _imported(modules, package), package


def test_a_bog_gateway_loads_neither_the_async_facade_nor_the_configuration_readers() -> None:
    pytest.importorskip("payments_bog")
    modules = _modules_after(
        "from payments_core import Payments\nPayments('bog', client_id='a', client_secret='b')"
    )

    for module in (
        "payments_core.gateway.asynchronous",
        "payments_core.drivers.async_driver",
        "payments_core.config",
    ):
        assert module not in modules, module


def test_a_bog_gateway_reads_entry_points_without_importlib_metadata_pluggy_or_a_validator() -> (
    None
):
    # The provider is looked up by name and the hook plugins listed from the
    # distributions' files (payments_core.registry.declared); the pluggy manager waits
    # for a first plugin; plain credentials are checked without building pydantic's
    # validator, whose first build scans every distribution for pydantic plugins.
    pytest.importorskip("payments_bog")
    if entry_points(group="payments_core.plugins"):
        pytest.skip("a hook plugin is installed here: loading it needs pluggy")
    modules = _modules_after(
        "from payments_core import Payments\n"
        "Payments('bog', client_id='a', client_secret='b')\n"
        "from payments_bog.settings import BogSettings\n"
        "assert not BogSettings.__pydantic_complete__, 'the settings validator was built'",
        autoload=True,
    )

    for package in ("importlib.metadata", "pluggy", "pydantic.plugin._loader", "stevedore"):
        assert not _imported(modules, package), package
