"""Server-rendered HTML for the shop: plain functions returning strings.

Everything that comes from outside (product names, provider messages, ids) goes
through :func:`esc`. The CSS is inline in every page, so the shop needs no
static files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from examples.shop.catalog import Product
from examples.shop.orders import Order, OrderLine
from payments_core import Capability, CaptureMode, Money, Payment, PaymentStatus

__all__ = [
    "SHOP_NAME",
    "admin_page",
    "cart_page",
    "dummy_pay_page",
    "esc",
    "message_page",
    "order_page",
    "products_page",
]

SHOP_NAME = "Kalaki Pantry"

STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1f2328;background:#f6f5f2}
a{color:#8a3b12}
header.top{background:#2b2118;color:#f6f5f2}
header.top .bar{max-width:64rem;margin:0 auto;padding:.8rem 1.25rem;display:flex;
align-items:center;justify-content:space-between;gap:1rem}
header.top a{color:#f6f5f2;text-decoration:none}
.brand{font-weight:700;font-size:1.2rem;letter-spacing:.02em;white-space:nowrap}
nav{white-space:nowrap}nav a{margin-left:1.25rem}
nav .count{display:inline-block;min-width:1.4rem;padding:0 .4rem;margin-left:.3rem;
border-radius:999px;background:#e9a23b;color:#2b2118;text-align:center;font-size:.85rem;
font-weight:700}
main{max-width:64rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:1.75rem 0 .6rem}
.lead{font-size:1.05rem;margin:-.5rem 0 1.25rem;color:#454b52}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(13.5rem,1fr));gap:1.25rem}
.card{background:#fff;border:1px solid #e4e0d8;border-radius:10px;overflow:hidden;
display:flex;flex-direction:column}
.swatch{height:7.5rem;display:flex;align-items:center;justify-content:center;color:#fff;
font-size:2rem;font-weight:700;letter-spacing:.08em}
.card .body{padding:.9rem 1rem 1rem;display:flex;flex-direction:column;gap:.4rem;flex:1}
.card h3{margin:0;font-size:1.05rem}
.card p{margin:0;color:#5b6168;font-size:.9rem;flex:1}
.price{font-weight:700;font-size:1.1rem}
.panel{background:#fff;border:1px solid #e4e0d8;border-radius:10px;padding:1rem 1.25rem;
margin-bottom:1.25rem;overflow-x:auto}
.panel>:first-child{margin-top:0}.panel>:last-child{margin-bottom:0}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid #ece8e1;vertical-align:middle}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:#6b7076}
td.n,th.n{text-align:right;white-space:nowrap}
tfoot td{font-weight:700;border-bottom:0}
button,.button{display:inline-block;border:0;border-radius:8px;padding:.55rem 1rem;
font:inherit;font-weight:600;cursor:pointer;background:#8a3b12;color:#fff;
text-decoration:none;white-space:nowrap}
button.secondary{background:#e8e3da;color:#2b2118}
button.danger{background:#a32020}
button.small{padding:.3rem .7rem;font-size:.875rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
form.inline{display:inline-flex;gap:.35rem;align-items:center;margin:0}
input[type=text]{font:inherit;padding:.3rem .5rem;border:1px solid #c9c3b8;border-radius:6px;
width:6.5rem}
fieldset{border:1px solid #e4e0d8;border-radius:8px;padding:.5rem 1rem .75rem;margin:0 0 1rem}
legend{font-weight:600;padding:0 .3rem}
label.choice{display:block;padding:.3rem 0;cursor:pointer}
label.choice small{display:block;margin-left:1.6rem;color:#6b7076}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1.25rem;margin:0}
dl.facts dt{color:#6b7076}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;padding:.1rem .6rem;border-radius:999px;font-size:.85rem;
font-weight:600;background:#e8e3da;color:#2b2118;white-space:nowrap}
.badge.big{font-size:1rem;padding:.25rem .8rem}
.s-captured,.s-partially_captured{background:#d7f0dc;color:#145a24}
.s-authorized{background:#dbe8fb;color:#1d4f91}
.s-declined,.s-expired,.s-canceled{background:#f9dcdc;color:#8c1d1d}
.s-refunded,.s-partially_refunded,.s-refund_pending{background:#eadcf7;color:#5a2a86}
.notice{border-radius:8px;padding:.7rem 1rem;margin-bottom:1.25rem;background:#fff7e0;
border:1px solid #f0d58a}
.notice.error{background:#fdecec;border-color:#f1b5b5}
.notice.ok{background:#e7f6ea;border-color:#a9dcb4}
.decline{color:#8c1d1d;font-weight:600}
.muted{color:#6b7076;font-size:.9rem}
ol.history{margin:0;padding-left:1.2rem;font-size:.9rem}
ol.history li{margin:.15rem 0}
code{font-size:.88em;overflow-wrap:anywhere}
.sandbox{max-width:30rem;margin:2rem auto}
.sandbox .amount{font-size:2rem;font-weight:700;margin:.25rem 0 1rem}
.sandbox .actions button{flex:1}
@media (max-width:560px){main{padding:1rem .9rem 2rem}nav a{margin-left:.7rem}
.brand{font-size:1.05rem}th,td{padding:.4rem .3rem;font-size:.9rem}.wide{display:none}
.panel{padding:.8rem .9rem}h1{font-size:1.35rem}}
"""


