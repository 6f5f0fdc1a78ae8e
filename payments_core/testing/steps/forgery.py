"""What the kit forges: tampered or retargeted callbacks, and answers cut, replaced or bent.

A provider must refuse what it cannot trust and never repair what cannot be, so
the kit hands it callbacks and gateway answers that were changed on the way: one
character of a signed body, a status the body claims, a callback about another
payment, a 2xx answer cut in half or replaced by a proxy's page, amounts rewritten
into an impossible state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from payments_core import wire
from payments_core.models import Payment

__all__ = [
    "HTML_PAGE",
    "change_one_char",
    "cut_in_half",
    "forge_status",
    "html_instead",
    "retarget",
    "rewrite_amounts",
    "tampered_body",
]

# -- callbacks -----------------------------------------------------------------------------------


def change_one_char(text: str) -> str:
    """The same text with one letter or digit (the one nearest the middle) changed."""
    middle = len(text) // 2
    for index in sorted(range(len(text)), key=lambda i: abs(i - middle)):
        char = text[index]
        if char.isdigit():
            return text[:index] + str((int(char) + 1) % 10) + text[index + 1 :]
        if char.isascii() and char.isalpha():
            base = ord("a") if char.islower() else ord("A")
            return text[:index] + chr(base + (ord(char) - base + 1) % 26) + text[index + 1 :]
    return text + "x"


def tampered_body(body: bytes) -> bytes:
    return change_one_char(body.decode("latin-1")).encode("latin-1")


_STATUS_KEYS: Final = frozenset(
    {"status", "state", "payment_status", "paymentstatus", "order_status", "orderstatus"}
)


def forge_status(body: bytes, claim: str) -> bytes | None:
    """A JSON callback body that claims status ``claim``: every string under a
    status-like key replaced, or a top-level ``"status"`` added. ``None`` when the
    body is not a JSON object (nothing to forge in)."""
    try:
        data = wire.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    found = False

    def walk(value: Any) -> Any:
        nonlocal found
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if isinstance(key, str) and key.lower() in _STATUS_KEYS and isinstance(item, str):
                    out[key], found = claim, True
                else:
                    out[key] = walk(item)
            return out
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    forged = walk(data)
    if not found:
        forged["status"] = claim
    return wire.dumps(forged)


def retarget(body: bytes, payment: Payment, other_id: str) -> bytes | None:
    """The callback body about ``other_id`` instead of ``payment`` (its id, or failing
    that its external id, replaced); ``None`` when the body names neither."""
    for known in (payment.id, payment.external_id):
        if known and known.encode() in body:
            return body.replace(known.encode(), other_id.encode())
    return None


# -- answers rewritten by the kit --------------------------------------------------------------

HTML_PAGE: Final = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def cut_in_half(body: bytes) -> bytes | None:
    """The first half of an answer, as when a connection breaks mid-body."""
    return body[: len(body) // 2] if len(body.strip()) >= 2 else None


def html_instead(body: bytes) -> bytes | None:
    """A proxy's HTML error page in place of the gateway's answer (same 2xx status)."""
    return HTML_PAGE if body.strip() else None


_NUMERIC: Final = re.compile(r"-?\d+(?:\.\d+)?")


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str) and _NUMERIC.fullmatch(value.strip()):
        return Decimal(value.strip())
    return None


def _written_like(original: object, new: Decimal) -> object:
    """``new`` in the form ``original`` had: a string or a number, with as many decimals."""
    if isinstance(original, str):
        text = original.strip()
        places = len(text.split(".", 1)[1]) if "." in text else 0
        return format(new.quantize(Decimal(1).scaleb(-places)), "f")
    if isinstance(original, int):
        return int(new) if new == new.to_integral_value() else new
    assert isinstance(original, Decimal)
    exponent = original.as_tuple().exponent
    return new.quantize(Decimal(1).scaleb(exponent)) if isinstance(exponent, int) else new


def rewrite_amounts(
    body: bytes, replacements: Mapping[Decimal, Decimal], keep: frozenset[str] = frozenset()
) -> bytes | None:
    """The JSON ``body`` with every amount equal to a key of ``replacements`` (a JSON
    number, or a string holding one) replaced by its value, written the same way.
    Strings in ``keep`` (ids) are never touched. ``None`` when nothing matched."""
    try:
        data = wire.loads(body)
    except ValueError:
        return None
    changed = False

    def walk(value: Any) -> Any:
        nonlocal changed
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str) and value in keep:
            return value
        number = _as_decimal(value)
        if number is None or number not in replacements:
            return value
        changed = True
        return _written_like(value, replacements[number])

    rewritten = walk(data)
    return wire.dumps(rewritten) if changed else None
