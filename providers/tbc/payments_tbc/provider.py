""":class:`TbcProvider`: TBC Bank's checkout API (``/v1/tpay``) as a payments-core provider.

Every operation is a flow (see :mod:`payments_core.provider`): it yields the
``httpx.Request`` objects TBC needs and turns the answers into the core's models.
This class is the provider's face: what it is (name, settings, capabilities,
auth, error mapping) and one method per operation, which checks the caller's
input when the flow is made, before its first request, so a bad request fails
with nothing sent. The rest lives by responsibility:

* :mod:`payments_tbc.checkout`: the create-payment request, checked and built;
* :mod:`payments_tbc.prechecks`: what is refused before a request is sent;
* :mod:`payments_tbc.operations`: the flows every gateway has;
* :mod:`payments_tbc.saved_cards`: TBC's own flows (saved-card charge, delete);
* :mod:`payments_tbc.callbacks`: unsigned callbacks, trusted after a read-back;
* :mod:`payments_tbc.statuses`: what each of TBC's statuses says, as one table.

TBC has no idempotency keys (reference §9): ``honours_idempotency_keys`` is
false, so the driver sends create, cancel, completion and execution exactly once
and reports a lost answer as an unknown outcome that must not be repeated.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from payments_core.auth import OAuth2ClientCredentials
from payments_core.errors import PaymentError
from payments_core.models import Operation, Payment, PaymentRequest, WebhookEvent
from payments_core.money import Money
from payments_core.provider import Capability, Flow, PaymentProvider, ProviderSettings
from payments_tbc import PROVIDER, callbacks, errors, operations, saved_cards
from payments_tbc.checkout import prepare_payment
from payments_tbc.endpoints import Endpoints
from payments_tbc.prechecks import check_charge, checked_amount, checked_id
from payments_tbc.saved_cards import Initiator
from payments_tbc.settings import TbcSettings, parse_networks

__all__ = ["Initiator", "TbcProvider"]


class TbcProvider(PaymentProvider):
    """TBC Bank checkout (TBC E-Commerce). See the package docs for an example."""

    name = PROVIDER
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
        self._endpoints = Endpoints(self, self.settings.tpay_url)
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

    # -- the operations every gateway has -------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> Flow[Payment]:
        """``POST /payments``: the result is ``pending`` with TBC's page as ``redirect_url``."""
        prepared = prepare_payment(request, self.settings)
        return operations.create(self._endpoints, request, prepared)

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        """``GET /payments/{payId}``."""
        pay_id = checked_id(payment_id)
        return operations.read_payment(self._endpoints, pay_id)

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        """Read the payment, check what is refundable, then ``POST /payments/{payId}/cancel``.

        The full refund (``amount=None``, or the whole captured amount of a payment
        with nothing refunded yet) is sent without an amount, as TBC's full cancel.
        The result is ``pending``: TBC only acknowledges it, the payment shows it.

        TBC allows one partial refund on the day of the payment (reference §12).
        Its payment details carry no dates, so this client cannot know whether a
        partial refund was already made today: TBC has the last word, and its
        refusal comes back as an error from the bank.
        """
        pay_id = checked_id(payment_id)
        checked_amount(amount)
        return operations.refund(self._endpoints, pay_id, amount, idempotency_key)

    def capture(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        """Read the payment, check the hold, then ``POST /payments/{payId}/completion``.

        The full capture is sent with the authorized amount; a smaller amount
        captures that much and TBC releases the rest.
        """
        pay_id = checked_id(payment_id)
        checked_amount(amount)
        return operations.capture(self._endpoints, pay_id, amount, idempotency_key)

    def void(self, payment_id: str, *, idempotency_key: str) -> Flow[Operation]:
        """Read the payment, check the hold, then ``POST /payments/{payId}/cancel`` (full)."""
        pay_id = checked_id(payment_id)
        return operations.void(self._endpoints, pay_id, idempotency_key)

    def webhook(
        self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None = None
    ) -> Flow[WebhookEvent]:
        """Check the caller and the body, then read the payment back (see
        :mod:`payments_tbc.callbacks`).

        The checks run when the flow starts, before its one request. The address
        is checked first: nothing of a body from elsewhere is read.
        """
        callbacks.check_remote_addr(remote_addr, self._callback_networks)
        pay_id = callbacks.callback_payment_id(bytes(body))
        return (yield from callbacks.verified_event(self._endpoints, pay_id))

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
        checked = check_charge(rec_id, amount, initiator, pre_auth, merchant_payment_id)
        return saved_cards.charge(
            self._endpoints,
            checked,
            amount,
            initiator=initiator,
            merchant_payment_id=merchant_payment_id,
            pre_auth=pre_auth,
        )

    def delete_saved_card(self, rec_id: str) -> Flow[bool]:
        """``POST /payments/{recId}/delete``: forget a saved card.

        ``True`` when TBC deleted it; ``False`` when TBC answered 404 ([INF] the
        card is unknown to TBC: already deleted, or never saved).
        """
        checked = checked_id(rec_id, "rec_id")
        return saved_cards.delete(self._endpoints, checked)
