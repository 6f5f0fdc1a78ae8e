"""Keeping secrets out of logs, reprs and hook payloads.

What we log about an HTTP exchange is method, host, path and status: never a
body (it may hold a card token or client secret) and never the value of a
header that carries credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import filterfalse
from typing import Any, Final

import httpx

__all__ = [
    "REDACTED",
    "SENSITIVE_HEADERS",
    "HttpExchange",
    "describe",
    "mask_card_numbers",
    "payloads_untouched",
    "redact_headers",
    "redact_payload",
]

SENSITIVE_HEADERS: Final[frozenset[str]] = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "apikey",
        "api-key",
        "x-api-key",
        "x-auth-token",
    }
)
"""Headers redacted for every provider; a provider adds its own with ``sensitive_headers``."""
REDACTED: Final = "[redacted]"

_PAN: Final = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{3,9})(\d{4})(?![0-9A-Za-z])")
"""A run of 13 to 19 digits standing on its own: a full card number. Kept: the first
six and last four, which is what a masked number shows anyway. Digits inside a
longer token (``f24571388867472985``, a gateway's payment id) are not a card."""


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    extra: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """A copy of ``headers`` with credential-bearing values replaced."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    hidden = SENSITIVE_HEADERS | extra
    return {name: REDACTED if name.lower() in hidden else value for name, value in items}


@dataclass(frozen=True)
class HttpExchange:
    """A redacted view of one outgoing request, safe to log or hand to plugins."""

    method: str
    scheme: str
    host: str
    path: str
    headers: Mapping[str, str]
    attempt: int = 1

    @classmethod
    def of(
        cls, request: httpx.Request, attempt: int = 1, extra: frozenset[str] = frozenset()
    ) -> HttpExchange:
        return cls(
            method=request.method,
            scheme=request.url.scheme,
            host=request.url.host,
            path=request.url.path,
            headers=redact_headers(request.headers.multi_items(), extra),
            attempt=attempt,
        )

    def __str__(self) -> str:
        return describe(self.method, self.host, self.path)


def describe(method: str, host: str, path: str) -> str:
    """``POST api.bog.ge/payments/v1/ecommerce/orders``: no query, no body."""
    return f"{method} {host}{path}"


_RUN_OF_13: Final = re.compile(r"\d{13}")
"""Thirteen digits in a row: the least a card number needs, found without Python loops."""

_DIGITS_AS_ZERO: Final = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x2E for byte in range(256))
"""``bytes.translate`` table: an ASCII digit becomes ``0``, every other byte ``.``."""
_THIRTEEN_ZEROS: Final = b"0" * 13


def _ascii_has_run_of_13(text: str) -> bool:
    r"""``_RUN_OF_13.search(text)`` for ASCII ``text``, in two tight C loops.

    In ASCII text ``\d`` is exactly ``0-9``, so a run of thirteen digits is a run
    of thirteen ``0`` bytes once every digit is turned into ``0`` and every other
    byte into ``.``. The regex tries a match at every position; this does not.
    """
    return _THIRTEEN_ZEROS in text.encode("ascii").translate(_DIGITS_AS_ZERO)


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def _mask(match: re.Match[str]) -> str:
    if not _luhn(match.group(0)):
        return match.group(0)  # an id or a timestamp, not a card number
    return match.group(1) + "*" * len(match.group(2)) + match.group(3)


def mask_card_numbers(text: str) -> str:
    """``4111111111111111`` becomes ``411111******1111``; other text is unchanged.

    A card number is a run of 13 to 19 digits passing the Luhn check.
    """
    if len(text) < 13:
        return text  # too short to hold one
    if text.isascii():
        if not _ascii_has_run_of_13(text):
            return text  # the common case, decided in C
    elif _RUN_OF_13.search(text) is None:
        return text  # ``\d`` also matches other scripts' digits
    return _PAN.sub(_mask, text)


def redact_payload(
    value: Any, fields: frozenset[str] = frozenset(), memo: dict[int, Any] | None = None
) -> Any:
    """A copy of a gateway payload safe to hand on: ``fields`` removed at any depth
    (compared case-insensitively), full card numbers masked in every string.

    Returns the very same object when there was nothing to change, so the
    common case costs one walk and no copies. That walk is :func:`payloads_untouched`:
    a read-only check, done without a call per container or per value; only a
    payload that does need a change is walked again to build the copy.
    ``memo`` lets several payloads sharing parts (an event and its payment)
    walk each shared part once.
    """
    if isinstance(value, str):
        return mask_card_numbers(value)
    if memo is not None and id(value) in memo:
        return memo[id(value)]
    if isinstance(value, _CONTAINERS) and _untouched(value, fields, memo):
        result = value
    else:
        result = _redact_container(value, fields, memo)
    if memo is not None:
        memo[id(value)] = result
    return result


_CONTAINERS: Final = (dict, list, tuple)
"""What the walk descends into below the top (a top-level Mapping is copied to a dict)."""


_SCAN_DEPTH: Final = 64
"""Deeper payloads (and cyclic ones) are left to the copying walk, which meets them as
before: the check below neither recurses nor loops where that walk would fail."""

_NESTED: Final = frozenset(_CONTAINERS)
_LEAVES: Final = frozenset({int, float, bool, type(None), Decimal})
"""With ``str`` and :data:`_NESTED`: what parsed JSON is made of. The check knows exactly
these types (``type(x) is``: no subclass, no object claiming a ``__class__``); a payload
holding anything else is left to the copying walk."""
_NO_MEMO: Final[dict[int, Any]] = {}


def _untouched(
    root: dict[Any, Any] | list[Any] | tuple[Any, ...],
    fields: frozenset[str],
    memo: dict[int, Any] | None,
) -> bool:
    """:func:`payloads_untouched` for one payload."""
    return payloads_untouched((root,), fields, memo)


def payloads_untouched(
    payloads: Iterable[Any], fields: frozenset[str], memo: dict[int, Any] | None
) -> bool:
    r"""True when :func:`redact_payload` would hand back each of ``payloads`` itself,
    called on them in order with one ``memo``; it then records in ``memo`` what
    those calls would have. ``False`` records nothing: redact them one by one.

    It is the copying walk's decision, taken without building anything: one loop
    over the values, level by level (no call per container), types compared
    exactly, and the keys and the strings of all the payloads checked at once at
    the end (no key, at any depth, whose ``lower()`` is in ``fields``; no string
    holding thirteen digits in a row). It errs only one way: ``False`` sends a
    payload to the copying walk, which decides exactly (a run of digits
    that fails the Luhn check, a key that only contains a field's name, a subclass
    or a type JSON does not make, a container met twice within one payload, a
    payload nested deeper than ``_SCAN_DEPTH``). A part an earlier payload holds
    too (an event's copy of its payment's receipt) is met once, as the memo makes
    the one-by-one calls meet it.

    Keys are joined with ``\x00`` and lowered in one call. That equals lowering
    each key (lowering looks at a letter's neighbours only for a final sigma, and
    never across ``\x00``, which is neither cased nor case-ignorable), so a key
    lowering to a field leaves the field inside the joined text. Strings are
    joined with ``\n``, which no run of digits crosses.
    """
    prior = _NO_MEMO if memo is None else memo
    earlier: dict[int, Any] = {}  # the containers of the payloads already checked
    strings: list[str] = []
    keep = strings.append
    keys: list[Any] = []
    add_keys = keys.extend
    leaves, nested = _LEAVES, _NESTED
    for root in payloads:
        ident = id(root)
        if ident in prior:
            if prior[ident] is not root:
                return False  # redacted before into something else: that is the answer
            continue
        if ident in earlier:
            continue
        if root is None:
            earlier[ident] = root  # no payload: it stays None, and the memo says so
            continue
        if type(root) not in nested:
            return False  # a subclass, or a string: the copying walk knows what to do
        seen: dict[int, Any] = {ident: root}
        level: list[Any] = [root]
        for _ in range(_SCAN_DEPTH):
            below: list[Any] = []
            for value in level:
                if type(value) is dict:
                    add_keys(value)
                    items: Any = value.values()
                else:
                    items = value
                for item in items:
                    if item is None:
                        continue
                    kind = type(item)
                    if kind is str:
                        if len(item) >= 13:
                            keep(item)
                    elif kind in leaves:
                        pass
                    elif kind in nested:
                        ident = id(item)
                        if ident in prior:
                            if prior[ident] is not item:
                                return False  # shared with a payload already redacted: copy
                        elif ident in earlier:
                            pass  # an earlier payload's part, checked there
                        elif ident in seen:
                            return False  # met twice (or a cycle): the copying walk's case
                        else:
                            seen[ident] = item
                            below.append(item)
                    else:
                        return False  # not one of JSON's types: left to the copying walk
            if not below:
                break
            level = below
        else:
            return False  # nested deeper than the check goes
        earlier.update(seen)
    if fields and keys and not _keys_clear(keys, fields):
        return False
    if strings and _has_run_of_13(strings):
        return False
    if memo is not None:
        memo.update(earlier)  # each of them is its own redacted form
    return True


def _keys_clear(keys: list[Any], fields: frozenset[str]) -> bool:
    """No one of ``keys`` lowers to one of ``fields`` (see :func:`payloads_untouched`)."""
    try:
        text = "\x00".join(keys).lower()
    except TypeError:  # a key that is not a string: one by one, as the copying walk does
        return not any(isinstance(key, str) and key.lower() in fields for key in keys)
    return not any(map(text.__contains__, fields))


def _has_run_of_13(strings: list[str]) -> bool:
    """Whether one of ``strings`` holds thirteen digits in a row; the regex reads only
    the ones that are not ASCII (``\\d`` also matches other scripts' digits)."""
    text = "\n".join(strings)
    if text.isascii():
        return _ascii_has_run_of_13(text)
    # The ASCII digits of all of them in one pass (other characters' bytes are not
    # ``0``-``9`` in UTF-8), then the regex over the strings that are not ASCII.
    if _THIRTEEN_ZEROS in text.encode("utf-8", "surrogatepass").translate(_DIGITS_AS_ZERO):
        return True
    return _RUN_OF_13.search("\n".join(filterfalse(str.isascii, strings))) is not None


def _walk(value: Any, fields: frozenset[str], memo: dict[int, Any] | None) -> Any:
    """The copying walk below the top: what :func:`redact_payload` did before its check."""
    if isinstance(value, str):
        return mask_card_numbers(value)
    if memo is not None and id(value) in memo:
        return memo[id(value)]
    result = _redact_container(value, fields, memo)
    if memo is not None:
        memo[id(value)] = result
    return result


def _redact_container(value: Any, fields: frozenset[str], memo: dict[int, Any] | None) -> Any:
    if isinstance(value, dict):
        out: dict[Any, Any] | None = None
        for key, item in value.items():
            if fields and isinstance(key, str) and key.lower() in fields:
                new: Any = _DROP
            elif isinstance(item, str):
                new = item if len(item) < 13 else mask_card_numbers(item)
            elif isinstance(item, dict | list | tuple):
                new = _walk(item, fields, memo)
            else:
                new = item
            if new is not item and out is None:
                out = {}
                for earlier, kept in value.items():
                    if earlier == key:
                        break
                    out[earlier] = kept
            if out is not None and new is not _DROP:
                out[key] = new
        return value if out is None else out
    if isinstance(value, list | tuple):
        items = [
            (item if len(item) < 13 else mask_card_numbers(item))
            if isinstance(item, str)
            else _walk(item, fields, memo)
            if isinstance(item, dict | list | tuple)
            else item
            for item in value
        ]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, Mapping):
        return _walk(dict(value), fields, memo)
    return value


_DROP: Final = object()
"""Marks a key removed from a payload copy."""
