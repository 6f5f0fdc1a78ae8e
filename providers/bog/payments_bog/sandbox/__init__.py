"""A local Bank of Georgia: the BOG Online Payments API emulator.

``BogSandbox`` is a faithful stand-in for BOG's sandbox, built from the API reference
(shared/bog-api-reference.md): the Keycloak token endpoint, every ``/payments/v1``
endpoint with BOG's validation, statuses, receipt shape and quirks, ``Idempotency-Key``
replay, a hosted payment page (Georgian/English) where a person or a test picks a
test card, saved cards and subscriptions, pre-authorization, expiry after ``ttl``, and
callbacks signed with the sandbox's own RSA key (its public key is published).

It is an independent fake bank: it imports nothing from the BOG client, and from
``payments_core`` only ``payments_core.sandbox``, the emulators' shared plumbing
(clock, bounded logs, faults, transports, loopback server), which holds no payment
logic and imports nothing of the client either. So the client is tested against it
without sharing code. Tests reach it in process (``sandbox.transport()``) or over
loopback (``with sandbox.serve() as url``), inject faults (``Fault``) and read what
it saw (``sandbox.counters``, ``sandbox.callbacks``)::

    sandbox = BogSandbox(callback_transport=receiver_transport)
    async with httpx.AsyncClient(transport=sandbox.transport(),
                                 base_url=sandbox.public_base_url) as http:
        ...

Modules depend only downwards: the data (vocabulary, codes, cards, validation, orders,
receipt) -> the state (store, tokens, idempotency, counters, faults, callbacks) ->
:mod:`.bank`, which gathers it -> the HTTP layers over the bank (page, control ->
app) -> :mod:`.emulator`, the ``BogSandbox`` facade with the ways in.
"""

from .callbacks import CallbackDelivery
from .cards import TEST_CARDS, Brand, SandboxCard
from .counters import Counters
from .emulator import BogSandbox
from .faults import Fault
from .signing import generate_private_key_pem
from .store import SAVED_CARD, OrderError

__all__ = [
    "SAVED_CARD",
    "TEST_CARDS",
    "BogSandbox",
    "Brand",
    "CallbackDelivery",
    "Counters",
    "Fault",
    "OrderError",
    "SandboxCard",
    "generate_private_key_pem",
]
