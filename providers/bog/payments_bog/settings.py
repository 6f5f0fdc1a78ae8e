"""How a BOG merchant account is configured: :class:`BogSettings`.

Read from a mapping, a TOML file or ``BOG_*`` environment variables by the core's
configuration layer; validated here. The client secret is a ``SecretStr``, so it
never shows in a repr or an error message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal, Self, cast, get_args
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from payments_core.errors import InvalidRequestError
from payments_core.provider import ProviderSettings
from payments_core.urls import check_url

__all__ = ["ENVIRONMENTS", "BogEnvironment", "BogSettings"]

Environment = Literal["production", "sandbox"]


@dataclass(frozen=True)
class BogEnvironment:
    """The hosts of one BOG environment (reference, "Hosts")."""

    token_url: str
    api_base_url: str


ENVIRONMENTS: Final[dict[str, BogEnvironment]] = {
    "production": BogEnvironment(
        "https://oauth2.bog.ge/auth/realms/bog/protocol/openid-connect/token",
        "https://api.bog.ge/payments/v1",
    ),
    "sandbox": BogEnvironment(
        "https://oauth2-sandbox.bog.ge/auth/realms/bog/protocol/openid-connect/token",
        "https://api-sandbox.bog.ge/payments/v1",
    ),
}


class BogSettings(ProviderSettings):
    """One BOG merchant account.

    ``api_base_url`` and ``token_url`` override the chosen ``environment``'s hosts,
    e.g. to point at the local emulator. They must be HTTPS, except on a true
    loopback host (``127.0.0.0/8``, ``::1``, ``localhost``: the emulator), because
    the client secret and bearer tokens travel to them; the core's
    :func:`~payments_core.urls.check_url` decides.
    """

    client_id: str
    client_secret: SecretStr
    environment: Environment = "production"
    api_base_url: str | None = None
    token_url: str | None = None
    language: Literal["ka", "en"] = "ka"
    """Language of BOG's payment page when the request has no usable ``locale``."""
    theme: Literal["light", "dark"] | None = None
    """Theme of BOG's payment page; BOG's default (light) when ``None``."""
    callback_public_key: str | None = None
    """PEM text or a path to a PEM/DER file. ``None``: BOG's key for ``environment``."""
    verify_callbacks: bool = True
    """Turning this off accepts unsigned callbacks; each one then logs a warning."""

    @field_validator("client_id")
    @classmethod
    def _non_empty_client_id(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("client_id must not be empty")
        return value.strip()

    @field_validator("client_secret")
    @classmethod
    def _non_empty_secret(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("client_secret must not be empty")
        return value

    @field_validator("api_base_url", "token_url")
    @classmethod
    def _safe_endpoint(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        field = str(info.field_name)
        try:
            check_url(value, field=field, https_only=True, allow_http_loopback=True)
        except InvalidRequestError as exc:
            # A ValueError-like pydantic error, so from_settings reports a ConfigurationError.
            raise PydanticCustomError(
                "invalid_url",
                "{problem} (the client secret and bearer tokens are sent to it)",
                {"problem": exc.message},
            ) from None
        if field == "api_base_url" and urlsplit(value).query:
            raise PydanticCustomError(
                "invalid_url", "api_base_url must not have a query: API paths are appended to it"
            )
        return value.rstrip("/")

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """Validate ``obj``; plain credentials are checked without building pydantic's
        validator, so building a gateway (what every process does at start) does not
        pay for it. Anything else, and every refusal, is pydantic's own."""
        if cls is BogSettings and not args and not kwargs:
            plain = plain_credentials(obj)
            if plain is not None:
                return cast(Self, plain)
        return super().model_validate(obj, *args, **kwargs)

    @property
    def resolved_api_base_url(self) -> str:
        """The API base URL in use: the override, or the environment's."""
        return self.api_base_url or ENVIRONMENTS[self.environment].api_base_url

    @property
    def resolved_token_url(self) -> str:
        """The token endpoint in use: the override, or the environment's."""
        return self.token_url or ENVIRONMENTS[self.environment].token_url


_PLAIN_FIELDS: Final = frozenset({"client_id", "client_secret", "environment"})
"""What :meth:`BogSettings.model_validate` checks itself: fields whose checks are a
type and the validators above; with any other field pydantic validates the whole."""

_ENVIRONMENT_NAMES: Final = frozenset(get_args(Environment))


def plain_credentials(obj: Any) -> BogSettings | None:
    """The settings pydantic would build from ``obj`` when it holds only valid, plain
    ``str`` credentials (and an environment); ``None``: let pydantic decide."""
    if type(obj) is not dict or not obj.keys() <= _PLAIN_FIELDS:
        return None
    client_id, secret = obj.get("client_id"), obj.get("client_secret")
    if type(client_id) is not str or type(secret) is not str or not secret:
        return None
    client_id = client_id.strip()
    if not client_id:
        return None
    values: dict[str, Any] = {"client_id": client_id, "client_secret": SecretStr(secret)}
    if "environment" in obj:
        environment = obj["environment"]
        if type(environment) is not str or environment not in _ENVIRONMENT_NAMES:
            return None
        values["environment"] = environment
    return BogSettings.model_construct(**values)
