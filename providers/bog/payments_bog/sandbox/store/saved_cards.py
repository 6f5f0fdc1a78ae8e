"""Saved cards: a card kept when an order that asked for it is paid, for later charges.

Saving a card (``PUT .../cards`` or ``.../subscriptions``) is accepted only while the
order is unpaid; the card is kept when that payment succeeds, and the paying order's
receipt then shows ``saved_card_type``. ``POST /ecommerce/orders/{parent}`` needs a
card saved for ``recurrent`` use, ``/subscribe`` one saved for ``subscription`` use.
"""

from __future__ import annotations

from ..orders import SavedCard
from ..vocabulary import UNPAID, SavedCardType
from .ledger import OrderLedger
from .outcomes import OrderError


class SavedCards(OrderLedger):
    """Asking to save an order's card, deleting it, and finding it for a charge."""

    def request_card_saving(self, order_id: str, kind: SavedCardType) -> None:
        with self._changing():
            order = self.order(order_id)
            if order.status not in UNPAID:
                raise OrderError("A card can be saved only before the order is paid")
            order.save_request = kind

    def delete_card(self, order_id: str) -> None:
        with self._changing():
            order = self.order(order_id)
            if order.saved_card is not None:
                order.saved_card.deleted = True

    def saved_card(self, parent_id: str | None, kind: SavedCardType) -> SavedCard | None:
        """The usable card saved on ``parent_id`` for ``kind`` charges, if any."""
        with self._changing():
            parent = self._records.get(parent_id or "")
            saved = self._use(parent).saved_card if parent else None
            if saved is None or saved.deleted or saved.kind is not kind:
                return None
            return saved
