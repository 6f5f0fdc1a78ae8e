"""Request bodies the emulated API accepts, and the checks BOG applies to them.

One module per kind of body: :mod:`.create_order` (a new order or a saved-card
charge, with the headers that shape it), :mod:`.order_calls` (refund, approve,
cancel, subscribe, Apple Pay), both reading fields through :mod:`.fields`. Every check
failure raises :class:`RequestError`, which the app answers with
``400 {"message": ...}``.
"""

from .create_order import (
    DEFAULT_TTL,
    MAX_SPLIT_PARTS,
    TTL_RANGE,
    Buyer,
    Item,
    Loan,
    OrderRequest,
    SplitPart,
    language,
    order_request,
    theme,
)
from .fields import RequestError, amount, callback_url, parse_json
from .order_calls import (
    ActionRequest,
    action_request,
    apple_pay_token,
    split_payments,
    subscribe_request,
)

__all__ = [
    "DEFAULT_TTL",
    "MAX_SPLIT_PARTS",
    "TTL_RANGE",
    "ActionRequest",
    "Buyer",
    "Item",
    "Loan",
    "OrderRequest",
    "RequestError",
    "SplitPart",
    "action_request",
    "amount",
    "apple_pay_token",
    "callback_url",
    "language",
    "order_request",
    "parse_json",
    "split_payments",
    "subscribe_request",
    "theme",
]
