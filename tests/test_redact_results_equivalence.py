"""A result's payloads checked at once are redacted as one by one.

``redact_result`` first asks :func:`payments_core.redact.payloads_untouched` whether
every payload of a result (a payment's, its operations', an event's) would come
back unchanged, in one scan; only when one would not does it take the result apart
as before. This pins it against the plain implementation it stands in for (copied
below as the reference, over the plain walk of ``redact_payload`` that
tests/test_redact_equivalence.py keeps) on
random results whose payloads share parts the way an event and its payment do,
and on adversarial ones: cards, declared keys in other cases and scripts, other
scripts' digits, subclasses, shared and cyclic parts, payloads nested deep.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, TypeVar

import pytest

from payments_core.drivers.results import redact_result
from payments_core.models import Operation, OperationKind, OperationStatus, Payment, WebhookEvent
from payments_core.money import Money
from payments_core.redact import _has_run_of_13, payloads_untouched, redact_payload
from payments_core.status import PaymentStatus
from tests.test_redact_equivalence import reference_redact

T = TypeVar("T")

_RUN_OF_13: Final = re.compile(r"\d{13}")
"""Thirteen digits of any script in a row: what the plain check looks for."""

# -- the reference: redact_result before the shared check, over the plain walk -----------


def reference_result(value: T, fields: frozenset[str], memo: dict[int, Any]) -> T:
    if isinstance(value, WebhookEvent):
        payment = reference_result(value.payment, fields, memo)
        raw = reference_redact(value.raw, fields, memo)
        if payment is value.payment and raw is value.raw:
            return value
        return value.model_copy(update={"payment": payment, "raw": raw})
    if isinstance(value, Payment):
        raw = reference_redact(value.raw, fields, memo)
        operations = tuple(reference_result(op, fields, memo) for op in value.operations)
        unchanged = all(new is old for new, old in zip(operations, value.operations, strict=True))
        if raw is value.raw and unchanged:
            return value
        return value.model_copy(update={"raw": raw, "operations": operations})
    if isinstance(value, Operation):
        raw = reference_redact(value.raw, fields, memo)
        return value if raw is value.raw else value.model_copy(update={"raw": raw})
    return value


# -- random material -----------------------------------------------------------------------

CARDS = ["4111111111111111", "5555555555554444", "378282246310005"]
NOT_CARDS = ["4111111111111112", "1700000000001", "123456789012", "12345678901234567890123"]
OTHER_DIGITS = [
    "\u0664\u0661\u0661\u0661",
    "\uff11\uff12\uff13",
    "\u0966\u0967\u0968",
    "\U0001d7ce",
]
WORDS = [
    "ok",
    "ბარათით გადახდა",
    "Σ",
    "x",
    "-",
    " ",
    "\n",
    "\x00",
    "\u212a",
    "\ud800",
    "2026-11-30",
]
FIELDS = [
    frozenset(),
    frozenset({"google_pay_token", "apple_pay_token"}),
    frozenset({"secret", "\u03c3token"}),
    frozenset({"k"}),
]
KEYS = [
    "order_id",
    "body",
    "items",
    "google_pay_token",
    "Google_Pay_Token",
    "apple_pay_to\u212aen",
    "my_apple_pay_token",
    "SECRET",
    "ΣTOKEN",
    "\u03c2token",
    "K",
    "a\x00secret",
    "",
    7,
    None,
]


class Text(str):
    """A str subclass: left to the copying walk."""


class Payload(dict[str, Any]):
    """A dict subclass: left to the copying walk."""


def random_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 5)):
        roll = rng.random()
        if roll < 0.1:
            parts.append(rng.choice(CARDS))
        elif roll < 0.2:
            parts.append(rng.choice(NOT_CARDS))
        elif roll < 0.35:
            parts.append("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 14))))
        elif roll < 0.45:
            parts.append(rng.choice(OTHER_DIGITS) * rng.randint(1, 7))
        else:
            parts.append(rng.choice(WORDS))
    return "".join(parts)


def random_leaf(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.55:
        return random_text(rng)
    if roll < 0.58:
        return Text(random_text(rng))
    return rng.choice(
        [None, True, 0, 4111111111111111, 1.5, Decimal("10.00"), b"x", datetime.now(UTC)]
    )


def random_payload(rng: random.Random, shared: list[Any], depth: int = 0) -> Any:
    roll = rng.random()
    if shared and roll < 0.08:
        return rng.choice(shared)  # a part another payload (or this one) holds too
    if depth > 3 or roll < 0.3:
        return random_leaf(rng)
    size = rng.randint(0, 4)
    made: Any
    if roll < 0.7:
        made = {rng.choice(KEYS): random_payload(rng, shared, depth + 1) for _ in range(size)}
    elif roll < 0.85:
        made = [random_payload(rng, shared, depth + 1) for _ in range(size)]
    elif roll < 0.9:
        made = tuple(random_payload(rng, shared, depth + 1) for _ in range(size))
    elif roll < 0.95:
        made = Payload({"k": random_payload(rng, shared, depth + 1)})
    else:
        made = MappingProxyType({"m": random_payload(rng, shared, depth + 1)})
    if isinstance(made, dict | list) and rng.random() < 0.3:
        shared.append(made)
    return made


def random_raw(rng: random.Random, shared: list[Any]) -> Any:
    roll = rng.random()
    if roll < 0.1:
        return None
    if shared and roll < 0.2:
        return rng.choice(shared)
    if roll < 0.25:
        return random_payload(rng, shared)  # any payload at all, as model_copy allows
    made = {rng.choice(KEYS[:6]): random_payload(rng, shared) for _ in range(rng.randint(0, 5))}
    shared.append(made)
    return made


def _operation(rng: random.Random, shared: list[Any]) -> Operation:
    made = Operation(
        kind=OperationKind.REFUND,
        status=OperationStatus.PENDING,
        payment_id="p",
        provider="x",
    )
    return made.model_copy(update={"raw": random_raw(rng, shared)})


def random_result(rng: random.Random) -> Any:
    shared: list[Any] = []
    payment = Payment(id="p", provider="x", status=PaymentStatus.PENDING, amount=Money("1", "GEL"))
    payment = payment.model_copy(
        update={
            "raw": random_raw(rng, shared),
            "operations": tuple(_operation(rng, shared) for _ in range(rng.randint(0, 3))),
        }
    )
    roll = rng.random()
    if roll < 0.2:
        return _operation(rng, shared)
    if roll < 0.45:
        return payment
    event = WebhookEvent(
        id="e", provider="x", type="t", payment=payment, received_at=datetime.now(UTC)
    )
    raw: Any = {"event": random_text(rng), "body": payment.raw}
    if rng.random() < 0.5:
        raw = random_raw(rng, shared)
    return event.model_copy(update={"raw": raw})


def same_outcome(fast: Any, slow: Any, value: Any) -> None:
    assert fast == slow
    assert type(fast) is type(slow)
    assert (fast is value) == (slow is value)


def _outcome(redact: Any, value: Any, fields: frozenset[str], memo: dict[int, Any]) -> Any:
    try:
        return ("value", redact(value, fields, memo))
    except RecursionError:
        return ("recursion", None)


# -- the properties ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_results_are_redacted_as_one_payload_at_a_time(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        value = random_result(rng)
        fields = rng.choice(FIELDS)
        fast_memo: dict[int, Any] = {}
        slow_memo: dict[int, Any] = {}
        fast = _outcome(redact_result, value, fields, fast_memo)
        slow = _outcome(reference_result, value, fields, slow_memo)
        assert fast[0] == slow[0]
        if fast[0] == "value":
            same_outcome(fast[1], slow[1], value)
            if slow[1] is value:
                # nothing changed: each part met is remembered as itself, by both
                assert fast_memo.keys() == slow_memo.keys()
                assert all(fast_memo[key] is made for key, made in slow_memo.items())


@pytest.mark.parametrize("seed", range(10))
def test_a_memo_shared_with_earlier_payloads_gives_the_same_results(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        shared: list[Any] = []
        before = [random_raw(rng, shared) for _ in range(2)]
        value = random_result(rng)
        if isinstance(value, Payment) and shared:
            value = value.model_copy(update={"raw": rng.choice(shared)})
        fields = rng.choice(FIELDS)
        fast_memo: dict[int, Any] = {}
        slow_memo: dict[int, Any] = {}
        for payload in before:
            redact_payload(payload, fields, fast_memo)
            reference_redact(payload, fields, slow_memo)
        fast = _outcome(redact_result, value, fields, fast_memo)
        slow = _outcome(reference_result, value, fields, slow_memo)
        assert fast[0] == slow[0]
        if fast[0] == "value":
            same_outcome(fast[1], slow[1], value)


def _clean_receipt() -> dict[str, Any]:
    return {
        "order_id": "5598dafa-93e8-456a-9da9-63d1332055f8",
        "client": {"brand_ka": "სატესტო მაღაზია", "url": "https://shop.example"},
        "purchase_units": {"items": [{"quantity": "1", "total_price": Decimal("10.00")}]},
        "payment_detail": {"payer_identifier": "400000xxxxxx0001", "transaction_id": "4845497"},
        "actions": [],
    }


def _event_of(receipt: Any, **extra: Any) -> WebhookEvent:
    payment = Payment(
        id="p", provider="bog", status=PaymentStatus.PENDING, amount=Money("1", "GEL")
    )
    payment = payment.model_copy(update={"raw": receipt})
    event = WebhookEvent(
        id="e", provider="bog", type="t", payment=payment, received_at=datetime.now(UTC)
    )
    return event.model_copy(update={"raw": {"event": "order_payment", "body": receipt, **extra}})


FIELDS_BOG = frozenset({"google_pay_token", "apple_pay_token"})


def test_a_clean_event_and_its_receipt_come_back_as_they_are() -> None:
    event = _event_of(_clean_receipt())
    # one scan for both, the receipt met once though the event holds it too
    assert payloads_untouched([event.payment.raw, event.raw], FIELDS_BOG, {})
    memo: dict[int, Any] = {}
    assert redact_result(event, FIELDS_BOG, memo) is event
    assert memo[id(event.payment.raw)] is event.payment.raw
    assert memo[id(event.raw)] is event.raw


@pytest.mark.parametrize(
    "dirt",
    [
        {"note": "card 4111111111111111"},
        {"note": ["ბარათი 5555555555554444"]},
        {"Google_Pay_Token": "t"},
        {"apple_pay_to\u212aen": "t"},  # Kelvin sign: lowers to a field
        {"note": "\u0664" * 16},  # other scripts' digits
        {"note": "\U0001d7ce" * 13},  # digits outside the BMP
        {"note": "\u0661" * 6 + "1111111"},  # a run mixing scripts
        {"note": Text("4111111111111111")},
        {"note": MappingProxyType({"pan": "4111111111111111"})},
        {"note": Payload(pan="x")},
    ],
)
def test_dirt_in_the_event_or_in_its_receipt_is_found(dirt: dict[str, Any]) -> None:
    for event in (_event_of(_clean_receipt(), **dirt), _event_of({**_clean_receipt(), **dirt})):
        fast = redact_result(event, FIELDS_BOG, {})
        slow = reference_result(event, FIELDS_BOG, {})
        same_outcome(fast, slow, event)


def test_a_part_met_twice_in_one_payload_or_a_cycle_meets_the_walk_as_before() -> None:
    part = {"x": "1"}
    twice = _event_of({"a": part, "b": part})
    same_outcome(
        redact_result(twice, FIELDS_BOG, {}), reference_result(twice, FIELDS_BOG, {}), twice
    )
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    event = _event_of(cyclic)
    with pytest.raises(RecursionError):
        reference_result(event, FIELDS_BOG, {})
    with pytest.raises(RecursionError):
        redact_result(event, FIELDS_BOG, {})


def test_deep_payloads_meet_the_walk_as_before() -> None:
    deep: Any = "clean"
    for _ in range(150):
        deep = {"d": deep}
    event = _event_of(deep)
    same_outcome(
        redact_result(event, FIELDS_BOG, {}), reference_result(event, FIELDS_BOG, {}), event
    )


def test_nothing_is_recorded_when_a_payload_needs_a_change() -> None:
    memo: dict[int, Any] = {}
    clean, dirty = {"a": "x"}, {"b": "4111111111111111"}
    assert not payloads_untouched([clean, dirty], frozenset(), memo)
    assert memo == {}
    assert payloads_untouched([clean, None, clean], frozenset(), memo)
    assert memo == {id(clean): clean, id(None): None}


@pytest.mark.parametrize("seed", range(10))
def test_the_digit_check_matches_the_regex(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(500):
        strings = [random_text(rng) for _ in range(rng.randint(1, 5))]
        expected = any(_RUN_OF_13.search(text) for text in strings)
        assert _has_run_of_13(strings) == expected, strings
