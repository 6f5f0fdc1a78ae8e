"""The hosted payment page, where a person (or a test) picks a test card.

``GET /?order_id={id}`` shows the order in Georgian or English (the order's
``Accept-Language``, or ``?lang=``) with the test cards, a "saved card" choice for
recurrent orders, other methods the order allows, and a cancel link. The form posts
to ``/pay``; the sandbox pays, delivers the callback and answers 303 to the order's
success or fail URL, or to its own ``/result`` page when the merchant gave none.
"Cancel" only goes back to the fail URL: the order stays unpaid until it expires.
"""

from __future__ import annotations

from html import escape
from types import MappingProxyType
from typing import Final
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from .bank import Bank
from .cards import TEST_CARDS
from .orders import Order
from .receipt import MERCHANT
from .store import SAVED_CARD, OrderError, UnknownOrder
from .vocabulary import (
    LANGUAGES,
    LOAN_METHODS,
    METHOD_LABELS,
    STATUS_LABELS,
    UNPAID,
    OrderStatus,
    PaymentOption,
    SavedCardType,
    TransferMethod,
)

TEXT: Final = MappingProxyType(
    {
        "en": {
            "title": "Payment",
            "sandbox": "BOG sandbox: test cards only, no real money moves.",
            "order": "Order",
            "item": "Item",
            "quantity": "Qty",
            "price": "Price",
            "total": "Total",
            "choose": "Choose a test card",
            "saved": "Saved card",
            "saved_missing": "no card is saved any more",
            "other": "Other payment methods",
            "pay": "Pay",
            "cancel": "Cancel and return to the shop",
            "expired": "This order has expired and can no longer be paid.",
            "closed": "This order cannot be paid any more.",
            "paid": "This order has already been paid.",
            "not_found": "Order not found.",
            "missing": "The link has no order_id.",
            "back": "Return to the shop",
            "result": "Order status",
            "blocked": "The amount is blocked on your card.",
        },
        "ka": {
            "title": "გადახდა",
            "sandbox": "BOG სატესტო გარემო: მხოლოდ სატესტო ბარათები, რეალური თანხა არ ჩამოიჭრება.",
            "order": "შეკვეთა",
            "item": "პროდუქტი",
            "quantity": "რაოდ.",
            "price": "ფასი",
            "total": "სულ",
            "choose": "აირჩიეთ სატესტო ბარათი",
            "saved": "შენახული ბარათი",
            "saved_missing": "შენახული ბარათი აღარ არის",
            "other": "გადახდის სხვა მეთოდები",
            "pay": "გადახდა",
            "cancel": "გაუქმება და მაღაზიაში დაბრუნება",
            "expired": "შეკვეთის ვადა ამოიწურა, მისი გადახდა აღარ შეიძლება.",
            "closed": "ამ შეკვეთის გადახდა აღარ შეიძლება.",
            "paid": "შეკვეთა უკვე გადახდილია.",
            "not_found": "შეკვეთა ვერ მოიძებნა.",
            "missing": "ბმულში order_id არ არის.",
            "back": "მაღაზიაში დაბრუნება",
            "result": "შეკვეთის სტატუსი",
            "blocked": "თანხა დაბლოკილია თქვენს ბარათზე.",
        },
    }
)

