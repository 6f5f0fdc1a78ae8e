"""The normalized models every provider speaks: requests in, results out.

These pydantic models are the schema of the library. Providers translate their
own wire formats into them inside the provider package; nothing here knows any
provider's JSON. Results are frozen: a :class:`Payment` is a snapshot of what
the provider said at one moment, not a live object.

Building a model with bad input raises :class:`~payments_core.errors.InvalidRequestError`
naming the field, never a pydantic ``ValidationError``.

The package keeps requests (:mod:`payments_core.models.requests`), results
(:mod:`payments_core.models.results`) and callbacks (:mod:`payments_core.models.events`)
apart, with their shared bases and field checks beside them; every name is imported
from here.
"""

from payments_core.models.base import validation_error_to_payment_error
from payments_core.models.events import WebhookEvent
from payments_core.models.fields import check_text
from payments_core.models.requests import MAX_QUANTITY as MAX_QUANTITY
from payments_core.models.requests import MAX_QUANTITY_DECIMALS as MAX_QUANTITY_DECIMALS
from payments_core.models.requests import (
    Buyer,
    CaptureMode,
    LineItem,
    OperationRequest,
    PaymentRequest,
    checked_request,
)
from payments_core.models.requests import building_flow_for as building_flow_for
from payments_core.models.results import (
    CardDetails,
    Decline,
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
)

__all__ = [
    "Buyer",
    "CaptureMode",
    "CardDetails",
    "Decline",
    "LineItem",
    "Operation",
    "OperationKind",
    "OperationRequest",
    "OperationStatus",
    "Payment",
    "PaymentRequest",
    "WebhookEvent",
    "check_text",
    "checked_request",
    "validation_error_to_payment_error",
]
