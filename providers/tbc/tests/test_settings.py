"""TbcSettings: defaults, the environment, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest
from payments_tbc import TbcProvider, TbcSettings
from payments_tbc.settings import DEFAULT_CALLBACK_ADDRESSES

from payments_core import Capability, ConfigurationError, Payments


def test_defaults(settings: dict[str, Any]):
    parsed = TbcSettings(api_key="k", client_id=" 7001234 ", client_secret="s")
    assert parsed.api_base_url == "https://api.tbcbank.ge"
    assert parsed.token_url == "https://api.tbcbank.ge/v1/tpay/access-token"
    assert parsed.tpay_url == "https://api.tbcbank.ge/v1/tpay"
    assert parsed.client_id == "7001234"
    assert parsed.callback_addresses == (
        "193.104.20.44",
        "193.104.20.45",
        "185.52.80.44",
        "185.52.80.45",
    )
    assert parsed.callback_addresses == DEFAULT_CALLBACK_ADDRESSES
    assert parsed.language == "KA"
    assert parsed.expiration_minutes == 12
    assert parsed.allow_insecure_callback_url is False
    assert parsed.timeout == 30.0  # the core's, inherited


def test_the_provider_declares_tbcs_nature():
    assert TbcProvider.name == "tbc"
    assert TbcProvider.env_prefix == "TBC_"
    assert TbcProvider.honours_idempotency_keys is False
    assert TbcProvider.sensitive_headers == frozenset({"apikey"})
    assert TbcProvider.settings_model is TbcSettings
    assert TbcProvider.capabilities == frozenset(Capability)


def test_the_entry_point_finds_the_provider(settings: dict[str, Any]):
    with Payments("tbc", autoload_plugins=False, **settings) as payments:
        assert type(payments.provider) is TbcProvider
        assert Capability.WEBHOOKS in payments.capabilities


def test_settings_come_from_tbc_environment_variables():
    environ = {
        "PAYMENTS_PROVIDER": "tbc",
        "TBC_API_KEY": "env-api-key",
        "TBC_CLIENT_ID": "7001234",
        "TBC_CLIENT_SECRET": "env-secret",
        "TBC_API_BASE_URL": "https://tbc.sandbox.test/",
        "TBC_CALLBACK_ADDRESSES": "10.0.0.0/8, 192.0.2.7  2001:db8::/32",
        "TBC_LANGUAGE": "en",
        "TBC_EXPIRATION_MINUTES": "7",
        "TBC_TIMEOUT": "5",
        "TBC_UNRELATED": "ignored",
    }
    with Payments.from_env(environ=environ, autoload_plugins=False) as payments:
        parsed = payments.provider.settings
    assert isinstance(parsed, TbcSettings)
    assert parsed.api_key.get_secret_value() == "env-api-key"
    assert parsed.api_base_url == "https://tbc.sandbox.test"
    assert parsed.callback_addresses == ("10.0.0.0/8", "192.0.2.7", "2001:db8::/32")
    assert parsed.language == "EN"
    assert parsed.expiration_minutes == 7
    assert parsed.timeout == 5.0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost:9000",
        "http://[::1]:9000",
        "https://tbc.sandbox.test",
    ],
)
def test_the_emulator_may_be_on_loopback_http_or_https(settings: dict[str, Any], url: str):
    assert TbcSettings(**settings, api_base_url=url).api_base_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://api.tbcbank.ge",
        "http://127.attacker.example",
        "ftp://api.tbcbank.ge",
        "https://api.tbcbank.ge/?x=1",
        "https://user:pw@api.tbcbank.ge",
        "api.tbcbank.ge",
    ],
)
def test_credentials_only_travel_over_https(settings: dict[str, Any], url: str):
    with pytest.raises(ConfigurationError) as caught:
        TbcProvider.from_settings(settings, api_base_url=url)
    assert "api_base_url" in caught.value.message


@pytest.mark.parametrize("missing", ["api_key", "client_id", "client_secret"])
def test_credentials_are_required(settings: dict[str, Any], missing: str):
    incomplete = {k: v for k, v in settings.items() if k != missing}
    with pytest.raises(ConfigurationError) as caught:
        TbcProvider.from_settings(incomplete)
    assert missing in caught.value.message


@pytest.mark.parametrize("field", ["api_key", "client_id", "client_secret"])
def test_credentials_must_not_be_blank(settings: dict[str, Any], field: str):
    with pytest.raises(ConfigurationError) as caught:
        TbcProvider.from_settings(settings, **{field: "  "})
    assert field in caught.value.message


@pytest.mark.parametrize(
    "addresses", [(), ("not-an-ip",), ("10.0.0.1/8",), ("193.104.20.44", "300.1.1.1"), ""]
)
def test_callback_addresses_must_be_addresses_or_networks(settings: dict[str, Any], addresses: Any):
    with pytest.raises(ConfigurationError) as caught:
        TbcProvider.from_settings(settings, callback_addresses=addresses)
    assert "callback_addresses" in caught.value.message


@pytest.mark.parametrize("language", ["RU", "de", ""])
def test_the_language_is_ka_or_en(settings: dict[str, Any], language: str):
    with pytest.raises(ConfigurationError):
        TbcProvider.from_settings(settings, language=language)


def test_unknown_settings_are_refused(settings: dict[str, Any]):
    with pytest.raises(ConfigurationError):
        TbcProvider.from_settings(settings, environment="sandbox")
