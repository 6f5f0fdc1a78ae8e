"""Row 3: ``parse_webhook`` on a signed BOG callback vs bare RSA verify + ``json.loads``.

The callback is one the emulator really sent (``sandbox.callbacks``), signed with
its RSA key. The bare side does the minimum a correct receiver must: decode the
``Callback-Signature`` header, verify SHA256withRSA (PKCS#1 v1.5) over the raw
bytes with ``cryptography``, then ``json.loads`` the same bytes. The row is a
throughput ratio, library/bare: higher is better, 1.0 means no cost at all.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from payments_bog.sandbox import BogSandbox

from benchmarks.common import Row, interleaved
from payments_core import Payments

GOAL = 0.8


def webhook_row(sandbox: BogSandbox, calls: int, rounds: int) -> Row:
    delivery = next(d for d in sandbox.callbacks if d.ok)
    body = delivery.body
    headers = {"Content-Type": "application/json", "Callback-Signature": delivery.signature}
    key = serialization.load_pem_public_key(sandbox.public_key_pem.encode("ascii"))
    assert isinstance(key, rsa.RSAPublicKey)
    payments = Payments("bog", **sandbox.provider_settings())

    def bare() -> Any:
        signature = base64.b64decode(headers["Callback-Signature"])
        key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        return json.loads(body)

    def library() -> Any:
        return payments.parse_webhook(headers, body)

    library()
    bare()

    def per(fn: Any) -> float:
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        return time.perf_counter() - started

    try:
        # throughput ratio = (calls / library time) / (calls / bare time) = bare / library
        times = interleaved(rounds, lambda: per(bare), lambda: per(library))
    finally:
        payments.close()
    return Row(
        "3. parse_webhook vs RSA verify+json",
        times,
        GOAL,
        higher_is_better=True,
        unit="x throughput",
        notes=[
            f"library/bare throughput, {calls} callbacks a side per round "
            f"({len(body)}-byte body); 1.00 = free, higher is better"
        ],
    )
