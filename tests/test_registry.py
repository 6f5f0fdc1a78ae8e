"""The provider registry: entry points one by one, broken plugins isolated, clear errors."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import pytest

from payments_core import (
    Capability,
    ConfigurationError,
    ErrorCode,
    PaymentProvider,
    Payments,
    ProviderSettings,
)
from payments_core.registry import ProviderInfo, ProviderRegistry
from tests.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeGateway,
    HttpTestProvider,
    TempDistributions,
)

GOOD_PROVIDER = """
from payments_core import Capability, PaymentProvider


class GoodProvider(PaymentProvider):
    name = "good"
    capabilities = frozenset({Capability.CREATE, Capability.RETRIEVE})
"""

BROKEN_PROVIDER = """
raise RuntimeError("cannot import: missing native library")
"""

NOT_A_PROVIDER = """
class Something:
    pass
"""


@pytest.fixture
def provider_dists(temp_dists: TempDistributions) -> TempDistributions:
    good = temp_dists.module("good_provider", GOOD_PROVIDER)
    broken = temp_dists.module("broken_provider", BROKEN_PROVIDER)
    odd = temp_dists.module("odd_provider", NOT_A_PROVIDER)
    temp_dists.distribution(
        "payments-test-providers",
        {
            "payments_core.providers": {
                "good": f"{good}:GoodProvider",
                "broken": f"{broken}:BrokenProvider",
                "odd": f"{odd}:Something",
            }
        },
    )
    return temp_dists


# -- discovery --------------------------------------------------------------------------------


def test_a_provider_that_fails_to_import_is_listed_with_its_error(
    provider_dists: TempDistributions,
) -> None:
    infos = {info.name: info for info in ProviderRegistry().providers()}
    broken = infos["broken"]
    assert not broken.ok
    assert broken.provider_class is None
    assert broken.error is not None
    assert "RuntimeError" in broken.error
    assert "missing native library" in broken.error
    assert broken.source.endswith(":BrokenProvider")


def test_the_other_providers_still_work_beside_a_broken_one(
    provider_dists: TempDistributions,
) -> None:
    registry = ProviderRegistry()
    infos = {info.name: info for info in registry.providers()}
    good = infos["good"]
    assert good.ok
    assert good.capabilities == frozenset({Capability.CREATE, Capability.RETRIEVE})
    provider_class = registry.get("good")
    assert issubclass(provider_class, PaymentProvider)
    assert provider_class.name == "good"


def test_an_entry_point_that_is_not_a_provider_class_is_listed_as_failed(
    provider_dists: TempDistributions,
) -> None:
    odd = {info.name: info for info in ProviderRegistry().providers()}["odd"]
    assert not odd.ok
    assert odd.error is not None
    assert "not a PaymentProvider" in odd.error


def test_loading_a_broken_provider_by_name_says_why(provider_dists: TempDistributions) -> None:
    with pytest.raises(ConfigurationError, match="failed to load") as caught:
        ProviderRegistry().get("broken")
    assert caught.value.code is ErrorCode.PLUGIN_LOAD_FAILED
    assert caught.value.provider == "broken"
    assert "missing native library" in str(caught.value)


def test_providers_are_listed_sorted_by_name(provider_dists: TempDistributions) -> None:
    names = [info.name for info in ProviderRegistry().providers()]
    assert names == sorted(names)
    assert {"good", "broken", "odd"} <= set(names)


def test_refresh_finds_a_distribution_added_after_the_first_look(
    temp_dists: TempDistributions,
) -> None:
    registry = ProviderRegistry()
    assert "late" not in {info.name for info in registry.providers()}
    module = temp_dists.module("late_provider", GOOD_PROVIDER)
    temp_dists.distribution(
        "payments-late-provider", {"payments_core.providers": {"late": f"{module}:GoodProvider"}}
    )
    registry.refresh()
    assert "late" in {info.name for info in registry.providers()}


def test_a_new_registry_sees_a_distribution_added_after_another_registry_looked(
    temp_dists: TempDistributions,
) -> None:
    ProviderRegistry().providers()
    module = temp_dists.module("later_provider", GOOD_PROVIDER)
    temp_dists.distribution(
        "payments-later-provider",
        {"payments_core.providers": {"later": f"{module}:GoodProvider"}},
    )
    assert ProviderRegistry().get("later").name == "good"


# -- look-ups ---------------------------------------------------------------------------------


def test_an_unknown_provider_name_lists_the_installed_ones(registry: ProviderRegistry) -> None:
    with pytest.raises(ConfigurationError) as caught:
        registry.get("stripe")
    error = caught.value
    assert error.code is ErrorCode.PROVIDER_NOT_FOUND
    assert error.provider == "stripe"
    assert "'stripe'" in str(error)
    assert "httpgw" in str(error)


def test_an_unknown_provider_name_lists_installed_ones_and_marks_broken_ones(
    provider_dists: TempDistributions,
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ProviderRegistry().get("nope")
    installed = str(caught.value).split("installed providers:")[1]
    assert "good" in installed
    assert "broken (failed to load)" in installed


def test_a_facade_for_an_unknown_provider_fails_before_any_request(
    registry: ProviderRegistry, gateway: FakeGateway
) -> None:
    with pytest.raises(ConfigurationError, match="httpgw"):
        Payments("stripe", registry=registry, autoload_plugins=False)
    assert gateway.seen == []


# -- run-time registration -------------------------------------------------------------------


def test_a_provider_registered_at_run_time_is_found_by_name(registry: ProviderRegistry) -> None:
    assert registry.get("httpgw") is HttpTestProvider
    [info] = [info for info in registry.providers() if info.name == "httpgw"]
    assert info.source == "runtime"
    assert info.capabilities == HttpTestProvider.capabilities


def test_a_provider_can_be_registered_under_another_name() -> None:
    registry = ProviderRegistry()
    registry.register(HttpTestProvider, name="second-account")
    assert registry.get("second-account") is HttpTestProvider


def test_run_time_registration_wins_over_an_entry_point_of_the_same_name(
    provider_dists: TempDistributions,
) -> None:
    registry = ProviderRegistry()
    registry.register(HttpTestProvider, name="broken")
    assert registry.get("broken") is HttpTestProvider


def test_unregister_forgets_a_run_time_provider(registry: ProviderRegistry) -> None:
    registry.unregister("httpgw")
    with pytest.raises(ConfigurationError, match="unknown payment provider 'httpgw'") as caught:
        registry.get("httpgw")
    assert caught.value.code is ErrorCode.PROVIDER_NOT_FOUND


@pytest.mark.parametrize("thing", [object, str, 42])
def test_only_provider_classes_can_be_registered(thing: object) -> None:
    with pytest.raises(ConfigurationError, match="is not a PaymentProvider subclass"):
        ProviderRegistry().register(thing, name="x")  # type: ignore[arg-type]


def test_a_provider_class_without_a_name_cannot_be_registered() -> None:
    class Nameless(PaymentProvider):
        pass

    with pytest.raises(ConfigurationError, match="no name"):
        ProviderRegistry().register(Nameless)


# -- settings -------------------------------------------------------------------------------


def test_missing_settings_name_the_field_and_the_provider(
    registry: ProviderRegistry, gateway: FakeGateway
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Payments("httpgw", registry=registry, autoload_plugins=False, client_id=CLIENT_ID)
    error = caught.value
    assert error.code is ErrorCode.INVALID_SETTINGS
    assert error.provider == "httpgw"
    assert "client_secret" in str(error)
    assert "'httpgw'" in str(error)
    assert gateway.seen == []


def test_invalid_settings_name_the_field_and_never_echo_the_value(
    registry: ProviderRegistry,
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Payments(
            "httpgw",
            registry=registry,
            autoload_plugins=False,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            timeout="hunter2-not-a-number",
        )
    assert "timeout" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_unknown_settings_are_refused(registry: ProviderRegistry) -> None:
    with pytest.raises(ConfigurationError, match="client_secrte"):
        Payments(
            "httpgw",
            registry=registry,
            autoload_plugins=False,
            client_id=CLIENT_ID,
            client_secrte=CLIENT_SECRET,
        )


def test_a_secret_setting_of_the_wrong_type_is_not_echoed(registry: ProviderRegistry) -> None:
    with pytest.raises(ConfigurationError) as caught:
        HttpTestProvider.from_settings({"client_id": CLIENT_ID, "client_secret": ["s3cr3t-x"]})
    assert "client_secret" in str(caught.value)
    assert "s3cr3t-x" not in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [("timeout", 0), ("deadline", -1), ("max_retries", -1), ("max_retries", 11)],
)
def test_common_settings_are_bounded(field: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=field):
        HttpTestProvider.from_settings(
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, field: value}
        )


def test_a_provider_refuses_settings_of_another_model() -> None:
    with pytest.raises(ConfigurationError, match="needs HttpTestSettings, got ProviderSettings"):
        HttpTestProvider(ProviderSettings())


def test_settings_object_can_be_passed_with_overrides() -> None:
    base = HttpTestProvider.from_settings({"client_id": "a", "client_secret": CLIENT_SECRET})
    provider = HttpTestProvider.from_settings(base.settings, client_id="b")
    assert provider.settings.client_id == "b"


# -- malformed provider classes: only that provider breaks -----------------------------------

MALFORMED_PROVIDER = """
from payments_core import Capability, PaymentProvider, ProviderSettings


