"""payments-tbc: TBC Bank's checkout (TBC E-Commerce, ``/v1/tpay``) for payments-core.

Installed, it registers the ``tbc`` provider under the ``payments_core.providers``
entry point, so checkout code only names it in configuration::

    from payments_core import LineItem, Money, PaymentRequest, Payments

    with Payments("tbc", api_key="...", client_id="7001234", client_secret="...") as payments:
        payment = payments.create_payment(
            PaymentRequest(
                external_id="order-1842",
                amount=Money("49.90", "GEL"),
                items=[LineItem(product_id="SKU-1", quantity=1, unit_price=Money("49.90", "GEL"))],
                callback_url="https://shop.example/hooks/tbc",
                success_url="https://shop.example/pay/return?order=1842",
            )
        )
        # send the buyer to payment.redirect_url; TBC calls back with the payment id

Settings (:class:`TbcSettings`, environment prefix ``TBC_``) hold the api key and
merchant credentials, the page language and the callback addresses. TBC's own
create-payment fields go in ``provider_options`` (:class:`TbcOptions`); saved-card
charges are on :class:`TbcPayments` / :class:`AsyncTbcPayments`.

The TBC emulator lives in :mod:`payments_tbc.sandbox`; it is imported only when
asked for, never by this package.
"""

import importlib
import logging
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from payments_tbc.api import AsyncTbcPayments, SavedCardCharge, SavedCardDeletion, TbcPayments
    from payments_tbc.options import InstallmentProduct, TbcOptions
    from payments_tbc.provider import TbcProvider
    from payments_tbc.saved_cards import Initiator, saved_card_id
    from payments_tbc.settings import TbcSettings

# The names below are imported on first use, so the entry point
# (``payments_tbc:TbcProvider``) loads the provider without the TbcPayments facades.
_LAZY = {
    "AsyncTbcPayments": "payments_tbc.api",
    "SavedCardCharge": "payments_tbc.api",
    "SavedCardDeletion": "payments_tbc.api",
    "TbcPayments": "payments_tbc.api",
    "InstallmentProduct": "payments_tbc.options",
    "TbcOptions": "payments_tbc.options",
    "Initiator": "payments_tbc.saved_cards",
    "TbcProvider": "payments_tbc.provider",
    "saved_card_id": "payments_tbc.saved_cards",
    "TbcSettings": "payments_tbc.settings",
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

PROVIDER: Final = "tbc"
"""The provider's name (``TbcProvider.name``): every model and error this package
builds carries it, so the modules below the provider read it from here."""

__all__ = [
    "AsyncTbcPayments",
    "Initiator",
    "InstallmentProduct",
    "SavedCardCharge",
    "SavedCardDeletion",
    "TbcOptions",
    "TbcPayments",
    "TbcProvider",
    "TbcSettings",
    "saved_card_id",
]

# A library stays quiet unless the application configures logging: without this,
# Python's last-resort handler would print this package's warnings on stderr.
logging.getLogger("payments_tbc").addHandler(logging.NullHandler())
