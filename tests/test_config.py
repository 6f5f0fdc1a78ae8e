"""Choosing gateways by configuration: mappings, TOML files and the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from payments_core import ConfigurationError, ErrorCode, Payments
from payments_core.config import GatewayConfig, load_config, load_env
from payments_core.registry import ProviderRegistry
from tests.conftest import CLIENT_ID, CLIENT_SECRET, FakeGateway, HttpTestProvider

SINGLE: dict[str, Any] = {"provider": "httpgw", "client_id": "a", "client_secret": "s"}

NAMED: dict[str, Any] = {
    "default": "main",
    "gateways": {
        "main": {"provider": "httpgw", "client_id": "main-id", "client_secret": "s1"},
        "backup": {"provider": "httpgw", "client_id": "backup-id", "client_secret": "s2"},
        "test": {"provider": "dummy"},
    },
}


# -- mappings ---------------------------------------------------------------------------------


def test_a_flat_mapping_is_one_gateway_named_default() -> None:
    table = load_config(SINGLE)
    assert table.default == "default"
    assert table.get() == GatewayConfig(
        name="default", provider="httpgw", settings={"client_id": "a", "client_secret": "s"}
    )


def test_named_gateways_with_a_default() -> None:
    table = load_config(NAMED)
    assert table.default == "main"
    assert table.get().name == "main"
    assert table.get().settings["client_id"] == "main-id"
    assert table.get("backup").settings["client_id"] == "backup-id"
    assert table.get("test").provider == "dummy"
    assert dict(table.get("test").settings) == {}


def test_without_a_default_the_gateway_named_default_is_chosen() -> None:
    table = load_config({"gateways": {"x": {"provider": "p"}, "default": {"provider": "q"}}})
    assert table.get().provider == "q"


def test_without_a_default_the_first_gateway_is_chosen() -> None:
    table = load_config({"gateways": {"x": {"provider": "p"}, "y": {"provider": "q"}}})
    assert table.get().name == "x"


def test_a_default_that_is_not_configured_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="'nope'"):
        load_config({"default": "nope", "gateways": {"main": {"provider": "p"}}})


def test_an_unknown_gateway_name_lists_the_configured_ones() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_config(NAMED).get("staging")
    message = str(caught.value)
    assert "'staging'" in message
    assert "backup, main, test" in message


def test_a_gateway_without_a_provider_is_refused_naming_it() -> None:
    with pytest.raises(ConfigurationError, match=r"'backup'.*provider"):
        load_config({"gateways": {"backup": {"client_id": "x"}}})


def test_a_flat_mapping_without_a_provider_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="provider"):
        load_config({"client_id": "x"})


@pytest.mark.parametrize("gateways", [{}, [], "main"])
def test_gateways_must_be_a_non_empty_table(gateways: Any) -> None:
    with pytest.raises(ConfigurationError, match="gateways"):
        load_config({"gateways": gateways})


def test_a_gateway_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="'main'"):
        load_config({"gateways": {"main": "httpgw"}})


def test_the_mapping_given_is_not_modified() -> None:
    source = {"provider": "httpgw", "client_id": "a"}
    load_config(source)
    assert source == {"provider": "httpgw", "client_id": "a"}


# -- TOML files -----------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "payments.toml"
    path.write_text(text)
    return path


def test_a_toml_file_with_one_gateway(tmp_path: Path) -> None:
    path = write(tmp_path, 'provider = "httpgw"\nclient_id = "10001"\ntimeout = 5.5\n')
    config = load_config(path).get()
    assert config.provider == "httpgw"
    assert dict(config.settings) == {"client_id": "10001", "timeout": 5.5}


def test_a_toml_file_with_named_gateways(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
default = "main"

[gateways.main]
provider = "httpgw"
client_id = "10001"

[gateways.test]
provider = "dummy"
""",
    )
    table = load_config(str(path))
    assert table.get().settings["client_id"] == "10001"
    assert table.get("test").provider == "dummy"


def test_a_payments_table_inside_a_larger_toml_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[tool.shop]
name = "my shop"

[payments]
default = "live"

