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

Each provider validates its own settings; this module only finds them, and
refuses any shape it cannot read (a file that is not UTF-8 TOML, a ``default``
that is not a gateway's name, a gateway without a provider) with a
:class:`~payments_core.errors.ConfigurationError` naming what to fix.
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

__all__ = [
    "DEFAULT_GATEWAY",
    "MAX_CONFIG_BYTES",
    "GatewayConfig",
    "GatewayTable",
    "load_config",
    "load_env",
]

DEFAULT_GATEWAY = "default"
CONFIG_ENV = "PAYMENTS_CONFIG"
PROVIDER_ENV = "PAYMENTS_PROVIDER"
MAX_CONFIG_BYTES = 1024 * 1024
"""Largest configuration file read. Real ones are a few hundred bytes; the cap
stops a wrong path (``/dev/zero``, a log file) from being read into memory."""


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
        if name is not None and not isinstance(name, str):
            raise ConfigurationError(
                f"a gateway is chosen by its name (a string), not {_describe(name)}"
            )
        wanted = name or self.default
        try:
            return self.gateways[wanted]
        except KeyError:
            known = ", ".join(sorted(self.gateways)) or "none"
            raise ConfigurationError(
                f"no gateway named {wanted!r} is configured; configured gateways: {known}"
            ) from None


def _describe(value: object) -> str:
    """A value's kind for an error message: never the value itself (it may be a secret)."""
    return type(value).__name__


def _gateway(name: str, raw: Any) -> GatewayConfig:
    if not isinstance(raw, Mapping):
        raise ConfigurationError(
            f"gateway {name!r} must be a table of settings, not {_describe(raw)}"
        )
    settings = dict(raw)
    odd = sorted(repr(key) for key in settings if not isinstance(key, str))
    if odd:
        raise ConfigurationError(
            f"gateway {name!r} has setting names that are not strings: {', '.join(odd)}"
        )
    if "provider" not in settings:
        raise ConfigurationError(
            f'gateway {name!r} does not say which provider it uses: add provider = "<name>"'
        )
    provider = settings.pop("provider")
    if not isinstance(provider, str) or not provider.strip():
        raise ConfigurationError(
            f"gateway {name!r}: provider must be a provider's name (a non-empty string), "
            f"not {_describe(provider) if not isinstance(provider, str) else 'an empty string'}"
        )
    return GatewayConfig(name=name, provider=provider.strip(), settings=settings)


def _read_toml(source: object) -> dict[str, Any]:
    """Parse the TOML file ``source`` names; every way that can fail is a ConfigurationError."""
    if not isinstance(source, str | os.PathLike):
        raise ConfigurationError(
            "configuration must be a mapping or the path of a TOML file (str or pathlib.Path), "
            f"not {_describe(source)}"
        )
    try:
        text_path = os.fspath(source)
    except TypeError as exc:  # a PathLike whose __fspath__ misbehaves
        raise ConfigurationError(f"cannot use {_describe(source)} as a path: {exc}") from None
    if not isinstance(text_path, str):
        raise ConfigurationError(
            f"the configuration path must be text, not {_describe(text_path)}: "
            "pass a str or pathlib.Path (os.fsdecode() converts bytes)"
        )
    if not text_path:
        raise ConfigurationError("the configuration path is empty: name a TOML file")
    path = Path(text_path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigurationError(f"configuration file {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigurationError(
            f"configuration file {path} is a directory: name the TOML file inside it"
        ) from None
    except ValueError:  # open() refuses a path with a NUL byte
        raise ConfigurationError(
            f"configuration path {text_path!r} contains a NUL byte: name a real file"
        ) from None
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read configuration file {path}: {exc.strerror or exc}"
        ) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigurationError(
            f"configuration file {path} is larger than {MAX_CONFIG_BYTES} bytes: "
            "is it the right file?"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(
            f"cannot read configuration file {path}: it is not valid UTF-8 text "
            f"(byte {exc.start}); TOML files must be UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"cannot read configuration file {path}: {exc}") from None
    except RecursionError:
        raise ConfigurationError(
            f"cannot read configuration file {path}: its arrays or tables nest too deeply"
        ) from None


def _named_gateways(data: Mapping[str, Any]) -> GatewayTable:
    tables = data["gateways"]
    if not isinstance(tables, Mapping) or not tables:
        raise ConfigurationError(
            "'gateways' must be a non-empty table of named gateways "
            '([gateways.<name>] with provider = "...")'
        )
    stray = sorted(
        repr(key)
        for key, value in data.items()
        if key not in ("default", "gateways") and not isinstance(value, Mapping)
    )
    if stray:
        # A typo such as 'defualt', or a provider setting outside any gateway:
        # ignoring it would configure something other than what was written.
        raise ConfigurationError(
            f"unexpected key(s) {', '.join(stray)} beside 'gateways': only 'default' belongs "
            "there; put provider settings inside a gateway's table"
        )
    gateways: dict[str, GatewayConfig] = {}
    for name, raw in tables.items():
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError(
                f"gateway names must be non-empty strings, got {name!r} in 'gateways'"
            )
        gateways[name] = _gateway(name, raw)
    default = data.get("default")
    if default is None:
        default = DEFAULT_GATEWAY if DEFAULT_GATEWAY in gateways else next(iter(gateways))
    elif not isinstance(default, str) or not default:
        raise ConfigurationError(
            f"'default' must be the name of one of the gateways ({', '.join(sorted(gateways))}), "
            f"not {_describe(default) if not isinstance(default, str) else 'an empty string'}"
        )
    if default not in gateways:
        raise ConfigurationError(
            f"default gateway {default!r} is not among the configured ones: "
            + ", ".join(sorted(gateways))
        )
    return GatewayTable(gateways, default)


def load_config(source: Mapping[str, Any] | str | os.PathLike[str]) -> GatewayTable:
    """Read gateways from a mapping or a TOML file (see the module docs for shapes).

    Anything malformed, from an unreadable file to a gateway without a provider,
    raises :class:`ConfigurationError` saying what to fix.
    """
    data: Mapping[Any, Any] = source if isinstance(source, Mapping) else _read_toml(source)
    if "payments" in data:
        inner = data["payments"]
        if not isinstance(inner, Mapping):
            raise ConfigurationError(
                f"'payments' must be a table holding the gateways, not {_describe(inner)}"
            )
        data = inner
    if "gateways" in data:
        return _named_gateways(data)
    if "provider" not in data and "default" in data:
        raise ConfigurationError(
            "'default' names a gateway, but no 'gateways' table is configured: add "
            '[gateways.<name>] tables, or give provider = "..." for a single gateway'
        )
    return GatewayTable({DEFAULT_GATEWAY: _gateway(DEFAULT_GATEWAY, data)}, DEFAULT_GATEWAY)


def load_env(
    registry: ProviderRegistry,
    gateway: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> GatewayConfig:
    """The gateway the environment describes (see the module docs for the variables)."""
    env = os.environ if environ is None else environ
    if not isinstance(env, Mapping):
        raise ConfigurationError(
            f"environ must be a mapping of variable names to values, not {_describe(env)}"
        )
    if gateway is not None and (not isinstance(gateway, str) or not gateway.strip()):
        raise ConfigurationError(
            f"a gateway is chosen by its name (a non-empty string), not {gateway!r}"
        )
    if env.get(CONFIG_ENV):
        return load_config(env[CONFIG_ENV]).get(gateway)
    if gateway is None:
        variable = PROVIDER_ENV
        provider = env.get(variable)
        if not provider:
            raise ConfigurationError(
                f"{PROVIDER_ENV} is not set: name the payment provider to use (e.g. bog)"
            )
        name = DEFAULT_GATEWAY
    else:
        name = gateway
        variable = f"PAYMENTS_{gateway.upper()}_PROVIDER"
        provider = env.get(variable, "")
        if not provider:
            raise ConfigurationError(f"{variable} is not set for gateway {gateway!r}")
    if not isinstance(provider, str):
        raise ConfigurationError(f"{variable} must be a provider's name, not {_describe(provider)}")
    provider_class = registry.get(provider)
    prefix = (
        provider_class.settings_env_prefix() if gateway is None else f"PAYMENTS_{name.upper()}_"
    )
    fields = set(provider_class.settings_model.model_fields)
    settings = {
        key[len(prefix) :].lower(): value
        for key, value in env.items()
        if isinstance(key, str) and key.startswith(prefix) and key[len(prefix) :].lower() in fields
    }
    return GatewayConfig(name=name, provider=provider, settings=settings)