class MalformedProvider(PaymentProvider):
    name = "malformed"
    capabilities = frozenset({{Capability.CREATE}})
    {attribute} = {value}
"""


def malformed_dists(temp_dists: TempDistributions, attribute: str, value: str) -> None:
    good = temp_dists.module("good_provider", GOOD_PROVIDER)
    bad = temp_dists.module(
        "malformed_provider", MALFORMED_PROVIDER.format(attribute=attribute, value=value)
    )
    temp_dists.distribution(
        "payments-malformed-providers",
        {
            "payments_core.providers": {
                "good": f"{good}:GoodProvider",
                "malformed": f"{bad}:MalformedProvider",
            }
        },
    )


def infos_of(registry: ProviderRegistry) -> dict[str, ProviderInfo]:
    return {info.name: info for info in registry.providers()}


MALFORMED_CAPABILITIES = ["None", "5", "'create'", "['teleport']", "{Capability.CREATE: 1}"]


@pytest.mark.parametrize("value", MALFORMED_CAPABILITIES)
def test_a_provider_with_malformed_capabilities_is_listed_as_broken(
    temp_dists: TempDistributions, value: str
) -> None:
    malformed_dists(temp_dists, "capabilities", value)
    info = infos_of(ProviderRegistry())["malformed"]
    assert not info.ok
    assert info.provider_class is None
    assert info.error is not None
    assert "capabilities" in info.error
    assert info.source.endswith(":MalformedProvider")


@pytest.mark.parametrize("value", MALFORMED_CAPABILITIES)
def test_malformed_capabilities_do_not_stop_other_providers_loading(
    temp_dists: TempDistributions, value: str
) -> None:
    malformed_dists(temp_dists, "capabilities", value)
    registry = ProviderRegistry()
    assert registry.get("good").name == "good"
    with Payments("dummy", registry=registry, autoload_plugins=False) as payments:
        assert payments.provider.name == "dummy"


def test_unknown_capabilities_are_named_in_the_error(temp_dists: TempDistributions) -> None:
    malformed_dists(temp_dists, "capabilities", "frozenset({'create', 'teleport'})")
    error = infos_of(ProviderRegistry())["malformed"].error
    assert error is not None
    assert "'teleport'" in error
    assert "'create'" not in error.split("known:")[0]


def test_capabilities_given_as_strings_are_read_as_capabilities(
    temp_dists: TempDistributions,
) -> None:
    malformed_dists(temp_dists, "capabilities", "frozenset({'create', 'refund'})")
    info = infos_of(ProviderRegistry())["malformed"]
    assert info.ok
    assert info.capabilities == frozenset({Capability.CREATE, Capability.REFUND})


def test_looking_up_a_provider_with_malformed_capabilities_says_why(
    temp_dists: TempDistributions,
) -> None:
    malformed_dists(temp_dists, "capabilities", "None")
    with pytest.raises(ConfigurationError, match="capabilities must be a frozenset") as caught:
        ProviderRegistry().get("malformed")
    assert caught.value.code is ErrorCode.PLUGIN_LOAD_FAILED
    assert caught.value.provider == "malformed"


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("name", "5", "name must be a string"),
        ("name", "''", "no name"),
        ("settings_model", "dict", "settings_model must be a ProviderSettings subclass"),
        ("settings_model", "'settings'", "settings_model must be a ProviderSettings subclass"),
        ("settings_model", "ProviderSettings()", "settings_model must be a ProviderSettings"),
        ("env_prefix", "5", "env_prefix must be a string"),
        ("idempotency_header", "None", "idempotency_header must be"),
        ("sensitive_options", "'token'", "sensitive_options must be"),
        ("sensitive_options", "frozenset({1})", "sensitive_options must be"),
    ],
)
def test_a_provider_with_a_malformed_declaration_is_listed_as_broken_alone(
    temp_dists: TempDistributions, attribute: str, value: str, message: str
) -> None:
    malformed_dists(temp_dists, attribute, value)
    registry = ProviderRegistry()
    infos = infos_of(registry)
    assert infos["good"].ok
    error = infos["malformed"].error
    assert error is not None
    assert message in error


ABORTING_IMPORTS = {
    "assert": ("assert False, 'built for another platform'", "built for another platform"),
    "exit": ("import sys\nsys.exit('no licence file')", "no licence file"),
}


@pytest.mark.parametrize("kind", sorted(ABORTING_IMPORTS))
def test_an_import_that_asserts_or_exits_breaks_only_that_provider(
    temp_dists: TempDistributions, kind: str
) -> None:
    source, reason = ABORTING_IMPORTS[kind]
    good = temp_dists.module("good_provider", GOOD_PROVIDER)
    aborting = temp_dists.module("aborting_provider", source + "\n")
    temp_dists.distribution(
        "payments-aborting-provider",
        {
            "payments_core.providers": {
                "good": f"{good}:GoodProvider",
                "aborting": f"{aborting}:Provider",
            }
        },
    )
    infos = infos_of(ProviderRegistry())
    assert infos["good"].ok
    error = infos["aborting"].error
    assert error is not None
    assert reason in error


class _Malformed(PaymentProvider):
    name = "malformed-runtime"
    capabilities: ClassVar[Any] = None


def test_registering_a_class_with_malformed_capabilities_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="capabilities must be a frozenset"):
        ProviderRegistry().register(_Malformed)


def test_registering_a_class_whose_name_is_not_a_string_is_refused() -> None:
    class NumberName(PaymentProvider):
        name = 7  # type: ignore[assignment]

    with pytest.raises(ConfigurationError, match="name must be a string"):
        ProviderRegistry().register(NumberName)


def test_looking_up_a_name_that_is_not_a_string_is_refused(registry: ProviderRegistry) -> None:
    with pytest.raises(ConfigurationError, match="named by a string") as caught:
        registry.get(["httpgw"])  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.PROVIDER_NOT_FOUND


def test_names_lists_every_known_provider_sorted(provider_dists: TempDistributions) -> None:
    registry = ProviderRegistry()
    registry.register(HttpTestProvider)
    names = registry.names()
    assert names == sorted(names)
    assert {"good", "broken", "odd", "httpgw"} <= set(names)


# -- a provider module that uses the registry while it is being imported ----------------------

T = TypeVar("T")


def within(seconds: float, call: Callable[[], T]) -> T:
    """Run ``call`` on a daemon thread; fail (instead of hanging) if it does not finish."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # pragma: no cover - reported below
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds}s: a deadlock"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


