"""The hosted checkout page, where a person (or a test) pays with a test card.

``GET /checkout/{payId}`` (the ``approval_url``) shows the payment in Georgian or
English, after the payment's ``language`` (``?lang=EN|KA`` overrides), with the
methods it allows and every test card. The form posts ``card`` (and ``method``) back
to ``POST /checkout/{payId}``; the sandbox processes the payment, delivers the
callback and answers 303 to the payment's ``returnurl``, with no query parameters
added (reference §8). TBC's own result screen (``skipInfoMessage: false``) is not
emulated: the customer always goes straight back to the shop ([INF]).

A session that ran out shows an "expired" page (410); one that was already paid, or
is still waiting for 3-D Secure, a "no longer open" page (409 on a POST). Unknown
cards or methods show the form again with the error (400).
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from types import MappingProxyType
from typing import Final
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from .bank import Bank
from .cards import TEST_CARDS
from .problems import ApiError
from .records import Payment
from .store import CheckoutClosed
from .vocabulary import LANGUAGES, METHOD_LABELS, STATUS_LABELS, PaymentStatus

TEXT: Final = MappingProxyType(
    {
        "EN": {
            "title": "Payment",
            "sandbox": "TBC sandbox: test cards only, no money moves.",
            "amount": "Amount",
            "reference": "Order",
            "method": "Payment method",
            "choose": "Choose a test card",
            "pay": "Pay",
            "back": "Return to the shop",
            "pre_auth": "The amount will be blocked on the card until the shop confirms it.",
            "save_card": "The card will be saved for future payments.",
            "expired": "This payment session has expired.",
            "processing": "This payment is waiting for 3-D Secure confirmation.",
            "closed": "This payment has already been processed",
            "not_found": "Payment not found.",
        },
        "KA": {
            "title": "გადახდა",
            "sandbox": "TBC-ის სატესტო გარემო: მხოლოდ სატესტო ბარათები, თანხა არ ჩამოიჭრება.",
            "amount": "თანხა",
            "reference": "შეკვეთა",
            "method": "გადახდის მეთოდი",
            "choose": "აირჩიეთ სატესტო ბარათი",
            "pay": "გადახდა",
            "back": "მაღაზიაში დაბრუნება",
            "pre_auth": "თანხა ბარათზე დაიბლოკება, სანამ მაღაზია არ დაადასტურებს.",
            "save_card": "ბარათი შეინახება მომავალი გადახდებისთვის.",
            "expired": "გადახდის სესიის ვადა ამოიწურა.",
            "processing": "გადახდა ელოდება 3-D Secure დადასტურებას.",
            "closed": "ეს გადახდა უკვე დამუშავებულია",
            "not_found": "გადახდა ვერ მოიძებნა.",
        },
    }
)

_STYLE: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f2f5f8;
color:#1b1f24}main{max-width:34rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;
border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.12)}
.badge{background:#00a3e0;color:#fff;padding:.15rem .5rem;border-radius:4px;font-size:.8rem}
h1{font-size:1.3rem;margin:1rem 0 .25rem}.amount{font-size:2rem;font-weight:700;margin:.25rem 0}
fieldset{border:1px solid #ccc;border-radius:8px;margin:0 0 1rem;padding:.5rem 1rem}
label{display:block;padding:.3rem 0;cursor:pointer}.error{color:#b00020;font-weight:600}
button{width:100%;padding:.8rem;font-size:1.05rem;border:0;border-radius:8px;background:#00a3e0;
color:#fff;cursor:pointer}a{color:#0079a8}.note{font-size:.9rem;opacity:.8}
"""


def _language(request: Request, payment: Payment | None, asked: str | None = None) -> str:
    wanted = (asked or request.query_params.get("lang") or "").upper()
    if wanted in LANGUAGES:
        return wanted
    return payment.language if payment is not None else "KA"


