"""The gateways of ``settings.PAYMENTS``, one :class:`~payments_core.Payments` each.

``PAYMENTS`` takes what :meth:`Payments.from_config <payments_core.Payments.from_config>`
takes: one gateway (``{"provider": "bog", ...}``), several
(``{"default": "main", "gateways": {"main": {...}, "test": {...}}}``), or the path
of a TOML file holding either.

Lifetime: a gateway's facade is built on first use (not at import, so each worker
process of a pre-forking server builds its own HTTP client) and then shared by every
thread of the process. It is closed by :func:`close_payments`, when
``settings.PAYMENTS`` changes (``override_settings`` in tests), and at interpreter
exit. Do not call :func:`get_payments` at import time.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.urls import reverse

from payments_core.config import GatewayTable, load_config
from payments_core.errors import ConfigurationError
from payments_core.gateway import Payments

__all__ = ["callback_url", "close_payments", "gateway_names", "gateway_table", "get_payments"]

SETTING = "PAYMENTS"

_lock = threading.Lock()
_table: GatewayTable | None = None
_facades: dict[str, Payments] = {}


def _improperly(error: ConfigurationError) -> ImproperlyConfigured:
    # ConfigurationError messages name fields, never values: safe to repeat.
    return ImproperlyConfigured(f"settings.{SETTING}: {error.message}")


def _setting() -> Any:
    raw = getattr(settings, SETTING, None)
    if raw is None:
        raise ImproperlyConfigured(
            f"settings.{SETTING} is not set: configure a gateway, e.g. "
            f'{SETTING} = {{"provider": "dummy"}}'
        )
    return raw


def gateway_table() -> GatewayTable:
    """The gateways ``settings.PAYMENTS`` configures (read once, until it changes)."""
    global _table
    table = _table
    if table is None:
        with _lock:
            if _table is None:
                try:
                    _table = load_config(_setting())
                except ConfigurationError as exc:
                    raise _improperly(exc) from exc
            table = _table
    return table


def gateway_names() -> tuple[str, ...]:
    """The names of the configured gateways (``("default",)`` for a single one)."""
    return tuple(gateway_table().gateways)


def get_payments(gateway: str | None = None) -> Payments:
    """The facade of ``gateway`` (the default one when ``None``), built on first use.

    Safe to call from any thread: each gateway's facade is built once per process.
    Raises ``ImproperlyConfigured`` for a name ``PAYMENTS`` does not configure or
    settings the provider refuses.
    """
    table = gateway_table()
    try:
        config = table.get(gateway)
    except ConfigurationError as exc:
        raise _improperly(exc) from exc
    facade = _facades.get(config.name)
    if facade is not None:
        return facade
    with _lock:
        facade = _facades.get(config.name)
        if facade is None:
            try:
                facade = Payments.from_config(_setting(), gateway=config.name)
            except ConfigurationError as exc:
                raise ImproperlyConfigured(
                    f"settings.{SETTING}, gateway {config.name!r}: {exc.message}"
                ) from exc
            _facades[config.name] = facade
    return facade


def close_payments() -> None:
    """Close every facade built so far and forget ``PAYMENTS``; the next use starts afresh."""
    global _table
    with _lock:
        facades = list(_facades.values())
        _facades.clear()
        _table = None
    for facade in facades:
        facade.close()


def callback_url(request: Any, gateway: str | None = None) -> str:
    """The absolute URL of this site's callback endpoint for ``gateway``.

    For ``PaymentRequest.callback_url``. Needs the endpoint included under the
    ``payments`` namespace (``include("payments_core.contrib.django.urls")`` does
    that). The scheme and host come from ``request``: behind a TLS-terminating
    proxy, set ``SECURE_PROXY_SSL_HEADER`` so the URL is ``https://``.
    """
    table = gateway_table()
    try:
        name = table.get(gateway).name
    except ConfigurationError as exc:
        raise _improperly(exc) from exc
    url: str = request.build_absolute_uri(reverse("payments:webhook", kwargs={"gateway": name}))
    return url


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING:
        close_payments()


setting_changed.connect(_on_setting_changed, dispatch_uid="payments_core.contrib.django.gateways")
atexit.register(close_payments)