CURIOUS_PROVIDER = """
import {holder}
from payments_core import Capability, PaymentProvider

SEEN = {holder}.REGISTRY.{call}


class CuriousProvider(PaymentProvider):
    name = "curious"
    capabilities = frozenset({{Capability.CREATE}})
"""


def curious_dists(temp_dists: TempDistributions, call: str) -> tuple[ProviderRegistry, str]:
    """A provider module that calls ``registry.<call>`` at import, during discovery."""
    holder = temp_dists.module("registry_holder", "REGISTRY = None\n")
    registry = ProviderRegistry()
    importlib.import_module(holder).REGISTRY = registry
    good = temp_dists.module("good_provider", GOOD_PROVIDER)
    curious = temp_dists.module(
        "curious_provider", CURIOUS_PROVIDER.format(holder=holder, call=call)
    )
    temp_dists.distribution(
        "payments-curious-providers",
        {
            "payments_core.providers": {
                "curious": f"{curious}:CuriousProvider",
                "good": f"{good}:GoodProvider",
            }
        },
    )
    return registry, curious


@pytest.mark.parametrize("call", ["names()", "providers()"])
def test_a_provider_listing_the_registry_at_import_does_not_deadlock_discovery(
    temp_dists: TempDistributions, call: str
) -> None:
    registry, module = curious_dists(temp_dists, call)
    infos = {info.name: info for info in within(10, registry.providers)}
    assert infos["curious"].ok, infos["curious"].error
    assert infos["good"].ok
    assert isinstance(importlib.import_module(module).SEEN, list)


