"""The emulated bank's order book and the state machine that moves orders.

Pure Python and thread-safe; no HTTP here. :class:`OrderStore` is the whole
(:mod:`.order_store`), built from its parts: the book that keeps, finds, moves and
expires orders (:mod:`.ledger`), saved cards (:mod:`.saved_cards`), paying
(:mod:`.paying`), refunds and pre-authorization (:mod:`.actions`). Operations answer
with the outcomes in :mod:`.outcomes`.
"""

from .ledger import MAX_FINISHED_ORDERS
from .order_store import OrderStore
from .outcomes import IllegalTransition, Notice, OrderError, Outcome, UnknownOrder
from .paying import DEFAULT_CARD, SAVED_CARD, card_in_token

__all__ = [
    "DEFAULT_CARD",
    "MAX_FINISHED_ORDERS",
    "SAVED_CARD",
    "IllegalTransition",
    "Notice",
    "OrderError",
    "OrderStore",
    "Outcome",
    "UnknownOrder",
    "card_in_token",
]