def _document(language: str, body: str) -> str:
    text = TEXT[language]
    return (
        f'<!doctype html><html lang="{language.lower()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(text['title'])}</title><style>{_STYLE}</style></head>"
        f'<body><main><span class="badge">{escape(text["sandbox"])}</span>{body}</main>'
        "</body></html>"
    )


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def _grouped(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def message_page(language: str, message: str, status: int, back: str | None = None) -> Response:
    link = f'<p><a href="{escape(back)}">{escape(TEXT[language]["back"])}</a></p>' if back else ""
    body = f"<h1>{escape(TEXT[language]['title'])}</h1><p>{escape(message)}</p>{link}"
    return HTMLResponse(_document(language, body), status)


def checkout_page(payment: Payment, language: str, error: str | None = None) -> str:
    text = TEXT[language]
    methods = "".join(
        f'<label><input type="radio" name="method" value="{code}"'
        f"{' checked' if index == 0 else ''}> "
        f"{escape(METHOD_LABELS[code][language])}</label>"
        for index, code in enumerate(payment.methods)
    )
    cards = "".join(
        f'<label><input type="radio" name="card" value="{card.number}"'
        f"{' checked' if index == 0 else ''}> "
        f"<code>{_grouped(card.number)}</code> {escape(card.brand)} · "
        f"{escape(card.label(language))}</label>"
        for index, card in enumerate(TEST_CARDS.values())
    )
    notes = ""
    if payment.pre_auth:
        notes += f'<p class="note">{escape(text["pre_auth"])}</p>'
    if payment.rec_id is not None:
        notes += f'<p class="note">{escape(text["save_card"])}</p>'
    reference = payment.merchant_payment_id
    amount = _money(payment.amount, payment.currency)
    body = (
        f"<h1>{escape(payment.description or text['title'])}</h1>"
        + (
            f"<p>{escape(text['reference'])}: <code>{escape(reference)}</code></p>"
            if reference
            else ""
        )
        + f'<p>{escape(text["amount"])}</p><p class="amount">{escape(amount)}</p>{notes}'
        + (f'<p class="error">{escape(error)}</p>' if error else "")
        + f'<form method="post" action="/checkout/{escape(payment.pay_id)}">'
        f'<input type="hidden" name="lang" value="{language}">'
        f"<fieldset><legend>{escape(text['method'])}</legend>{methods}</fieldset>"
        f"<fieldset><legend>{escape(text['choose'])}</legend>{cards}</fieldset>"
        f'<button type="submit">{escape(text["pay"])} {escape(amount)}</button></form>'
        + (
            f'<p><a href="{escape(payment.return_url)}">{escape(text["back"])}</a></p>'
            if payment.return_url
            else ""
        )
    )
    return _document(language, body)


def _closed_page(payment: Payment, language: str, status: int) -> Response:
    text = TEXT[language]
    if payment.status is PaymentStatus.EXPIRED:
        return message_page(language, text["expired"], 410, payment.return_url)
    if payment.status is PaymentStatus.PROCESSING:
        return message_page(language, text["processing"], status, payment.return_url)
    label = STATUS_LABELS[payment.status][language]
    return message_page(language, f"{text['closed']} ({label}).", status, payment.return_url)


def page_routes(bank: Bank) -> list[BaseRoute]:
    def find(pay_id: str) -> Payment | None:
        payment = bank.payments.get(pay_id)
        return None if payment is None or payment.execution else payment

    async def show(request: Request) -> Response:
        bank.sweep()
        await bank.deliver_owed()
        payment = find(str(request.path_params["pay_id"]))
        language = _language(request, payment)
        if payment is None:
            return message_page(language, TEXT[language]["not_found"], 404)
        if payment.status is not PaymentStatus.CREATED:
            return _closed_page(payment, language, 200)
        return HTMLResponse(checkout_page(payment, language))

    async def submit(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        pay_id = str(request.path_params["pay_id"])
        payment = find(pay_id)
        language = _language(request, payment, form.get("lang", [""])[0])
        if payment is None:
            return message_page(language, TEXT[language]["not_found"], 404)
        method_text = form.get("method", [""])[0]
        method = int(method_text) if method_text.isdigit() else None
        try:
            await bank.pay(pay_id, form.get("card", [""])[0], method)
        except CheckoutClosed:
            return _closed_page(payment, language, 409)
        except ApiError as exc:
            return HTMLResponse(checkout_page(payment, language, exc.detail), 400)
        return RedirectResponse(payment.return_url or bank.approval_url(pay_id), status_code=303)

    return [
        Route("/checkout/{pay_id}", show, methods=["GET"]),
        Route("/checkout/{pay_id}", submit, methods=["POST"]),
    ]