def esc(value: object) -> str:
    """HTML-escape anything for text and attribute values."""
    return escape(str(value), quote=True)


def money(value: Money | None) -> str:
    return "—" if value is None else f"{value.amount} {value.currency}"


def status_badge(status: PaymentStatus, *, big: bool = False) -> str:
    label = status.value.replace("_", " ")
    size = " big" if big else ""
    return (
        f'<span class="badge{size} s-{esc(status.value)}" data-status="{esc(status.value)}">'
        f"{esc(label)}</span>"
    )


def layout(
    title: str,
    body: str,
    *,
    cart_count: int = 0,
    notice: str | None = None,
    notice_kind: str = "info",
) -> str:
    """The page frame: head, top bar with the cart count, optional notice."""
    count = f'<span class="count">{cart_count}</span>' if cart_count else ""
    banner = f'<div class="notice {esc(notice_kind)}">{esc(notice)}</div>' if notice else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)} · {SHOP_NAME}</title><style>{STYLE}</style></head><body>"
        '<header class="top"><div class="bar">'
        f'<a class="brand" href="/">{SHOP_NAME}</a>'
        f'<nav><a href="/">Products</a><a href="/cart">Cart{count}</a>'
        '<a href="/admin">Admin</a></nav></div></header>'
        f"<main>{banner}{body}</main></body></html>"
    )


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split()[:2]).upper()


def products_page(products: Iterable[Product], *, cart_count: int = 0) -> str:
    cards = "".join(
        f'<article class="card" data-product="{esc(product.id)}">'
        f'<div class="swatch" style="background:{esc(product.swatch)}">'
        f"{esc(_initials(product.name))}</div>"
        f'<div class="body"><h3>{esc(product.name)}</h3><p>{esc(product.description)}</p>'
        f'<div class="price">{esc(money(product.price))}</div>'
        '<form method="post" action="/cart/add">'
        f'<input type="hidden" name="product_id" value="{esc(product.id)}">'
        "<button>Add to cart</button></form></div></article>"
        for product in products
    )
    body = (
        "<h1>Georgian pantry goods</h1>"
        '<p class="lead">Pay by card through the configured gateway. '
        "This is a demo shop: only test cards, no real money.</p>"
        f'<section class="grid">{cards}</section>'
    )
    return layout("Products", body, cart_count=cart_count)


def _lines_table(lines: Sequence[OrderLine], total: Money, *, removable: bool = False) -> str:
    rows = []
    for line in lines:
        remove = (
            '<td class="n"><form class="inline" method="post" action="/cart/remove">'
            f'<input type="hidden" name="product_id" value="{esc(line.product_id)}">'
            '<button class="secondary small">Remove</button></form></td>'
            if removable
            else ""
        )
        rows.append(
            f"<tr><td>{esc(line.name)}</td><td class='n'>{line.quantity}</td>"
            f"<td class='n wide'>{esc(money(line.unit_price))}</td>"
            f"<td class='n'>{esc(money(line.total))}</td>{remove}</tr>"
        )
    extra = "<th></th>" if removable else ""
    extra_cell = "<td></td>" if removable else ""
    return (
        "<table><thead><tr><th>Product</th><th class='n'>Qty</th><th class='n wide'>Price</th>"
        f"<th class='n'>Total</th>{extra}</tr></thead><tbody>{''.join(rows)}</tbody>"
        f"<tfoot><tr><td colspan='2'>Total</td><td class='wide'></td>"
        f"<td class='n' data-total>{esc(money(total))}</td>"
        f"{extra_cell}</tr></tfoot></table>"
    )


