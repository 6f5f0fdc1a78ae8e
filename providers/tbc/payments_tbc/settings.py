"""How a TBC merchant account is configured: :class:`TbcSettings`.

Read from a mapping, a TOML file or ``TBC_*`` environment variables by the core's
configuration layer, validated here. TBC wants two credentials (reference §2): the
developer-portal ``apikey`` and the merchant's ``client_id``/``client_secret``. The
api key and the client secret are ``SecretStr``: they never show in a repr or an
error message.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError

from payments_core.errors import InvalidRequestError
from payments_core.provider import ProviderSettings
from payments_core.urls import check_url

__all__ = [
    "DEFAULT_API_BASE_URL",
    "DEFAULT_CALLBACK_ADDRESSES",
    "EXPIRATION_MINUTES_RANGE",
    "IpNetwork",
    "Language",
    "TbcSettings",
    "parse_networks",
]

DEFAULT_API_BASE_URL: Final = "https://api.tbcbank.ge"
"""Production host (reference §1); the API lives under ``/v1/tpay``."""

DEFAULT_CALLBACK_ADDRESSES: Final[tuple[str, ...]] = (
    "193.104.20.44",
    "193.104.20.45",
    "185.52.80.44",
    "185.52.80.45",
)
"""The addresses TBC documents its callbacks coming from (reference §8)."""

EXPIRATION_MINUTES_RANGE: Final = (1, 60)
"""[INF] TBC documents a default of 12 minutes and recommends at most 12, but no
bounds. A checkout session is short-lived; an hour is a generous ceiling that
still catches seconds passed as minutes."""

Language = Literal["KA", "EN"]
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_SEPARATORS: Final = re.compile(r"[\s,]+")


def _upper(value: object) -> object:
    """``en`` from an environment variable is as good as ``EN``."""
    return value.strip().upper() if isinstance(value, str) else value


def _address_list(value: object) -> object:
    """``TBC_CALLBACK_ADDRESSES=1.2.3.4, 5.6.7.0/24`` arrives as one string."""
    if isinstance(value, str):
        return tuple(part for part in _SEPARATORS.split(value) if part)
    return value


def parse_networks(addresses: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    """Each address or CIDR block as a network; a plain address is a one-host network."""
    return tuple(ipaddress.ip_network(address, strict=True) for address in addresses)


class TbcSettings(ProviderSettings):
    """One TBC merchant account.

    ``api_base_url`` points elsewhere than production only for the emulator: it
    must be HTTPS except on a true loopback host (``127.0.0.0/8``, ``::1``,
    ``localhost``), because the api key, the client secret and bearer tokens are
    sent to it. The in-process emulator answers at ``https://tbc.sandbox.test``.
    """

    api_key: SecretStr
    """The developer-portal app key (created with the "E-commerce" product)."""
    client_id: str
    """The merchant id from ecom.tbcpayments.ge (site management)."""
    client_secret: SecretStr
    api_base_url: str = DEFAULT_API_BASE_URL
    callback_addresses: Annotated[tuple[str, ...], BeforeValidator(_address_list)] = (
        DEFAULT_CALLBACK_ADDRESSES
    )
    """Addresses or CIDR blocks callbacks may come from, when the application
    passes the caller's address to ``parse_webhook(remote_addr=...)``."""
    language: Annotated[Language, BeforeValidator(_upper)] = "KA"
    """Language of TBC's checkout page when the request's ``locale`` is not one TBC
    has. Georgian, like TBC's own default, so sending it changes nothing."""
    expiration_minutes: int = Field(
        default=12, ge=EXPIRATION_MINUTES_RANGE[0], le=EXPIRATION_MINUTES_RANGE[1]
    )
    """Checkout session lifetime when the request has no ``expires_in`` (TBC's default)."""

    @field_validator("client_id")
    @classmethod
    def _non_empty_client_id(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("client_id must not be empty")
        return value.strip()

    @field_validator("api_key", "client_secret")
    @classmethod
    def _non_empty_secret(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("api_base_url")
    @classmethod
    def _safe_endpoint(cls, value: str) -> str:
        try:
            check_url(value, field="api_base_url", https_only=True, allow_http_loopback=True)
        except InvalidRequestError as exc:
            raise PydanticCustomError(
                "invalid_url",
                "{problem} (the api key, client secret and bearer tokens are sent to it)",
                {"problem": exc.message},
            ) from None
        parts = urlsplit(value)
        if parts.query:
            raise PydanticCustomError(
                "invalid_url", "api_base_url must not have a query: API paths are appended to it"
            )
        return value.rstrip("/")

    @field_validator("callback_addresses")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError(
                "give at least one address; to skip the address check, do not pass "
                "remote_addr to parse_webhook"
            )
        cleaned = tuple(address.strip() for address in value)
        for address in cleaned:
            try:
                ipaddress.ip_network(address, strict=True)
            except ValueError:
                raise PydanticCustomError(
                    "invalid_address",
                    "'{address}' is not an IP address or a CIDR block without host bits",
                    {"address": address[:60]},
                ) from None
        return cleaned

    @property
    def token_url(self) -> str:
        """``POST /v1/tpay/access-token`` (reference §2)."""
        return f"{self.api_base_url}/v1/tpay/access-token"

    @property
    def tpay_url(self) -> str:
        """The checkout API's root; every other path hangs below it."""
        return f"{self.api_base_url}/v1/tpay"
