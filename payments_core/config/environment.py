"""Reading settings from the environment and from a directory of secret files.

The variable names (``PAYMENTS_PROVIDER``, ``PAYMENTS_<NAME>_<SETTING>``, a
provider's own prefix such as ``BOG_``), the secrets directory
(``PAYMENTS_SECRETS_DIR``: one file per setting, named like its variable), and
:func:`completed`, which fills each gateway of a table from both with the
precedence the :mod:`payments_core.config` docs give.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from payments_core.config.model import GatewayConfig, GatewayTable, describe
from payments_core.errors import ConfigurationError
from payments_core.provider import PaymentProvider
from payments_core.registry import ProviderRegistry, default_registry

__all__ = [
    "CONFIG_ENV",
    "JOURNAL_ENV",
    "MAX_SECRET_BYTES",
    "PROVIDER_ENV",
    "SECRETS_DIR_ENV",
    "Secrets",
    "completed",
    "environ_of",
    "gateway_prefix",
    "secrets_directory",
    "variables",
]

CONFIG_ENV = "PAYMENTS_CONFIG"
JOURNAL_ENV = "PAYMENTS_JOURNAL"
PROVIDER_ENV = "PAYMENTS_PROVIDER"
SECRETS_DIR_ENV = "PAYMENTS_SECRETS_DIR"
"""Variable naming a directory of secret files (``/run/secrets``), one setting a file."""
MAX_SECRET_BYTES = 64 * 1024
"""Largest secret file read (a PEM key is a few KB)."""


def environ_of(env: object) -> Mapping[str, str]:
    if not isinstance(env, Mapping):
        raise ConfigurationError(
            f"environ must be a mapping of variable names to values, not {describe(env)}"
        )
    return env


def gateway_prefix(name: str) -> str:
    return f"PAYMENTS_{name.upper()}_"


def completed(
    table: GatewayTable,
    named: bool,
    env: Mapping[str, str],
    secrets: Secrets | None,
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
        prefixes = [gateway_prefix(name)] if named else []
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
            settings.update(variables(env, prefix, fields))
        completed[name] = replace(
            gateway,
            settings=settings,
            env_prefixes=tuple(prefixes),
            secrets_dir=secrets.path if secrets is not None else None,
        )
    return GatewayTable(completed, table.default)


def variables(env: Mapping[str, str], prefix: str, fields: Collection[str]) -> dict[str, str]:
    """The settings ``env`` gives with ``prefix`` (``BOG_CLIENT_ID`` → ``client_id``)."""
    return {
        key[len(prefix) :].lower(): value
        for key, value in env.items()
        if isinstance(key, str) and key.startswith(prefix) and key[len(prefix) :].lower() in fields
    }


@dataclass(frozen=True)
class Secrets:
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
                found[setting] = read_secret(paths[0])
        return found


def secrets_directory(given: object, env: Mapping[str, str]) -> Secrets | None:
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
            f"{what} must be the path of a directory (str or pathlib.Path), not {describe(given)}"
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
    return Secrets(path, files)


def read_secret(path: Path) -> str:
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
