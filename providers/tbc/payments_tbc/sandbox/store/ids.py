"""The identifiers the emulated bank makes up, shaped like TBC's."""

from __future__ import annotations

import base64
import secrets
import string
from typing import Final

_PAY_ID_ALPHABET: Final = string.ascii_lowercase + string.digits
_HEX_MIXED: Final = "0123456789abcdefABCDEF"


def new_pay_id() -> str:
    """17-19 lowercase letters and digits, like ``6azzo13uw5u2116332``."""
    length = 17 + secrets.randbelow(3)
    return "".join(secrets.choice(_PAY_ID_ALPHABET) for _ in range(length))


def new_rec_id() -> str:
    """32 mixed-case hex-like characters, like ``A1b2C3d4E5f6A7b8C9d0E1f2A3b4C5d6``."""
    return "".join(secrets.choice(_HEX_MIXED) for _ in range(32))


def card_transaction_id() -> str:
    return secrets.token_hex(16).upper()


def saved_card_transaction_id() -> str:
    """A 28-character base64 id ending in ``=``, as the processor gives saved-card charges."""
    return base64.b64encode(secrets.token_bytes(20)).decode("ascii")
