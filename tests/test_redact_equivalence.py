"""The fast redaction path decides exactly what the plain walk decided.

``redact_payload`` first checks a payload with a read-only scan and returns it
untouched when nothing needs redacting; ``mask_card_numbers`` looks for thirteen
digits in a row with a bytes translation instead of a regex on ASCII text. Both
are pinned here against the implementation they replaced (copied below as the
reference) on many random payloads and strings, seeded so a failure repeats.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

import pytest

from payments_core.redact import mask_card_numbers, redact_payload

# -- the reference: redact.py before the fast path --------------------------------------

_PAN: Final = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{3,9})(\d{4})(?![0-9A-Za-z])")
_RUN_OF_13: Final = re.compile(r"\d{13}")
_DROP: Final = object()


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
        return match.group(0)
    return match.group(1) + "*" * len(match.group(2)) + match.group(3)


def reference_mask(text: str) -> str:
    if len(text) < 13 or _RUN_OF_13.search(text) is None:
        return text
    return _PAN.sub(_mask, text)


def reference_redact(
    value: Any, fields: frozenset[str] = frozenset(), memo: dict[int, Any] | None = None
) -> Any:
    if isinstance(value, str):
        return reference_mask(value)
    if memo is not None and id(value) in memo:
        return memo[id(value)]
    result = _reference_container(value, fields, memo)
    if memo is not None:
        memo[id(value)] = result
    return result


def _reference_container(value: Any, fields: frozenset[str], memo: dict[int, Any] | None) -> Any:
    if isinstance(value, dict):
        out: dict[Any, Any] | None = None
        for key, item in value.items():
            if fields and isinstance(key, str) and key.lower() in fields:
                new: Any = _DROP
            elif isinstance(item, str):
                new = item if len(item) < 13 else reference_mask(item)
            elif isinstance(item, dict | list | tuple):
                new = reference_redact(item, fields, memo)
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
            (item if len(item) < 13 else reference_mask(item))
            if isinstance(item, str)
            else reference_redact(item, fields, memo)
            if isinstance(item, dict | list | tuple)
            else item
            for item in value
        ]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, Mapping):
        return reference_redact(dict(value), fields, memo)
    return value


# -- random material -----------------------------------------------------------------------

CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"]
NOT_CARDS = ["4111111111111112", "1700000000001", "123456789012", "12345678901234567890123"]
OTHER_DIGITS = ["\u0664\u0661\u0661\u0661", "\uff11\uff12\uff13", "\u0966\u0967\u0968"]
WORDS = ["ok", "card", "ბარათით", "Σ", "ς", "x", "-", " ", "\n", "\x00", "f", "A", "\u212a"]
FIELDS = [
    frozenset(),
    frozenset({"google_pay_token", "apple_pay_token"}),
    frozenset({"secret", "\u03c3token"}),
    frozenset({"k", "pan"}),
    frozenset({""}),
]
KEYS = [
    "order_id",
    "google_pay_token",
    "Google_Pay_Token",
    "GOOGLE_PAY_TOKEN",
    "google_pay_to\u212aen",
    "apple_pay_token_x",
    "my_apple_pay_token",
    "secret",
    "SECRET",
    "ΣTOKEN",
    "\u03c3token",
    "\u03c2token",
    "k",
    "K",
    "\u212a",
    "pan",
    "PAN",
    "body",
    "items",
    "a\x00secret",
    "",
    "ΑΣ",
    7,
    1.5,
    None,
    ("t",),
]


def random_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 6)):
        roll = rng.random()
        if roll < 0.2:
            parts.append(rng.choice(CARDS))
        elif roll < 0.35:
            parts.append(rng.choice(NOT_CARDS))
        elif roll < 0.5:
            parts.append("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20))))
        elif roll < 0.6:
            parts.append(rng.choice(OTHER_DIGITS) * rng.randint(1, 6))
        else:
            parts.append(rng.choice(WORDS))
    return "".join(parts)


class Text(str):
    """A str subclass: the walk treats it as a string, the scan hands it to the walk."""


def random_leaf(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.55:
        return random_text(rng)
    if roll < 0.6:
        return Text(random_text(rng))
    return rng.choice([None, True, 0, 4111111111111111, 1.5, Decimal("10.00"), b"4111111111111111"])


def random_payload(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 4 or roll < 0.3:
        return random_leaf(rng)
    size = rng.randint(0, 5)
    if roll < 0.75:
        return {rng.choice(KEYS): random_payload(rng, depth + 1) for _ in range(size)}
    if roll < 0.9:
        return [random_payload(rng, depth + 1) for _ in range(size)]
    if roll < 0.95:
        return tuple(random_payload(rng, depth + 1) for _ in range(size))
    return MappingProxyType({rng.choice(KEYS): random_payload(rng, depth + 1)})


def same_outcome(fast: Any, slow: Any, value: Any) -> None:
    assert fast == slow
    assert type(fast) is type(slow)
    assert (fast is value) == (slow is value)


# -- the properties ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_masking_matches_the_regex_on_random_text(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(500):
        text = random_text(rng)
        assert mask_card_numbers(text) == reference_mask(text), text


@pytest.mark.parametrize("seed", range(20))
def test_redaction_matches_the_plain_walk_on_random_payloads(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        value = random_payload(rng)
        fields = rng.choice(FIELDS)
        same_outcome(redact_payload(value, fields), reference_redact(value, fields), value)


@pytest.mark.parametrize("seed", range(10))
def test_a_shared_memo_gives_the_same_results(seed: int) -> None:
    """Like redact_result: a payment's payload, then an event's that holds it."""
    rng = random.Random(seed)
    for _ in range(200):
        inner = random_payload(rng)
        outer = {"event": "x", "body": inner, "again": [inner] if rng.random() < 0.3 else None}
        fields = rng.choice(FIELDS)
        fast_memo: dict[int, Any] = {}
        slow_memo: dict[int, Any] = {}
        for value in (inner, outer):
            fast = redact_payload(value, fields, fast_memo)
            slow = reference_redact(value, fields, slow_memo)
            same_outcome(fast, slow, value)


def test_a_clean_receipt_comes_back_as_the_same_object() -> None:
    receipt = {
        "order_id": "bc9f4ccd-190a-4e6c-944f-8348a098bc56",
        "zoned_create_date": "2026-11-30T13:17:06.030944Z",
        "client": {"brand_ka": "სატესტო მაღაზია", "url": "https://shop.example"},
        "purchase_units": {"items": [{"quantity": "1", "total_price": Decimal("10.00")}]},
        "payment_detail": {
            "payer_identifier": "400000xxxxxx0001",
            "transaction_id": "464234266515",
        },
    }
    memo: dict[int, Any] = {}
    assert redact_payload(receipt, frozenset({"google_pay_token"}), memo) is receipt
    assert memo[id(receipt["client"])] is receipt["client"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"Google_Pay_Token": "t", "ok": "1"}, frozenset({"google_pay_token"})),
        ({"google_pay_to\u212aen": "t"}, frozenset({"google_pay_token"})),  # Kelvin sign
        ({"ok": {"deep": ["card 4111111111111111"]}}, frozenset()),
        ({"ok": "\u0664" * 16}, frozenset()),  # other scripts' digits: not Luhn-checked
        ({"ok": ["ბარათი 5555555555554444"]}, frozenset()),
        ({"ΑΣ": "x"}, frozenset({"ας"})),  # final sigma
        ({1: "x", "Secret": "y"}, frozenset({"secret"})),  # a key that is not a string
    ],
)
def test_what_needs_redacting_is_redacted(payload: Any, fields: frozenset[str]) -> None:
    same_outcome(redact_payload(payload, fields), reference_redact(payload, fields), payload)


def test_deep_and_cyclic_payloads_meet_the_walk_as_before() -> None:
    deep: Any = "4111111111111111"
    for _ in range(200):
        deep = [deep]
    same_outcome(redact_payload(deep), reference_redact(deep), deep)
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(RecursionError):
        reference_redact(cyclic)
    with pytest.raises(RecursionError):
        redact_payload(cyclic)
