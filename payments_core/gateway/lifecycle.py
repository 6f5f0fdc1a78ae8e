"""One body per public call, written once for the sync and the async facade.

A call's body is a generator, as a provider's flow is (and the driver's attempt
loop): it does all that is not I/O itself (hooks, the idempotency decisions,
logging) and yields each piece of I/O as an :data:`IOStep`, a callable with its
arguments. :class:`~payments_core.Payments` calls the step,
:class:`~payments_core.AsyncPayments` awaits what it returns; either sends the
outcome back into the body, or throws in what the step raised. So the order of
events, the settling of keys and the errors raised are the same on both, and
each facade is a thin shell.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Mapping
from typing import Any, Final, TypeAlias, TypeVar

from payments_core.drivers import CallInfo
from payments_core.errors import PaymentError
from payments_core.gateway.calls import CheckedCall, CheckedCalls
from payments_core.gateway.instrumentation import Instrumentation
from payments_core.gateway.settlement import Settlement
from payments_core.gateway.webhooks import Webhooks, delivered
from payments_core.idempotency import ClaimState
from payments_core.models import Payment, WebhookEvent

__all__ = ["NO_KEYWORDS", "CallBody", "IOStep", "Lifecycle"]

ResultT = TypeVar("ResultT")

IOStep: TypeAlias = tuple[Callable[..., Any], tuple[Any, ...], Mapping[str, Any]]
"""A piece of I/O a body asks its facade to do: ``function(*args, **keywords)``."""

CallBody: TypeAlias = Generator[IOStep, Any, ResultT]
"""A call's body: yields steps, receives their outcomes, returns the call's result."""

NO_KEYWORDS: Final[Mapping[str, Any]] = {}
"""The keywords of most steps (a dict: unpacked without a copy). Never changed."""


class Lifecycle(CheckedCalls, Settlement, Instrumentation, Webhooks):
    """Everything the two facades share; each adds only how its steps are done."""

    _sleep: Callable[[float], Any]
    _settle: Callable[[CheckedCall[Any], str, tuple[Any, ...], Mapping[str, Any]], Any]
    """Tell the store how a keyed call ended; a store that fails is logged, not raised."""
    _settle_despite_cancel: Callable[
        [CheckedCall[Any], str, tuple[Any, ...], Mapping[str, Any]], Any
    ]
    """``_settle`` after a failure, finished even if the caller is cancelled meanwhile."""
    _record_payment: Callable[[Payment, str | None], Any]
    """Record a payment's state in the journal."""
    _receive_callback: Callable[[WebhookEvent], Any]
    """Enter a verified callback in the journal's inbox: its delivery (new, duplicate...)."""

    def _call_steps(self, call: CheckedCall[ResultT]) -> CallBody[ResultT]:
        """Veto, claim the key (waiting while another caller holds it), run the flow,
        settle the key, record the payment, report. A replay ends at the claim."""
        started = self._begin(call.operation, call.request)
        build = call.flow
        retaken = False
        keyed = call.key is not None and call.fingerprint is not None
        if keyed:
            waited = 0.0
            try:
                while True:
                    claim = yield (
                        self._calls_store.claim,
                        (self.name, call.key, call.fingerprint),
                        self._claim_keywords(call),
                    )
                    if claim.state is ClaimState.NEW:
                        break
                    plan = self._decide(call, claim, waited)
                    if plan.mark_unknown:
                        yield self._calls_store.unknown, (self.name, call.key), NO_KEYWORDS
                    if plan.error is not None:
                        if plan.cause is not None:
                            raise plan.error from plan.cause
                        raise plan.error
                    if plan.wait is None:
                        if plan.flow is None:
                            return plan.result  # type: ignore[return-value]
                        build, retaken = plan.flow, plan.retaken
                        break
                    yield self._sleep, (plan.wait,), NO_KEYWORDS
                    waited += plan.wait
            except PaymentError as exc:
                error = self._failed(call.operation, exc, call.payment_id)
                raise error  # noqa: B904 - exc itself, or its copy chained as exc was
        info = self._call_info(call)
        try:
            result: ResultT = yield (
                self._driver.run,
                (self._flow_of(build, call), info),
                NO_KEYWORDS,
            )
        except BaseException as exc:
            if keyed:
                step, args, keywords = self._ending_after_failure(call, info.progress, exc, retaken)
                yield self._settle_despite_cancel, (call, step, args, keywords), NO_KEYWORDS
            if isinstance(exc, PaymentError):
                error = self._failed(call.operation, exc, call.payment_id)
                raise error  # noqa: B904 - exc itself, or its copy chained as exc was
            raise
        if keyed:
            args = (self.name, call.key, result)
            yield self._settle, (call, "succeeded", args, NO_KEYWORDS), NO_KEYWORDS
        if self.journal is not None and isinstance(result, Payment):
            try:
                yield self._record_payment, (result, call.source), NO_KEYWORDS
            except PaymentError as exc:
                self._record_failed(result, exc)
        self._succeeded(call.operation, result, started, call.source)
        return result

    def _webhook_steps(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes,
        remote_addr: str | None,
    ) -> CallBody[WebhookEvent]:
        """Check and verify a callback, enter it in the journal's inbox, report it."""
        try:
            flow = self._webhook_flow(headers, body, remote_addr)
            event: WebhookEvent = yield (
                self._driver.run,
                (flow, CallInfo(operation="webhook")),
                NO_KEYWORDS,
            )
            if self.journal is not None:
                delivery = yield self._receive_callback, (event,), NO_KEYWORDS
                event = delivered(event, delivery)
        except PaymentError as exc:
            error = self._webhook_failed(exc)
            raise error  # noqa: B904 - exc itself, or its copy chained as exc was
        self._webhook_received(event)
        return event
