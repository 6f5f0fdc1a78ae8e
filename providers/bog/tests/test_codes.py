"""BOG's payment and action response codes, row by row."""

from __future__ import annotations

import pytest
from payments_bog.codes import (
    ACTION_CODES,
    PAYMENT_CODES,
    action_code,
    action_error,
    payment_code,
)
from payments_bog.receipt import payment_from_receipt
from payments_bog.wire import Receipt

from payments_core import (
    DeclineCode,
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    OperationKind,
    PaymentDeclinedError,
    PaymentError,
)

# Written from the reference (§4.2), independently of the tables in codes.py.
# ``None`` marks a success.
PAYMENT_EXPECTED: dict[str, DeclineCode | None] = {
    "100": None,
    "101": DeclineCode.CARD_RESTRICTED,
    "102": DeclineCode.SAVED_CARD_NOT_FOUND,
    "103": DeclineCode.INVALID_CARD,
    "104": DeclineCode.COUNT_LIMIT_EXCEEDED,
    "105": DeclineCode.CARD_EXPIRED,
    "106": DeclineCode.AMOUNT_LIMIT_EXCEEDED,
    "107": DeclineCode.INSUFFICIENT_FUNDS,
    "108": DeclineCode.AUTHENTICATION_FAILED,
    "109": DeclineCode.PROCESSING_ERROR,
    "110": DeclineCode.SESSION_EXPIRED,
    "111": DeclineCode.AUTHENTICATION_TIMEOUT,
    "112": DeclineCode.GENERIC_DECLINE,
    "122": DeclineCode.ACQUIRER_DECLINED,
    "199": DeclineCode.UNKNOWN,
    "200": None,
}

ACTION_EXPECTED: dict[str, tuple[type[PaymentError], DeclineCode]] = {
    "161": (PaymentDeclinedError, DeclineCode.ISSUER_DECLINED),
    "162": (PaymentDeclinedError, DeclineCode.ISSUER_DECLINED),
    "163": (InvalidStateError, DeclineCode.GENERIC_DECLINE),
    "164": (PaymentDeclinedError, DeclineCode.ISSUER_DECLINED),
    "165": (PaymentDeclinedError, DeclineCode.ISSUER_DECLINED),
    "166": (PaymentDeclinedError, DeclineCode.ISSUER_DECLINED),
    "167": (PaymentDeclinedError, DeclineCode.CARD_EXPIRED),
    "168": (PaymentDeclinedError, DeclineCode.ISSUER_DECLINED),
    "169": (PaymentDeclinedError, DeclineCode.INVALID_CARD),
    "179": (PaymentDeclinedError, DeclineCode.UNKNOWN),
}


def test_payment_table_covers_exactly_the_documented_codes() -> None:
    assert set(PAYMENT_CODES) == set(PAYMENT_EXPECTED)


def test_action_table_covers_exactly_the_documented_codes() -> None:
    assert set(ACTION_CODES) == set(ACTION_EXPECTED)


@pytest.mark.parametrize(("code", "decline"), sorted(PAYMENT_EXPECTED.items()))
def test_each_payment_code_has_its_meaning(code: str, decline: DeclineCode | None) -> None:
    info = payment_code(code)

    assert info is not None
    assert info.decline is decline
    assert info.is_success is (decline is None)
    assert info.description


@pytest.mark.parametrize(("code", "expected"), sorted(ACTION_EXPECTED.items()))
def test_each_action_code_becomes_its_error(
    code: str, expected: tuple[type[PaymentError], DeclineCode]
) -> None:
    error_class, decline = expected

    error = action_error(code, payment_id="order-1")

    assert type(error) is error_class
    assert error.code is ErrorCode.REFUND_FAILED
    assert error.provider_code == code
    assert error.payment_id == "order-1"
    if isinstance(error, PaymentDeclinedError):
        assert error.decline_code is decline


def test_payment_codes_may_arrive_as_numbers() -> None:
    info = payment_code(107)

    assert info is not None
    assert info.decline is DeclineCode.INSUFFICIENT_FUNDS


