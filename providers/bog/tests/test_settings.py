"""BogSettings: what a merchant account needs, read from code or the environment."""

from __future__ import annotations

from typing import Any

import pytest
from payments_bog import BogProvider, BogSettings

from payments_core import ConfigurationError, ErrorCode, Payments


def test_missing_client_id_is_a_configuration_error_naming_the_field() -> None:
    with pytest.raises(ConfigurationError, match="client_id") as raised:
        BogProvider.from_settings(client_secret="x")

    assert raised.value.code is ErrorCode.INVALID_SETTINGS


def test_missing_client_secret_is_a_configuration_error_naming_the_field() -> None:
    with pytest.raises(ConfigurationError, match="client_secret"):
        BogProvider.from_settings(client_id="10001")


def test_empty_credentials_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="client_secret"):
        BogProvider.from_settings(client_id="10001", client_secret="")


def test_production_is_the_default_environment() -> None:
    provider = BogProvider.from_settings(client_id="1", client_secret="x")

    assert provider.api_base_url == "https://api.bog.ge/payments/v1"
    assert provider.settings.resolved_token_url == (
        "https://oauth2.bog.ge/auth/realms/bog/protocol/openid-connect/token"
    )


def test_sandbox_environment_uses_bogs_sandbox_hosts() -> None:
    provider = BogProvider.from_settings(client_id="1", client_secret="x", environment="sandbox")

    assert provider.api_base_url == "https://api-sandbox.bog.ge/payments/v1"
    assert provider.settings.resolved_token_url == (
        "https://oauth2-sandbox.bog.ge/auth/realms/bog/protocol/openid-connect/token"
    )


def test_urls_can_point_at_a_local_emulator() -> None:
    provider = BogProvider.from_settings(
        client_id="1",
        client_secret="x",
        api_base_url="http://127.0.0.1:8765/payments/v1/",
        token_url="http://localhost:8765/token",
    )

    assert provider.api_base_url == "http://127.0.0.1:8765/payments/v1"
    assert provider.settings.resolved_token_url == "http://localhost:8765/token"


@pytest.mark.parametrize("field", ["api_base_url", "token_url"])
def test_plain_http_to_a_remote_host_is_refused_because_secrets_travel_there(
    field: str,
) -> None:
    with pytest.raises(ConfigurationError, match=field):
        BogProvider.from_settings(client_id="1", client_secret="x", **{field: "http://bog.example"})


def test_unknown_setting_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="langauge"):
        BogProvider.from_settings(client_id="1", client_secret="x", langauge="en")


def test_environment_variables_use_the_bog_prefix() -> None:
    environ = {
        "PAYMENTS_PROVIDER": "bog",
        "BOG_CLIENT_ID": "10001",
        "BOG_CLIENT_SECRET": "secret",
        "BOG_ENVIRONMENT": "sandbox",
        "BOG_LANGUAGE": "en",
        "BOG_VERIFY_CALLBACKS": "false",
    }

    with Payments.from_env(environ=environ, autoload_plugins=False) as payments:
        provider = payments.provider

    assert isinstance(provider, BogProvider)
    assert BogProvider.settings_env_prefix() == "BOG_"
    assert provider.settings.client_id == "10001"
    assert provider.settings.language == "en"
    assert provider.settings.verify_callbacks is False
    assert provider.api_base_url == "https://api-sandbox.bog.ge/payments/v1"


def test_the_bog_entry_point_finds_this_provider() -> None:
    from payments_core.registry import ProviderRegistry

    assert ProviderRegistry().get("bog") is BogProvider


def test_secret_never_shows_in_reprs(settings: dict[str, Any]) -> None:
    provider = BogProvider.from_settings(settings)

    for text in (
        repr(provider),
        repr(provider.settings),
        str(provider.settings),
        repr(provider.auth),
    ):
        assert settings["client_secret"] not in text


def test_settings_are_frozen(settings: dict[str, Any]) -> None:
    validated = BogSettings.model_validate(settings)

    with pytest.raises(ValueError, match="frozen"):
        validated.language = "en"  # type: ignore[misc]


@pytest.mark.parametrize("field", ["api_base_url", "token_url"])
@pytest.mark.parametrize(
    "url",
    [
        "http://127.attacker.example/token",
        "http://127.0.0.1.nip.io/token",
        "http://emulator.localhost/token",
        "http://[::ffff:127.0.0.1]/token",
    ],
)
def test_plain_http_to_a_name_that_only_looks_local_is_refused(field: str, url: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{field}: .*loopback") as raised:
        BogProvider.from_settings(client_id="1", client_secret="x", **{field: url})

    assert raised.value.code is ErrorCode.INVALID_SETTINGS


@pytest.mark.parametrize(
    "url", ["http://127.0.0.2:8765/token", "http://[::1]:8765/token", "http://LOCALHOST/token"]
)
def test_plain_http_on_any_true_loopback_host_is_allowed(url: str) -> None:
    provider = BogProvider.from_settings(client_id="1", client_secret="x", token_url=url)

    assert provider.settings.resolved_token_url == url


@pytest.mark.parametrize("field", ["api_base_url", "token_url"])
@pytest.mark.parametrize(
    "url",
    [
        " https://api.bog.ge/payments/v1",
        "https://api.bog.ge/payments/v1\n",
        "https://api.bog.ge/pay\tments/v1",
        "https://api.bog.ge/payments/v1\x00",
        "https://api bog.ge/payments/v1",
        "https://client:secret@api.bog.ge/payments/v1",
        "https://api\uff0ebog\uff0ege/payments/v1",
        "https://api.bog.ge:65536/payments/v1",
        "https://api.bog.ge:x/payments/v1",
        "https://api.bog.ge/payments/v1#top",
        "https://api_bog.ge/payments/v1",
    ],
)
def test_malformed_endpoint_url_is_a_configuration_error_naming_the_field(
    field: str, url: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"{field}: {field} ") as raised:
        BogProvider.from_settings(client_id="1", client_secret="x", **{field: url})

    assert raised.value.code is ErrorCode.INVALID_SETTINGS


def test_api_base_url_with_a_query_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"api_base_url: .*query") as raised:
        BogProvider.from_settings(
            client_id="1", client_secret="x", api_base_url="https://api.bog.ge/payments/v1?x=1"
        )

    assert raised.value.code is ErrorCode.INVALID_SETTINGS


def test_the_settings_error_never_repeats_the_endpoint_url() -> None:
    with pytest.raises(ConfigurationError) as raised:
        BogProvider.from_settings(
            client_id="1", client_secret="x", token_url="https://client:hunter2@oauth.example/t"
        )

    assert "hunter2" not in str(raised.value)
