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

A ``journal`` key (beside ``provider``, beside ``gateways`` for all of them, or
inside one gateway's table) names the database of the durable journal
(``journal = "sqlite:///payments.db"``); ``PAYMENTS_JOURNAL`` overrides it for
every gateway, and alone gives a journal to a gateway from the environment.

A file and the environment work together: a gateway described in a file takes
each setting from, in order of precedence,

1. a keyword given to the facade (``Payments.from_config(path, client_secret=...)``);
2. the environment: ``PAYMENTS_<NAME>_<SETTING>`` for a gateway named in a
   ``[gateways.<name>]`` table, then the provider's prefix (``BOG_CLIENT_SECRET``),
   which applies only when no other gateway of the file uses that provider;
3. a secrets directory (``PAYMENTS_SECRETS_DIR`` or ``secrets_dir=``): a file
   named like the variable (``bog_client_secret``, any case) holds the value, one
   trailing newline removed;
4. the file itself.

A mapping passed in code is taken as written: the environment and a secrets
directory are read for it only when ``environ=`` or ``secrets_dir=`` is given.
Provider names match whatever their case (``provider = "BOG"``).

Each provider validates its own settings; this module only finds them, and
refuses any shape it cannot read (a file that is not UTF-8 TOML, a ``default``
that is not a gateway's name, a gateway without a provider) with a
:class:`~payments_core.errors.ConfigurationError` naming what to fix. A required
setting found nowhere is reported by :func:`require_settings` with the variable
to set.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from payments_core.errors import ConfigurationError, ErrorCode
from payments_core.provider import PaymentProvider
from payments_core.registry import ProviderRegistry, default_registry

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_GATEWAY",
    "MAX_CONFIG_BYTES",
    "MAX_SECRET_BYTES",
    "PROVIDER_ENV",
    "SECRETS_DIR_ENV",
    "GatewayConfig",
    "GatewayTable",
    "load_config",
    "load_env",
    "require_settings",
]

DEFAULT_GATEWAY = "default"
CONFIG_ENV = "PAYMENTS_CONFIG"
JOURNAL_ENV = "PAYMENTS_JOURNAL"
PROVIDER_ENV = "PAYMENTS_PROVIDER"
SECRETS_DIR_ENV = "PAYMENTS_SECRETS_DIR"
"""Variable naming a directory of secret files (``/run/secrets``), one setting a file."""
MAX_CONFIG_BYTES = 1024 * 1024
"""Largest configuration file read. Real ones are a few hundred bytes; the cap
stops a wrong path (``/dev/zero``, a log file) from being read into memory."""
MAX_SECRET_BYTES = 64 * 1024
"""Largest secret file read (a PEM key is a few KB)."""


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


def _journal_url(value: object, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{where}: journal must be a database URL such as sqlite:///payments.db, "
            f"not {_describe(value)}"
        )
    return value


def _gateway(
    name: str, raw: Any, origin: str | None = None, journal: str | None = None
) -> GatewayConfig:
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
    if "journal" in settings:
        journal = _journal_url(settings.pop("journal"), f"gateway {name!r}")
    if not isinstance(provider, str) or not provider.strip():
        raise ConfigurationError(
            f"gateway {name!r}: provider must be a provider's name (a non-empty string), "
            f"not {_describe(provider) if not isinstance(provider, str) else 'an empty string'}"
        )
    return GatewayConfig(
        name=name, provider=provider.strip(), settings=settings, origin=origin, journal=journal
    )


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
    import tomllib  # only a configuration file needs it, not every process that imports us

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"cannot read configuration file {path}: {exc}") from None
    except RecursionError:
        raise ConfigurationError(
            f"cannot read configuration file {path}: its arrays or tables nest too deeply"
        ) from None


def _named_gateways(data: Mapping[str, Any], where: str | None, table: str) -> GatewayTable:
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
    shared_journal = _journal_url(data.get("journal"), "the configuration")
    gateways: dict[str, GatewayConfig] = {}
    for name, raw in tables.items():
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError(
                f"gateway names must be non-empty strings, got {name!r} in 'gateways'"
            )
        origin = f"the [{table}.{name}] table" + (f" in {where}" if where else "")
        gateways[name] = _gateway(name, raw, origin, shared_journal)
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


