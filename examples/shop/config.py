"""The shop's configuration file (``shop.toml``) and the choice of gateway.

The file has a ``[shop]`` table (ports, whether to start the BOG and TBC
emulators) and a ``[payments]`` table in payments-core's own format. The gateway
is the one named on the command line, else in ``SHOP_GATEWAY``, else the file's
default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from payments_core import ConfigurationError
from payments_core.config import GatewayConfig, load_config

__all__ = ["DEFAULT_CONFIG", "GATEWAY_ENV", "ShopConfig", "load_shop_config"]

DEFAULT_CONFIG = Path(__file__).with_name("shop.toml")
GATEWAY_ENV = "SHOP_GATEWAY"


@dataclass(frozen=True)
class ShopConfig:
    """What ``python -m examples.shop`` runs: the chosen gateway and the ports.

    ``emulator_port`` is the BOG emulator's, ``tbc_emulator_port`` the TBC
    emulator's; only the chosen gateway's emulator is started.
    """

    gateway: GatewayConfig
    port: int = 8000
    emulator_port: int = 8086
    bog_emulator: bool = True
    tbc_emulator_port: int = 8087
    tbc_emulator: bool = True

    @property
    def uses_bog_emulator(self) -> bool:
        return self.bog_emulator and self.gateway.provider == "bog"

    @property
    def uses_tbc_emulator(self) -> bool:
        return self.tbc_emulator and self.gateway.provider == "tbc"

    def with_emulator_port(self, port: int) -> ShopConfig:
        """This configuration with the chosen gateway's emulator on ``port``."""
        if self.gateway.provider == "tbc":
            return replace(self, tbc_emulator_port=port)
        return replace(self, emulator_port=port)


def _port(table: Mapping[str, Any], name: str, default: int) -> int:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise ConfigurationError(f"[shop] {name} must be a port number (0-65535), not {value!r}")
    return value


def load_shop_config(
    path: str | os.PathLike[str] = DEFAULT_CONFIG,
    *,
    gateway: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ShopConfig:
    """Read ``path`` and pick the gateway (argument, then ``SHOP_GATEWAY``, then default)."""
    env = os.environ if environ is None else environ
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"configuration file {file} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read configuration file {file}: {exc}") from None
    shop = data.get("shop", {})
    if not isinstance(shop, Mapping):
        raise ConfigurationError("[shop] must be a table")
    chosen = gateway or env.get(GATEWAY_ENV) or None
    return ShopConfig(
        gateway=load_config(data).get(chosen),
        port=_port(shop, "port", 8000),
        emulator_port=_port(shop, "emulator_port", 8086),
        bog_emulator=bool(shop.get("bog_emulator", True)),
        tbc_emulator_port=_port(shop, "tbc_emulator_port", 8087),
        tbc_emulator=bool(shop.get("tbc_emulator", True)),
    )