def cart_page(
    lines: Sequence[OrderLine],
    total: Money | None,
    *,
    can_reserve: bool,
    cart_count: int = 0,
    notice: str | None = None,
) -> str:
    if not lines or total is None:
        body = (
            '<h1>Your cart</h1><div class="panel"><p>Your cart is empty.</p>'
            '<p><a class="button" href="/">Browse products</a></p></div>'
        )
        return layout("Cart", body, cart_count=cart_count, notice=notice)
    reserve = (
        '<label class="choice"><input type="radio" name="capture" value="manual"> '
        "Reserve (manual capture)<small>The amount is only held on your card; "
        "the shop takes it when your order ships.</small></label>"
        if can_reserve
        else ""
    )
    body = (
        "<h1>Your cart</h1>"
        f'<div class="panel">{_lines_table(lines, total, removable=True)}</div>'
        '<form class="panel" method="post" action="/checkout">'
        "<fieldset><legend>How to pay</legend>"
        '<label class="choice"><input type="radio" name="capture" value="automatic" checked> '
        "Pay now<small>The card is charged at once.</small></label>"
        f"{reserve}</fieldset>"
        f'<div class="actions"><button>Checkout · {esc(money(total))}</button>'
        '<a href="/">Continue shopping</a></div></form>'
    )
    return layout("Cart", body, cart_count=cart_count, notice=notice)


def _card(order: Order) -> str:
    card = order.card
    if card is None:
        return "—"
    parts = [card.brand.upper() if card.brand else None, card.masked_number, card.expiry]
    return " · ".join(esc(part) for part in parts if part)


def _payment_facts(order: Order) -> str:
    mode = "Reserve (manual capture)" if order.capture is CaptureMode.MANUAL else "Pay now"
    facts = [
        ("Status", status_badge(order.status)),
        ("Payment mode", esc(mode)),
        ("Gateway", esc(order.provider or "—")),
        ("Payment id", f"<code>{esc(order.payment_id)}</code>" if order.payment_id else "—"),
        ("Total", esc(money(order.total))),
        ("Authorized", esc(money(order.authorized_amount))),
        ("Captured", esc(money(order.captured_amount))),
        ("Refunded", esc(money(order.refunded_amount))),
        ("Card", _card(order)),
    ]
    if order.decline is not None:
        reason = order.decline.message or order.decline.code.value.replace("_", " ")
        code = order.decline.code.value
        facts.append(
            (
                "Decline reason",
                f'<span class="decline" data-decline="{esc(code)}">{esc(reason)}</span> '
                f'<span class="muted">({esc(code)})</span>',
            )
        )
    if order.error:
        facts.append(("Checkout error", f'<span class="decline">{esc(order.error)}</span>'))
    rows = "".join(f"<dt>{esc(name)}</dt><dd>{value}</dd>" for name, value in facts)
    return f'<dl class="facts">{rows}</dl>'


def _history(order: Order) -> str:
    items = "".join(
        f"<li><span class='muted'>{entry.at:%H:%M:%S} · {esc(entry.source)}</span> "
        f"{esc(entry.text)}</li>"
        for entry in order.history
    )
    return f'<ol class="history">{items}</ol>'


def order_page(
    order: Order,
    *,
    heading: str | None = None,
    lead: str | None = None,
    cart_count: int = 0,
    notice: str | None = None,
    notice_kind: str = "info",
) -> str:
    title = heading or f"Order {order.id}"
    intro = f'<p class="lead">{esc(lead)}</p>' if lead else ""
    resume = ""
    if order.status in (PaymentStatus.CREATED, PaymentStatus.PENDING) and order.redirect_url:
        resume = (
            f'<p class="actions"><a class="button" href="{esc(order.redirect_url)}">'
            "Continue to payment</a></p>"
        )
    body = (
        f"<h1>{esc(title)}</h1>{intro}"
        f'<div class="panel"><p>{status_badge(order.status, big=True)} '
        f'<span class="muted">Order <a href="/orders/{esc(order.id)}">{esc(order.id)}</a>, '
        f"placed {order.created_at:%Y-%m-%d %H:%M} UTC</span></p>{resume}</div>"
        f'<div class="panel">{_lines_table(order.lines, order.total)}</div>'
        f'<h2>Payment</h2><div class="panel">{_payment_facts(order)}</div>'
        f'<h2>History</h2><div class="panel">{_history(order)}</div>'
    )
    return layout(title, body, cart_count=cart_count, notice=notice, notice_kind=notice_kind)


