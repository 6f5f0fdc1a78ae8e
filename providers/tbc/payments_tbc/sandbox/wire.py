"""JSON as TBC writes it: money as plain numbers in major units, no trailing zeros.

Requests are parsed with :class:`~decimal.Decimal` for every non-integer number, so
money never goes through ``float`` on the way in. On the way out a Decimal becomes a
JSON number written the shortest way (``49.9``, ``10``, ``0.01``), as TBC's
responses show (reference §3).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Final

JSON: Final = "application/json"
PROBLEM_JSON: Final = "application/problem+json"


class BadJson(ValueError):
    """The body is not JSON the emulator can read."""


def _number(value: object) -> int | float:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        # Two-decimal amounts round-trip exactly through repr(float).
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_number).encode(
        "utf-8"
    )


def _no_constants(name: str) -> Any:
    raise BadJson(f"{name} is not a JSON number")


def loads(body: bytes) -> Any:
    """Parse a request body; :class:`BadJson` when it is not UTF-8 JSON."""
    try:
        text = body.decode("utf-8")
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BadJson(str(exc)) from exc
