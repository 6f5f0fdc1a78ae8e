"""The emulator's data tables, row by row."""

from __future__ import annotations

import pytest
from payments_bog.sandbox import TEST_CARDS, Brand, SandboxCard
from payments_bog.sandbox.codes import ACTION_CODES, PAYMENT_CODES
from payments_bog.sandbox.vocabulary import (
    METHOD_LABELS,
    STATUS_LABELS,
    TRANSITIONS,
    OrderStatus,
    TransferMethod,
)

PREFIXES = {Brand.VISA: "4", Brand.MC: "53", Brand.AMEX: "37"}


@pytest.mark.parametrize("card", TEST_CARDS.values(), ids=lambda card: card.number)
def test_every_card_is_sixteen_digits_of_its_brand_with_a_known_code(card: SandboxCard) -> None:
    assert len(card.number) == 16
    assert card.number.startswith(PREFIXES[card.brand])
    assert card.code in PAYMENT_CODES
    assert card.label_en
    assert card.label_ka


@pytest.mark.parametrize("brand_prefix", ["400000000000000", "530000000000000", "370000000000000"])
def test_each_brand_has_the_documented_trio(brand_prefix: str) -> None:
    ok, no_funds, later = (TEST_CARDS[f"{brand_prefix}{n}"] for n in "123")

    assert (ok.code, no_funds.code, later.code) == ("100", "107", "100")
    assert (later.refund_code, later.authorization_code) == ("162", "179")
    assert ok.refund_code is None


@pytest.mark.parametrize(
    "code", ["101", "103", "104", "105", "106", "108", "109", "110", "111", "112", "122", "199"]
)
def test_each_decline_code_has_a_card_numbered_after_it(code: str) -> None:
    assert TEST_CARDS[f"4000000000000{code}"].code == code


@pytest.mark.parametrize("status", OrderStatus)
def test_every_status_has_a_georgian_and_english_label_and_a_transition_row(
    status: OrderStatus,
) -> None:
    assert set(STATUS_LABELS[status]) == {"en", "ka"}
    assert status in TRANSITIONS


@pytest.mark.parametrize("status", [OrderStatus.REFUNDED, OrderStatus.REJECTED])
def test_refunded_and_rejected_are_final(status: OrderStatus) -> None:
    assert TRANSITIONS[status] == frozenset()


def test_no_status_moves_back_to_created() -> None:
    assert all(OrderStatus.CREATED not in targets for targets in TRANSITIONS.values())


@pytest.mark.parametrize("method", TransferMethod)
def test_every_transfer_method_has_both_labels(method: TransferMethod) -> None:
    assert set(METHOD_LABELS[method]) == {"en", "ka"}


def test_action_codes_are_the_refund_range() -> None:
    assert all(161 <= int(code) <= 179 for code in ACTION_CODES)
