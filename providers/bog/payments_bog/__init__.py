"""payments-bog: Bank of Georgia (BOG) Online Payments for payments-core.

Installed, it registers the ``bog`` provider under the ``payments_core.providers``
entry point, so checkout code only names it in configuration::

    from payments_core import Money, LineItem, PaymentRequest, Payments

    with Payments("bog", client_id="10001", client_secret="...") as payments:
        payment = payments.create_payment(
            PaymentRequest(
                external_id="ORD-1001",
                amount=Money("27.50", "GEL"),
                items=[LineItem(product_id="SKU-1", quantity=1, unit_price=Money("27.50", "GEL"))],
                callback_url="https://shop.example/bog/callback",
            )
        )
        # send the customer to payment.redirect_url; BOG calls back when it is paid

Settings (:class:`BogSettings`, environment prefix ``BOG_``) choose the environment,
page language and theme, and the key that checks callback signatures. BOG's own
features go in ``provider_options`` (:class:`BogOptions`); saved cards, subscriptions
and Apple Pay completion are on :class:`BogPayments` / :class:`AsyncBogPayments`.

The BOG emulator lives in :mod:`payments_bog.sandbox`; it is imported only when asked
for, never by this package.
"""

import importlib
import logging
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from payments_bog.api import AsyncBogPayments, BogPayments
    from payments_bog.options import BogOptions
    from payments_bog.provider import BogProvider, SavedCardKind
    from payments_bog.settings import BogSettings

# The names below are imported on first use, so the entry point
# (``payments_bog:BogProvider``) loads the provider without the BogPayments facades.
_LAZY = {
    "AsyncBogPayments": "payments_bog.api",
    "BogPayments": "payments_bog.api",
    "BogOptions": "payments_bog.options",
    "BogProvider": "payments_bog.provider",
    "SavedCardKind": "payments_bog.provider",
    "BogSettings": "payments_bog.settings",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__version__ = "0.2.0"

PROVIDER: Final = "bog"
"""The provider's name (``BogProvider.name``): every model and error this package
builds carries it, so the modules below the provider read it from here."""

__all__ = [
    "AsyncBogPayments",
    "BogOptions",
    "BogPayments",
    "BogProvider",
    "BogSettings",
    "SavedCardKind",
]

# A library stays quiet unless the application configures logging: without this,
# Python's last-resort handler would print this package's warnings on stderr.
logging.getLogger("payments_bog").addHandler(logging.NullHandler())
