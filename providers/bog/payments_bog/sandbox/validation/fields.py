"""Reading the fields of a JSON body the way BOG checks them: types, amounts, URLs.

Every check failure raises :class:`RequestError`, which the app answers with
``400 {"message": ...}``. JSON is parsed with ``Decimal`` for every number, so money
never goes through ``float``.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from urllib.parse import urlsplit

from payments_core.sandbox.loopback import is_loopback_callback_host

_CENT: Final = Decimal("0.01")
_MAX_AMOUNT: Final = Decimal(10) ** 12


class RequestError(Exception):
    """A request BOG would refuse with HTTP 400; ``message`` goes into the reply."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _reject_constant(name: str) -> Any:
    raise RequestError(f"Invalid number {name} in request body")


def parse_json(body: bytes, *, empty: Any = None) -> Any:
    """Decode a JSON body with exact decimals; an empty body gives ``empty``."""
    if not body.strip():
        if empty is None:
            raise RequestError("Request body is required")
        return empty
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise RequestError("Request body is not valid JSON") from exc


def read_object(value: Any, name: str, *, required: bool = False) -> dict[str, Any]:
    if value is None:
        if required:
            raise RequestError(f"{name} is required")
        return {}
    if not isinstance(value, dict):
        raise RequestError(f"{name} must be an object")
    return value


def read_text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError(f"{name} must be a string")
    return value


def read_required_text(value: Any, name: str) -> str:
    text = read_text(value, name)
    if text is None or not text.strip():
        raise RequestError(f"{name} is required")
    return text


def read_number(value: Any, name: str, *, allow_text: bool = False) -> Decimal:
    if isinstance(value, bool):
        raise RequestError(f"{name} must be a number")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif allow_text and isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation as exc:
            raise RequestError(f"{name} must be a number") from exc
    else:
        raise RequestError(f"{name} must be a number")
    if not number.is_finite() or abs(number) >= _MAX_AMOUNT:
        raise RequestError(f"{name} is out of range")
    return number


def read_optional_number(value: Any, name: str) -> Decimal | None:
    if value is None:
        return None
    number = read_number(value, name)
    if number < 0:
        raise RequestError(f"{name} must not be negative")
    return number


def amount(value: Any, name: str, *, allow_text: bool = False) -> Decimal:
    """A money amount: a number greater than 0 with at most two decimal places."""
    number = read_number(value, name, allow_text=allow_text)
    if number <= 0:
        raise RequestError(f"{name} must be greater than 0")
    if number != number.quantize(_CENT):
        raise RequestError(f"{name} must have at most two decimal places")
    return number


def read_url(value: Any, name: str) -> str | None:
    text = read_text(value, name)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestError(f"{name} must be an absolute http(s) URL")
    return text


def callback_url(value: Any) -> str:
    """HTTPS is required; plain HTTP is accepted only for loopback receivers."""
    text = read_required_text(value, "callback_url")
    parts = urlsplit(text)
    host = parts.hostname
    secure = parts.scheme == "https" and bool(host)
    local = parts.scheme == "http" and is_loopback_callback_host(host)
    if not (secure or local):
        raise RequestError("callback_url must be an HTTPS URL")
    return text


def read_choice(value: Any, name: str, choices: tuple[str, ...]) -> str | None:
    text = read_text(value, name)
    if text is None:
        return None
    if text not in choices:
        raise RequestError(f"{name} must be one of {', '.join(choices)}")
    return text
