"""TBC's operations beyond the common five, run through a payments facade.

The facades (:class:`~payments_core.Payments`, :class:`~payments_core.AsyncPayments`)
name what every gateway has. Charging and deleting saved cards are TBC's own;
these wrappers run them through the facade you already have, so they share its
HTTP client, token cache, deadline, hooks and logging (``before_operation`` may
veto them; observers see them)::

    with Payments("tbc", api_key=..., client_id=..., client_secret=...) as payments:
        tbc = TbcPayments(payments)
        first = payments.create_payment(request_with_save_card_option)
        ...  # the buyer pays; the card is saved
        rec_id = saved_card_id(payments.get_payment(first.id))
        later = tbc.charge_saved_card(rec_id, Money("9.99", "GEL"))

TBC has no idempotency keys, so a charge is sent exactly once: a lost answer is
an :class:`~payments_core.errors.OutcomeUnknownError` that must not be repeated.
The key these calls take (minted when left out) goes to the facade's
idempotency store, which refuses to send a second charge under a key whose
first outcome is unknown, and replays a finished one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from payments_core import AsyncPayments, Payments
from payments_core.errors import ConfigurationError
from payments_core.idempotency import mint_key
from payments_core.models import Payment
from payments_core.money import Money
from payments_core.provider import Flow
from payments_tbc import PROVIDER
from payments_tbc.provider import TbcProvider
from payments_tbc.saved_cards import Initiator

__all__ = ["AsyncTbcPayments", "SavedCardCharge", "SavedCardDeletion", "TbcPayments"]

T = TypeVar("T")

SOURCE_CREATE: Final = "create"


class SavedCardCharge(BaseModel):
    """What ``charge_saved_card`` was asked, as hooks see it (no credentials in it)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    rec_id: str
    amount: Money
    initiator: Initiator
    pre_auth: bool
    external_id: str | None
    """The ``merchant_payment_id``: the reference an unknown outcome is settled by."""
    idempotency_key: str


class SavedCardDeletion(BaseModel):
    """What ``delete_saved_card`` was asked, as hooks see it."""

    model_config = ConfigDict(frozen=True)

    rec_id: str


def _tbc_provider(payments: Payments | AsyncPayments) -> TbcProvider:
    provider = getattr(payments, "provider", None)
    if not isinstance(provider, TbcProvider):
        name = getattr(provider, "name", type(payments).__name__)
        raise ConfigurationError(
            f"TBC operations need a gateway whose provider is TBC, not {name!r}",
            provider=PROVIDER,
        )
    return provider


@dataclass(frozen=True)
class _PreparedOperation(Generic[T]):
    """One TBC operation, checked, ready for a facade's ``run_flow``."""

    operation: str
    request: Any
    flow: Flow[T]
    source: str | None = None
    idempotency_key: str | None = None


class _TbcOperations:
    """Builds each operation once (checks included); the wrappers only run them."""

    provider: TbcProvider

    def _charge_saved_card(
        self,
        rec_id: str,
        amount: Money,
        initiator: Initiator,
        merchant_payment_id: str | None,
        pre_auth: bool,
        idempotency_key: str | None,
    ) -> _PreparedOperation[Payment]:
        flow = self.provider.charge_saved_card(
            rec_id,
            amount,
            initiator=initiator,
            merchant_payment_id=merchant_payment_id,
            pre_auth=pre_auth,
        )
        key = idempotency_key or mint_key()
        request = SavedCardCharge(
            rec_id=rec_id,
            amount=amount,
            initiator=initiator,
            pre_auth=pre_auth,
            external_id=merchant_payment_id,
            idempotency_key=key,
        )
        return _PreparedOperation("charge_saved_card", request, flow, SOURCE_CREATE, key)

    def _delete_saved_card(self, rec_id: str) -> _PreparedOperation[bool]:
        flow = self.provider.delete_saved_card(rec_id)
        return _PreparedOperation("delete_saved_card", SavedCardDeletion(rec_id=rec_id), flow)


class TbcPayments(_TbcOperations):
    """TBC's own operations over a synchronous :class:`~payments_core.Payments`."""

    def __init__(self, payments: Payments) -> None:
        if not isinstance(payments, Payments):
            raise ConfigurationError("TbcPayments wraps a Payments (use AsyncTbcPayments)")
        self.provider = _tbc_provider(payments)
        self._payments = payments

    def __repr__(self) -> str:
        return f"<TbcPayments gateway={self._payments.name!r}>"

    def _run(self, prepared: _PreparedOperation[T]) -> T:
        return self._payments.run_flow(
            prepared.operation,
            prepared.request,
            prepared.flow,
            source=prepared.source,
            idempotency_key=prepared.idempotency_key,
        )

    def charge_saved_card(
        self,
        rec_id: str,
        amount: Money,
        *,
        initiator: Initiator = "merchant",
        merchant_payment_id: str | None = None,
        pre_auth: bool = False,
        idempotency_key: str | None = None,
    ) -> Payment:
        """Charge the card saved as ``rec_id``; no buyer step. A new payment comes back:
        captured (or authorized with ``pre_auth``), or declined with the reason."""
        return self._run(
            self._charge_saved_card(
                rec_id, amount, initiator, merchant_payment_id, pre_auth, idempotency_key
            )
        )

    def delete_saved_card(self, rec_id: str) -> bool:
        """Forget the card saved as ``rec_id``; ``False`` when TBC did not know it."""
        return self._run(self._delete_saved_card(rec_id))


class AsyncTbcPayments(_TbcOperations):
    """TBC's own operations over an asynchronous :class:`~payments_core.AsyncPayments`."""

    def __init__(self, payments: AsyncPayments) -> None:
        if not isinstance(payments, AsyncPayments):
            raise ConfigurationError("AsyncTbcPayments wraps an AsyncPayments (use TbcPayments)")
        self.provider = _tbc_provider(payments)
        self._payments = payments

    def __repr__(self) -> str:
        return f"<AsyncTbcPayments gateway={self._payments.name!r}>"

    async def _run(self, prepared: _PreparedOperation[T]) -> T:
        return await self._payments.run_flow(
            prepared.operation,
            prepared.request,
            prepared.flow,
            source=prepared.source,
            idempotency_key=prepared.idempotency_key,
        )

    async def charge_saved_card(
        self,
        rec_id: str,
        amount: Money,
        *,
        initiator: Initiator = "merchant",
        merchant_payment_id: str | None = None,
        pre_auth: bool = False,
        idempotency_key: str | None = None,
    ) -> Payment:
        """Charge the card saved as ``rec_id`` (see ``TbcPayments.charge_saved_card``)."""
        return await self._run(
            self._charge_saved_card(
                rec_id, amount, initiator, merchant_payment_id, pre_auth, idempotency_key
            )
        )

    async def delete_saved_card(self, rec_id: str) -> bool:
        """Forget the card saved as ``rec_id``; ``False`` when TBC did not know it."""
        return await self._run(self._delete_saved_card(rec_id))
