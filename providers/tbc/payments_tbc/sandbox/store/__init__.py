"""The emulated bank's payment book and the state machine that moves payments.

Pure Python and thread-safe; no HTTP here. Operations that a merchant cannot perform
in the payment's state raise :class:`~..problems.ApiError`. :class:`PaymentStore` is
the whole (:mod:`.payment_store`), built from its parts: the book that keeps, finds
and moves payments and queues the callbacks owed (:mod:`.ledger`), the checkout
(:mod:`.checkout`), pre-authorization (:mod:`.preauth`), refunds (:mod:`.refunds`)
and saved cards (:mod:`.saved_cards`).
"""

from .checkout import CheckoutClosed, allowed_methods
from .ledger import MAX_FINISHED_PAYMENTS, IllegalTransition
from .payment_store import PaymentStore

__all__ = [
    "MAX_FINISHED_PAYMENTS",
    "CheckoutClosed",
    "IllegalTransition",
    "PaymentStore",
    "allowed_methods",
]
