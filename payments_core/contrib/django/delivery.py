"""Each verified callback reaches the receivers once, and only when it is news.

Two things are remembered in Django's cache (``settings.PAYMENTS_CACHE``, the
``"default"`` cache unless named), for :data:`REMEMBER_FOR`:

* every delivery's ``event.id``, claimed with ``cache.add``: a repeat is a
  ``duplicate``;
* each payment's last state sent, compared with :func:`payments_core.is_newer`:
  an update that is not newer is ``stale``.

No lock is taken. A payment's states are numbered slots (``...:1``, ``...:2``)
that are only ever added, never overwritten; the writer whose ``cache.add`` wins
the next slot has made the compare-and-set, and a loser compares again against
what the winner wrote. So two processes that verify different callbacks for the
same payment at once send the signal for at most one of them.

Caveats: the cache must be shared by every process that serves callbacks (Redis,
Memcached or the database cache; the local-memory cache is per process), and a
cache that evicts entries early forgets deliveries and states early (a forgotten
state lets an old callback through once). A gateway with a journal
(``journal`` in its settings, or ``PAYMENTS_JOURNAL``) needs none of this: the
journal dedupes and orders deliveries durably, and :func:`deliver_journaled`
only sends the signal for what it applied.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from django.conf import settings
from django.core.cache import caches
from pydantic import ValidationError

from payments_core.contrib.django.signals import payment_updated
from payments_core.gateway import Payments
from payments_core.models import Payment, WebhookEvent
from payments_core.updates import is_newer

__all__ = ["CACHE_SETTING", "REMEMBER_FOR", "Outcome", "deliver", "deliver_journaled"]

logger = logging.getLogger("payments_core.contrib.django")

CACHE_SETTING = "PAYMENTS_CACHE"
REMEMBER_FOR: Final = 60 * 60 * 24 * 30
"""Seconds a delivery id and a payment's state are kept (30 days)."""
_PREFIX: Final = "payments_core.django"
_ROUNDS: Final = 100
"""Compare-and-set attempts before giving up (only under pathological contention)."""


class Outcome(StrEnum):
    """What became of a verified callback; the endpoint answers it as ``result``."""

    APPLIED = "applied"
    """A new state: the signal was sent."""
    DUPLICATE = "duplicate"
    """This delivery (``event.id``) was seen before: nothing sent."""
    STALE = "stale"
    """Not newer than the last state sent for the payment: nothing sent."""


@dataclass(frozen=True)
class _Claim:
    """The slot a writer won: what :meth:`_Ledger.undo` needs to give it back."""

    base: str
    number: int
    token: str


def _digest(*parts: str) -> str:
    # Ids are the provider's text: hashed, they make keys any cache backend accepts.
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _stored(payment: Payment) -> str:
    # What is_newer needs, without the provider's raw payloads.
    return payment.model_dump_json(exclude={"raw": True, "operations": {"__all__": {"raw"}}})


class _Ledger:
    def __init__(self, gateway: str) -> None:
        self.cache = caches[getattr(settings, CACHE_SETTING, "default")]
        self.gateway = gateway

    # -- deliveries ---------------------------------------------------------------------

    def _event_key(self, event_id: str) -> str:
        return f"{_PREFIX}:event:{_digest(self.gateway, event_id)}"

    def first_delivery(self, event_id: str) -> bool:
        return bool(self.cache.add(self._event_key(event_id), 1, REMEMBER_FOR))

    def forget_delivery(self, event_id: str) -> None:
        self.cache.delete(self._event_key(event_id))

    # -- payment states -----------------------------------------------------------------

    def advance(self, payment: Payment) -> _Claim | None:
        """Record ``payment`` as its latest state if it is newer; ``None`` when stale."""
        base = f"{_PREFIX}:payment:{_digest(self.gateway, payment.id)}"
        stored = _stored(payment)
        number = self.cache.get(f"{base}:head")
        if not isinstance(number, int) or number < 0:
            number = 0
        held = self.cache.get(f"{base}:{number}") if number else None
        for _ in range(_ROUNDS):
            # Catch up with writers that got further than the head says.
            while (later := self.cache.get(f"{base}:{number + 1}")) is not None:
                number, held = number + 1, later
            current = self._payment(held)
            if current is not None and not is_newer(current, payment):
                return None
            token = uuid.uuid4().hex
            slot = {"token": token, "payment": stored}
            if self.cache.add(f"{base}:{number + 1}", slot, REMEMBER_FOR):
                self.cache.set(f"{base}:head", number + 1, REMEMBER_FOR)
                return _Claim(base, number + 1, token)
            # Another writer won this slot: compare against what it wrote.
        raise RuntimeError(
            f"could not record payment {payment.id!r}: {_ROUNDS} concurrent updates won first"
        )

    def undo(self, claim: _Claim) -> None:
        """Give back a won slot, unless a newer state was written on top of it."""
        base, number = claim.base, claim.number
        if self.cache.get(f"{base}:{number + 1}") is not None:
            return
        held = self.cache.get(f"{base}:{number}")
        if isinstance(held, dict) and held.get("token") == claim.token:
            self.cache.delete(f"{base}:{number}")
            self.cache.set(f"{base}:head", number - 1, REMEMBER_FOR)

    def _payment(self, held: Any) -> Payment | None:
        if not isinstance(held, dict) or not isinstance(held.get("payment"), str):
            return None
        try:
            return Payment.model_validate_json(held["payment"])
        except ValidationError:
            logger.warning("gateway=%s: a stored payment state could not be read", self.gateway)
            return None


def deliver(gateway: str, event: WebhookEvent) -> Outcome:
    """Send :data:`payment_updated` for a verified ``event`` if it is news.

    For views of your own (the endpoint calls it after ``parse_webhook``). When a
    receiver raises, the delivery and the state are forgotten again and the
    exception propagates, so that answering 500 gets the callback delivered again.
    """
    ledger = _Ledger(gateway)
    payment = event.payment
    if not ledger.first_delivery(event.id):
        logger.info(
            "gateway=%s event_id=%s payment_id=%s: duplicate delivery, nothing sent",
            gateway,
            event.id,
            payment.id,
        )
        return Outcome.DUPLICATE
    try:
        claim = ledger.advance(payment)
    except BaseException:
        ledger.forget_delivery(event.id)
        raise
    if claim is None:
        logger.info(
            "gateway=%s event_id=%s payment_id=%s status=%s: not newer than the state "
            "already sent, nothing sent",
            gateway,
            event.id,
            payment.id,
            payment.status.value,
        )
        return Outcome.STALE
    try:
        payment_updated.send(sender=sys.intern(gateway), payment=payment, event=event)
    except BaseException:
        ledger.undo(claim)
        ledger.forget_delivery(event.id)
        raise
    return Outcome.APPLIED


def deliver_journaled(payments: Payments, event: WebhookEvent) -> Outcome:
    """:func:`deliver` for a gateway with a journal, which has judged the delivery already.

    When a receiver raises, the journal forgets the delivery again (the payment's
    recorded state goes back) and the exception propagates, so that answering
    500 gets the callback delivered, and applied, again.
    """
    if event.duplicate:
        return Outcome.DUPLICATE
    if event.stale:
        return Outcome.STALE
    try:
        payment_updated.send(sender=sys.intern(payments.name), payment=event.payment, event=event)
    except BaseException:
        payments.forget_webhook(event)
        raise
    return Outcome.APPLIED
