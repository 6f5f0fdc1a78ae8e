"""The sandbox's test cards, as data.

BOG's sandbox documents three cards per brand (§5 of the reference): ``...0001``
succeeds, ``...0002`` is declined for insufficient funds, and ``...0003`` succeeds on
the payment itself while every later operation on it (refund, pre-auth approve or
cancel, saved-card charge) is declined. The emulator adds one Visa card per other
decline code worth showing, numbered ``4000 0000 0000 0<code>``.

Any future expiry date and any CVV would do on the real sandbox; the emulator only
asks for the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from .codes import describe


class Brand(StrEnum):
    """``payment_detail.card_type`` values."""

    VISA = "visa"
    MC = "mc"
    AMEX = "amex"


@dataclass(frozen=True, slots=True)
class SandboxCard:
    """One test card and how the emulated bank answers for it.

    ``code`` is the answer to the payment itself. ``later_payment_code`` answers a
    charge of the card once saved; ``refund_code`` and ``authorization_code`` are the
    action codes that make a refund or a pre-auth approve/cancel fail (``None``: they
    succeed).
    """

    number: str
    brand: Brand
    code: str
    label_en: str
    label_ka: str
    expiry: str = "12/30"
    later_payment_code: str = "100"
    refund_code: str | None = None
    authorization_code: str | None = None

    @property
    def description(self) -> str:
        """English text of the payment response code."""
        return describe(self.code)

    @property
    def approved(self) -> bool:
        return self.code == "100"

    @property
    def masked(self) -> str:
        """PAN as BOG shows it in ``payer_identifier``, e.g. ``400000xxxxxx0001``."""
        return f"{self.number[:6]}{'x' * (len(self.number) - 10)}{self.number[-4:]}"

    def label(self, lang: str) -> str:
        return self.label_ka if lang == "ka" else self.label_en


def _brand_trio(prefix: str, brand: Brand) -> tuple[SandboxCard, ...]:
    return (
        SandboxCard(f"{prefix}1", brand, "100", "Successful payment", "წარმატებული გადახდა"),
        SandboxCard(f"{prefix}2", brand, "107", "Insufficient funds", "არასაკმარისი თანხა"),
        SandboxCard(
            f"{prefix}3",
            brand,
            "100",
            "Pays, then refunds, pre-auth and saved-card charges are declined",
            "იხდის, შემდეგ დაბრუნება, პრეავტორიზაცია და შენახული ბარათით გადახდა უარყოფილია",
            later_payment_code="112",
            refund_code="162",
            authorization_code="179",
        ),
    )


def _decline(code: str, label_en: str, label_ka: str, expiry: str = "12/30") -> SandboxCard:
    return SandboxCard(f"4000000000000{code}", Brand.VISA, code, label_en, label_ka, expiry)


_CARDS: Final = (
    *_brand_trio("400000000000000", Brand.VISA),
    *_brand_trio("530000000000000", Brand.MC),
    *_brand_trio("370000000000000", Brand.AMEX),
    _decline("101", "Card usage restricted", "ბარათის გამოყენება შეზღუდულია"),
    _decline("103", "Invalid card", "არასწორი ბარათი"),
    _decline("104", "Transaction count limit", "ტრანზაქციების რაოდენობის ლიმიტი"),
    _decline("105", "Expired card", "ვადაგასული ბარათი", expiry="01/20"),
    _decline("106", "Amount limit exceeded", "თანხის ლიმიტი გადაჭარბებულია"),
    _decline("108", "3-D Secure authentication declined", "ავთენტიფიკაცია უარყოფილია"),
    _decline("109", "Technical issue", "ტექნიკური ხარვეზი"),
    _decline("110", "Transaction time expired", "ტრანზაქციის დრო ამოიწურა"),
    _decline("111", "Authentication timeout", "ავთენტიფიკაციის დრო ამოიწურა"),
    _decline("112", "General error", "ზოგადი შეცდომა"),
    _decline("122", "Declined by the acquirer bank", "უარყოფილია ექვაირერი ბანკის მიერ"),
    _decline("199", "Unknown response", "უცნობი პასუხი"),
)

TEST_CARDS: Final = MappingProxyType({card.number: card for card in _CARDS})
"""Every test card by number (digits only), in the order the payment page lists them."""


def find_card(number: str) -> SandboxCard | None:
    """The test card for a number typed with or without spaces or dashes."""
    return TEST_CARDS.get("".join(ch for ch in number if ch.isdigit()))
