"""What a configured gateway is, and how a mapping's gateway tables become one.

:class:`GatewayConfig` is a gateway's name, provider and raw settings (each
provider validates its own); :class:`GatewayTable` holds them all with the
default. The shape checks here refuse anything they cannot read with a
:class:`~payments_core.errors.ConfigurationError` naming what to fix, never
quoting a value (it may be a secret); :func:`require_settings` reports a
required setting found nowhere, with the place to put it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from payments_core.errors import ConfigurationError, ErrorCode
from payments_core.provider import PaymentProvider

__all__ = [
    "DEFAULT_GATEWAY",
    "GatewayConfig",
    "GatewayTable",
    "describe",
    "gateway_config",
    "journal_url",
    "named_gateways",
    "require_settings",
]

DEFAULT_GATEWAY = "default"


@dataclass(frozen=True)
class GatewayConfig:
    """A gateway's name, provider and raw settings (validated later by the provider).

    ``origin``, ``env_prefixes`` and ``secrets_dir`` record where settings were
    looked for, so that a missing one can be reported with the place to put it
    (see :func:`require_settings`).
    """

    name: str
    provider: str
    settings: Mapping[str, Any] = field(default_factory=dict, repr=False)
    origin: str | None = field(default=None, compare=False)
    """Where the settings are written (``the [gateways.main] table in payments.toml``);
    ``None`` for a gateway described by the environment alone."""
    env_prefixes: tuple[str, ...] = field(default=(), compare=False)
    """Prefixes of the environment variables read for it, the one that wins first."""
    secrets_dir: Path | None = field(default=None, compare=False)
    """The secrets directory read for it, if any."""
    journal: str | None = None
    """The journal's database URL (``journal`` key or ``PAYMENTS_JOURNAL``), if any."""


@dataclass(frozen=True)
class GatewayTable:
    """Every configured gateway, and which one is the default."""

    gateways: Mapping[str, GatewayConfig]
    default: str

    def get(self, name: str | None = None) -> GatewayConfig:
        if name is not None and not isinstance(name, str):
            raise ConfigurationError(
                f"a gateway is chosen by its name (a string), not {describe(name)}"
            )
        wanted = name or self.default
        try:
            return self.gateways[wanted]
        except KeyError:
            known = ", ".join(sorted(self.gateways)) or "none"
            raise ConfigurationError(
                f"no gateway named {wanted!r} is configured; configured gateways: {known}"
            ) from None


def describe(value: object) -> str:
    """A value's kind for an error message: never the value itself (it may be a secret)."""
    return type(value).__name__


def journal_url(value: object, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{where}: journal must be a database URL such as sqlite:///payments.db, "
            f"not {describe(value)}"
        )
    return value


def gateway_config(
    name: str, raw: Any, origin: str | None = None, journal: str | None = None
) -> GatewayConfig:
    if not isinstance(raw, Mapping):
        raise ConfigurationError(
            f"gateway {name!r} must be a table of settings, not {describe(raw)}"
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
    if "journal" in settings:
        journal = journal_url(settings.pop("journal"), f"gateway {name!r}")
    if not isinstance(provider, str) or not provider.strip():
        raise ConfigurationError(
            f"gateway {name!r}: provider must be a provider's name (a non-empty string), "
            f"not {describe(provider) if not isinstance(provider, str) else 'an empty string'}"
        )
    return GatewayConfig(
        name=name, provider=provider.strip(), settings=settings, origin=origin, journal=journal
    )


def named_gateways(data: Mapping[str, Any], where: str | None, table: str) -> GatewayTable:
    """The ``gateways`` tables; ``table`` is their name in the file (``payments.gateways``)."""
    tables = data["gateways"]
    if not isinstance(tables, Mapping) or not tables:
        raise ConfigurationError(
            "'gateways' must be a non-empty table of named gateways "
            '([gateways.<name>] with provider = "...")'
        )
    stray = sorted(
        repr(key)
        for key, value in data.items()
        if key not in ("default", "gateways", "journal") and not isinstance(value, Mapping)
    )
    if stray:
        # A typo such as 'defualt', or a provider setting outside any gateway:
        # ignoring it would configure something other than what was written.
        raise ConfigurationError(
            f"unexpected key(s) {', '.join(stray)} beside 'gateways': only 'default' and "
            "'journal' belong "
            "there; put provider settings inside a gateway's table"
        )
    shared_journal = journal_url(data.get("journal"), "the configuration")
    gateways: dict[str, GatewayConfig] = {}
    for name, raw in tables.items():
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError(
                f"gateway names must be non-empty strings, got {name!r} in 'gateways'"
            )
        origin = f"the [{table}.{name}] table" + (f" in {where}" if where else "")
        gateways[name] = gateway_config(name, raw, origin, shared_journal)
    default = data.get("default")
    if default is None:
        default = DEFAULT_GATEWAY if DEFAULT_GATEWAY in gateways else next(iter(gateways))
    elif not isinstance(default, str) or not default:
        raise ConfigurationError(
            f"'default' must be the name of one of the gateways ({', '.join(sorted(gateways))}), "
            f"not {describe(default) if not isinstance(default, str) else 'an empty string'}"
        )
    if default not in gateways:
        raise ConfigurationError(
            f"default gateway {default!r} is not among the configured ones: "
            + ", ".join(sorted(gateways))
        )
    return GatewayTable(gateways, default)


def require_settings(
    config: GatewayConfig,
    provider_class: type[PaymentProvider],
    given: Collection[str] = (),
) -> None:
    """Refuse a gateway whose provider needs a setting that was found nowhere.

    ``given`` names settings passed another way (keywords to the facade). The
    error names each missing setting and where to put it: the environment
    variable, the secret file, the table of the configuration file. Settings
    that are present but wrong are the provider's to report.
    """
    present = set(config.settings) | set(given)
    missing = [
        name
        for name, info in provider_class.settings_model.model_fields.items()
        if info.is_required() and name not in present
    ]
    if not missing:
        return
    problems = []
    for name in missing:
        ways = []
        variables = [f"{prefix}{name.upper()}" for prefix in config.env_prefixes]
        if variables:
            # The provider's own prefix is the usual one; name it first.
            variables.sort(key=lambda variable: variable.startswith("PAYMENTS_"))
            others = f" (or {', '.join(variables[1:])})" if variables[1:] else ""
            ways.append(f"set {variables[0]}{others}")
            if config.secrets_dir is not None:
                ways.append(f"put it in {config.secrets_dir / variables[0].lower()}")
        if config.origin is not None:
            ways.append(f"add {name} to {config.origin}")
        how = ways[-1] if len(ways) < 2 else f"{', '.join(ways[:-1])} or {ways[-1]}"
        problems.append(f"{name} is missing: {how}" if ways else f"{name} is missing")
    raise ConfigurationError(
        f"invalid settings for provider {provider_class.name!r} (gateway {config.name!r}): "
        + "; ".join(problems),
        code=ErrorCode.INVALID_SETTINGS,
        provider=provider_class.name,
    )
