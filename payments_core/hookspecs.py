"""The plugin API: every hook a ``payments_core`` plugin can implement.

Write a plugin as a module or class with functions named after these specs and
marked with :data:`payments_core.hookimpl`, then register it on a facade
(``payments.register_plugin(obj)``) or publish it under the entry-point group
``payments_core.plugins``. Implement only the hooks you need, and only the
arguments you need: pluggy passes arguments by name.

Hooks are called synchronously, in registration order (last registered first),
for both :class:`~payments_core.Payments` and :class:`~payments_core.AsyncPayments`.
Keep them cheap. ``async def`` implementations are refused at registration,
because pluggy would return an un-awaited coroutine.

Failure rules:

* :func:`payments_before_operation` may **veto** by raising: the operation is not
  sent and the caller gets :class:`~payments_core.errors.OperationVetoedError`
  (or the :class:`~payments_core.errors.PaymentError` the hook raised). Any
  exception vetoes: a broken fraud check fails closed, before money moves.
* Every other hook only observes. If one raises, the error is logged on the
  ``payments_core.hooks`` logger and the payment goes on: an audit hook must
  never undo a payment that already happened.

Payloads never hold secrets: requests seen by the HTTP hooks are redacted
(:class:`~payments_core.redact.HttpExchange`), and providers appear by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from payments_core.errors import PaymentError
    from payments_core.models import Payment, WebhookEvent
    from payments_core.redact import HttpExchange

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "payments_core"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marker for plugin functions: ``@hookimpl def payments_after_operation(...)``."""


# -- operations ---------------------------------------------------------------------


@hookspec
def payments_before_operation(operation: str, provider: str, gateway: str, request: Any) -> None:
    """Called before an operation is sent. Raise to veto it.

    :param operation: ``create_payment``, ``get_payment``, ``refund``, ``capture`` or ``void``.
    :param provider: the provider's name (``"bog"``).
    :param gateway: the configured gateway's name (``"default"`` unless named).
    :param request: the :class:`~payments_core.models.PaymentRequest` for
        ``create_payment``; an :class:`~payments_core.models.OperationRequest`
        (payment id, amount, idempotency key) for the others.
    """


@hookspec
def payments_after_operation(operation: str, provider: str, gateway: str, result: Any) -> None:
    """Called after an operation succeeded, with its result.

    :param result: a :class:`~payments_core.models.Payment` for ``create_payment``
        and ``get_payment``; an :class:`~payments_core.models.Operation` for
        ``refund``, ``capture`` and ``void``.
    """


@hookspec
def payments_operation_failed(
    operation: str, provider: str, gateway: str, error: PaymentError
) -> None:
    """Called when an operation raised; the caller gets the same ``error`` afterwards.

    Not called for an operation vetoed by ``payments_before_operation``: nothing
    was attempted, and the vetoing plugin already knows.
    """


# -- payments ------------------------------------------------------------------------


@hookspec
def payments_payment_updated(payment: Payment, source: str) -> None:
    """Called whenever the library learns a payment's state.

    :param source: ``"create"`` (just created), ``"poll"`` (read with
        ``get_payment``) or ``"webhook"`` (from a verified callback). Use
        :func:`payments_core.status.can_transition` to drop stale updates.
    """


@hookspec
def payments_webhook_received(event: WebhookEvent) -> None:
    """Called for each callback that passed verification, before ``payment_updated``."""


# -- HTTP -------------------------------------------------------------------------------


@hookspec
def payments_http_request(request: HttpExchange) -> None:
    """Called before each HTTP attempt (retries included), with a redacted view.

    Token requests made by an ``httpx.Auth`` flow (OAuth2) happen inside the
    attempt and are not reported here; they are logged on ``payments_core.auth``.
    """


@hookspec
def payments_http_response(request: HttpExchange, status_code: int, elapsed: float) -> None:
    """Called after each HTTP attempt that got a response; ``elapsed`` is in seconds."""
