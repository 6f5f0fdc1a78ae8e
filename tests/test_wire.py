"""Wire JSON: Decimals go out as the exact digits, come back as Decimals, never floats."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from payments_core import wire


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("12.60"), "12.60"),
        (Decimal("12.6"), "12.6"),
        (Decimal("0.10"), "0.10"),
        (Decimal("100"), "100"),
        (Decimal("1E+2"), "100"),
        (Decimal("1.5E+3"), "1500"),
        (Decimal("1E-10"), "0.0000000001"),
        (Decimal("12345678901234567890.123456789"), "12345678901234567890.123456789"),
        (Decimal("1E+25"), "10000000000000000000000000"),
        (Decimal("-3.50"), "-3.50"),
        (Decimal("0"), "0"),
        (Decimal("-0"), "0"),
    ],
)
def test_decimal_is_written_as_an_exact_json_number(value: Decimal, text: str) -> None:
    assert wire.dumps({"amount": value}) == b'{"amount":' + text.encode() + b"}"


def test_written_numbers_are_json_numbers_not_strings() -> None:
    parsed = json.loads(wire.dumps({"amount": Decimal("12.60")}), parse_float=Decimal)
    assert parsed == {"amount": Decimal("12.60")}
    assert str(parsed["amount"]) == "12.60"


def test_decimals_nested_in_lists_tuples_and_dicts_are_all_written() -> None:
    payload = {
        "basket": [{"price": Decimal("1.10")}, {"price": Decimal("2.20")}],
        "pair": (Decimal("3.30"), Decimal("4.40")),
        "many": [Decimal(n) / 100 for n in range(12)],
    }
    out = wire.dumps(payload).decode()
    assert '"basket":[{"price":1.10},{"price":2.20}]' in out
    assert '"pair":[3.30,4.40]' in out
    assert '"many":[0,0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1,0.11]' in out


def test_other_values_are_ordinary_json() -> None:
    out = wire.dumps({"s": "ქართული", "i": 3, "b": True, "n": None})
    assert out == '{"s":"ქართული","i":3,"b":true,"n":null}'.encode()


@pytest.mark.parametrize("payload", [1.5, {"amount": 12.6}, [Decimal("1"), 0.1]])
def test_float_is_refused_on_the_wire(payload: Any) -> None:
    with pytest.raises(TypeError, match="float"):
        wire.dumps(payload)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_non_finite_decimal_is_refused(value: Decimal) -> None:
    with pytest.raises(ValueError, match="JSON number"):
        wire.dumps({"amount": value})


def test_loads_reads_fractions_as_decimal() -> None:
    data = wire.loads(b'{"amount": 12.60, "tiny": 1e-10, "big": 123456789012345678901.5}')
    assert data["amount"] == Decimal("12.60")
    assert str(data["amount"]) == "12.60"
    assert isinstance(data["tiny"], Decimal)
    assert data["big"] == Decimal("123456789012345678901.5")


def test_loads_keeps_integers_as_int() -> None:
    data = wire.loads('{"n": 3}')
    assert data == {"n": 3}
    assert isinstance(data["n"], int)


def test_dumps_and_loads_round_trip_exactly() -> None:
    payload = {"a": Decimal("0.30"), "b": [Decimal("12345.678")], "c": "x"}
    assert wire.loads(wire.dumps(payload)) == payload
    assert str(wire.loads(wire.dumps(payload))["a"]) == "0.30"


def test_a_string_that_looks_like_the_placeholder_is_left_alone() -> None:
    payload = {"note": "0", "amount": Decimal("1.00"), "other": "1.00"}
    assert wire.loads(wire.dumps(payload)) == {
        "note": "0",
        "amount": Decimal("1.00"),
        "other": "1.00",
    }


@pytest.mark.parametrize(
    ("body", "reason", "limit"),
    [
        (b"", "is not JSON", None),
        (b"\xff\xfe", "is not JSON", None),
        (b"[1, 2]", r"is not a JSON object \(list\)", None),
        (b"[" * 100_000 + b"]" * 100_000, "is not JSON", None),
        (b'{"a": "' + b"x" * 64 + b'"}', "too large", 32),
    ],
)
def test_a_gateway_body_that_is_not_a_small_json_object_is_a_typed_refusal(
    body: bytes, reason: str, limit: int | None
) -> None:
    from payments_core import ProviderResponseError
    from payments_core.wire import json_object

    with pytest.raises(ProviderResponseError, match=reason) as refused:
        json_object(httpx.Response(200, content=body), "receipt", provider="acme", max_bytes=limit)
    assert refused.value.provider == "acme"
    assert refused.value.http_status == 200


def test_a_gateway_body_is_read_with_exact_decimals() -> None:
    from payments_core.wire import json_object

    data = json_object(b'{"amount": 12.60}', "answer", provider="acme")
    assert data == {"amount": Decimal("12.60")}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("12.60", Decimal("12.60")),
        (" 7 ", Decimal("7")),
        (5, Decimal("5")),
        (Decimal("0.005"), Decimal("0.005")),
        (0.1, Decimal("0.1")),
    ],
)
def test_lenient_decimal_reads_what_gateways_send(value: object, expected: Decimal | None) -> None:
    assert wire.lenient_decimal(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (True, "boolean"),
        ("12,60", "not a number"),
        ("NaN", "not a finite number"),
        (Decimal("Infinity"), "not a finite number"),
        ([1], "cannot be a list"),
    ],
)
def test_lenient_decimal_refuses_what_is_not_an_amount(value: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        wire.lenient_decimal(value)
