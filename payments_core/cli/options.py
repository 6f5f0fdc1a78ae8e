"""What the ``payments`` commands share: their options, their output, their errors.

Every command reports a :class:`~payments_core.errors.PaymentError` the same
way, one line on stderr (or the error's fields with ``--json``) and exit status
1, never a traceback; every command that reads a configuration takes the same
``--config`` option; and the commands that operate a gateway open it the same
way, from ``--config``/``--gateway`` or the environment.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from payments_core.config import CONFIG_ENV, load_config, load_env, require_settings
from payments_core.errors import PaymentError
from payments_core.gateway import Payments
from payments_core.journal import default_journal
from payments_core.registry import default_registry

__all__ = [
    "config_option",
    "dump",
    "errors",
    "gateway_options",
    "json_option",
    "notes",
    "open_gateway",
]

F = TypeVar("F", bound=Callable[..., Any])


def dump(data: Any) -> None:
    """Print data as indented JSON (``--json`` output)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@contextmanager
def errors(as_json: bool = False) -> Iterator[None]:
    """Turn a PaymentError into one line (or a JSON object) and exit status 1."""
    try:
        yield
    except PaymentError as exc:
        if as_json:
            dump(exc.to_dict())
        else:
            click.echo(f"error: {exc} [{exc.code.value}]", err=True)
        sys.exit(1)


@contextmanager
def notes() -> Iterator[None]:
    """Show the library's warnings as short notes on stderr while a command runs.

    The library's loggers stay silent in programs that configure no logging; the
    command line is where a warning (a plain-http callback URL) should be seen.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("  note: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print data as JSON.")(func)


def config_option(func: F) -> F:
    """``--config FILE`` (or ``PAYMENTS_CONFIG``), passed on as ``config_path``."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        envvar=CONFIG_ENV,
        help=f"TOML configuration file (or ${CONFIG_ENV}); else the environment.",
    )(func)


def gateway_options(func: F) -> F:
    """``--config`` and ``--gateway``: which configured gateway a command operates."""
    func = click.option(
        "--gateway",
        "gateway",
        default=None,
        help="Name of a configured gateway (default: the default one).",
    )(func)
    return config_option(func)


@contextmanager
def open_gateway(config_path: str | None, gateway: str | None) -> Iterator[Payments]:
    """The gateway of ``--config`` (with the environment), else of the environment alone.

    A required setting found nowhere is reported with the variable to set; the
    library's warnings show as notes on stderr while the gateway is open. It
    records to the configured journal, else to the embedded default when the
    journal extra is installed.
    """
    if config_path:
        config = load_config(Path(config_path)).get(gateway)
    else:
        config = load_env(default_registry, gateway)
    require_settings(config, default_registry.get(config.provider))
    with (
        notes(),
        Payments(
            config.provider,
            name=config.name,
            provider_settings=config.settings,
            journal=default_journal(config.journal),
        ) as payments,
    ):
        yield payments
