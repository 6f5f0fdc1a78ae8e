"""The provider registry: entry points one by one, broken plugins isolated, clear errors."""

from __future__ import annotations

import pytest

from payments_core import (
    Capability,
    ConfigurationError,
    ErrorCode,
    PaymentProvider,
    Payments,
    ProviderSettings,
)
from payments_core.registry import ProviderRegistry
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
    with pytest.raises(ConfigurationError):
        registry.get("httpgw")


@pytest.mark.parametrize("thing", [object, str, 42])
def test_only_provider_classes_can_be_registered(thing: object) -> None:
    with pytest.raises(ConfigurationError):
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
    with pytest.raises(ConfigurationError):
        HttpTestProvider(ProviderSettings())


def test_settings_object_can_be_passed_with_overrides() -> None:
    base = HttpTestProvider.from_settings({"client_id": "a", "client_secret": CLIENT_SECRET})
    provider = HttpTestProvider.from_settings(base.settings, client_id="b")
    assert provider.settings.client_id == "b"
