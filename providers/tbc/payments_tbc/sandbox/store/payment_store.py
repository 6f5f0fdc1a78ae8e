"""``PaymentStore``: the emulated bank's payment book, whole."""

from __future__ import annotations

from .checkout import CheckoutDesk
from .refunds import RefundDesk
from .saved_cards import SavedCardDesk


class PaymentStore(CheckoutDesk, RefundDesk, SavedCardDesk):
    """Every payment and saved card of the emulated merchant, and what can happen to them.

    Read it in tests: ``store[pay_id]`` is the live :class:`~..records.Payment`,
    ``store.saved_cards[rec_id]`` a :class:`~..records.SavedCard`. ``count`` is told
    the name of each counter an operation moves (see :class:`..counters.Counters`).
    """