def load_config(
    source: Mapping[str, Any] | str | os.PathLike[str],
    *,
    environ: Mapping[str, str] | None = None,
    secrets_dir: str | os.PathLike[str] | None = None,
    registry: ProviderRegistry | None = None,
) -> GatewayTable:
    """Read gateways from a mapping or a TOML file (see the module docs for shapes).

    For a file, each gateway's settings are completed from the environment
    (``environ``, by default ``os.environ``) and the secrets directory
    (``secrets_dir``, by default ``PAYMENTS_SECRETS_DIR``), with the precedence
    the module docs give; ``registry`` (by default the process-wide one) says
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
        data = _read_toml(source)
        where = os.fspath(source)  # _read_toml checked it is a text path
    from_file = where is not None
    table = "gateways"
    if "payments" in data:
        inner = data["payments"]
        if not isinstance(inner, Mapping):
            raise ConfigurationError(
                f"'payments' must be a table holding the gateways, not {_describe(inner)}"
            )
        data = inner
        table = "payments.gateways"
        single = "the [payments] table" + (f" in {where}" if where else "")
    else:
        single = where or "the configuration"
    if "gateways" in data:
        gateways = _named_gateways(data, where, table)
        named = True
    elif "provider" not in data and "default" in data:
        raise ConfigurationError(
            "'default' names a gateway, but no 'gateways' table is configured: add "
            '[gateways.<name>] tables, or give provider = "..." for a single gateway'
        )
    else:
        gateways = GatewayTable(
            {DEFAULT_GATEWAY: _gateway(DEFAULT_GATEWAY, data, single)}, DEFAULT_GATEWAY
        )
        named = False
    if not (from_file or environ is not None or secrets_dir is not None):
        return gateways
    env = _environ(environ if environ is not None else (os.environ if from_file else {}))
    journal = _journal_url(env.get(JOURNAL_ENV), JOURNAL_ENV)
    if journal is not None:
        gateways = GatewayTable(
            {name: replace(config, journal=journal) for name, config in gateways.gateways.items()},
            gateways.default,
        )
    return _completed(gateways, named, env, _secrets_dir(secrets_dir, env), registry)


def _environ(env: object) -> Mapping[str, str]:
    if not isinstance(env, Mapping):
        raise ConfigurationError(
            f"environ must be a mapping of variable names to values, not {_describe(env)}"
        )
    return env


def _gateway_prefix(name: str) -> str:
    return f"PAYMENTS_{name.upper()}_"


def _completed(
    table: GatewayTable,
    named: bool,
    env: Mapping[str, str],
    secrets: _Secrets | None,
    registry: ProviderRegistry | None,
) -> GatewayTable:
    """Every gateway of ``table`` with its settings completed from ``env`` and ``secrets``."""
    registry = registry or default_registry
    classes: dict[str, type[PaymentProvider]] = {}
    for name, gateway in table.gateways.items():
        try:
            classes[name] = registry.get(gateway.provider)
        except ConfigurationError:
            continue  # unknown or broken: building the facade says so, naming the provider
    completed: dict[str, GatewayConfig] = {}
    for name, gateway in table.gateways.items():
        provider_class = classes.get(name)
        if provider_class is None:
            completed[name] = gateway
            continue
        prefixes = [_gateway_prefix(name)] if named else []
        sharing = sum(1 for other in classes.values() if other is provider_class)
        if sharing == 1:
            # With two gateways of one provider, BOG_CLIENT_SECRET could mean either.
            prefixes.append(provider_class.settings_env_prefix())
        fields = frozenset(provider_class.settings_model.model_fields)
        settings = dict(gateway.settings)
        for prefix in reversed(prefixes):  # the most specific prefix is applied last: it wins
            if secrets is not None:
                settings.update(secrets.read(prefix, fields))
        for prefix in reversed(prefixes):
            settings.update(_variables(env, prefix, fields))
        completed[name] = replace(
            gateway,
            settings=settings,
            env_prefixes=tuple(prefixes),
            secrets_dir=secrets.path if secrets is not None else None,
        )
    return GatewayTable(completed, table.default)


def _variables(env: Mapping[str, str], prefix: str, fields: Collection[str]) -> dict[str, str]:
    """The settings ``env`` gives with ``prefix`` (``BOG_CLIENT_ID`` → ``client_id``)."""
    return {
        key[len(prefix) :].lower(): value
        for key, value in env.items()
        if isinstance(key, str) and key.startswith(prefix) and key[len(prefix) :].lower() in fields
    }


@dataclass(frozen=True)
class _Secrets:
    """A directory of secret files: ``bog_client_secret`` holds ``BOG_CLIENT_SECRET``."""

    path: Path
    files: Mapping[str, tuple[Path, ...]]
    """Regular files by lower-cased name (two names may differ only in case)."""

    def read(self, prefix: str, fields: Collection[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for setting in fields:
            paths = self.files.get(f"{prefix}{setting}".lower(), ())
            if len(paths) > 1:
                names = " and ".join(sorted(p.name for p in paths))
                raise ConfigurationError(
                    f"secrets directory {self.path} has both {names}: keep one"
                )
            if paths:
                found[setting] = _read_secret(paths[0])
        return found


def _secrets_dir(given: object, env: Mapping[str, str]) -> _Secrets | None:
    """The secrets directory ``given`` (or named by ``PAYMENTS_SECRETS_DIR``), listed."""
    if given is None:
        given = env.get(SECRETS_DIR_ENV) or None
        if given is None:
            return None
        what = SECRETS_DIR_ENV
    else:
        what = "secrets_dir"
    if not isinstance(given, str | os.PathLike):
        raise ConfigurationError(
            f"{what} must be the path of a directory (str or pathlib.Path), not {_describe(given)}"
        )
    try:
        path = Path(given)
        entries = list(path.iterdir())
    except FileNotFoundError:
        raise ConfigurationError(f"secrets directory {given} ({what}) does not exist") from None
    except NotADirectoryError:
        raise ConfigurationError(f"secrets directory {given} ({what}) is not a directory") from None
    except (OSError, TypeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigurationError(
            f"cannot read secrets directory {given} ({what}): {reason}"
        ) from None
    files: dict[str, tuple[Path, ...]] = {}
    for entry in entries:
        if entry.is_file():  # follows symlinks (Kubernetes mounts secrets as links)
            key = entry.name.lower()
            files[key] = (*files.get(key, ()), entry)
    return _Secrets(path, files)


def _read_secret(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SECRET_BYTES + 1)
    except OSError as exc:
        raise ConfigurationError(f"cannot read secret file {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_SECRET_BYTES:
        raise ConfigurationError(
            f"secret file {path} is larger than {MAX_SECRET_BYTES} bytes: is it the right file?"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigurationError(f"secret file {path} is not UTF-8 text") from None
    # One trailing newline is how editors and `echo` end a file, not part of the secret.
    return text.removesuffix("\n").removesuffix("\r")


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


def load_env(
    registry: ProviderRegistry,
    gateway: str | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    secrets_dir: str | os.PathLike[str] | None = None,
) -> GatewayConfig:
    """The gateway the environment describes (see the module docs for the variables).

    Settings not in the environment are read from the secrets directory
    (``secrets_dir``, by default ``PAYMENTS_SECRETS_DIR``) when there is one.
    """
    env = _environ(os.environ if environ is None else environ)
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
        raise ConfigurationError(f"{variable} must be a provider's name, not {_describe(provider)}")
    provider_class = registry.get(provider)
    prefix = provider_class.settings_env_prefix() if gateway is None else _gateway_prefix(name)
    fields = frozenset(provider_class.settings_model.model_fields)
    secrets = _secrets_dir(secrets_dir, env)
    settings = secrets.read(prefix, fields) if secrets is not None else {}
    settings.update(_variables(env, prefix, fields))
    return GatewayConfig(
        name=name,
        provider=provider,
        settings=settings,
        env_prefixes=(prefix,),
        secrets_dir=secrets.path if secrets is not None else None,
        journal=_journal_url(env.get(JOURNAL_ENV), JOURNAL_ENV),
    )