_STYLE: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f5f7;
color:#1c1e21}
body.dark{background:#16181c;color:#e8e9eb}
main{max-width:34rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-radius:12px;
box-shadow:0 1px 4px rgba(0,0,0,.12)}
body.dark main{background:#23262b}
header{display:flex;justify-content:space-between;align-items:center;font-size:.85rem}
.badge{background:#ff6b00;color:#fff;padding:.15rem .5rem;border-radius:4px;font-weight:600}
h1{font-size:1.3rem;margin:1rem 0 .25rem}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0 1rem}
table{width:100%;border-collapse:collapse;margin-bottom:1rem;font-size:.9rem}
td,th{text-align:left;padding:.3rem 0;border-bottom:1px solid #ddd}td.n,th.n{text-align:right}
fieldset{border:1px solid #ccc;border-radius:8px;margin:0 0 1rem;padding:.5rem 1rem}
label{display:block;padding:.3rem 0;cursor:pointer}code{font-size:.95rem}
button{width:100%;padding:.8rem;font-size:1.05rem;border:0;border-radius:8px;background:#ff6b00;
color:#fff;cursor:pointer}a{color:#ff6b00}.cancel{display:block;text-align:center;margin-top:1rem}
footer{margin-top:1.5rem;font-size:.8rem;opacity:.7}
"""


def _lang(request: Request, order: Order | None) -> str:
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return order.request.lang if order else "ka"


def _grouped(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def _document(lang: str, theme: str, title: str, content: str, switch: str = "") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · BOG sandbox</title><style>{_STYLE}</style></head>"
        f'<body class="{theme}"><main><header><span class="badge">SANDBOX</span>{switch}</header>'
        f"{content}<footer>{escape(TEXT[lang]['sandbox'])}</footer></main></body></html>"
    )


def _language_switch(order_id: str) -> str:
    links = (
        f'<a href="/?{urlencode({"order_id": order_id, "lang": code})}">{name}</a>'
        for code, name in (("ka", "ქართული"), ("en", "English"))
    )
    return f"<nav>{' · '.join(links)}</nav>"


def _merchant(lang: str) -> str:
    return MERCHANT["brand_ka"] if lang == "ka" else MERCHANT["brand_en"]


def message_page(lang: str, text: str, *, status: int = 200, back: str | None = None) -> Response:
    link = f'<p><a href="{escape(back)}">{escape(TEXT[lang]["back"])}</a></p>' if back else ""
    content = f"<h1>{escape(_merchant(lang))}</h1><p>{escape(text)}</p>{link}"
    return HTMLResponse(_document(lang, "light", TEXT[lang]["title"], content), status)


def _card_choices(order: Order, lang: str, saved_available: bool) -> str:
    if not order.request.allows(TransferMethod.CARD):
        return ""
    rows = []
    first = True
    if order.payment_option is PaymentOption.RECURRENT:
        hint = "" if saved_available else f" ({escape(TEXT[lang]['saved_missing'])})"
        rows.append(
            f'<label><input type="radio" name="card" value="{SAVED_CARD}" checked> '
            f"<strong>{escape(TEXT[lang]['saved'])}</strong>{hint}</label>"
        )
        first = False
    for card in TEST_CARDS.values():
        checked = " checked" if first else ""
        first = False
        rows.append(
            f'<label><input type="radio" name="card" value="{card.number}"{checked}> '
            f"<code>{_grouped(card.number)}</code> {card.brand.value.upper()} · "
            f"{escape(card.label(lang))}</label>"
        )
    return f"<fieldset><legend>{escape(TEXT[lang]['choose'])}</legend>{''.join(rows)}</fieldset>"


def _other_methods(order: Order, lang: str) -> str:
    if order.request.capture == "manual":
        return ""
    listed = order.request.payment_methods
    rows = [
        f'<label><input type="radio" name="card" value="{method.value}"> '
        f"{escape(METHOD_LABELS[method][lang])}</label>"
        for method in TransferMethod
        if method not in (TransferMethod.CARD, TransferMethod.GOOGLE_PAY, TransferMethod.APPLE_PAY)
        and (method in listed if listed else method not in LOAN_METHODS)
    ]
    if not rows:
        return ""
    return f"<fieldset><legend>{escape(TEXT[lang]['other'])}</legend>{''.join(rows)}</fieldset>"


def checkout_page(order: Order, lang: str, saved_available: bool) -> str:
    text = TEXT[lang]
    request = order.request
    amount = f"{request.total_amount:.2f} {request.currency}"
    items = "".join(
        f"<tr><td>{escape(item.description or item.product_id)}</td>"
        f'<td class="n">{item.quantity}</td>'
        f'<td class="n">{item.unit_price:.2f}</td></tr>'
        for item in request.items
    )
    cancel = f"/cancel?{urlencode({'order_id': order.id, 'lang': lang})}"
    content = (
        f"<h1>{escape(_merchant(lang))}</h1>"
        f"<p>{escape(text['order'])}: "
        f"<code>{escape(request.external_order_id or order.id)}</code></p>"
        f'<p class="amount">{escape(amount)}</p>'
        f'<table><tr><th>{escape(text["item"])}</th><th class="n">{escape(text["quantity"])}</th>'
        f'<th class="n">{escape(text["price"])}</th></tr>{items}</table>'
        '<form method="post" action="/pay">'
        f'<input type="hidden" name="order_id" value="{escape(order.id)}">'
        f'<input type="hidden" name="lang" value="{lang}">'
        f"{_card_choices(order, lang, saved_available)}{_other_methods(order, lang)}"
        f'<button type="submit">{escape(text["pay"])} {escape(amount)}</button></form>'
        f'<a class="cancel" href="{escape(cancel)}">{escape(text["cancel"])}</a>'
    )
    return _document(lang, request.theme, text["title"], content, _language_switch(order.id))


def _closed_text(order: Order, lang: str) -> str:
    if order.reject_reason == "expiration":
        return TEXT[lang]["expired"]
    if order.status is OrderStatus.REJECTED:
        return TEXT[lang]["closed"]
    return TEXT[lang]["paid"]


def page_routes(bank: Bank) -> list[BaseRoute]:
    def find(order_id: str | None, lang: str) -> Order | Response:
        if not order_id:
            return message_page(lang, TEXT[lang]["missing"], status=400)
        try:
            return bank.store.order(order_id)
        except UnknownOrder:
            return message_page(lang, TEXT[lang]["not_found"], status=404)

    async def show(request: Request, order_id: str | None) -> Response:
        await bank.deliver(bank.sweep())
        found = find(order_id, _lang(request, None))
        if isinstance(found, Response):
            return found
        lang = _lang(request, found)
        if found.status not in UNPAID:
            return message_page(lang, _closed_text(found, lang), back=found.request.fail_url)
        recurrent = found.payment_option is PaymentOption.RECURRENT
        saved = recurrent and bank.store.saved_card(found.parent_order_id, SavedCardType.RECURRENT)
        return HTMLResponse(checkout_page(found, lang, bool(saved)))

    async def checkout(request: Request) -> Response:
        return await show(request, request.query_params.get("order_id"))

    async def three_ds(request: Request) -> Response:
        return await show(request, request.query_params.get("fieldValue"))

    async def pay(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        order_id = form.get("order_id", [""])[0]
        asked = form.get("lang", [""])[0]
        found = find(order_id, asked if asked in LANGUAGES else "ka")
        if isinstance(found, Response):
            return found
        lang = asked if asked in LANGUAGES else found.request.lang
        try:
            receipt = await bank.pay(order_id, form.get("card", [""])[0])
        except OrderError as exc:
            status = 409 if found.status not in UNPAID else 400
            text = _closed_text(found, lang) if status == 409 else exc.message
            return message_page(lang, text, status=status, back=found.request.fail_url)
        paid = receipt["order_status"]["key"] in (OrderStatus.COMPLETED, OrderStatus.BLOCKED)
        target = found.request.success_url if paid else found.request.fail_url
        return RedirectResponse(target or _result_url(bank, order_id, lang), status_code=303)

    async def cancel(request: Request) -> Response:
        found = find(request.query_params.get("order_id"), _lang(request, None))
        if isinstance(found, Response):
            return found
        lang = _lang(request, found)
        target = found.request.fail_url or _result_url(bank, found.id, lang)
        return RedirectResponse(target, status_code=303)

    async def result(request: Request) -> Response:
        found = find(request.query_params.get("order_id"), _lang(request, None))
        if isinstance(found, Response):
            return found
        lang = _lang(request, found)
        text = f"{TEXT[lang]['result']}: {STATUS_LABELS[found.status][lang]}"
        if found.status is OrderStatus.REJECTED and found.reject_reason:
            text += f" ({found.reject_reason})"
        if found.status is OrderStatus.BLOCKED:
            text += f". {TEXT[lang]['blocked']}"
        return message_page(lang, text)

    return [
        Route("/", checkout, methods=["GET"]),
        Route("/pay", pay, methods=["POST"]),
        Route("/cancel", cancel, methods=["GET"]),
        Route("/result", result, methods=["GET"]),
        Route("/api/3ds/post-form", three_ds, methods=["GET"]),
    ]


def _result_url(bank: Bank, order_id: str, lang: str) -> str:
    return f"{bank.public_base_url}/result?{urlencode({'order_id': order_id, 'lang': lang})}"
