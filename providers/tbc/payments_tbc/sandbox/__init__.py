"""A local TBC Bank: the TBC E-Commerce (checkout, ``/v1/tpay``) API emulator.

``TbcSandbox`` stands in for TBC's checkout API, built from the wire reference
(shared/tbc-api-reference.md): the access-token call (``apikey`` header, form
credentials), every ``/v1/tpay/payments`` endpoint with TBC's validation, statuses,
amounts and problem bodies, pre-authorization with completion, full and partial
refunds (one partial cancel per payment per day), saved cards with executions and
deletion, session expiry after ``expirationMinutes``, a hosted checkout page
(Georgian/English) where a person or a test pays with a test card, and the unsigned
``{"PaymentId": ...}`` callback with retries. TBC publishes no sandbox or test cards
for the checkout, so where the reference marks a fact as inferred ([INF]) the
emulator makes a choice and says so in the module that makes it.

It is an independent fake bank: it imports nothing from the TBC provider, and from
``payments_core`` only ``payments_core.sandbox``, the emulators' shared plumbing
(clock, bounded logs, faults, transports, loopback server), which holds no payment
logic and imports nothing of the client either. So the provider is tested against it
without sharing code. Tests reach
it in process (``sandbox.transport()``, ``sandbox.sync_transport()``) or over
loopback (``with sandbox.serve() as url``), pay on its page (``await
sandbox.pay(pay_id, card=...)``), inject faults (``Fault``) and read what it saw
(``sandbox.counters``, ``sandbox.payments``, ``sandbox.callbacks``)::

    sandbox = TbcSandbox(callback_transport=receiver_transport)
    async with httpx.AsyncClient(transport=sandbox.transport(),
                                 base_url=sandbox.public_base_url) as http:
        ...

Modules depend only downwards: vocabulary, counters, endpoints, wire, problems,
cards, faults, tokens -> validation -> records -> views -> store -> callbacks ->
bank -> page, control -> app -> emulator.
"""

from .callbacks import CallbackDelivery
from .cards import TEST_CARDS, CardOutcome, SandboxCard
from .counters import Counters
from .emulator import TbcSandbox
from .faults import Fault
from .problems import ApiError
from .records import Payment, SavedCard, SavedCardState
from .vocabulary import PaymentStatus, ResultCode

__all__ = [
    "TEST_CARDS",
    "ApiError",
    "CallbackDelivery",
    "CardOutcome",
    "Counters",
    "Fault",
    "Payment",
    "PaymentStatus",
    "ResultCode",
    "SandboxCard",
    "SavedCard",
    "SavedCardState",
    "TbcSandbox",
]
