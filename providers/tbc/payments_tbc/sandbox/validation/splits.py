"""Split payments: a payment whose ``extra`` is a Georgian IBAN sends ``extra2`` of it there.

A split payment is recognised by its ``extra`` being shaped like a Georgian IBAN
(``GE`` + 2 check digits + bank code + 16 digits); it must then be a valid TBC one
(bank code ``TB``, mod-97 check) and ``extra2`` the amount for it ([INF]).
``GE54TB0000000000000001`` is such an IBAN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from ..problems import invalid

SPLIT_SHARE: Final = Decimal("0.99")
_GE_IBAN: Final = re.compile(r"GE\d{2}[A-Z]{2}\d{16}")
_AMOUNT_TEXT: Final = re.compile(r"\d{1,12}(\.\d{1,2})?")


@dataclass(frozen=True, slots=True)
class Split:
    iban: str
    amount: Decimal


def _iban_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def split_amount(text: str | None, name: str) -> Decimal:
    if text is None:
        raise invalid(f"'{name}' is required for a split payment: the amount for the IBAN")
    if not _AMOUNT_TEXT.fullmatch(text):
        raise invalid(f"'{name}' must be an amount with at most 2 decimal places, like 12.50")
    amount = Decimal(text)
    if amount <= 0:
        raise invalid(f"'{name}' must be greater than 0")
    return amount


def is_split_iban(extra: str | None) -> bool:
    """Whether ``extra`` is shaped like a Georgian IBAN (which makes the payment a split)."""
    return extra is not None and _GE_IBAN.fullmatch(extra) is not None


def check_tbc_iban(iban: str, name: str) -> None:
    if not _iban_ok(iban):
        raise invalid(f"'{name}' is not a valid IBAN (check digits)")
    if iban[4:6] != "TB":
        raise invalid(f"'{name}' must be an account at TBC Bank for a split payment")