def test_a_provider_getting_another_provider_at_import_receives_it(
    temp_dists: TempDistributions,
) -> None:
    registry, module = curious_dists(temp_dists, "get('good')")
    infos = {info.name: info for info in within(10, registry.providers)}
    assert infos["curious"].ok, infos["curious"].error
    assert importlib.import_module(module).SEEN is registry.get("good")


def test_a_provider_getting_a_missing_provider_at_import_is_listed_with_that_error(
    temp_dists: TempDistributions,
) -> None:
    registry, _ = curious_dists(temp_dists, "get('stripe')")
    infos = {info.name: info for info in within(10, registry.providers)}
    error = infos["curious"].error
    assert error is not None
    assert "unknown payment provider 'stripe'" in error
    assert infos["good"].ok


def test_the_registry_still_answers_after_a_provider_used_it_at_import(
    temp_dists: TempDistributions,
) -> None:
    registry, _ = curious_dists(temp_dists, "names()")
    within(10, registry.providers)
    assert within(10, lambda: registry.get("curious")).name == "curious"


def test_a_demo_whose_sandbox_extra_is_missing_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    from payments_core.errors import ErrorCode
    from payments_core.registry import discovery as registry_module

    def load() -> object:
        raise ModuleNotFoundError("No module named 'starlette'", name="starlette")

    fake = SimpleNamespace(load=load, dist=SimpleNamespace(name="payments-bog"))
    monkeypatch.setattr(registry_module, "entry_points", lambda **_: [fake])

    with pytest.raises(ConfigurationError) as failed:
        registry_module.load_entry_point("payments_core.demos", "bog", "demo")

    assert failed.value.code is ErrorCode.PLUGIN_LOAD_FAILED
    assert 'pip install "payments-bog[sandbox]"' in failed.value.message
