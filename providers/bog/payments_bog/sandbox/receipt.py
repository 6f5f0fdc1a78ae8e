"""Orders rendered in BOG's receipt shape (``GET /receipt/{id}`` and callback ``body``).

Amounts are strings (``"10.90"``, ``"0.0"``) or ``null`` when not applicable, ``zoned_*``
dates are UTC with a ``Z``, and the older ``create_date``/``expire_date`` are Tbilisi
local time (UTC+4) without a zone, as in BOG's live payloads.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from .codes import describe
from .orders import Action, Order
from .vocabulary import METHOD_LABELS, STATUS_LABELS

TBILISI: Final = timezone(timedelta(hours=4), "Asia/Tbilisi")
MERCHANT: Final = MappingProxyType(
    {
        "id": "10001",
        "brand_ka": "სატესტო მაღაზია",
        "brand_en": "Sandbox Shop",
        "url": "https://shop.example",
    }
)


def money(value: Decimal | None) -> str | None:
    """BOG's amount text: the digits as given, ``.0`` added to whole numbers."""
    if value is None:
        return None
    if value == 0:
        return "0.0"
    text = format(value, "f")
    return text if "." in text else f"{text}.0"


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def zoned(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def local(moment: datetime) -> str:
    return moment.astimezone(TBILISI).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _action(action: Action) -> dict[str, Any]:
    return {
        "action_id": action.action_id,
        "request_channel": action.channel,
        "action": action.kind.value,
        "status": "completed" if action.completed else "rejected",
        "zoned_action_date": zoned(action.at),
        "action_date": local(action.at),
        "amount": money(action.amount),
        "code": action.code,
        "code_description": describe(action.code) if action.code else None,
    }


def _payment_detail(order: Order) -> dict[str, Any]:
    paid = order.payment
    request = order.request
    method: dict[str, str] = {"key": "", "value": ""}
    if paid is not None:
        method = {"key": paid.method.value, "value": METHOD_LABELS[paid.method][request.lang]}
    card = paid.card if paid else None
    return {
        "transfer_method": method,
        "transaction_id": paid.transaction_id if paid else None,
        "payer_identifier": paid.payer_identifier if paid else None,
        "payment_option": order.payment_option.value,
        "card_type": card.brand.value if card else None,
        "card_expiry_date": card.expiry if card else None,
        "request_account_tag": request.account_tag,
        "transfer_account_tag": request.account_tag if paid else None,
        "saved_card_type": order.saved_card_type.value if order.saved_card_type else None,
        "parent_order_id": order.parent_order_id,
        "code": paid.code if paid else None,
        "code_description": describe(paid.code) if paid else None,
        "pg_trx_id": paid.pg_trx_id if paid else None,
        "auth_code": paid.auth_code if paid else None,
    }


def _items(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "external_item_id": item.product_id,
            "description": item.description,
            "quantity": _plain(item.quantity),
            "unit_price": money(item.unit_price),
            "unit_discount_price": money(item.unit_discount_price or Decimal(0)),
            "vat": money(item.vat),
            "vat_percent": _plain(item.vat_percent),
            "total_price": money(item.total_price),
            "package_code": item.package_code,
            "tin": item.tin,
            "pinfl": item.pinfl,
            "product_discount_id": item.product_discount_id,
        }
        for item in order.request.items
    ]


def _split(order: Order) -> dict[str, Any] | None:
    parts = order.split if order.split is not None else order.request.split
    if parts is None:
        return None
    return {
        "split_status": order.split_status,
        "currency": order.request.currency,
        "request_channel": "public_api",
        "split_payments": [
            {
                "iban": part.iban,
                "amount": money(part.amount),
                "percent": _plain(part.percent),
                "description": part.description,
            }
            for part in parts
        ],
    }


def render(order: Order) -> dict[str, Any]:
    """The receipt of ``order`` as BOG's JSON object (key order as in BOG's samples)."""
    request = order.request
    buyer = request.buyer
    return {
        "order_id": order.id,
        "industry": "ecommerce",
        "capture": request.capture,
        "external_order_id": request.external_order_id,
        "client": dict(MERCHANT),
        "create_date": local(order.created_at),
        "zoned_create_date": zoned(order.created_at),
        "expire_date": local(order.expires_at),
        "zoned_expire_date": zoned(order.expires_at),
        "order_status": {
            "key": order.status.value,
            "value": STATUS_LABELS[order.status][request.lang],
        },
        "buyer": None
        if buyer is None
        else {
            "full_name": buyer.full_name,
            "email": buyer.email,
            "phone_number": buyer.phone_number,
        },
        "purchase_units": {
            "request_amount": money(request.total_amount),
            "transfer_amount": money(order.transfer_amount),
            "refund_amount": money(order.refund_amount),
            "currency_code": request.currency,
            "items": _items(order),
        },
        "redirect_links": {"success": request.success_url, "fail": request.fail_url},
        "payment_detail": _payment_detail(order),
        "actions": None if order.actions is None else [_action(a) for a in order.actions],
        "disputes": None,
        "split": _split(order),
        "discount": None,
        "lang": request.lang,
        "reject_reason": order.reject_reason,
    }
