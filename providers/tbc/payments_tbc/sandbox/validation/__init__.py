"""Request bodies the emulated API accepts, and the rules TBC states for them.

Every rule of the reference (§4 B, D-F, §7, §10) is checked here; a broken rule
raises :class:`~..problems.ApiError` (HTTP 400, ``title`` "Bad Request"). One module
per kind of body: :mod:`.create_payment`, :mod:`.payment_calls` (cancel, completion,
execution), reading fields through :mod:`.fields` and split payments through
:mod:`.splits`; each says the choices it makes where the reference is silent ([INF]).
"""

from .create_payment import CreateRequest, InstallmentProduct, create_request
from .fields import Fields, amount_value, parse_object
from .payment_calls import (
    CancelRequest,
    ExecutionRequest,
    cancel_request,
    check_split_cancel,
    completion_amount,
    execution_request,
)
from .splits import Split, is_split_iban

__all__ = [
    "CancelRequest",
    "CreateRequest",
    "ExecutionRequest",
    "Fields",
    "InstallmentProduct",
    "Split",
    "amount_value",
    "cancel_request",
    "check_split_cancel",
    "completion_amount",
    "create_request",
    "execution_request",
    "is_split_iban",
    "parse_object",
]
