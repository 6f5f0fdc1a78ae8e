""":class:`TbcProvider`: TBC Bank's checkout API (``/v1/tpay``) as a payments-core provider.

Every operation is a flow (see :mod:`payments_core.provider`): it yields the
``httpx.Request`` objects TBC needs and turns the answers into the core's models.
Input is checked when a flow is made, before its first request, so a bad request
fails with nothing sent.

TBC has no idempotency keys (reference §9): ``honours_idempotency_keys`` is
false, so the driver sends create, cancel, completion and execution exactly once
and reports a lost answer as an unknown outcome that must not be repeated. The
flows make sure an answer they cannot read raises
:class:`~payments_core.errors.ProviderResponseError` (never ``KeyError``), which
the driver classifies the same way.

Refund, capture and void read the payment first and refuse (InvalidStateError)
what TBC would refuse: a refund of an unpaid payment or of more than is left, a
partial cancel of a hold, a capture of a payment that is not held. TBC only
acknowledges a refund or void; the outcome shows in the payment, so those
return a ``pending`` Operation.

TBC's callbacks are not signed: :meth:`TbcProvider.webhook` checks the caller's
address and the body's shape, reads the payment back with the merchant's
credentials and builds the event from that answer only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, Literal, NoReturn

import httpx

from payments_core.auth import OAuth2ClientCredentials
from payments_core.errors import (
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    NotFoundError,
    PaymentError,
    ProviderResponseError,
    WebhookVerificationError,
)
from payments_core.models import (
    CaptureMode,
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentRequest,
    WebhookEvent,
    check_text,
)
from payments_core.money import Money
from payments_core.provider import Capability, Flow, PaymentProvider, ProviderSettings
from payments_core.status import PaymentStatus
from payments_tbc import errors
from payments_tbc.callbacks import ID_PATTERN, callback_payment_id, check_remote_addr, event_id
from payments_tbc.checkout import PreparedPayment, check_currency, prepare_payment
from payments_tbc.codes import canonical_status
from payments_tbc.details import HOLD_STATUSES, approval_url, money, payment_from_details
from payments_tbc.settings import TbcSettings, parse_networks
from payments_tbc.wire import (
    CompletionAnswer,
    CreateAnswer,
    Details,
    Envelope,
    json_object,
    optional_json_object,
    read,
)

__all__ = ["Initiator", "TbcProvider", "saved_card_id"]

logger = logging.getLogger("payments_tbc")

PROVIDER: Final = "tbc"
Initiator = Literal["merchant", "customer"]
"""Who starts a saved-card charge: ``merchant`` (no buyer present, TBC's
``initiator: "merchant"``) or ``customer`` (the field is left out)."""

REFUNDABLE_STATUSES: Final = frozenset({"Succeeded", "PartialReturned"})
"""TBC statuses a refund may be asked in (more may follow a partial refund)."""
CAPTURABLE_STATUS: Final = "WaitingConfirm"
_UNDER_WAY: Final = frozenset({"PaymentCompletionProcessing", "CancelPaymentProcessing"})
WEBHOOK_EVENT_TYPE: Final = "payment.updated"

_OPERATION_STATUS: Final[dict[str, OperationStatus]] = {
    "Succeeded": OperationStatus.SUCCEEDED,
    "Failed": OperationStatus.FAILED,
}
"""A completion answer's ``status`` → the capture's status; anything else is pending."""


class TbcProvider(PaymentProvider):
    """TBC Bank checkout (TBC E-Commerce). See the package docs for an example."""

    name = "tbc"
    settings_model = TbcSettings
    env_prefix = "TBC_"
    honours_idempotency_keys = False
    sensitive_headers = frozenset({"apikey"})
    capabilities = frozenset(
        {
            Capability.CREATE,
            Capability.RETRIEVE,
            Capability.REFUND,
            Capability.PARTIAL_REFUND,
            Capability.CAPTURE,
            Capability.PARTIAL_CAPTURE,
            Capability.VOID,
            Capability.WEBHOOKS,
            Capability.SAVED_CARDS,
            Capability.RECURRING,
        }
    )

    settings: TbcSettings

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self.api_base_url = self.settings.api_base_url
        self._tpay = self.settings.tpay_url
        # One token cache per merchant account, shared by every call through it.
        self._auth = OAuth2ClientCredentials(
            self.settings.token_url,
            self.settings.client_id,
            self.settings.client_secret,
            credentials_in="body",
            extra_headers={"apikey": self.settings.api_key},
            provider=self.name,
        )
        self._callback_networks = parse_networks(self.settings.callback_addresses)

    def __repr__(self) -> str:
        return f"<TbcProvider api={self.api_base_url!r}>"

    # -- what the drivers ask of a provider ------------------------------------------

    @property
    def auth(self) -> httpx.Auth:
        """Bearer tokens from ``/access-token``; the ``apikey`` header on every call."""
        return self._auth

    def error_for_response(self, response: httpx.Response) -> PaymentError:
        return errors.error_for_response(response)

    # -- the five operations ------------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> Flow[Payment]:
        """``POST /payments``: the result is ``pending`` with TBC's page as ``redirect_url``."""
        prepared = prepare_payment(request, self.settings)
        return self._create(request, prepared)

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        """``GET /payments/{payId}``."""
        pay_id = _checked_id(payment_id)
        return self._read_payment(pay_id)

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        """Read the payment, check what is refundable, then ``POST /payments/{payId}/cancel``.

        The full refund (``amount=None``, or the whole captured amount of a payment
        with nothing refunded yet) is sent without an amount, as TBC's full cancel.

        TBC allows one partial refund on the day of the payment (reference §12).
        Its payment details carry no dates, so this client cannot know whether a
        partial refund was already made today: TBC has the last word, and its
        refusal comes back as an error from the bank.
        """
        pay_id = _checked_id(payment_id)
        _checked_amount(amount)
        return self._refund(pay_id, amount, idempotency_key)

    def capture(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        """Read the payment, check the hold, then ``POST /payments/{payId}/completion``.

        The full capture is sent with the authorized amount; a smaller amount
        captures that much and TBC releases the rest.
        """
        pay_id = _checked_id(payment_id)
        _checked_amount(amount)
        return self._capture(pay_id, amount, idempotency_key)

    def void(self, payment_id: str, *, idempotency_key: str) -> Flow[Operation]:
        """Read the payment, check the hold, then ``POST /payments/{payId}/cancel`` (full)."""
        pay_id = _checked_id(payment_id)
        return self._void(pay_id, idempotency_key)

    def webhook(
        self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None = None
    ) -> Flow[WebhookEvent]:
        """Check the caller and the body, then read the payment back (module docs).

        The checks run when the flow starts, before its one request. The address
        is checked first: nothing of a body from elsewhere is read.
        """
        check_remote_addr(remote_addr, self._callback_networks)
        pay_id = callback_payment_id(bytes(body))
        try:
            payment, details = yield from self._read_details(pay_id)
        except NotFoundError:
            raise WebhookVerificationError(
                f"TBC has no payment {pay_id}: the callback is not TBC's",
                provider=PROVIDER,
                payment_id=pay_id,
            ) from None
        return WebhookEvent(
            id=event_id(payment, canonical_status(details.status or "") or details.status),
            provider=PROVIDER,
            type=WEBHOOK_EVENT_TYPE,
            payment=payment,
            received_at=datetime.now(UTC),
            raw={"PaymentId": pay_id},
        )

    # -- TBC's own operations -------------------------------------------------------------

    def charge_saved_card(
        self,
        rec_id: str,
        amount: Money,
        *,
        initiator: Initiator = "merchant",
        merchant_payment_id: str | None = None,
        pre_auth: bool = False,
    ) -> Flow[Payment]:
        """``POST /payments/execution``: charge a saved card, no buyer step (reference §4F).

        TBC answers synchronously with the new payment: ``captured`` (or
        ``authorized`` with ``pre_auth``), or ``declined`` with the reason.
        """
        checked = _checked_id(rec_id, "rec_id")
        if not isinstance(amount, Money) or not amount.is_positive():
            _refuse("amount must be a positive Money, e.g. Money('9.99', 'GEL')", "amount")
        check_currency(amount)
        if initiator not in ("merchant", "customer"):
            _refuse(f"initiator must be 'merchant' or 'customer', not {initiator!r}", "initiator")
        if not isinstance(pre_auth, bool):
            _refuse("pre_auth must be True or False", "pre_auth")
        body: dict[str, Any] = {
            "recId": checked,
            "money": {"amount": amount.amount, "currency": amount.currency},
            "preAuth": pre_auth,
        }
        if initiator == "merchant":
            body["initiator"] = "merchant"
        if merchant_payment_id is not None:
            try:
                check_text(merchant_payment_id, field="merchant_payment_id")
            except InvalidRequestError as exc:
                _refuse(exc.message, "merchant_payment_id")
            body["merchantPaymentId"] = merchant_payment_id
        return self._execute(body, amount, merchant_payment_id)

    def delete_saved_card(self, rec_id: str) -> Flow[bool]:
        """``POST /payments/{recId}/delete``: forget a saved card.

        ``True`` when TBC deleted it; ``False`` when TBC answered 404 ([INF] the
        card is unknown to TBC: already deleted, or never saved).
        """
        checked = _checked_id(rec_id, "rec_id")
        return self._delete_saved_card(checked)

    # -- flows ------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self._tpay}{path}"

    def _read_details(self, pay_id: str) -> Flow[tuple[Payment, Details]]:
        response = yield self.build_request("GET", self._url(f"/payments/{pay_id}"))
        data = json_object(response, "payment details")
        details = read(Details, data, "payment details")
        return payment_from_details(details, data, payment_id=pay_id), details

    def _read_payment(self, pay_id: str) -> Flow[Payment]:
        payment, _ = yield from self._read_details(pay_id)
        return payment

    def _create(self, request: PaymentRequest, prepared: PreparedPayment) -> Flow[Payment]:
        response = yield self.build_request("POST", self._url("/payments"), json=prepared.body)
        data = json_object(response, "create-payment answer")
        answer = read(CreateAnswer, data, "create-payment answer")
        pay_id = _answered_id(answer.payId)
        amount = _echoed_amount(answer, request.amount, pay_id)
        redirect_url = approval_url(answer.links)
        if redirect_url is None:
            logger.warning(
                "TBC created payment %s without a usable approval_url link: "
                "the buyer has no page to go to",
                pay_id,
            )
        return Payment(
            id=pay_id,
            provider=PROVIDER,
            status=PaymentStatus.PENDING if redirect_url else PaymentStatus.CREATED,
            amount=amount,
            external_id=request.external_id,
            redirect_url=redirect_url,
            capture=request.capture,
            provider_transaction_id=answer.transactionId,
            raw=data,
        )

    def _refund(self, pay_id: str, amount: Money | None, idempotency_key: str) -> Flow[Operation]:
        payment, details = yield from self._read_details(pay_id)
        key = canonical_status(details.status or "")
        captured = payment.captured_amount
        if key in HOLD_STATUSES and (captured is None or captured.is_zero()):
            if amount is not None:
                raise _state_error(
                    f"payment {pay_id} is a pre-authorization not yet captured: TBC does not "
                    "cancel part of a hold; capture a smaller amount instead",
                    pay_id,
                )
            raise _state_error(
                f"payment {pay_id} is a pre-authorization not yet captured: nothing to "
                "refund; void it to release the hold",
                pay_id,
            )
        if key not in REFUNDABLE_STATUSES:
            under_way = "; another operation is under way" if key in _UNDER_WAY else ""
            raise _state_error(
                f"payment {pay_id} is {payment.status.value} (TBC: {_shown(details.status)}); "
                f"only a paid payment can be refunded{under_way}",
                pay_id,
            )
        _same_currency(amount, payment)
        available = payment.refundable_amount
        if available is not None and not available.is_positive():
            raise _state_error(
                f"payment {pay_id} has nothing left to refund",
                pay_id,
                ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
            )
        if amount is not None and available is not None and amount > available:
            raise _state_error(
                f"cannot refund {amount} of payment {pay_id}: only {available} is refundable",
                pay_id,
                ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
            )
        nothing_refunded = payment.refunded_amount is None or payment.refunded_amount.is_zero()
        whole = amount is None or (nothing_refunded and amount == captured)
        partial = None if whole else amount
        response = yield self.build_request(
            "POST",
            self._url(f"/payments/{pay_id}/cancel"),
            json=None if partial is None else {"amount": partial.amount},
        )
        data = _acknowledged(response, "refund answer")
        return Operation(
            kind=OperationKind.REFUND,
            status=OperationStatus.PENDING,
            payment_id=pay_id,
            provider=PROVIDER,
            amount=amount if amount is not None else available,
            idempotency_key=idempotency_key,
            raw=data,
        )

    def _held(self, payment: Payment, details: Details, what: str) -> Money:
        key = canonical_status(details.status or "")
        if key != CAPTURABLE_STATUS:
            under_way = " (another operation is under way)" if key in _UNDER_WAY else ""
            raise _state_error(
                f"cannot {what} payment {payment.id}: it is {payment.status.value} "
                f"(TBC: {_shown(details.status)}), not an authorization waiting for "
                f"confirmation{under_way}",
                payment.id,
            )
        return payment.authorized_amount or payment.amount

    def _capture(self, pay_id: str, amount: Money | None, idempotency_key: str) -> Flow[Operation]:
        payment, details = yield from self._read_details(pay_id)
        held = self._held(payment, details, "capture")
        _same_currency(amount, payment)
        if amount is not None and amount > held:
            raise _state_error(
                f"cannot capture {amount} of payment {pay_id}: only {held} is authorized",
                pay_id,
                ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
            )
        to_capture = amount if amount is not None else held
        response = yield self.build_request(
            "POST",
            self._url(f"/payments/{pay_id}/completion"),
            json={"amount": to_capture.amount},
        )
        data = _acknowledged(response, "completion answer")
        answer = read(CompletionAnswer, data or {}, "completion answer")
        status = _OPERATION_STATUS.get(canonical_status(answer.status or "") or "")
        confirmed = answer.confirmedAmount
        captured = (
            money(confirmed, held.currency) if confirmed is not None and confirmed > 0 else None
        )
        return Operation(
            kind=OperationKind.CAPTURE,
            status=status or OperationStatus.PENDING,
            payment_id=pay_id,
            provider=PROVIDER,
            amount=captured or to_capture,
            provider_code=answer.status,
            idempotency_key=idempotency_key,
            raw=data,
        )

    def _void(self, pay_id: str, idempotency_key: str) -> Flow[Operation]:
        payment, details = yield from self._read_details(pay_id)
        held = self._held(payment, details, "void")
        response = yield self.build_request("POST", self._url(f"/payments/{pay_id}/cancel"))
        data = _acknowledged(response, "cancel answer")
        return Operation(
            kind=OperationKind.VOID,
            status=OperationStatus.PENDING,
            payment_id=pay_id,
            provider=PROVIDER,
            amount=held,
            idempotency_key=idempotency_key,
            raw=data,
        )

    def _execute(
        self, body: dict[str, Any], amount: Money, merchant_payment_id: str | None
    ) -> Flow[Payment]:
        response = yield self.build_request("POST", self._url("/payments/execution"), json=body)
        data = json_object(response, "saved-card charge answer")
        details = read(Details, data, "saved-card charge answer")
        pay_id = _answered_id(details.payId)
        payment = payment_from_details(
            details, data, payment_id=pay_id, amount=amount, external_id=merchant_payment_id
        )
        if payment.amount != amount:
            raise ProviderResponseError(
                f"TBC charged {payment.amount} when {amount} was asked for",
                provider=PROVIDER,
                payment_id=pay_id,
            )
        if body["preAuth"] and payment.capture is not CaptureMode.MANUAL:
            logger.warning("TBC answered a pre-authorized charge %s as a direct sale", pay_id)
        return payment

    def _delete_saved_card(self, rec_id: str) -> Flow[bool]:
        response = yield self.build_request(
            "POST", self._url(f"/payments/{rec_id}/delete"), accept_status={404}
        )
        if response.status_code == 404:
            return False
        _acknowledged(response, "delete answer")
        return True


# -- helpers --------------------------------------------------------------------------------


def saved_card_id(payment: Payment) -> str | None:
    """The ``recId`` of the card a payment saved, from what TBC answered (``raw``).

    The create answer carries it when ``save_card`` was asked for; the payment
    details carry it in ``recurringCard`` once the buyer paid (reference §13).
    """
    raw = payment.raw or {}
    lowered = {key.lower(): value for key, value in raw.items() if isinstance(key, str)}
    card = lowered.get("recurringcard")
    if isinstance(card, dict):
        for key, value in card.items():
            if isinstance(key, str) and key.lower() == "recid" and isinstance(value, str):
                return value
    rec_id = lowered.get("recid")
    return rec_id if isinstance(rec_id, str) and rec_id else None


def _refuse(message: str, field: str) -> NoReturn:
    raise InvalidRequestError(message, field=field, provider=PROVIDER)


def _checked_id(value: object, field: str = "payment_id") -> str:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        shown = repr(value[:40]) if isinstance(value, str) else type(value).__name__
        raise InvalidRequestError(
            f"invalid {field} {shown}: expected a TBC id (letters, digits, '_', '-')",
            field=field,
            provider=PROVIDER,
        )
    return value


def _answered_id(value: str | None) -> str:
    if value is None or not ID_PATTERN.fullmatch(value):
        raise ProviderResponseError("TBC answered without a usable payId", provider=PROVIDER)
    return value


def _checked_amount(amount: object) -> None:
    if amount is None:
        return
    if not isinstance(amount, Money) or not amount.is_positive():
        raise InvalidRequestError(
            "amount must be a positive Money, e.g. Money('5.00', 'GEL'), or None for all",
            code=ErrorCode.INVALID_AMOUNT,
            field="amount",
            provider=PROVIDER,
        )
    check_currency(amount)


def _echoed_amount(answer: CreateAnswer, asked: Money, pay_id: str) -> Money:
    """The amount TBC says it created the payment for (the request's when it does not say).

    Passed on as TBC gave it, so an impossible echo (negative, another currency)
    is refused by the core instead of being papered over with the request's.
    """
    currency = (answer.currency or asked.currency).strip().upper()
    if answer.amount is None and currency == asked.currency:
        return asked
    echoed = money(answer.amount if answer.amount is not None else asked.amount, currency)
    if echoed != asked:
        logger.warning("TBC created payment %s for %s, not the %s asked for", pay_id, echoed, asked)
    return echoed


def _shown(status: str | None) -> str:
    return repr(status[:40]) if status else "no status"


def _state_error(
    message: str, pay_id: str, code: ErrorCode = ErrorCode.INVALID_STATE
) -> InvalidStateError:
    return InvalidStateError(message, code=code, provider=PROVIDER, payment_id=pay_id)


def _same_currency(amount: Money | None, payment: Payment) -> None:
    if amount is not None and amount.currency != payment.amount.currency:
        raise InvalidRequestError(
            f"amount is in {amount.currency}, but payment {payment.id} is in "
            f"{payment.amount.currency}",
            code=ErrorCode.CURRENCY_MISMATCH,
            field="amount",
            provider=PROVIDER,
            payment_id=payment.id,
        )


def _acknowledged(response: httpx.Response, what: str) -> dict[str, Any] | None:
    """An acknowledgement: empty, or a JSON object whose envelope does not say "error".

    [INF] TBC answers these with HTTP 200 and nothing or the envelope only
    (reference §4D). An envelope claiming an error status under a 200 is not an
    answer we can act on: it is unreadable, and the outcome unknown.
    """
    data = optional_json_object(response, what)
    if data is None:
        return None
    envelope = read(Envelope, data, what)
    if envelope.httpStatusCode is not None and envelope.httpStatusCode >= 400:
        raise ProviderResponseError(
            f"TBC's {what} came with HTTP 200 but says {envelope.httpStatusCode}",
            provider=PROVIDER,
        )
    return data