def _admin_actions(order: Order, capabilities: frozenset[Capability]) -> str:
    base = f"/admin/orders/{esc(order.id)}"
    actions = []
    if order.status is PaymentStatus.AUTHORIZED and Capability.CAPTURE in capabilities:
        amount = (
            '<input type="text" name="amount" placeholder="full" aria-label="capture amount">'
            if Capability.PARTIAL_CAPTURE in capabilities
            else ""
        )
        actions.append(
            f'<form class="inline" method="post" action="{base}/capture">{amount}'
            '<button class="small">Capture</button></form>'
        )
    if order.status is PaymentStatus.AUTHORIZED and Capability.VOID in capabilities:
        actions.append(
            f'<form class="inline" method="post" action="{base}/void">'
            '<button class="small secondary">Void</button></form>'
        )
    if order.refundable_amount is not None and Capability.REFUND in capabilities:
        amount = (
            '<input type="text" name="amount" placeholder="full" aria-label="refund amount">'
            if Capability.PARTIAL_REFUND in capabilities
            else ""
        )
        actions.append(
            f'<form class="inline" method="post" action="{base}/refund">{amount}'
            '<button class="small danger">Refund</button></form>'
        )
    if order.payment_id:
        actions.append(
            f'<form class="inline" method="post" action="{base}/refresh">'
            '<button class="small secondary">Refresh</button></form>'
        )
    return f'<div class="actions">{"".join(actions)}</div>'


def admin_page(
    orders: Sequence[Order],
    *,
    gateway: str,
    capabilities: frozenset[Capability],
    notice: str | None = None,
    notice_kind: str = "info",
) -> str:
    if orders:
        rows = "".join(
            f'<tr id="order-{esc(order.id)}" data-order="{esc(order.id)}">'
            f'<td><a href="/orders/{esc(order.id)}">{esc(order.id)}</a><br>'
            f'<span class="muted">{order.created_at:%H:%M:%S}</span></td>'
            f"<td>{status_badge(order.status)}</td>"
            f"<td class='n'>{esc(money(order.total))}</td>"
            f"<td class='n'>{esc(money(order.captured_amount))}</td>"
            f"<td class='n'>{esc(money(order.refunded_amount))}</td>"
            f"<td>{_admin_actions(order, capabilities)}</td></tr>"
            for order in orders
        )
        table = (
            "<table><thead><tr><th>Order</th><th>Status</th><th class='n'>Total</th>"
            "<th class='n'>Captured</th><th class='n'>Refunded</th><th>Actions</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    else:
        table = "<p>No orders yet.</p>"
    body = (
        "<h1>Admin</h1>"
        f'<p class="lead">Gateway <strong>{esc(gateway)}</strong>. Leave the amount empty '
        "for the full amount. (A real shop puts this page behind a login.)</p>"
        f'<div class="panel">{table}</div>'
    )
    return layout("Admin", body, notice=notice, notice_kind=notice_kind)


def dummy_pay_page(payment: Payment, order: Order | None) -> str:
    """The dummy gateway's stand-in for a hosted payment page."""
    what = f"Order {esc(order.id)}" if order else f"Payment {esc(payment.id)}"
    hold = (
        "<p class='muted'>The amount will only be held (manual capture).</p>"
        if payment.capture is CaptureMode.MANUAL
        else ""
    )
    action = f"/dummy-pay/{esc(payment.id)}"
    body = (
        '<div class="sandbox panel"><p><span class="badge">DUMMY GATEWAY</span></p>'
        f"<h1>Test payment</h1><p>{what} at {SHOP_NAME}</p>"
        f'<p class="amount">{esc(money(payment.amount))}</p>{hold}'
        f'<form method="post" action="{action}" class="actions">'
        '<button name="outcome" value="succeed">Pay with test card</button>'
        '<button name="outcome" value="decline" class="danger">Decline '
        "(insufficient funds)</button></form>"
        "<p class='muted'>Nothing leaves this machine: the dummy gateway completes the payment "
        "in memory and sends its signed callback to the shop.</p></div>"
    )
    return layout("Test payment", body)


def message_page(title: str, text: str, *, cart_count: int = 0, link: str = "/") -> str:
    body = (
        f'<h1>{esc(title)}</h1><div class="panel"><p>{esc(text)}</p>'
        f'<p><a href="{esc(link)}">Back to the shop</a></p></div>'
    )
    return layout(title, body, cart_count=cart_count)
