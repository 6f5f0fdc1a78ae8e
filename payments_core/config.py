"""Choosing gateways by configuration: a mapping, a TOML file, or the environment.

A *gateway* is a named, configured provider. One process may hold several side
by side (two BOG merchant accounts, a dummy one for tests). The shapes:

.. code-block:: toml

    # one gateway, named "default"
    provider = "bog"
    client_id = "10001"

    # or several, with a default
    default = "main"
    [gateways.main]
    provider = "bog"
    client_id = "10001"
    [gateways.test]
    provider = "dummy"

The same shapes work as a Python mapping, and inside a ``[payments]`` table.
From the environment, ``PAYMENTS_PROVIDER=bog`` selects the provider and its
settings come from variables with the provider's prefix (``BOG_CLIENT_ID``);
a named gateway uses ``PAYMENTS_<NAME>_PROVIDER`` and ``PAYMENTS_<NAME>_<SETTING>``.
``PAYMENTS_CONFIG=path.toml`` points at a file instead.

Each provider validates its own settings; this module only finds them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from payments_core.errors import ConfigurationError
from payments_core.registry import ProviderRegistry

__all__ = ["DEFAULT_GATEWAY", "GatewayConfig", "GatewayTable", "load_config", "load_env"]

DEFAULT_GATEWAY = "default"
CONFIG_ENV = "PAYMENTS_CONFIG"
PROVIDER_ENV = "PAYMENTS_PROVIDER"


@dataclass(frozen=True)
class GatewayConfig:
    """A gateway's name, provider and raw settings (validated later by the provider)."""

    name: str
    provider: str
    settings: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class GatewayTable:
    """Every configured gateway, and which one is the default."""

    gateways: Mapping[str, GatewayConfig]
    default: str

    def get(self, name: str | None = None) -> GatewayConfig:
        wanted = name or self.default
        try:
            return self.gateways[wanted]
        except KeyError:
            known = ", ".join(sorted(self.gateways)) or "none"
            raise ConfigurationError(
                f"no gateway named {wanted!r} is configured; configured gateways: {known}"
            ) from None


def _gateway(name: str, raw: Any) -> GatewayConfig:
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f"gateway {name!r} must be a table of settings")
    settings = dict(raw)
    provider = settings.pop("provider", None)
    if not isinstance(provider, str) or not provider:
        raise ConfigurationError(f"gateway {name!r} does not say which provider it uses")
    return GatewayConfig(name=name, provider=provider, settings=settings)


def load_config(source: Mapping[str, Any] | str | os.PathLike[str]) -> GatewayTable:
    """Read gateways from a mapping or a TOML file (see the module docs for shapes)."""
    if isinstance(source, Mapping):
        data: Mapping[str, Any] = source
    else:
        path = Path(source)
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigurationError(f"configuration file {path} does not exist") from None
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(f"cannot read configuration file {path}: {exc}") from None
    if isinstance(data.get("payments"), Mapping):
        data = data["payments"]
    if "gateways" in data:
        tables = data["gateways"]
        if not isinstance(tables, Mapping) or not tables:
            raise ConfigurationError("'gateways' must be a non-empty table of named gateways")
        gateways = {str(name): _gateway(str(name), raw) for name, raw in tables.items()}
        default = data.get("default") or (
            DEFAULT_GATEWAY if DEFAULT_GATEWAY in gateways else next(iter(gateways))
        )
        if default not in gateways:
            raise ConfigurationError(
                f"default gateway {default!r} is not among the configured ones: "
                + ", ".join(sorted(gateways))
            )
        return GatewayTable(gateways, str(default))
    return GatewayTable({DEFAULT_GATEWAY: _gateway(DEFAULT_GATEWAY, data)}, DEFAULT_GATEWAY)


def load_env(
    registry: ProviderRegistry,
    gateway: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> GatewayConfig:
    """The gateway the environment describes (see the module docs for the variables)."""
    env = os.environ if environ is None else environ
    if env.get(CONFIG_ENV):
        return load_config(env[CONFIG_ENV]).get(gateway)
    if gateway is None:
        provider = env.get(PROVIDER_ENV)
        if not provider:
            raise ConfigurationError(
                f"{PROVIDER_ENV} is not set: name the payment provider to use (e.g. bog)"
            )
        provider_class = registry.get(provider)
        prefix = provider_class.settings_env_prefix()
        name = DEFAULT_GATEWAY
    else:
        name = gateway
        prefix = f"PAYMENTS_{gateway.upper()}_"
        provider = env.get(f"{prefix}PROVIDER", "")
        if not provider:
            raise ConfigurationError(f"{prefix}PROVIDER is not set for gateway {gateway!r}")
        provider_class = registry.get(provider)
    fields = set(provider_class.settings_model.model_fields)
    settings = {
        key[len(prefix) :].lower(): value
        for key, value in env.items()
        if key.startswith(prefix) and key[len(prefix) :].lower() in fields
    }
    return GatewayConfig(name=name, provider=provider, settings=settings)
