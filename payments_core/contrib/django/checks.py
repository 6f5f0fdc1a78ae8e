"""System checks (``manage.py check``): ``PAYMENTS`` is readable and each gateway's
facade can be built from it; with ``--deploy``, the cache is shared.

Nothing is sent anywhere: the facades are built and closed again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.checks import Warning as CheckWarning

from payments_core.config import load_config
from payments_core.contrib.django.delivery import CACHE_SETTING
from payments_core.contrib.django.gateways import SETTING
from payments_core.errors import ConfigurationError
from payments_core.gateway import Payments

__all__ = ["check_cache", "check_settings"]

_PER_PROCESS = {
    "django.core.cache.backends.locmem.LocMemCache": "is per process",
    "django.core.cache.backends.dummy.DummyCache": "remembers nothing",
}


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    raw = getattr(settings, SETTING, None)
    if raw is None:
        return [
            Error(
                f"settings.{SETTING} is not set.",
                hint=f'Configure a gateway, e.g. {SETTING} = {{"provider": "dummy"}}.',
                id="payments_core.E001",
            )
        ]
    try:
        table = load_config(raw)
    except ConfigurationError as exc:
        return [Error(f"settings.{SETTING}: {exc.message}", id="payments_core.E002")]
    errors: list[CheckMessage] = []
    for name in table.gateways:
        try:
            # Built as get_payments() builds it, without plugins; nothing is sent.
            facade = Payments.from_config(raw, gateway=name, autoload_plugins=False)
        except ConfigurationError as exc:
            message = f"settings.{SETTING}, gateway {name!r}: {exc.message}"
            errors.append(Error(message, id="payments_core.E003"))
        else:
            facade.close()
    alias = getattr(settings, CACHE_SETTING, "default")
    if alias not in settings.CACHES:
        errors.append(
            Error(
                f"settings.{CACHE_SETTING} names the cache {alias!r}, which CACHES does not "
                "define.",
                id="payments_core.E004",
            )
        )
    return errors


def check_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    alias = getattr(settings, CACHE_SETTING, "default")
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    problem = _PER_PROCESS.get(backend)
    if problem is None:
        return []
    return [
        CheckWarning(
            f"The cache {alias!r} that remembers payment callbacks {problem}.",
            hint=(
                "Callbacks served by several processes need a shared cache (Redis, Memcached "
                f"or the database cache): point settings.{CACHE_SETTING} at one."
            ),
            id="payments_core.W001",
        )
    ]
