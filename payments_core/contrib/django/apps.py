"""The Django app: put ``"payments_core.contrib.django"`` in ``INSTALLED_APPS``."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class PaymentsConfig(AppConfig):  # type: ignore[misc]  # django ships no type hints
    """Registers the system checks of ``settings.PAYMENTS`` (``manage.py check``)."""

    name = "payments_core.contrib.django"
    label = "payments_core"
    verbose_name = "Payments"

    def ready(self) -> None:
        from payments_core.contrib.django.checks import check_cache, check_settings

        checks.register(check_settings, "payments")
        checks.register(check_cache, "payments", deploy=True)
