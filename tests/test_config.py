"""Choosing gateways by configuration: mappings, TOML files and the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from payments_core import ConfigurationError, ErrorCode, Payments
from payments_core.config import GatewayConfig, load_config, load_env, require_settings
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
    with pytest.raises(ConfigurationError, match="is a directory"):
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


# -- malformed configuration: always a ConfigurationError saying what to fix ----------------


def write_bytes(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "payments.toml"
    path.write_bytes(content)
    return path


def test_a_file_that_is_not_utf8_is_a_configuration_error(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, b'provider = "httpgw"\nclient_id = "\xff"\n')
    with pytest.raises(ConfigurationError, match="not valid UTF-8"):
        load_config(path)


def test_from_config_on_a_file_that_is_not_utf8_is_a_configuration_error(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    path = write_bytes(tmp_path, b"\xff\xfe")
    with pytest.raises(ConfigurationError, match=r"payments\.toml.*UTF-8"):
        Payments.from_config(path, registry=registry, autoload_plugins=False)


@pytest.mark.parametrize("source", [123, None, 1.5, b"payments.toml", [("provider", "httpgw")]])
def test_a_source_that_is_neither_a_mapping_nor_a_path_is_refused(source: Any) -> None:
    with pytest.raises(ConfigurationError, match="mapping or the path of a TOML file") as caught:
        Payments.from_config(source, autoload_plugins=False)
    assert type(source).__name__ in str(caught.value)


def test_a_path_object_that_gives_bytes_is_refused() -> None:
    class BytesPath:
        def __fspath__(self) -> bytes:
            return b"payments.toml"

    with pytest.raises(ConfigurationError, match="path must be text"):
        load_config(BytesPath())  # type: ignore[arg-type]


def test_a_path_with_a_nul_byte_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="NUL byte"):
        load_config("pay\x00ments.toml")


def test_an_empty_path_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="path is empty"):
        load_config("")


def test_a_directory_says_it_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is a directory"):
        load_config(tmp_path)


def test_an_unreadable_file_is_a_configuration_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, 'provider = "httpgw"\n')

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ConfigurationError, match=r"payments\.toml: Permission denied"):
        load_config(path)


def test_a_file_larger_than_any_configuration_is_refused(tmp_path: Path) -> None:
    from payments_core.config import MAX_CONFIG_BYTES

    path = write(tmp_path, 'provider = "httpgw"\n#' + "x" * MAX_CONFIG_BYTES + "\n")
    with pytest.raises(ConfigurationError, match="larger than"):
        load_config(path)


def test_toml_nested_too_deeply_is_a_configuration_error(tmp_path: Path) -> None:
    path = write(tmp_path, 'provider = "httpgw"\nx = ' + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigurationError, match="nest too deeply"):
        load_config(path)


@pytest.mark.parametrize("default", [["main"], {"name": "main"}, 0, 5, False, ""])
def test_a_default_that_is_not_a_gateway_name_is_refused(default: Any) -> None:
    with pytest.raises(ConfigurationError, match="'default' must be the name of one"):
        load_config({"default": default, "gateways": {"main": {"provider": "p"}}})


def test_a_default_without_gateways_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="no 'gateways' table"):
        load_config({"default": "main"})


def test_a_payments_entry_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="'payments' must be a table"):
        load_config({"payments": "httpgw", "provider": "httpgw"})


@pytest.mark.parametrize("name", [1, ("a",), "", "  "])
def test_a_gateway_name_that_is_not_a_non_empty_string_is_refused(name: Any) -> None:
    with pytest.raises(ConfigurationError, match="gateway names must be non-empty strings"):
        load_config({"gateways": {name: {"provider": "p"}}})


def test_a_setting_name_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="setting names that are not strings: 1"):
        load_config({"provider": "httpgw", 1: "x"})


@pytest.mark.parametrize(
    ("provider", "described"),
    [(5, "not int"), (["httpgw"], "not list"), ({"name": "x"}, "not dict"), ("  ", "empty")],
)
def test_a_provider_that_is_not_a_name_is_refused_saying_what_it_got(
    provider: Any, described: str
) -> None:
    with pytest.raises(ConfigurationError, match="provider must be a provider's name") as caught:
        load_config({"gateways": {"main": {"provider": provider}}})
    assert "'main'" in str(caught.value)
    assert described in str(caught.value)


def test_a_stray_key_beside_the_gateways_is_refused_naming_it() -> None:
    with pytest.raises(ConfigurationError, match="'defualt'"):
        load_config({"defualt": "main", "gateways": {"main": {"provider": "p"}}})


def test_an_application_table_beside_the_gateways_is_left_alone() -> None:
    table = load_config({"shop": {"port": 8000}, "gateways": {"main": {"provider": "p"}}})
    assert table.get().provider == "p"


@pytest.mark.parametrize("gateway", [["main"], 5, {"main": 1}])
def test_choosing_a_gateway_by_something_other_than_its_name_is_refused(gateway: Any) -> None:
    with pytest.raises(ConfigurationError, match="gateway is chosen by its name"):
        Payments.from_config(NAMED, gateway=gateway, autoload_plugins=False)


def test_load_env_refuses_an_environ_that_is_not_a_mapping(registry: ProviderRegistry) -> None:
    with pytest.raises(ConfigurationError, match="environ must be a mapping"):
        load_env(registry, environ=["PAYMENTS_PROVIDER=httpgw"])  # type: ignore[arg-type]


@pytest.mark.parametrize("gateway", [5, ["backup"], ""])
def test_load_env_refuses_a_gateway_that_is_not_a_name(
    registry: ProviderRegistry, gateway: Any
) -> None:
    with pytest.raises(ConfigurationError, match="gateway is chosen by its name"):
        load_env(registry, gateway, environ={"PAYMENTS_PROVIDER": "httpgw"})


def test_load_env_refuses_a_provider_variable_that_is_not_a_string(
    registry: ProviderRegistry,
) -> None:
    with pytest.raises(ConfigurationError, match="PAYMENTS_PROVIDER must be a provider's name"):
        load_env(registry, environ={"PAYMENTS_PROVIDER": ["httpgw"]})  # type: ignore[dict-item]


def test_load_env_skips_variable_names_that_are_not_strings(registry: ProviderRegistry) -> None:
    environ: dict[Any, Any] = {"PAYMENTS_PROVIDER": "httpgw", 1: "x", "HTTPGW_CLIENT_ID": "id"}
    assert dict(load_env(registry, environ=environ).settings) == {"client_id": "id"}


# -- a file and the environment together ------------------------------------------------------

MAIN = """
[gateways.main]
provider = "httpgw"
client_id = "from-file"
"""


def test_a_gateway_in_a_file_takes_its_secret_from_the_provider_prefix(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    config = load_config(
        write(tmp_path, MAIN), environ={"HTTPGW_CLIENT_SECRET": "from-env"}, registry=registry
    ).get()
    assert dict(config.settings) == {"client_id": "from-file", "client_secret": "from-env"}


def test_a_named_gateway_takes_its_own_variables_before_the_provider_prefix(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    environ = {
        "HTTPGW_CLIENT_SECRET": "provider-wide",
        "PAYMENTS_MAIN_CLIENT_SECRET": "this-gateway",
        "PAYMENTS_OTHER_CLIENT_SECRET": "another-gateway",
    }
    config = load_config(write(tmp_path, MAIN), environ=environ, registry=registry).get("main")
    assert config.settings["client_secret"] == "this-gateway"


def test_the_environment_wins_over_the_file(registry: ProviderRegistry, tmp_path: Path) -> None:
    environ = {"HTTPGW_CLIENT_ID": "from-env", "HTTPGW_TIMEOUT": "7.5"}
    config = load_config(write(tmp_path, MAIN), environ=environ, registry=registry).get()
    assert dict(config.settings) == {"client_id": "from-env", "timeout": "7.5"}


def test_the_process_environment_is_read_for_a_file(
    registry: ProviderRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPGW_CLIENT_SECRET", "from-os")
    config = load_config(write(tmp_path, MAIN), registry=registry).get()
    assert config.settings["client_secret"] == "from-os"


def test_with_two_gateways_of_one_provider_the_provider_prefix_is_not_used(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        """
[gateways.gel]
provider = "httpgw"
client_id = "gel-id"
[gateways.usd]
provider = "httpgw"
client_id = "usd-id"
""",
    )
    environ = {"HTTPGW_CLIENT_ID": "which-one?", "PAYMENTS_USD_CLIENT_SECRET": "usd-secret"}
    table = load_config(path, environ=environ, registry=registry)
    assert dict(table.get("gel").settings) == {"client_id": "gel-id"}
    assert dict(table.get("usd").settings) == {"client_id": "usd-id", "client_secret": "usd-secret"}


def test_a_mapping_is_taken_as_written_unless_an_environment_is_given(
    registry: ProviderRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPGW_CLIENT_SECRET", "from-os")
    source = {"provider": "httpgw", "client_id": "a"}
    assert dict(load_config(source, registry=registry).get().settings) == {"client_id": "a"}
    given = load_config(source, environ={"HTTPGW_CLIENT_SECRET": "given"}, registry=registry)
    assert given.get().settings["client_secret"] == "given"


def test_a_provider_the_registry_does_not_know_keeps_its_settings(tmp_path: Path) -> None:
    path = write(tmp_path, 'provider = "nosuchgateway"\nkey = "k"\n')
    config = load_config(path, environ={"NOSUCHGATEWAY_KEY": "env"}).get()
    assert dict(config.settings) == {"key": "k"}


@pytest.mark.parametrize("written", ["BOG", "Bog", " bog "])
def test_provider_names_match_in_any_case(written: str, tmp_path: Path) -> None:
    path = write(tmp_path, f'provider = "{written}"\nclient_id = "10001"\n')
    with Payments.from_config(path, client_secret="s", autoload_plugins=False) as payments:
        assert payments.provider.name == "bog"


def test_the_registry_finds_a_provider_in_any_case(registry: ProviderRegistry) -> None:
    assert registry.get("HTTPGW") is HttpTestProvider
    config = load_env(registry, environ={"PAYMENTS_PROVIDER": "HttpGW", "HTTPGW_CLIENT_ID": "i"})
    assert dict(config.settings) == {"client_id": "i"}


def test_two_providers_differing_only_in_case_are_not_guessed(registry: ProviderRegistry) -> None:
    class Shouting(HttpTestProvider):
        name = "HTTPGW"

    registry.register(Shouting)
    assert registry.get("httpgw") is HttpTestProvider
    assert registry.get("HTTPGW") is Shouting
    with pytest.raises(ConfigurationError, match="unknown payment provider 'HttpGw'"):
        registry.get("HttpGw")


def test_payments_from_config_takes_the_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path,
        '[gateways.main]\nprovider = "bog"\nclient_id = "10001"\nenvironment = "sandbox"\n',
    )
    monkeypatch.setenv("BOG_CLIENT_SECRET", "from-env")
    monkeypatch.setenv("BOG_ENVIRONMENT", "production")
    with Payments.from_config(path, autoload_plugins=False) as payments:
        settings = payments.provider.settings
        assert settings.client_secret.get_secret_value() == "from-env"
        assert settings.environment == "production"
    with Payments.from_config(path, client_secret="keyword", autoload_plugins=False) as payments:
        secret = payments.provider.settings.client_secret
        assert secret.get_secret_value() == "keyword"


# -- a secrets directory ----------------------------------------------------------------------


def secrets(tmp_path: Path, **files: str) -> Path:
    directory = tmp_path / "secrets"
    directory.mkdir()
    for name, content in files.items():
        (directory / name).write_text(content)
    return directory


def test_a_secret_file_named_like_the_variable(registry: ProviderRegistry, tmp_path: Path) -> None:
    directory = secrets(tmp_path, httpgw_client_secret="s3cret\n")
    config = load_config(
        write(tmp_path, MAIN), environ={}, secrets_dir=directory, registry=registry
    ).get()
    assert dict(config.settings) == {"client_id": "from-file", "client_secret": "s3cret"}


def test_only_one_trailing_newline_is_removed(registry: ProviderRegistry, tmp_path: Path) -> None:
    directory = secrets(tmp_path, httpgw_client_secret="two\n\n", httpgw_client_id="crlf\r\n")
    config = load_config(
        write(tmp_path, MAIN), environ={}, secrets_dir=directory, registry=registry
    ).get()
    assert config.settings["client_secret"] == "two\n"
    assert config.settings["client_id"] == "crlf"


def test_payments_secrets_dir_names_the_directory(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    directory = secrets(tmp_path, PAYMENTS_MAIN_CLIENT_SECRET="for-main")
    environ = {"PAYMENTS_SECRETS_DIR": str(directory)}
    config = load_config(write(tmp_path, MAIN), environ=environ, registry=registry).get()
    assert config.settings["client_secret"] == "for-main"


def test_keyword_beats_environment_beats_secrets_beats_file(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    path = write(tmp_path, MAIN + 'client_secret = "file"\ntimeout = 1.0\n')
    directory = secrets(
        tmp_path, httpgw_client_secret="secret-file", httpgw_timeout="2", httpgw_client_id="x"
    )
    environ = {"HTTPGW_CLIENT_SECRET": "env"}
    config = load_config(path, environ=environ, secrets_dir=directory, registry=registry).get()
    assert config.settings["client_secret"] == "env"
    assert config.settings["timeout"] == "2"
    assert config.settings["client_id"] == "x"
    with Payments.from_config(
        {"provider": "httpgw", **config.settings},
        registry=registry,
        client_id="keyword",
        autoload_plugins=False,
    ) as payments:
        assert payments.provider.settings.client_id == "keyword"


def test_load_env_reads_the_secrets_directory_too(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    directory = secrets(tmp_path, HTTPGW_CLIENT_SECRET="from-file\n")
    environ = {"PAYMENTS_PROVIDER": "httpgw", "HTTPGW_CLIENT_ID": "i"}
    config = load_env(registry, environ=environ, secrets_dir=directory)
    assert dict(config.settings) == {"client_id": "i", "client_secret": "from-file"}
    overridden = load_env(
        registry, environ={**environ, "HTTPGW_CLIENT_SECRET": "env"}, secrets_dir=directory
    )
    assert overridden.settings["client_secret"] == "env"


def test_a_secrets_directory_that_does_not_exist_is_refused(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    environ = {"PAYMENTS_SECRETS_DIR": str(tmp_path / "gone")}
    with pytest.raises(ConfigurationError, match=r"gone \(PAYMENTS_SECRETS_DIR\) does not exist"):
        load_config(write(tmp_path, MAIN), environ=environ, registry=registry)


def test_a_secret_file_in_two_cases_is_refused(registry: ProviderRegistry, tmp_path: Path) -> None:
    directory = secrets(tmp_path, httpgw_client_secret="a", HTTPGW_CLIENT_SECRET="b")
    if len(list(directory.iterdir())) < 2:
        pytest.skip("the file system ignores case")
    with pytest.raises(ConfigurationError, match="HTTPGW_CLIENT_SECRET and httpgw_client_secret"):
        load_config(write(tmp_path, MAIN), environ={}, secrets_dir=directory, registry=registry)


def test_a_secret_file_that_is_not_text_is_refused_naming_it(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    directory = secrets(tmp_path)
    (directory / "httpgw_client_secret").write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigurationError, match="httpgw_client_secret is not UTF-8"):
        load_config(write(tmp_path, MAIN), environ={}, secrets_dir=directory, registry=registry)


# -- a missing setting names where to put it ---------------------------------------------------


def test_a_missing_secret_names_the_variable_and_the_table(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    path = write(tmp_path, MAIN)
    config = load_config(path, environ={}, registry=registry).get()
    with pytest.raises(ConfigurationError) as caught:
        require_settings(config, HttpTestProvider)
    assert caught.value.code is ErrorCode.INVALID_SETTINGS
    assert caught.value.provider == "httpgw"
    assert (
        "client_secret is missing: set HTTPGW_CLIENT_SECRET (or PAYMENTS_MAIN_CLIENT_SECRET) "
        f"or add client_secret to the [gateways.main] table in {path}"
    ) in caught.value.message


def test_a_missing_secret_names_the_secret_file_when_there_is_a_directory(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    directory = secrets(tmp_path)
    config = load_config(
        write(tmp_path, 'provider = "httpgw"\n'),
        environ={},
        secrets_dir=directory,
        registry=registry,
    ).get()
    with pytest.raises(ConfigurationError) as caught:
        require_settings(config, HttpTestProvider)
    message = caught.value.message
    assert "client_id is missing: set HTTPGW_CLIENT_ID, put it in " in message
    assert str(directory / "httpgw_client_id") in message
    assert "client_secret is missing" in message


def test_a_setting_given_another_way_is_not_missing(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    config = load_config(write(tmp_path, MAIN), environ={}, registry=registry).get()
    require_settings(config, HttpTestProvider, given={"client_secret"})


def test_a_missing_setting_of_the_environment_alone_names_the_variable(
    registry: ProviderRegistry,
) -> None:
    config = load_env(registry, environ={"PAYMENTS_PROVIDER": "httpgw", "HTTPGW_CLIENT_ID": "i"})
    with pytest.raises(ConfigurationError) as caught:
        require_settings(config, HttpTestProvider)
    assert caught.value.message == (
        "invalid settings for provider 'httpgw' (gateway 'default'): "
        "client_secret is missing: set HTTPGW_CLIENT_SECRET"
    )


# -- the facades: the same completion, and the error naming where to put a setting ------------


def test_from_config_names_the_variable_of_a_missing_secret(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    path = write(tmp_path, MAIN)
    with pytest.raises(ConfigurationError) as caught:
        Payments.from_config(path, environ={}, registry=registry, autoload_plugins=False)
    assert caught.value.code is ErrorCode.INVALID_SETTINGS
    assert (
        "client_secret is missing: set HTTPGW_CLIENT_SECRET (or PAYMENTS_MAIN_CLIENT_SECRET) "
        "or add client_secret to the [gateways.main] table"
    ) in caught.value.message


def test_from_config_counts_a_keyword_as_given(
    registry: ProviderRegistry, http_client: httpx.Client
) -> None:
    source = {"gateways": {"main": {"provider": "httpgw", "client_id": CLIENT_ID}}}
    with Payments.from_config(
        source,
        registry=registry,
        http_client=http_client,
        client_secret=CLIENT_SECRET,
        autoload_plugins=False,
    ) as payments:
        assert payments.name == "main"
    assert "client_secret" not in source["gateways"]["main"]


def test_from_config_takes_environ_and_a_secrets_dir(
    registry: ProviderRegistry, tmp_path: Path
) -> None:
    directory = secrets(tmp_path, httpgw_client_secret="from-a-file\n")
    with Payments.from_config(
        write(tmp_path, MAIN),
        environ={"HTTPGW_TIMEOUT": "7.5"},
        secrets_dir=directory,
        registry=registry,
        autoload_plugins=False,
    ) as payments:
        settings = payments.provider.settings
        assert settings.client_secret.get_secret_value() == "from-a-file"
        assert settings.timeout == 7.5


def test_from_env_takes_a_secrets_dir(registry: ProviderRegistry, tmp_path: Path) -> None:
    directory = secrets(tmp_path, HTTPGW_CLIENT_SECRET="from-a-file")
    environ = {"PAYMENTS_PROVIDER": "httpgw", "HTTPGW_CLIENT_ID": CLIENT_ID}
    with Payments.from_env(
        environ=environ, secrets_dir=directory, registry=registry, autoload_plugins=False
    ) as payments:
        assert payments.provider.settings.client_secret.get_secret_value() == "from-a-file"
    with pytest.raises(ConfigurationError, match="set HTTPGW_CLIENT_SECRET or put it in"):
        Payments.from_env(environ=environ, registry=registry, secrets_dir=tmp_path)
