"""JSON on the wire, with money kept exact.

``json.dumps`` cannot write a :class:`~decimal.Decimal` as a JSON number, and
going through ``float`` would turn ``12.60`` into whatever the nearest binary
fraction prints as. :func:`dumps` writes each Decimal's own digits as a number;
:func:`loads` reads every non-integer number back as a Decimal.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from payments_core.errors import ProviderResponseError

__all__ = [
    "decimal_to_json_number",
    "dumps",
    "dumps_canonical",
    "json_object",
    "lenient_decimal",
    "loads",
]


def decimal_to_json_number(value: Decimal) -> str:
    """The JSON number text for ``value``: plain digits, never an exponent."""
    if not value.is_finite():
        raise ValueError(f"{value} cannot be written as a JSON number")
    text = format(value, "f")
    return "0" if text in ("-0", "0") else text


def dumps(payload: Any) -> bytes:
    """Serialize to compact UTF-8 JSON bytes, writing Decimals as exact numbers.

    The bytes are those of ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))``
    with each Decimal's own digits where the number goes. Plain JSON data (dicts
    with ``str`` keys, lists, tuples, ``str``, ``int``, ``bool``, ``None``,
    ``Decimal``) is written in one pass; anything else takes the general path,
    which raises what ``json.dumps`` would (and ``TypeError`` for a float).
    """
    out: list[str] = []
    try:
        _write(payload, out)
    except _NotPlain:
        return _dumps_general(payload)
    return "".join(out).encode()


class _NotPlain(Exception):
    """A value :func:`_write` leaves to the general path."""


_encode_string = json.encoder.encode_basestring
"""``json.dumps``'s own string writer for ``ensure_ascii=False`` (in C)."""


def _write(value: Any, out: list[str]) -> None:
    """Append ``value``'s JSON text to ``out``; exact types only (subclasses may
    encode themselves differently, so they raise :class:`_NotPlain`)."""
    kind = type(value)
    if kind is str:
        out.append(_encode_string(value))
    elif kind is dict:
        out.append("{")
        first = True
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            if first:
                first = False
            else:
                out.append(",")
            out.append(_encode_string(key))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif kind is Decimal:
        out.append(decimal_to_json_number(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is list or kind is tuple:
        out.append("[")
        first = True
        for item in value:
            if first:
                first = False
            else:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise _NotPlain


def _dumps_general(payload: Any) -> bytes:
    """:func:`dumps` for any payload: ``json.dumps`` with Decimals swapped in after."""
    marker = uuid.uuid4().hex
    numbers: list[str] = []

    def swap_decimals(value: Any) -> Any:
        if isinstance(value, Decimal):
            numbers.append(decimal_to_json_number(value))
            return f"{marker}{len(numbers) - 1}"
        if isinstance(value, float):
            raise TypeError("floats are not written on the wire; use Decimal")
        if isinstance(value, dict):
            return {key: swap_decimals(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [swap_decimals(item) for item in value]
        return value

    text = json.dumps(swap_decimals(payload), ensure_ascii=False, separators=(",", ":"))
    for index in range(len(numbers) - 1, -1, -1):
        text = text.replace(f'"{marker}{index}"', numbers[index])
    return text.encode()


_DECODER = json.JSONDecoder(parse_float=Decimal)
"""The decoder ``json.loads(..., parse_float=Decimal)`` makes anew on every call, made
once: it keeps no state between documents (``json.loads`` shares its own default
decoder between threads the same way)."""


def loads(data: bytes | str) -> Any:
    """Parse JSON, reading fractional numbers as Decimal (never float).

    Every failure is a ``ValueError``: a reply nested deeply enough to exhaust
    the parser's recursion is as unreadable as a malformed one.
    """
    try:
        if type(data) is bytes:
            # What json.loads does with bytes, then its decoder's own decode.
            return _DECODER.decode(data.decode(json.detect_encoding(data), "surrogatepass"))
        return json.loads(data, parse_float=Decimal)
    except RecursionError:
        raise ValueError("JSON nested too deeply to read") from None


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
"""The encoder ``json.dumps`` makes for :func:`dumps_canonical`'s arguments on every
call, made once (it keeps nothing between payloads)."""


def dumps_canonical(payload: Any) -> bytes:
    """Stable bytes for equal payloads (keys sorted), for fingerprints and digests."""
    return _CANONICAL.encode(payload).encode()


def json_object(
    source: httpx.Response | bytes, what: str, *, provider: str, max_bytes: int | None = None
) -> dict[str, Any]:
    """A gateway's body as a JSON object (Decimals for fractions), or a typed refusal.

    For provider flows reading an answer: anything but a JSON object (not JSON,
    not UTF-8, nested too deeply, a list, larger than ``max_bytes``) becomes a
    :class:`~payments_core.errors.ProviderResponseError` naming ``what`` was read,
    which the driver turns into an unknown outcome when the request moved money.
    """
    response = source if isinstance(source, httpx.Response) else None
    content = source.content if isinstance(source, httpx.Response) else source
    status = response.status_code if response is not None else None
    name = provider.upper()
    if max_bytes is not None and len(content) > max_bytes:
        raise ProviderResponseError(
            f"{name}'s {what} is too large to read", provider=provider, http_status=status
        )
    try:
        data = loads(content)
    except (ValueError, UnicodeDecodeError):
        raise ProviderResponseError(
            f"{name}'s {what} is not JSON", provider=provider, http_status=status
        ) from None
    if not isinstance(data, dict):
        raise ProviderResponseError(
            f"{name}'s {what} is not a JSON object ({type(data).__name__})",
            provider=provider,
            http_status=status,
        )
    return data


def lenient_decimal(value: object) -> Decimal | None:
    """A gateway's number as gateways send them: a JSON number, a numeric string, or
    null (an empty string counts as null), as an exact Decimal.

    For a provider's wire models (a pydantic ``BeforeValidator``): a boolean, text
    that is not a number, NaN or infinity raise ``ValueError`` naming the problem,
    never echoing the value.
    """
    if type(value) is Decimal and value.is_finite():
        return value  # the common case: a JSON number, read by loads
    if value is None:
        return None
    if isinstance(value, str):  # the other common case: most gateways send text
        text = value.strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError("not a number") from None
    elif isinstance(value, bool):
        raise ValueError("an amount cannot be a boolean")
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):  # only when handed a dict parsed elsewhere
        number = Decimal(repr(value))
    else:
        raise ValueError(f"an amount cannot be a {type(value).__name__}")
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number
