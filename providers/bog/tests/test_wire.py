"""Reading BOG's JSON leniently: the shapes live payloads come in."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from payments_bog.wire import Receipt, json_object, read

from payments_core import ProviderResponseError


def receipt_with_amounts(**amounts: Any) -> Receipt:
    return read(Receipt, {"order_id": "o", "purchase_units": amounts}, "receipt")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100.5", Decimal("100.5")),
        ("0.0", Decimal("0.0")),
        ("10.90", Decimal("10.90")),
        (12, Decimal(12)),
        (Decimal("12.60"), Decimal("12.60")),
        (None, None),
        ("", None),
    ],
)
def test_amounts_are_read_as_exact_decimals_from_strings_numbers_or_null(
    value: Any, expected: Decimal | None
) -> None:
    units = receipt_with_amounts(request_amount=value).purchase_units

    assert units is not None
    assert units.request_amount == expected
    assert units.request_amount is None or isinstance(units.request_amount, Decimal)


def test_json_numbers_in_a_body_never_go_through_float() -> None:
    data = json_object(b'{"order_id":"o","purchase_units":{"request_amount":0.1}}', "receipt")

    units = read(Receipt, data, "receipt").purchase_units

    assert units is not None
    assert units.request_amount == Decimal("0.1")


@pytest.mark.parametrize("value", ["abc", True, [1], "NaN", "Infinity"])
def test_unreadable_amounts_are_refused(value: Any) -> None:
    with pytest.raises(ProviderResponseError, match="request_amount"):
        receipt_with_amounts(request_amount=value)


def test_unknown_fields_are_ignored() -> None:
    receipt = read(
        Receipt,
        {"order_id": "o", "brand_new": {"x": 1}, "payment_detail": {"surprise": True}},
        "receipt",
    )

    assert receipt.order_id == "o"


def test_zoned_dates_are_utc() -> None:
    receipt = read(
        Receipt, {"order_id": "o", "zoned_create_date": "2022-11-01T13:19:43.021178Z"}, "r"
    )

    assert receipt.created_at == datetime(2022, 11, 1, 13, 19, 43, 21178, tzinfo=UTC)


def test_local_dates_without_a_zone_are_tbilisi_time() -> None:
    receipt = read(Receipt, {"order_id": "o", "create_date": "2025-09-29T16:57:54.595205"}, "r")

    assert receipt.created_at == datetime(2025, 9, 29, 12, 57, 54, 595205, tzinfo=UTC)


def test_unreadable_dates_are_dropped_not_fatal() -> None:
    receipt = read(Receipt, {"order_id": "o", "zoned_create_date": "yesterday"}, "r")

    assert receipt.created_at is None


def test_empty_transfer_method_means_no_method_yet() -> None:
    receipt = read(
        Receipt,
        {"order_id": "o", "payment_detail": {"transfer_method": {"key": "", "value": ""}}},
        "r",
    )

    assert receipt.payment_detail is not None
    assert receipt.payment_detail.method is None


@pytest.mark.parametrize("actions", [None, []])
def test_actions_may_be_null_or_empty(actions: Any) -> None:
    receipt = read(Receipt, {"order_id": "o", "actions": actions}, "r")

    assert receipt.actions == []


def test_codes_may_be_strings_or_numbers() -> None:
    receipt = read(Receipt, {"order_id": "o", "payment_detail": {"code": 107}}, "r")

    assert receipt.payment_detail is not None
    assert receipt.payment_detail.code == "107"


def test_status_keys_are_compared_case_insensitively() -> None:
    receipt = read(Receipt, {"order_id": "o", "order_status": {"key": " Completed "}}, "r")

    assert receipt.status_key == "completed"


def test_a_json_array_is_not_a_receipt() -> None:
    with pytest.raises(ProviderResponseError, match="not a JSON object"):
        json_object(b"[]", "receipt")