def test_bogs_own_descriptions_of_its_sample_codes_are_kept() -> None:
    assert PAYMENT_CODES["100"].description == "Successful payment"
    assert PAYMENT_CODES["107"].description == (
        "Payment declined due to insufficient funds in the account"
    )


@pytest.mark.parametrize("code", ["113", "300", "abc"])
def test_unknown_payment_code_is_an_unknown_decline_keeping_the_raw_code(code: str) -> None:
    info = payment_code(code)

    assert info is not None
    assert info.decline is DeclineCode.UNKNOWN
    assert info.code == code
    assert info.description is None


@pytest.mark.parametrize("code", ["170", "999"])
def test_unknown_action_code_is_a_generic_failure_keeping_the_raw_code(code: str) -> None:
    error = action_error(code, message="something odd")

    assert isinstance(error, PaymentDeclinedError)
    assert error.decline_code is DeclineCode.UNKNOWN
    assert error.provider_code == code
    assert error.message == "something odd"


@pytest.mark.parametrize("code", [None, "", "  "])
def test_missing_codes_mean_nothing_was_said(code: str | None) -> None:
    assert payment_code(code) is None
    assert action_code(code) is None


# -- failed captures and voids are not failed refunds ----------------------------------------

KIND_CODES: dict[str, ErrorCode] = {
    # the error class's own code: the core has no capture_failed or void_failed
    "179": ErrorCode.PAYMENT_DECLINED,
    "162": ErrorCode.PAYMENT_DECLINED,
    "163": ErrorCode.INVALID_STATE,
}


@pytest.mark.parametrize("kind", [OperationKind.CAPTURE, OperationKind.VOID])
@pytest.mark.parametrize(("code", "expected"), sorted(KIND_CODES.items()))
def test_a_failed_capture_or_void_is_not_reported_as_a_failed_refund(
    kind: OperationKind, code: str, expected: ErrorCode
) -> None:
    error = action_error(code, kind=kind, payment_id="order-1")

    assert error.code is expected
    assert error.code is not ErrorCode.REFUND_FAILED
    assert error.provider_code == code
    assert error.payment_id == "order-1"


def test_a_failed_capture_says_what_failed_instead_of_a_refund_text() -> None:
    error = action_error("162", kind="capture")

    assert error.message == (
        "BOG rejected the capture (action code 162: The issuing bank declined the refund)"
    )
    assert isinstance(error, PaymentDeclinedError)
    assert error.decline_code is DeclineCode.ISSUER_DECLINED


def test_a_failed_refund_keeps_refund_failed_and_bogs_text() -> None:
    error = action_error("162", kind=OperationKind.REFUND)

    assert error.code is ErrorCode.REFUND_FAILED
    assert error.message == "The issuing bank declined the refund"


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidRequestError) as raised:
        action_error("179", kind="chargeback")

    assert raised.value.field == "kind"


def test_a_rejected_approve_in_a_receipt_is_not_described_as_a_refund() -> None:
    receipt = Receipt.model_validate(
        {
            "order_id": "order-1",
            "capture": "manual",
            "order_status": {"key": "blocked"},
            "purchase_units": {"request_amount": "60.00", "transfer_amount": "60.00"},
            "actions": [
                {"action": "authorize", "status": "rejected", "amount": "60.00", "code": "162"}
            ],
        }
    )

    (operation,) = payment_from_receipt(receipt).operations

    assert operation.kind is OperationKind.CAPTURE
    assert operation.provider_code == "162"
    assert operation.message == "BOG rejected the capture (action code 162)"


@pytest.mark.parametrize(
    ("code", "words"), [("104", "transaction count limit"), ("106", "amount limit")]
)
def test_limit_declines_104_and_106_keep_their_own_code_and_text(code: str, words: str) -> None:
    # Normalized apart too (count vs amount), and BOG's own code and text are kept.
    info = payment_code(code)

    assert info is not None
    assert info.code == code
    assert info.description is not None
    assert words in info.description