[payments.gateways.live]
provider = "httpgw"
client_id = "live-id"
""",
    )
    assert load_config(path).get().settings["client_id"] == "live-id"


def test_a_missing_file_is_a_configuration_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigurationError, match=r"nowhere\.toml"):
        load_config(missing)


def test_a_malformed_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_config(write(tmp_path, "provider = \n"))


def test_a_directory_is_not_a_configuration_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        load_config(tmp_path)


# -- environment --------------------------------------------------------------------------------


def test_payments_provider_and_the_provider_prefix(registry: ProviderRegistry) -> None:
    config = load_env(
        registry,
        environ={
            "PAYMENTS_PROVIDER": "httpgw",
            "HTTPGW_CLIENT_ID": "env-id",
            "HTTPGW_CLIENT_SECRET": "env-secret",
            "HTTPGW_MAX_RETRIES": "0",
            "HTTPGW_NOT_A_SETTING": "ignored",
            "OTHER_CLIENT_ID": "ignored",
        },
    )
    assert config.name == "default"
    assert config.provider == "httpgw"
    assert dict(config.settings) == {
        "client_id": "env-id",
        "client_secret": "env-secret",
        "max_retries": "0",
    }


def test_a_provider_may_choose_its_own_env_prefix() -> None:
    class Prefixed(HttpTestProvider):
        name = "prefixed"
        env_prefix: ClassVar[str | None] = "PFX_"

    registry = ProviderRegistry()
    registry.register(Prefixed)
    config = load_env(registry, environ={"PAYMENTS_PROVIDER": "prefixed", "PFX_CLIENT_ID": "p"})
    assert dict(config.settings) == {"client_id": "p"}


def test_no_provider_in_the_environment_is_a_clear_error(registry: ProviderRegistry) -> None:
    with pytest.raises(ConfigurationError, match="PAYMENTS_PROVIDER"):
        load_env(registry, environ={"HTTPGW_CLIENT_ID": "x"})


def test_an_unknown_provider_in_the_environment_lists_the_installed_ones(
    registry: ProviderRegistry,
) -> None:
    with pytest.raises(ConfigurationError, match="httpgw") as caught:
        load_env(registry, environ={"PAYMENTS_PROVIDER": "stripe"})
    assert caught.value.code is ErrorCode.PROVIDER_NOT_FOUND


def test_a_named_gateway_from_the_environment(registry: ProviderRegistry) -> None:
    config = load_env(
        registry,
        "backup",
        environ={
            "PAYMENTS_PROVIDER": "somethingelse",
            "PAYMENTS_BACKUP_PROVIDER": "httpgw",
            "PAYMENTS_BACKUP_CLIENT_ID": "backup-id",
            "PAYMENTS_BACKUP_CLIENT_SECRET": "backup-secret",
            "HTTPGW_CLIENT_ID": "not-this-one",
        },
    )
    assert config.name == "backup"
    assert config.provider == "httpgw"
    assert dict(config.settings) == {"client_id": "backup-id", "client_secret": "backup-secret"}


def test_a_named_gateway_without_its_provider_variable_is_refused(
    registry: ProviderRegistry,
) -> None:
    with pytest.raises(ConfigurationError, match="PAYMENTS_BACKUP_PROVIDER"):
        load_env(registry, "backup", environ={"PAYMENTS_PROVIDER": "httpgw"})


def test_payments_config_points_at_a_file(registry: ProviderRegistry, tmp_path: Path) -> None:
    path = write(tmp_path, 'provider = "httpgw"\nclient_id = "from-file"\n')
    config = load_env(
        registry, environ={"PAYMENTS_CONFIG": str(path), "PAYMENTS_PROVIDER": "other"}
    )
    assert config.settings["client_id"] == "from-file"


def test_payments_config_with_a_gateway_name_picks_that_gateway_from_the_file(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        """
default = "main"
[gateways.main]
provider = "httpgw"
client_id = "main-id"
[gateways.backup]
provider = "httpgw"
client_id = "backup-id"
""",
    )
    config = load_env(registry, "backup", environ={"PAYMENTS_CONFIG": str(path)})
    assert config.name == "backup"
    assert config.settings["client_id"] == "backup-id"


def test_payments_config_naming_a_missing_file_is_a_configuration_error(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_env(registry, environ={"PAYMENTS_CONFIG": str(tmp_path / "gone.toml")})


def test_the_process_environment_is_read_when_none_is_given(
    registry: ProviderRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYMENTS_CONFIG", raising=False)
    monkeypatch.setenv("PAYMENTS_PROVIDER", "httpgw")
    monkeypatch.setenv("HTTPGW_CLIENT_ID", "from-os")
    assert load_env(registry).settings["client_id"] == "from-os"


# -- the facades built from configuration -----------------------------------------------------


def test_payments_from_config_runs_against_the_configured_gateway(
    registry: ProviderRegistry, http_client: httpx.Client, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    source = {
        "default": "main",
        "gateways": {
            "main": {"provider": "httpgw", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
            "broken": {"provider": "httpgw", "client_id": CLIENT_ID, "client_secret": "wrong"},
        },
    }
    with Payments.from_config(
        source, registry=registry, http_client=http_client, autoload_plugins=False
    ) as payments:
        assert payments.name == "main"
        assert payments.get_payment(payment_id).id == payment_id


def test_payments_from_config_validates_the_providers_settings(
    registry: ProviderRegistry, gateway: FakeGateway
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Payments.from_config(
            {"gateways": {"main": {"provider": "httpgw", "client_id": "x"}}},
            registry=registry,
            autoload_plugins=False,
        )
    assert caught.value.code is ErrorCode.INVALID_SETTINGS
    assert caught.value.provider == "httpgw"
    assert "client_secret" in str(caught.value)
    assert gateway.seen == []


def test_payments_from_env_builds_a_named_gateway(
    registry: ProviderRegistry, http_client: httpx.Client, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    environ = {
        "PAYMENTS_SHOP2_PROVIDER": "httpgw",
        "PAYMENTS_SHOP2_CLIENT_ID": CLIENT_ID,
        "PAYMENTS_SHOP2_CLIENT_SECRET": CLIENT_SECRET,
        "PAYMENTS_SHOP2_TIMEOUT": "7.5",
    }
    with Payments.from_env(
        "shop2",
        environ=environ,
        registry=registry,
        http_client=http_client,
        autoload_plugins=False,
    ) as payments:
        assert payments.name == "shop2"
        assert payments.provider.settings.timeout == 7.5
        assert payments.get_payment(payment_id).id == payment_id
