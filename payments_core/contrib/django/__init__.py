"""Django integration: the ``PAYMENTS`` setting, a callback endpoint, a signal.

Install the extra (``pip install "payments-core[django]"``), then::

    # settings.py
    INSTALLED_APPS = [..., "payments_core.contrib.django"]
    PAYMENTS = {"provider": "dummy"}  # the mapping Payments.from_config takes

    # urls.py
    urlpatterns = [..., path("payments/", include("payments_core.contrib.django.urls"))]

``POST payments/webhooks/<gateway>/`` then verifies every callback of the gateways
in ``PAYMENTS`` and sends :data:`~payments_core.contrib.django.signals.payment_updated`
once per new payment state. :func:`get_payments` is the gateway's
:class:`~payments_core.Payments` for your own views (one per gateway per process,
built on first use) and :func:`callback_url` the endpoint's absolute URL for a
``PaymentRequest``. See ``docs/guides/django.md``.

Only this package imports Django; the rest of ``payments_core`` never does.
"""

from payments_core.contrib.django.gateways import (
    callback_url,
    close_payments,
    gateway_names,
    get_payments,
)
from payments_core.contrib.django.signals import payment_updated

__all__ = ["callback_url", "close_payments", "gateway_names", "get_payments", "payment_updated"]
