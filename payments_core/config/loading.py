"""Where configuration comes from: a mapping, a TOML file, or the environment.

:func:`load_config` reads a mapping or a TOML file (read defensively: size-capped,
UTF-8, every failure a :class:`~payments_core.errors.ConfigurationError`) and,
for a file, completes each gateway from the environment and secret files;
:func:`load_env` reads the gateway the environment describes, or the file
``PAYMENTS_CONFIG`` names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from payments_core.config.environment import (
    CONFIG_ENV,
    JOURNAL_ENV,
    PROVIDER_ENV,
    completed,
    environ_of,
    gateway_prefix,
    secrets_directory,
    variables,
)
from payments_core.config.model import (
    DEFAULT_GATEWAY,
    GatewayConfig,
    GatewayTable,
    describe,
    gateway_config,
    journal_url,
    named_gateways,
)
from payments_core.errors import ConfigurationError
from payments_core.registry import ProviderRegistry

__all__ = ["MAX_CONFIG_BYTES", "load_config", "load_env", "read_toml"]

MAX_CONFIG_BYTES = 1024 * 1024
"""Largest configuration file read. Real ones are a few hundred bytes; the cap
stops a wrong path (``/dev/zero``, a log file) from being read into memory."""


def read_toml(source: object) -> dict[str, Any]:
    """Parse the TOML file ``source`` names; every way that can fail is a ConfigurationError."""
    if not isinstance(source, str | os.PathLike):
        raise ConfigurationError(
            "configuration must be a mapping or the path of a TOML file (str or pathlib.Path), "
            f"not {describe(source)}"
        )
    try:
        text_path = os.fspath(source)
    except TypeError as exc:  # a PathLike whose __fspath__ misbehaves
        raise ConfigurationError(f"cannot use {describe(source)} as a path: {exc}") from None
    if not isinstance(text_path, str):
        raise ConfigurationError(
            f"the configuration path must be text, not {describe(text_path)}: "
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
    import tomllib  # only a configuration file needs it, not every process that imports us

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"cannot read configuration file {path}: {exc}") from None
    except RecursionError:
        raise ConfigurationError(
            f"cannot read configuration file {path}: its arrays or tables nest too deeply"
        ) from None


def load_config(
    source: Mapping[str, Any] | str | os.PathLike[str],
    *,
    environ: Mapping[str, str] | None = None,
    secrets_dir: str | os.PathLike[str] | None = None,
    registry: ProviderRegistry | None = None,
) -> GatewayTable:
    """Read gateways from a mapping or a TOML file (see :mod:`payments_core.config` for shapes).

    For a file, each gateway's settings are completed from the environment
    (``environ``, by default ``os.environ``) and the secrets directory
    (``secrets_dir``, by default ``PAYMENTS_SECRETS_DIR``), with the precedence
    :mod:`payments_core.config` gives; ``registry`` (by default the process-wide one) says
    which settings each provider has. For a mapping, that happens only when
    ``environ`` or ``secrets_dir`` is given. A provider the registry does not
    know keeps its settings as written (the facade reports the unknown name).

    Anything malformed, from an unreadable file to a gateway without a provider,
    raises :class:`ConfigurationError` saying what to fix.
    """
    data: Mapping[Any, Any]
    where: str | None = None
    if isinstance(source, Mapping):
        data = source
    else:
        data = read_toml(source)
        where = os.fspath(source)  # _read_toml checked it is a text path
    from_file = where is not None
    table = "gateways"
    if "payments" in data:
        inner = data["payments"]
        if not isinstance(inner, Mapping):
            raise ConfigurationError(
                f"'payments' must be a table holding the gateways, not {describe(inner)}"
            )
        data = inner
        table = "payments.gateways"
        single = "the [payments] table" + (f" in {where}" if where else "")
    else:
        single = where or "the configuration"
    if "gateways" in data:
        gateways = named_gateways(data, where, table)
        named = True
    elif "provider" not in data and "default" in data:
        raise ConfigurationError(
            "'default' names a gateway, but no 'gateways' table is configured: add "
            '[gateways.<name>] tables, or give provider = "..." for a single gateway'
        )
    else:
        gateways = GatewayTable(
            {DEFAULT_GATEWAY: gateway_config(DEFAULT_GATEWAY, data, single)}, DEFAULT_GATEWAY
        )
        named = False
    if not (from_file or environ is not None or secrets_dir is not None):
        return gateways
    env = environ_of(environ if environ is not None else (os.environ if from_file else {}))
    journal = journal_url(env.get(JOURNAL_ENV), JOURNAL_ENV)
    if journal is not None:
        gateways = GatewayTable(
            {name: replace(config, journal=journal) for name, config in gateways.gateways.items()},
            gateways.default,
        )
    return completed(gateways, named, env, secrets_directory(secrets_dir, env), registry)


def load_env(
    registry: ProviderRegistry,
    gateway: str | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    secrets_dir: str | os.PathLike[str] | None = None,
) -> GatewayConfig:
    """The gateway the environment describes (see :mod:`payments_core.config` for the variables).

    Settings not in the environment are read from the secrets directory
    (``secrets_dir``, by default ``PAYMENTS_SECRETS_DIR``) when there is one.
    """
    env = environ_of(os.environ if environ is None else environ)
    if gateway is not None and (not isinstance(gateway, str) or not gateway.strip()):
        raise ConfigurationError(
            f"a gateway is chosen by its name (a non-empty string), not {gateway!r}"
        )
    if env.get(CONFIG_ENV):
        return load_config(
            env[CONFIG_ENV], environ=env, secrets_dir=secrets_dir, registry=registry
        ).get(gateway)
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
        raise ConfigurationError(f"{variable} must be a provider's name, not {describe(provider)}")
    provider_class = registry.get(provider)
    prefix = provider_class.settings_env_prefix() if gateway is None else gateway_prefix(name)
    fields = frozenset(provider_class.settings_model.model_fields)
    secrets = secrets_directory(secrets_dir, env)
    settings = secrets.read(prefix, fields) if secrets is not None else {}
    settings.update(variables(env, prefix, fields))
    return GatewayConfig(
        name=name,
        provider=provider,
        settings=settings,
        env_prefixes=(prefix,),
        secrets_dir=secrets.path if secrets is not None else None,
        journal=journal_url(env.get(JOURNAL_ENV), JOURNAL_ENV),
    )
