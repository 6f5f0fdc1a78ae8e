"""How a keyed call deals with the idempotency store: the claim, the wait, the end.

Before a state-changing call runs, the facade claims its key; the store's answer
(:class:`~payments_core.idempotency.ClaimState`) says run it, replay a recorded
result, wait for another caller, or repeat an attempt whose outcome is unknown.
When the call ends, the store is told which of ``succeeded``, ``unknown`` or
``release`` it was. Everything here decides; the facades do the store's I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from payments_core.drivers import CallInfo, CallProgress
from payments_core.errors import (
    AuthenticationError,
    OutcomeUnknownError,
    PaymentError,
    ProviderUnavailableError,
    RateLimitedError,
)
from payments_core.gateway.building import FacadeBase
from payments_core.gateway.calls import CheckedCall
from payments_core.idempotency import (
    CallDetails,
    Claim,
    ClaimState,
    Fingerprint,
    IdempotencyStore,
)
from payments_core.models import Payment
from payments_core.provider import Flow, SentRequest

__all__ = ["AwaitableStore", "Plan", "Settlement"]

logger = logging.getLogger("payments_core")

ResultT = TypeVar("ResultT")

NO_ANSWER: Final = (ProviderUnavailableError, AuthenticationError, RateLimitedError)
"""Failures that are not the gateway's answer to the request itself."""

IN_FLIGHT_POLL: Final = 0.05
"""Seconds between looks at a key another call holds (doubling, up to 1 s)."""


@dataclass(frozen=True)
class Plan(Generic[ResultT]):
    """What to do after a claim that was not ``NEW``: run, replay, wait, or fail."""

    flow: Callable[[], Flow[ResultT]] | None = None
    result: ResultT | None = None
    """The recorded result, when ``flow`` is ``None`` and ``wait`` too."""
    wait: float | None = None
    retaken: bool = False
    """The key had an unknown outcome: the first attempt may have been carried out."""
    error: BaseException | None = None
    """Raise this (after telling the store the outcome is still unknown, if ``mark_unknown``)."""
    cause: BaseException | None = None
    """What ``error`` is raised from (``raise error from cause``), when it has a cause."""
    mark_unknown: bool = False


