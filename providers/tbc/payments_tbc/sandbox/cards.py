"""The emulator's test cards, as data.

TBC publishes no test cards for the checkout (reference §1: merchants test with real
cards and small amounts), so every number here is the emulator's own invention
([INF]). Each card fixes what happens when a customer pays with it on the hosted page
and, once saved, what a saved-card charge of it does:

``approved``
    The issuer approves: ``Succeeded`` (or ``WaitingConfirm`` for a pre-auth),
    ``resultCode`` ``approved``.
``declined``
    The issuer declines: ``Failed`` with the card's ``resultCode``.
``three_ds_failed``
    3-D Secure authentication fails: ``Failed``. TBC documents no result code for
    it; the emulator answers ``decline_general`` ([INF]).
``abandoned``
    The customer never finishes 3-D Secure: the payment stays ``Processing`` until
    the session expires (``Expired``, no ``resultCode``).

Any expiry date and CVV would do on a real page; the emulator only asks for the
number.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from .vocabulary import ResultCode


class CardOutcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    THREE_DS_FAILED = "three_ds_failed"
    ABANDONED = "abandoned"


@dataclass(frozen=True, slots=True)
class SandboxCard:
    """One test card and how the emulated bank answers for it.

    ``result_code`` is the payment's ``resultCode`` (``None`` for a card whose payment
    never finishes). ``recurring_result_code`` answers a saved-card charge of it;
    ``expiry`` is ``MMYY`` as TBC shows it in ``recurringCard.expiryDate``.
    """

    number: str
    outcome: CardOutcome
    result_code: ResultCode | None
    label_en: str
    label_ka: str
    brand: str = "Visa"
    expiry: str = "1230"
    recurring_result_code: ResultCode = ResultCode.APPROVED

    @property
    def approved(self) -> bool:
        return self.outcome is CardOutcome.APPROVED

    @property
    def masked(self) -> str:
        """The PAN as TBC masks it in ``cardMask``: ``4***********0001``."""
        return f"{self.number[0]}{'*' * (len(self.number) - 5)}{self.number[-4:]}"

    def label(self, language: str) -> str:
        return self.label_ka if language == "KA" else self.label_en


def _card(
    last: str,
    outcome: CardOutcome,
    code: ResultCode | None,
    label_en: str,
    label_ka: str,
    *,
    expiry: str = "1230",
    recurring_result_code: ResultCode = ResultCode.APPROVED,
) -> SandboxCard:
    number = f"40000000000000{last}"
    return SandboxCard(
        number,
        outcome,
        code,
        label_en,
        label_ka,
        expiry=expiry,
        recurring_result_code=recurring_result_code,
    )


_CARDS: Final = (
    _card(
        "01", CardOutcome.APPROVED, ResultCode.APPROVED, "Successful payment", "წარმატებული გადახდა"
    ),
    SandboxCard(
        "5200000000000001",
        CardOutcome.APPROVED,
        ResultCode.APPROVED,
        "Successful payment",
        "წარმატებული გადახდა",
        brand="Mastercard",
    ),
    _card(
        "02",
        CardOutcome.DECLINED,
        ResultCode.DECLINE_NOT_SUFFICIENT_FUNDS,
        "Insufficient funds",
        "არასაკმარისი თანხა",
    ),
    _card(
        "03",
        CardOutcome.DECLINED,
        ResultCode.DECLINE_EXPIRED_CARD,
        "Expired card",
        "ვადაგასული ბარათი",
        expiry="0120",
    ),
    _card(
        "04",
        CardOutcome.DECLINED,
        ResultCode.DECLINE_RESTRICTED_CARD,
        "Restricted card",
        "შეზღუდული ბარათი",
    ),
    _card(
        "05",
        CardOutcome.DECLINED,
        ResultCode.DECLINE_SUSPECTED_FRAUD,
        "Suspected fraud",
        "საეჭვო ოპერაცია",
    ),
    _card(
        "06",
        CardOutcome.DECLINED,
        ResultCode.DECLINE_INVALID_CARD_NUMBER,
        "Invalid card number",
        "არასწორი ბარათის ნომერი",
    ),
    _card(
        "07",
        CardOutcome.DECLINED,
        ResultCode.DECLINE_CARD_NOT_EFFECTIVE,
        "Card not active",
        "ბარათი არ არის აქტიური",
    ),
    _card(
        "08",
        CardOutcome.DECLINED,
        ResultCode.CHECK_WITH_ACQUIRER,
        "Check with the acquirer",
        "გადაამოწმეთ ექვაირერთან",
    ),
    _card("09", CardOutcome.DECLINED, ResultCode.DECLINE_GENERAL, "General decline", "ზოგადი უარი"),
    _card(
        "10",
        CardOutcome.THREE_DS_FAILED,
        ResultCode.DECLINE_GENERAL,
        "3-D Secure authentication fails",
        "3-D Secure ავთენტიფიკაცია ვერ სრულდება",
    ),
    _card(
        "11",
        CardOutcome.ABANDONED,
        None,
        "3-D Secure is never finished; the session expires",
        "3-D Secure არ სრულდება; სესიის ვადა ამოიწურება",
    ),
    _card(
        "12",
        CardOutcome.APPROVED,
        ResultCode.APPROVED,
        "Pays; later saved-card charges are declined for insufficient funds",
        "იხდის; შენახული ბარათით შემდგომი გადახდები უარყოფილია (არასაკმარისი თანხა)",
        recurring_result_code=ResultCode.DECLINE_NOT_SUFFICIENT_FUNDS,
    ),
)

TEST_CARDS: Final = MappingProxyType({card.number: card for card in _CARDS})
"""Every test card by number (digits only), in the order the hosted page lists them."""

SUCCESS_CARD: Final = TEST_CARDS["4000000000000001"]
INSUFFICIENT_FUNDS_CARD: Final = TEST_CARDS["4000000000000002"]
THREE_DS_FAILURE_CARD: Final = TEST_CARDS["4000000000000010"]
ABANDONED_CARD: Final = TEST_CARDS["4000000000000011"]


def expiry_key(mmyy: str) -> tuple[int, int]:
    """``(year, month)`` of an ``MMYY`` expiry, so two expiries compare in time order."""
    return int(mmyy[2:]), int(mmyy[:2])


def find_card(number: str) -> SandboxCard | None:
    """The test card for a number typed with or without spaces or dashes."""
    return TEST_CARDS.get("".join(ch for ch in number if ch.isdigit()))
