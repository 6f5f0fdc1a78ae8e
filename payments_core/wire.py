"""JSON on the wire, with money kept exact.

``json.dumps`` cannot write a :class:`~decimal.Decimal` as a JSON number, and
going through ``float`` would turn ``12.60`` into whatever the nearest binary
fraction prints as. :func:`dumps` writes each Decimal's own digits as a number;
:func:`loads` reads every non-integer number back as a Decimal.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

__all__ = ["decimal_to_json_number", "dumps", "dumps_canonical", "loads"]


def decimal_to_json_number(value: Decimal) -> str:
    """The JSON number text for ``value``: plain digits, never an exponent."""
    if not value.is_finite():
        raise ValueError(f"{value} cannot be written as a JSON number")
    text = format(value, "f")
    return "0" if text in ("-0", "0") else text


def dumps(payload: Any) -> bytes:
    """Serialize to compact UTF-8 JSON bytes, writing Decimals as exact numbers."""
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


def loads(data: bytes | str) -> Any:
    """Parse JSON, reading fractional numbers as Decimal (never float).

    Every failure is a ``ValueError``: a reply nested deeply enough to exhaust
    the parser's recursion is as unreadable as a malformed one.
    """
    try:
        return json.loads(data, parse_float=Decimal)
    except RecursionError:
        raise ValueError("JSON nested too deeply to read") from None


def dumps_canonical(payload: Any) -> bytes:
    """Stable bytes for equal payloads (keys sorted), for fingerprints and digests."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
