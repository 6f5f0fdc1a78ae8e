"""Checks shared by the request models' fields: free text, URLs and amounts.

Gateways store the text of a request and show it in dashboards, receipts and
logs, and follow or post to its URLs: what they would misread is refused here,
with the field's name, before anything is sent.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo
from pydantic_core import PydanticCustomError

from payments_core.errors import ErrorCode, InvalidRequestError
from payments_core.money import Money
from payments_core.urls import check_url

__all__ = [
    "GatewayText",
    "check_text",
    "gateway_text",
    "header_value",
    "require_positive",
    "text_problem",
    "url_field",
]


_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls (NUL, tab, CR, LF ...), DEL, Unicode line and paragraph
separators, and the bidi embeddings, overrides and isolates."""
_VISIBLE_ASCII = re.compile("[!-~]+")


def text_problem(value: str) -> str | None:
    """Why ``value`` is not safe free text for a gateway, in words; ``None`` when it is."""
    if _FORBIDDEN_IN_TEXT.search(value):
        return (
            "must not contain control characters, line breaks or bidirectional "
            "override/isolate characters"
        )
    if value.isascii():
        # No ASCII character is a format character (Cf): blank means empty or all space.
        blank = not value or value.isspace()
    else:
        blank = all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value)
    if blank:
        return "must not be blank"
    return None


def check_text(value: str, *, field: str) -> str:
    """Return ``value`` when it is safe free text to send to a gateway.

    Refused with :class:`~payments_core.errors.InvalidRequestError` naming ``field``:
    a blank value (empty, or only whitespace and invisible characters), and any
    control character (NUL, tab, CR/LF, other C0/C1 codes), Unicode line
    separator, or bidi embedding/override/isolate (U+202A-U+202E, U+2066-U+2069).
    Gateways store these values and show them in dashboards, receipts and
    logs, where such characters split lines, end strings early or make the text
    read differently from what it holds. Providers use this for free text they
    take outside a :class:`PaymentRequest`.
    """
    problem = text_problem(value) if isinstance(value, str) else "must be a string"
    if problem is not None:
        raise InvalidRequestError(f"{field} {problem}", field=field)
    return value


def gateway_text(value: str) -> str:
    """:func:`check_text` as a pydantic validator: pydantic names the field itself."""
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def header_value(value: str) -> str:
    """Free text that also goes into an HTTP header unchanged (an idempotency key)."""
    gateway_text(value)
    if not _VISIBLE_ASCII.fullmatch(value):
        raise ValueError("must be printable ASCII without spaces: it is sent as an HTTP header")
    return value


GatewayText = Annotated[str, AfterValidator(gateway_text)]
"""A ``str`` that passes :func:`check_text`'s rules, as a pydantic field type."""


def url_field(
    value: str | None, info: ValidationInfo, *, https_only: bool, allow_fragment: bool
) -> str | None:
    """:func:`~payments_core.urls.check_url` for a model field, keeping pydantic's location."""
    if value is None:
        return None
    try:
        return check_url(
            value, field=str(info.field_name), https_only=https_only, allow_fragment=allow_fragment
        )
    except InvalidRequestError as exc:
        raise PydanticCustomError(
            ErrorCode.INVALID_URL.value, "{problem}", {"problem": exc.message}
        ) from None


def require_positive(money: Money, field: str) -> Money:
    """``money`` when it is above zero; else an ``invalid_amount`` error on ``field``."""
    if not money.is_positive():
        raise PydanticCustomError(
            ErrorCode.INVALID_AMOUNT.value,
            "{field} must be greater than zero, got {amount}",
            {"field": field, "amount": str(money.amount)},
        )
    return money
