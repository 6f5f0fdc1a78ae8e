"""BOG's callbacks: check the signature over the raw bytes, then read the event.

BOG posts ``{"event", "zoned_request_time", "body": <receipt>}`` to the order's
``callback_url`` with a ``Callback-Signature`` header: base64 of an RSA PKCS#1 v1.5
signature with SHA-256 over the exact body bytes (reference §3). The signature is
checked **before** the body is parsed; nothing of an unverified body is read.

The header value is taken as it comes, or URL-decoded when a proxy percent-encoded
it, and a ``+`` turned into a space by form decoding is put back. Anything wrong
(no header, not base64, wrong key, a changed byte) raises
:class:`~payments_core.errors.WebhookVerificationError`.

The event's ``id`` is the SHA-256 of the raw body: BOG repeats a callback with the
same bytes, so a repeat has the same id and can be dropped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Final, NoReturn
from urllib.parse import unquote

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from payments_bog import PROVIDER
from payments_bog.receipt import payment_from_receipt
from payments_bog.wire.answers import WebhookEnvelope, json_object, read
from payments_core.errors import ErrorCode, ProviderResponseError, WebhookVerificationError
from payments_core.models import WebhookEvent

__all__ = ["SIGNATURE_HEADER", "decode_signature", "parse_callback", "verify_signature"]

logger = logging.getLogger("payments_bog")

SIGNATURE_HEADER: Final = "Callback-Signature"
MAX_SIGNATURE_CHARS: Final = 4096
"""A 4096-bit signature is 684 base64 characters; anything far longer is not one."""
_PKCS1V15: Final = padding.PKCS1v15()
_SHA256: Final = hashes.SHA256()
"""SHA256withRSA's parts, made once: both are immutable descriptions."""


def _refuse(message: str, code: ErrorCode = ErrorCode.WEBHOOK_SIGNATURE_INVALID) -> NoReturn:
    raise WebhookVerificationError(message, code=code, provider=PROVIDER)


def decode_signature(value: str) -> bytes:
    """The signature bytes from a ``Callback-Signature`` value (see the module docs)."""
    text = value.strip()
    if len(text) > MAX_SIGNATURE_CHARS:
        _refuse(f"the {SIGNATURE_HEADER} header is too long to be a signature")
    if "%" in text:
        text = unquote(text)
    text = text.replace(" ", "+")
    if "-" in text or "_" in text:
        text = text.replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        signature = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        _refuse(f"the {SIGNATURE_HEADER} header is not base64")
    if not signature:
        _refuse(f"the {SIGNATURE_HEADER} header is empty")
    return signature


def verify_signature(key: RSAPublicKey, headers: Mapping[str, str], body: bytes) -> None:
    """Raise WebhookVerificationError unless ``body`` carries BOG's valid signature."""
    # The gateway hands over httpx.Headers already: look the header up in them as they are.
    found = headers if isinstance(headers, httpx.Headers) else httpx.Headers(headers)
    value = found.get(SIGNATURE_HEADER)
    if value is None or not value.strip():
        _refuse(f"the callback has no {SIGNATURE_HEADER} header")
    signature = decode_signature(value)
    try:
        key.verify(signature, body, _PKCS1V15, _SHA256)
    except InvalidSignature:
        _refuse("the callback's signature does not match its body and the configured BOG key")


def parse_callback(
    headers: Mapping[str, str],
    body: bytes,
    key: RSAPublicKey | None,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> WebhookEvent:
    """Verify (unless ``key`` is ``None``) and read one callback into a WebhookEvent."""
    if key is not None:
        verify_signature(key, headers, body)
    else:
        logger.warning(
            "BOG callback accepted WITHOUT signature verification (verify_callbacks is off)"
        )
    try:
        data = json_object(body, "callback")
        envelope = read(WebhookEnvelope, data, "callback")
        raw_body = data.get("body")
        payment = payment_from_receipt(
            envelope.body, raw_body if isinstance(raw_body, dict) else None
        )
    except ProviderResponseError as exc:
        raise WebhookVerificationError(
            f"the signed callback is not a BOG payment event: {exc.message}",
            code=ErrorCode.WEBHOOK_MALFORMED,
            provider=PROVIDER,
        ) from None
    if payment.raw is not None and payment.raw is not raw_body and payment.raw == raw_body:
        # The Payment keeps its own copy of the receipt; let the event's payload hold that
        # same (equal) dict, so what walks both (redaction) meets the receipt once.
        data = {**data, "body": payment.raw}
    return WebhookEvent(
        id=hashlib.sha256(body).hexdigest(),
        provider=PROVIDER,
        type=envelope.event,
        payment=payment,
        received_at=now(),
        occurred_at=envelope.zoned_request_time,
        raw=data,
    )
