"""Turning what a caller passed into a :class:`CheckedCall`, before any I/O.

Every public operation starts here: its capability is checked, its input
validated, its idempotency key taken or minted (once, so every retry and every
repeat sends the same one) and its fingerprint computed. Bad input fails in
these methods, before a hook is asked or a request is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from payments_core import wire
from payments_core.errors import (
    ErrorCode,
    InvalidRequestError,
    PaymentError,
    ProviderResponseError,
    UnsupportedOperationError,
)
from payments_core.gateway.building import FacadeBase
from payments_core.idempotency import Fingerprint, check_idempotency_key, mint_key
from payments_core.models import (
    Operation,
    OperationRequest,
    Payment,
    PaymentRequest,
    building_flow_for,
)
from payments_core.money import Money
from payments_core.provider import Capability, Flow, PaymentProvider
from payments_core.redact import REDACTED, redact_payload
from payments_core.urls import check_callback_url, is_path_id

__all__ = ["CheckedCall", "CheckedCalls", "checked_amount", "digest", "require"]

ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class CheckedCall(Generic[ResultT]):
    """One operation whose input passed every check, ready to run by either facade.

    ``key`` and ``fingerprint`` are set for calls that change state: those run
    through the idempotency store.
    """

    operation: str
    request: Any
    """The request as ``before_operation`` hooks see it (credentials redacted)."""
    flow: Callable[[], Flow[ResultT]]
    payment_id: str | None
    source: str | None = None
    """How a ``Payment`` result reached us, for ``payment_updated`` (``None``: no hook)."""
    key: str | None = None
    fingerprint: Fingerprint | None = None
    external_id: str | None = None


class CheckedCalls(FacadeBase):
    """The facades' input checks and call builders."""

    def _checked_payment_id(self, payment_id: object) -> str:
        if not is_path_id(payment_id):
            raise InvalidRequestError(
                f"invalid payment id {payment_id!r}: expected the provider's id "
                "(letters, digits, '.', '_', ':', '-')",
                field="payment_id",
                provider=self.provider.name,
            )
        return payment_id

    def _minted_key(self, idempotency_key: object) -> str:
        """The caller's key, checked, or a fresh one."""
        if idempotency_key is None:
            return mint_key()
        return check_idempotency_key(idempotency_key, provider=self.provider.name)

    def _create_call(self, request: object) -> CheckedCall[Payment]:
        require(self.provider, Capability.CREATE, "create_payment")
        if not isinstance(request, PaymentRequest):
            raise InvalidRequestError(
                f"create_payment needs a PaymentRequest, not {type(request).__name__}"
            )
        # model_copy(update=...) skips validation: check the request once more here.
        # (Called, not model_validate(): with the models' own __init__ pydantic would
        # run the request's model validator a second time around it.)
        # The exact class keeps its fields in __dict__ (dict(request) would first ask
        # pydantic for a "keys" attribute and fail); a subclass may map itself its own way.
        fields = request.__dict__ if type(request) is PaymentRequest else dict(request)
        checked = PaymentRequest(**fields)
        check_callback_url(
            checked.callback_url,
            provider=self.provider.name,
            allow_insecure=self.provider.settings.allows_insecure_callback(checked),
            warn=False,  # a gate only: the provider's own check reports the use
        )
        key = check_idempotency_key(checked.idempotency_key, provider=self.provider.name)
        return CheckedCall(
            "create_payment",
            self._for_hooks(checked),
            lambda: self._create_flow(checked),
            None,
            "create",
            key=key,
            fingerprint=Fingerprint(
                "create_payment",
                None,
                f"{checked.amount.amount} {checked.amount.currency}",
                digest(checked, exclude={"idempotency_key"}),
            ),
            external_id=checked.external_id,
        )

    def _create_flow(self, checked: PaymentRequest) -> Flow[Payment]:
        """The provider's create flow for the request this facade validated.

        Unless a ``before_operation`` hook saw it (and could have changed it in
        place), nothing but this facade has touched ``checked`` since, so the
        provider's own check of it (:func:`~payments_core.models.checked_request`)
        need not validate it all over again.
        """
        if self.hooks.has_operation_hooks():
            return self.provider.create_payment(checked)
        return building_flow_for(checked, lambda: self.provider.create_payment(checked))

    def _get_call(self, payment_id: object) -> CheckedCall[Payment]:
        require(self.provider, Capability.RETRIEVE, "get_payment")
        checked_id = self._checked_payment_id(payment_id)
        return CheckedCall(
            "get_payment",
            OperationRequest(payment_id=checked_id),
            lambda: self.provider.get_payment(checked_id),
            checked_id,
            "poll",
        )

    def _money_call(
        self,
        kind: Capability,
        partial: Capability | None,
        payment_id: object,
        amount: object,
        idempotency_key: str | None,
    ) -> CheckedCall[Operation]:
        """A refund, capture or void: checked, with its key minted once, here."""
        operation = kind.value
        require(self.provider, kind, operation)
        checked = checked_amount(amount)
        if checked is not None and partial is not None:
            require(
                self.provider,
                partial,
                f"partial {operation}",
                "; leave amount out for the full amount",
            )
        checked_id = self._checked_payment_id(payment_id)
        key = self._minted_key(idempotency_key)
        provider = self.provider

        def flow() -> Flow[Operation]:
            if kind is Capability.REFUND:
                return provider.refund(checked_id, checked, idempotency_key=key)
            if kind is Capability.CAPTURE:
                return provider.capture(checked_id, checked, idempotency_key=key)
            return provider.void(checked_id, idempotency_key=key)

        request = OperationRequest(payment_id=checked_id, amount=checked, idempotency_key=key)
        fingerprint = Fingerprint(
            operation,
            checked_id,
            None if checked is None else f"{checked.amount} {checked.currency}",
        )
        return CheckedCall(operation, request, flow, checked_id, key=key, fingerprint=fingerprint)

    def _flow_call(
        self,
        operation: str,
        request: Any,
        flow: Flow[ResultT],
        payment_id: str | None,
        source: str | None,
        idempotency_key: str | None,
    ) -> CheckedCall[ResultT]:
        """A provider-specific flow; keyed (so kept in the store) when it carries a key."""
        key = idempotency_key or getattr(request, "idempotency_key", None)
        fingerprint = None
        if key is not None:
            key = check_idempotency_key(key, provider=self.provider.name)
            fingerprint = Fingerprint(
                operation, payment_id, None, digest(request, exclude={"idempotency_key"})
            )
        return CheckedCall(
            operation,
            self._for_hooks(request),
            lambda: flow,
            payment_id,
            source,
            key=key,
            fingerprint=fingerprint,
            external_id=getattr(request, "external_id", None),
        )

    def _flow_of(self, build: Callable[[], Flow[ResultT]], call: CheckedCall[Any]) -> Flow[ResultT]:
        """The call's flow; a provider failing to even build it is a typed error."""
        try:
            return build()
        except PaymentError:
            raise
        except Exception as exc:
            raise ProviderResponseError(
                f"provider {self.provider.name!r} failed while preparing its request "
                f"({type(exc).__name__}); nothing was sent",
                provider=self.provider.name,
                payment_id=call.payment_id,
            ) from exc

    def _for_hooks(self, request: Any) -> Any:
        """The request as plugins see it: credentials in provider options redacted."""
        if isinstance(request, PaymentRequest):
            sensitive = self.provider.sensitive_options & request.provider_options.keys()
            if not sensitive:
                return request
            options = {
                key: REDACTED if key in sensitive else value
                for key, value in request.provider_options.items()
            }
            return request.model_copy(update={"provider_options": options})
        if isinstance(request, Mapping):
            return redact_payload(request, self._driver.redacted_fields)
        return request


