"""Lenient readers for the scalars in BOG's JSON, as pydantic field types.

BOG's payloads are loose about types (reference §2.2, §5), so each field type
reads what BOG actually sends:

* amounts arrive as strings (``"10.90"``), numbers or ``null`` and are read as
  :class:`~decimal.Decimal`, never through ``float``; a negative one makes the
  payload unreadable;
* codes and labels arrive as strings or numbers and are read as text;
* ``zoned_*`` dates are UTC with a ``Z``; the older ``create_date``-style fields are
  Tbilisi local time (UTC+4) without a zone, and are converted to UTC;
* lists such as ``actions`` may be ``null`` as well as ``[]``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import BeforeValidator, GetCoreSchemaHandler
from pydantic_core import core_schema

from payments_core.wire import lenient_decimal

__all__ = [
    "TBILISI",
    "Amount",
    "ListOrEmpty",
    "LocalTime",
    "Number",
    "Text",
    "ZonedTime",
]

logger = logging.getLogger("payments_bog")

TBILISI: Final = timezone(timedelta(hours=4), "Asia/Tbilisi")
"""BOG's local time: UTC+4 all year (Georgia has no daylight saving time)."""


def _number(value: object) -> Decimal | None:
    """:func:`~payments_core.wire.lenient_decimal`, as an exact Decimal (a subclass's
    value too), as pydantic's check of the field made it before."""
    number = lenient_decimal(value)
    return number if number is None or type(number) is Decimal else Decimal(number)


def _amount(value: object) -> Decimal | None:
    """An amount money is counted in: a lenient number, never below zero.

    BOG's amounts are sums of money taken, held or refunded; a negative one is
    nonsense, and read as it stands it would turn into a payment that cannot be.
    """
    number = _number(value)
    if number is not None and number < 0:
        raise ValueError("an amount cannot be negative")
    return number


def _text(value: object) -> str | None:
    """String or number → str; null stays None. Codes come as either."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | Decimal):
        return str(value)
    raise ValueError(f"expected text, got {type(value).__name__}")


def _parse_datetime(value: object, naive_zone: timezone) -> datetime | None:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            logger.debug("ignoring an unreadable BOG timestamp")
            return None
    elif isinstance(value, datetime):
        moment = value
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_zone)
    return moment.astimezone(UTC)


def _zoned(value: object) -> datetime | None:
    """A ``zoned_*`` field: UTC (a missing zone is taken as UTC too)."""
    return _parse_datetime(value, UTC)


def _local(value: object) -> datetime | None:
    """An old-style date field: Tbilisi local time unless it carries a zone."""
    return _parse_datetime(value, TBILISI)


def _list_or_empty(value: object) -> object:
    return [] if value is None else value


class _Reader:
    """A reader function as a field type: ``null`` is ``None`` without calling it.

    The same as ``BeforeValidator(read)`` on ``X | None``: each reader here gives
    ``None`` for ``null``, and what it gives for anything else (an exact Decimal or
    an aware datetime, or ``None``) is what pydantic's own check of ``X | None``
    hands back unchanged. Only the calls are fewer: none for ``null``, and no
    second check of the reader's result.
    """

    def __init__(self, read: Callable[[Any], Any]) -> None:
        self._read = read

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.nullable_schema(core_schema.no_info_plain_validator_function(self._read))


Amount = Annotated[Decimal | None, _Reader(_amount)]
Number = Annotated[Decimal | None, _Reader(_number)]
"""A basket line's figures: read as given, since no amount of the payment comes from them."""


class _TextType:
    """:func:`_text` as a field type, without a Python call for the common values.

    A receipt has dozens of text fields and nearly all hold a string or null:
    those are taken as they are (what :func:`_text` returns for them) by
    pydantic itself, ``null`` first without trying it as a string; anything else
    goes to :func:`_text`. A refusal names the field, like the plain validator's.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.nullable_schema(
            core_schema.union_schema(
                [
                    core_schema.str_schema(strict=True),
                    core_schema.no_info_plain_validator_function(_text),
                ],
                mode="left_to_right",
                custom_error_type="bog_text",
                custom_error_message="expected text",
            )
        )


Text = Annotated[str | None, _TextType]
ZonedTime = Annotated[datetime | None, _Reader(_zoned)]
LocalTime = Annotated[datetime | None, _Reader(_local)]
ListOrEmpty = BeforeValidator(_list_or_empty)
"""For list fields: ``null`` reads as an empty list."""
