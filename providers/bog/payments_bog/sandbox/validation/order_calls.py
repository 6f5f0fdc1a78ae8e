"""The bodies of calls on an existing order: refund, approve, cancel, subscribe, Apple Pay."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .create_order import SplitPart, split_parts
from .fields import amount, callback_url, read_object, read_required_text, read_text


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """Body of a refund, approve or cancel call.

    ``split`` is an approve's split object as sent; it is checked by
    :func:`split_payments` once the amount it shares is known.
    """

    amount: Decimal | None = None
    description: str | None = None
    split: Any = None


def action_request(data: Any) -> ActionRequest:
    """Body of refund / approve / cancel; the amount may come as a number or a string."""
    body = read_object(data, "Request body")
    raw = body.get("amount")
    return ActionRequest(
        amount=None if raw is None else amount(raw, "amount", allow_text=True),
        description=read_text(body.get("description"), "description"),
        split=body.get("split"),
    )


def split_payments(value: Any, currency: str, total: Decimal) -> tuple[SplitPart, ...] | None:
    """An approve's ``split``: the shape of ``config.split``, sharing the approved amount."""
    return split_parts(value, currency, total)


def subscribe_request(data: Any) -> tuple[str | None, str | None]:
    """``(callback_url, external_order_id)`` of a subscribe call; absent ones inherit."""
    body = read_object(data, "Request body")
    url = None if body.get("callback_url") is None else callback_url(body["callback_url"])
    return url, read_text(body.get("external_order_id"), "external_order_id")


def apple_pay_token(data: Any) -> str:
    body = read_object(data, "Request body", required=True)
    return read_required_text(body.get("apple_pay_token"), "apple_pay_token")
