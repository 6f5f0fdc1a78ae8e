"""TBC's vocabularies, row by row: statuses, result codes, payment methods.

The expected values are written out here, independently of the tables they check.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from payments_tbc.codes import (
    METHOD_CODES,
    METHOD_NAMES,
    RESULT_CODES,
    decline_code,
    method_name,
)
from payments_tbc.details import PaymentFacts, status_of
from payments_tbc.errors import error_for_response
from payments_tbc.statuses import STATUS_TABLE, payment_status

from payments_core import DeclineCode, PaymentDeclinedError, PaymentStatus

STATUS_ROWS = [
    ("Created", PaymentStatus.PENDING),
    ("Processing", PaymentStatus.PROCESSING),
    ("Succeeded", PaymentStatus.CAPTURED),
    ("Failed", PaymentStatus.DECLINED),
    ("Expired", PaymentStatus.EXPIRED),
    ("WaitingConfirm", PaymentStatus.AUTHORIZED),
    ("PaymentCompletionProcessing", PaymentStatus.AUTHORIZED),
    ("CancelPaymentProcessing", PaymentStatus.REFUND_PENDING),
    ("Returned", PaymentStatus.REFUNDED),
    ("PartialReturned", PaymentStatus.PARTIALLY_REFUNDED),
]


def test_the_status_table_has_exactly_the_documented_statuses():
    assert set(STATUS_TABLE) == {row[0] for row in STATUS_ROWS}


@pytest.mark.parametrize(("tbc", "expected"), STATUS_ROWS)
def test_status_row(tbc: str, expected: PaymentStatus):
    assert STATUS_TABLE[tbc] is expected
    assert payment_status(tbc) is expected
    assert payment_status(tbc.upper()) is expected  # compared case-insensitively


@pytest.mark.parametrize(
    "unknown", ["AutoReversed", "AutoReversalProcessing", "ExpirationProcessing", "Deleted", ""]
)
def test_an_unknown_status_is_processing_not_final_with_a_warning(
    unknown: str, caplog: pytest.LogCaptureFixture
):
    assert payment_status(unknown) is PaymentStatus.PROCESSING
    assert "undocumented payment status" in caplog.text


RESULT_ROWS = [
    ("approved", None),
    ("decline_general", DeclineCode.GENERIC_DECLINE),
    ("decline_expired_card", DeclineCode.CARD_EXPIRED),
    ("decline_suspected_fraud", DeclineCode.FRAUD_SUSPECTED),
    ("decline_restricted_card", DeclineCode.CARD_RESTRICTED),
    ("decline_invalid_card_number", DeclineCode.INVALID_CARD),
    ("decline_not_sufficient_funds", DeclineCode.INSUFFICIENT_FUNDS),
    ("decline_card_not_effective", DeclineCode.CARD_RESTRICTED),
    ("check_with_acquirer", DeclineCode.ACQUIRER_DECLINED),
]


def test_the_result_code_table_has_exactly_the_documented_codes():
    assert set(RESULT_CODES) == {row[0] for row in RESULT_ROWS}


@pytest.mark.parametrize(("code", "expected"), RESULT_ROWS)
def test_result_code_row(code: str, expected: DeclineCode | None, kit: Any):
    assert RESULT_CODES[code] is expected
    assert decline_code(code) is expected
    # the same row, as the details of a failed payment ...
    if expected is not None:
        body = kit.details(kit.FAILED, resultCode=code)
        assert _payment(kit, body).decline.code is expected
    # ... and as a 400 problem body
    error = error_for_response(kit.problem(400, "Bad Request", "declined", resultCode=code))
    if expected is None:
        assert not isinstance(error, PaymentDeclinedError)
    else:
        assert isinstance(error, PaymentDeclinedError)
        assert error.decline_code is expected
        assert error.provider_code == code


def test_an_unknown_result_code_is_an_unknown_decline_keeping_the_code(kit: Any):
    assert decline_code("decline_new_reason") is DeclineCode.UNKNOWN
    payment = _payment(kit, kit.details(kit.FAILED, resultCode="decline_new_reason"))
    assert payment.decline.code is DeclineCode.UNKNOWN
    assert payment.decline.provider_code == "decline_new_reason"


def test_a_failed_payment_without_a_result_code_is_an_unknown_decline(kit: Any):
    payment = _payment(kit, kit.details(kit.FAILED, resultCode=None))
    assert payment.status is PaymentStatus.DECLINED
    assert payment.decline.code is DeclineCode.UNKNOWN


METHOD_ROWS = [
    ("bnpl", 4),
    ("web_qr", 4),
    ("card", 5),
    ("internet_bank", 7),
    ("installment", 8),
    ("apple_pay", 9),
    ("google_pay", 14),
]


def test_the_method_table_has_exactly_the_offered_methods():
    assert dict(METHOD_CODES) == dict(METHOD_ROWS)


@pytest.mark.parametrize(("name", "code"), METHOD_ROWS)
def test_method_row(name: str, code: int):
    assert METHOD_CODES[name] == code


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (4, "bnpl"),
        (5, "card"),
        (6, "ertguli_points"),
        (7, "internet_bank"),
        (8, "installment"),
        (9, "apple_pay"),
        (11, "saved_card"),
        (14, "google_pay"),
        (99, None),
        (None, None),
    ],
)
def test_payment_method_names_of_answers(code: int | None, name: str | None):
    assert method_name(code) == name
    if code in METHOD_NAMES:
        assert METHOD_NAMES[code] == name


def _facts(status: str, **changes: Any) -> PaymentFacts:
    values: dict[str, Any] = {
        "status": status,
        "pre_auth": False,
        "amount": Decimal(100),
        "captured": Decimal(100),
        "refunded": Decimal(0),
    }
    values.update(changes)
    return PaymentFacts(**values)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # a released hold: nothing captured
        (_facts("Returned", pre_auth=True, captured=Decimal(0)), PaymentStatus.CANCELED),
        (
            _facts("CancelPaymentProcessing", pre_auth=True, captured=Decimal(0)),
            PaymentStatus.AUTHORIZED,
        ),
        # a hold captured in part: TBC released the rest
        (
            _facts("Succeeded", pre_auth=True, captured=Decimal(80)),
            PaymentStatus.PARTIALLY_CAPTURED,
        ),
        (_facts("Succeeded", pre_auth=True, captured=Decimal(100)), PaymentStatus.CAPTURED),
        # the amounts are the better witness of refunds
        (_facts("Succeeded", refunded=Decimal(10)), PaymentStatus.PARTIALLY_REFUNDED),
        (_facts("PartialReturned", refunded=Decimal(100)), PaymentStatus.REFUNDED),
        (_facts("Returned", refunded=Decimal(40)), PaymentStatus.PARTIALLY_REFUNDED),
        (
            _facts("Returned", pre_auth=True, captured=Decimal(80), refunded=Decimal(80)),
            PaymentStatus.REFUNDED,
        ),
        # a refund under way on a paid payment stays refund_pending
        (_facts("CancelPaymentProcessing", refunded=Decimal(0)), PaymentStatus.REFUND_PENDING),
        # no amounts: the table decides
        (_facts("PartialReturned", captured=None, refunded=None), PaymentStatus.PARTIALLY_REFUNDED),
    ],
)
def test_amounts_refine_the_status(facts: PaymentFacts, expected: PaymentStatus):
    assert status_of(facts) is expected


def _payment(kit: Any, body: dict[str, Any]) -> Any:
    from payments_tbc import TbcProvider

    provider = TbcProvider.from_settings(
        api_key=kit.API_KEY, client_id=kit.CLIENT_ID, client_secret=kit.CLIENT_SECRET
    )
    flow = provider.get_payment(body["payId"])
    next(flow)
    return kit.finish(flow, kit.respond(200, body))
