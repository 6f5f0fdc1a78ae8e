"""What plugins and logs hear of every call: the hooks around it and its one log line.

``before_operation`` may veto a call before anything else happens;
``after_operation`` and ``payment_updated`` hear of a success, ``operation_failed``
of a failure. Each call also logs one line on the ``payments_core`` logger (INFO
for a success, WARNING for a failure) with the ids an operator searches by.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from payments_core.errors import PaymentError
from payments_core.gateway.building import FacadeBase
from payments_core.models import Operation, Payment

__all__ = ["Instrumentation", "in_context"]

logger = logging.getLogger("payments_core")


class Instrumentation(FacadeBase):
    """Hooks and log lines around each call."""

    def _begin(self, operation: str, request: Any) -> float:
        self.hooks.before_operation(operation, self.provider.name, self.name, request)
        return time.monotonic()

    def _succeeded(self, operation: str, result: Any, started: float, source: str | None) -> None:
        if logger.isEnabledFor(logging.INFO):
            self._log_success(operation, result, started)
        self.hooks.after_operation(operation, self.provider.name, self.name, result)
        if source is not None and isinstance(result, Payment):
            self.hooks.payment_updated(result, source)

    def _log_success(self, operation: str, result: Any, started: float) -> None:
        """The one INFO line of a call; built only when someone logs at INFO."""
        elapsed = time.monotonic() - started
        fields: dict[str, Any] = {
            "provider": self.provider.name,
            "gateway": self.name,
            "operation": operation,
            "elapsed": round(elapsed, 3),
        }
        if isinstance(result, Payment):
            fields |= {
                "payment_id": result.id,
                "external_id": result.external_id,
                "provider_transaction_id": result.provider_transaction_id,
                "status": result.status.value,
            }
        elif isinstance(result, Operation):
            fields |= {
                "payment_id": result.payment_id,
                "operation_id": result.id,
                "status": result.status.value,
            }
        logger.info(
            "%s",
            " ".join(f"{key}={value}" for key, value in fields.items() if value is not None),
            extra=fields,
        )

    def _failed(self, operation: str, error: PaymentError, payment_id: str | None) -> PaymentError:
        """Report a failed call; the error to raise, with this call's context in it."""
        error = in_context(error, self.provider.name, payment_id)
        logger.warning(
            "provider=%s gateway=%s operation=%s payment_id=%s failed: %s %s",
            self.provider.name,
            self.name,
            operation,
            payment_id,
            error.code.value,
            error.message,
            extra={
                "provider": self.provider.name,
                "operation": operation,
                "payment_id": payment_id,
                "error_code": error.code.value,
            },
        )
        self.hooks.operation_failed(operation, self.provider.name, self.name, error)
        return error


def in_context(error: PaymentError, provider: str, payment_id: str | None = None) -> PaymentError:
    """``error`` naming the provider and payment a call was for.

    An error raised below the facade (by a store, a provider's flow, the driver)
    may not know them. It is not edited: when something is missing, a complete
    copy takes its place, with the same cause and traceback, so the error raised
    is the one hooks were shown.
    """
    changes: dict[str, Any] = {}
    if error.provider is None:
        changes["provider"] = provider
    if error.payment_id is None and payment_id is not None:
        changes["payment_id"] = payment_id
    if not changes:
        return error
    complete = error.replace(**changes).with_traceback(error.__traceback__)
    complete.__cause__ = error.__cause__
    complete.__suppress_context__ = error.__suppress_context__
    return complete