def require(
    provider: PaymentProvider, capability: Capability, operation: str, hint: str = ""
) -> None:
    """Refuse an operation the provider lacks, before anything else is checked."""
    if capability not in provider.capabilities:
        raise UnsupportedOperationError(
            f"provider {provider.name!r} does not support {operation}{hint}",
            provider=provider.name,
        )


def checked_amount(amount: object) -> Money | None:
    """``amount`` when it is positive :class:`~payments_core.money.Money` (or ``None``)."""
    if amount is None:
        return None
    if not isinstance(amount, Money):
        raise InvalidRequestError(
            f"amount must be Money (e.g. Money('5.00', 'GEL')), not {type(amount).__name__}",
            code=ErrorCode.INVALID_AMOUNT,
            field="amount",
        )
    if not amount.is_positive():
        raise InvalidRequestError(
            f"amount must be greater than zero, got {amount}",
            code=ErrorCode.INVALID_AMOUNT,
            field="amount",
        )
    return amount


def digest(request: Any, *, exclude: set[str]) -> str:
    """SHA-256 of a request's parameters, for the idempotency fingerprint."""
    if hasattr(request, "model_dump"):
        data = request.model_dump(mode="json", exclude=exclude)
    else:
        data = request
    try:
        encoded = wire.dumps_canonical(data)
    except (TypeError, ValueError):
        encoded = repr(data).encode()
    return Fingerprint.digest_of(encoded)
