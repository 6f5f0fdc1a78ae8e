"""BOG's JSON, as private pydantic models: what we send and how we read what comes back.

* :mod:`~payments_bog.wire.lenient`: field types that read BOG's loose scalars
  (amounts as strings or numbers, two date styles, ``null`` lists);
* :mod:`~payments_bog.wire.answers`: what BOG sends (receipts, callbacks, answers
  to our requests) and :func:`read`, the one way a body becomes a model;
* :mod:`~payments_bog.wire.bodies`: what we send (the create-order body).

Nothing here leaves the package: the provider translates these shapes into the
core's models.
"""

from payments_bog.wire.answers import (
    ActionAck,
    CreateOrderResponse,
    ErrorBody,
    KeyValue,
    PaymentDetail,
    PurchaseUnits,
    Receipt,
    ReceiptAction,
    ReceiptBuyer,
    ReceiptItem,
    WebhookEnvelope,
    json_object,
    read,
)
from payments_bog.wire.bodies import (
    CreateOrderBody,
    OutAccount,
    OutApplePay,
    OutBasketItem,
    OutBuyer,
    OutCampaign,
    OutConfig,
    OutDelivery,
    OutGooglePay,
    OutLoan,
    OutPurchaseUnits,
    OutRedirectUrls,
    OutSplit,
    OutSplitPart,
)
from payments_bog.wire.lenient import (
    TBILISI,
    Amount,
    ListOrEmpty,
    LocalTime,
    Number,
    Text,
    ZonedTime,
)

__all__ = [
    "TBILISI",
    "ActionAck",
    "Amount",
    "CreateOrderBody",
    "CreateOrderResponse",
    "ErrorBody",
    "KeyValue",
    "ListOrEmpty",
    "LocalTime",
    "Number",
    "OutAccount",
    "OutApplePay",
    "OutBasketItem",
    "OutBuyer",
    "OutCampaign",
    "OutConfig",
    "OutDelivery",
    "OutGooglePay",
    "OutLoan",
    "OutPurchaseUnits",
    "OutRedirectUrls",
    "OutSplit",
    "OutSplitPart",
    "PaymentDetail",
    "PurchaseUnits",
    "Receipt",
    "ReceiptAction",
    "ReceiptBuyer",
    "ReceiptItem",
    "Text",
    "WebhookEnvelope",
    "ZonedTime",
    "json_object",
    "read",
]
