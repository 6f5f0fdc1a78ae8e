"""The contract a payment provider (a gateway plugin) implements.

A provider never does I/O. Each operation is a *flow*: a generator that yields
``httpx.Request`` objects, receives the matching ``httpx.Response`` for each,
and returns a normalized result. The core's drivers run a flow over a sync or
an async client, so one implementation serves :class:`~payments_core.Payments`
and :class:`~payments_core.AsyncPayments`, and a test can drive it by hand::

    flow = provider.get_payment("order-1")
    request = next(flow)                       # what the provider wants to send
    try:
        flow.send(httpx.Response(200, json={...}))
    except StopIteration as done:
        payment = done.value                   # the normalized Payment

Error responses (status >= 400) never reach the flow: the driver turns them into
a :class:`~payments_core.errors.PaymentError` with ``error_for_response``, unless
the request lists the status in ``accept_status`` (see ``build_request``).

The package: :mod:`~payments_core.provider.contract` (the provider class, its
flows and capabilities), :mod:`~payments_core.provider.settings`,
:mod:`~payments_core.provider.requests` (what the driver reads from a request) and
:mod:`~payments_core.provider.responses` (what a bare HTTP status means),
:mod:`~payments_core.provider.checks` (what every provider refuses before sending); every
name is imported from here.
"""

from payments_core.provider.checks import check_same_currency
from payments_core.provider.contract import Capability, Flow, PaymentProvider
from payments_core.provider.requests import (
    ACCEPT_STATUS_EXTENSION,
    AUTH_REQUEST_EXTENSION,
    READ_ONLY_EXTENSION,
    SentRequest,
    changes_state,
)
from payments_core.provider.responses import error_for_status, parse_retry_after
from payments_core.provider.settings import ProviderSettings

__all__ = [
    "ACCEPT_STATUS_EXTENSION",
    "AUTH_REQUEST_EXTENSION",
    "READ_ONLY_EXTENSION",
    "Capability",
    "Flow",
    "PaymentProvider",
    "ProviderSettings",
    "SentRequest",
    "changes_state",
    "check_same_currency",
    "error_for_status",
    "parse_retry_after",
]