class Settlement(FacadeBase):
    """The facades' side of the idempotency protocol."""

    def _claim_keywords(self, call: CheckedCall[Any]) -> dict[str, Any]:
        if self._details:
            return {"details": CallDetails(self.provider.name, call.request, call.external_id)}
        return {}

    def _decide(self, call: CheckedCall[ResultT], claim: Claim, waited: float) -> Plan[ResultT]:
        """What to do with a keyed call whose claim was not ``NEW``."""
        if claim.state is ClaimState.SUCCEEDED:
            return Plan(result=claim.outcome)
        if claim.state is ClaimState.IN_FLIGHT:
            if waited >= self._deadline():
                return Plan(
                    error=self._unknown(
                        call,
                        "another call with this idempotency key is still in progress",
                        safe_to_repeat=True,
                    )
                )
            return Plan(wait=min(1.0, IN_FLIGHT_POLL * 2 ** min(waited / IN_FLIGHT_POLL, 5)))
        # UNKNOWN: the key is ours again.
        if not self.provider.honours_idempotency_keys:
            return Plan(
                mark_unknown=True,
                error=self._unknown(
                    call,
                    f"an earlier {call.operation} with this key has an unknown outcome and "
                    f"{self.provider.name} has no idempotency keys, so it is not sent again",
                    safe_to_repeat=False,
                ),
            )
        if claim.sent is not None:
            try:
                resend = self.provider.resend(call.operation, call.request, claim.sent)
            except BaseException as exc:
                if isinstance(exc, PaymentError) or not isinstance(exc, Exception):
                    return Plan(mark_unknown=True, error=exc)  # still unresolved
                error = self._unknown(
                    call,
                    f"provider {self.provider.name!r} could not repeat the earlier "
                    f"{call.operation} ({type(exc).__name__})",
                    safe_to_repeat=True,
                )
                return Plan(mark_unknown=True, error=error, cause=exc)
            if resend is not None:
                return Plan(flow=lambda: resend, retaken=True)
        return Plan(flow=call.flow, retaken=True)

    def _unknown(
        self, call: CheckedCall[Any], what: str, *, safe_to_repeat: bool
    ) -> OutcomeUnknownError:
        return OutcomeUnknownError(
            f"{what}: {OutcomeUnknownError.next_step_for(safe_to_repeat)}",
            operation=call.operation,
            idempotency_key=call.key,
            external_id=call.external_id,
            payment_id=call.payment_id,
            safe_to_repeat=safe_to_repeat,
            provider=self.provider.name,
        )

    def _call_info(self, call: CheckedCall[Any]) -> CallInfo:
        """What the driver learns about the call; a keyed one records "sending" first."""
        on_send = None
        key = call.key
        if key is not None and call.fingerprint is not None and self._tells_sending:
            store, gateway = self._calls_store, self.name
            hidden = self._driver.sensitive_headers

            def on_send(request: Any) -> Any:
                return store.sending(gateway, key, SentRequest.of(request, hidden))

        return CallInfo(
            operation=call.operation,
            idempotency_key=key,
            external_id=call.external_id,
            payment_id=call.payment_id,
            on_send=on_send,
        )

    def _ending_after_failure(
        self, call: CheckedCall[Any], progress: CallProgress, error: BaseException, retaken: bool
    ) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        """How a keyed call that failed ends in the store: ``unknown`` or ``release``.

        A definite failure releases the key only when nothing moved: once a
        state-changing request was carried out (or, for an interrupted call, was
        being sent), the key stays "unknown" so a repeat cannot act twice. A
        repeat of an unknown outcome (``retaken``) that got no answer of the
        gateway's own leaves it unknown: the first attempt may still have landed.
        An unknown create passes on the payment id the gateway named, to a store
        that keeps it (the journal reads the payment by it).
        """
        args = (self.name, call.key)
        if isinstance(error, OutcomeUnknownError):
            if self._unknown_takes_id and error.payment_id is not None and call.payment_id is None:
                return "unknown", args, {"payment_id": error.payment_id}
            return "unknown", args, {}
        if not isinstance(error, PaymentError):  # cancelled or interrupted
            moved = progress.sending or progress.carried_out
            return ("unknown" if moved or retaken else "release"), args, {}
        if retaken and isinstance(error, NO_ANSWER):
            return "unknown", args, {}
        return ("unknown" if progress.carried_out else "release"), args, {}

    def _settle_failed(self, call: CheckedCall[Any], step: str, exc: Exception) -> None:
        # The gateway's answer stands; the journal's reconciler settles the row.
        logger.error(
            "gateway=%s operation=%s idempotency_key=%s: could not record %r in the "
            "idempotency store (%s); the reconciler will settle it",
            self.name,
            call.operation,
            call.key,
            step,
            exc,
        )

    def _record_failed(self, payment: Payment, error: PaymentError) -> None:
        # The payment state is a cache of the gateway's: the next update refreshes it.
        logger.warning(
            "gateway=%s payment_id=%s: could not record the payment's state in the journal: %s",
            self.name,
            payment.id,
            error.message,
        )


class AwaitableStore:
    """A store with plain methods (the in-memory one), awaited by ``AsyncPayments``."""

    def __init__(self, store: IdempotencyStore) -> None:
        self.store = store

    async def claim(
        self, gateway: str, key: str, fingerprint: Fingerprint, **keywords: Any
    ) -> Claim:
        return self.store.claim(gateway, key, fingerprint, **keywords)

    async def sending(self, gateway: str, key: str, sent: SentRequest) -> None:
        self.store.sending(gateway, key, sent)

    async def succeeded(self, gateway: str, key: str, outcome: Any) -> None:
        self.store.succeeded(gateway, key, outcome)

    async def unknown(self, gateway: str, key: str, **keywords: Any) -> None:
        self.store.unknown(gateway, key, **keywords)

    async def release(self, gateway: str, key: str) -> None:
        self.store.release(gateway, key)
