"""The shop as an ASGI app (starlette): :func:`create_app`.

The checkout code below never names a provider. It builds a
:class:`~payments_core.PaymentRequest`, sends the customer to
``payment.redirect_url``, and learns the outcome from two places:

* ``POST /payments/callback``: the provider's callback. The raw body (and the
  caller's address) go to ``payments.parse_webhook`` before anything is read: it
  checks a signed callback's signature (BOG, dummy), or the caller's address and
  then reads the payment back (TBC, whose callbacks are unsigned); a callback
  that fails gets 400. Repeats are dropped by event id, and an update is
  applied only when it moves the order forward (see :mod:`examples.shop.orders`).
* The return pages (``/checkout/success/{id}``, ``/checkout/fail/{id}``) ask
  the provider once with ``get_payment``: arriving there proves nothing, since
  anyone can open that URL (and a gateway with one return URL, like TBC, sends
  every customer to the success URL, whatever the outcome).

With the dummy gateway, which has no hosted page of its own, the shop serves a
stand-in at ``/dummy-pay/{payment_id}`` (point the dummy's ``hosted_page_url``
at it). It completes the payment in memory and delivers the dummy's signed
callback to the shop's own callback endpoint, in process.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from examples.shop import templates
from examples.shop.cart import Carts, new_cart_id
from examples.shop.catalog import PRODUCTS, Product, find_product
from examples.shop.orders import Order, OrderBook, OrderLine, Update
from payments_core import (
    AsyncPayments,
    Capability,
    CaptureMode,
    DeclineCode,
    LineItem,
    Money,
    PaymentError,
    PaymentRequest,
    PaymentStatus,
    WebhookVerificationError,
)

if TYPE_CHECKING:
    from payments_dummy import DummyProvider

__all__ = ["CALLBACK_PATH", "CART_COOKIE", "Shop", "create_app"]

logger = logging.getLogger("examples.shop")

CART_COOKIE = "shop_cart"
CALLBACK_PATH = "/payments/callback"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ADMIN_ACTIONS = frozenset({"refund", "capture", "void", "refresh"})
PAID_LOOKING = frozenset({PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_CAPTURED})
REFUND_STATES = frozenset(
    {PaymentStatus.REFUND_PENDING, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form as {name: first value} (no python-multipart needed)."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    return {name: values[0] for name, values in fields.items()}


def _same_origin(request: Request) -> bool:
    """False when a browser says the form was posted from another site."""
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


def _return_text(order: Order, came_back_from_payment_page: bool) -> tuple[str, str]:
    """Heading and lead of a return page, from the order's status (not from the URL)."""
    status = order.status
    if status in PAID_LOOKING:
        return "Thank you! Your payment was received.", "We will send your order shortly."
    if status is PaymentStatus.AUTHORIZED:
        return (
            "Thank you! The amount is reserved on your card.",
            "Nothing is charged yet: the shop captures the amount when your order ships.",
        )
    if status is PaymentStatus.DECLINED:
        reason = order.decline.message if order.decline and order.decline.message else None
        return "Payment declined", reason or "Your bank declined the payment."
    if status is PaymentStatus.EXPIRED:
        return "The payment expired", "The time to pay ran out. Place the order again."
    if status is PaymentStatus.CANCELED:
        return "The reservation was released", "Nothing was charged."
    if status in REFUND_STATES:
        return "Order refunded", "The money goes back to your card."
    if came_back_from_payment_page:
        # A gateway with one return URL (TBC) also sends here a customer who left
        # its page without paying: the "Continue to payment" button is for them.
        lead = "The bank has not confirmed the payment yet. Reload this page in a moment."
        if order.redirect_url:
            lead += " If you left the payment page before paying, continue to payment."
        return "Waiting for your bank's confirmation", lead
    return "Payment not completed", "You left the payment page before paying."


class _Flash:
    """One-time messages for the admin page, handed over through a token in the URL."""

    def __init__(self, limit: int = 100) -> None:
        self._lock = threading.Lock()
        self._messages: dict[str, tuple[str, str]] = {}
        self._limit = limit

    def put(self, text: str, kind: str) -> str:
        token = secrets.token_urlsafe(8)
        with self._lock:
            if len(self._messages) >= self._limit:
                self._messages.pop(next(iter(self._messages)))
            self._messages[token] = (text, kind)
        return token

    def pop(self, token: str | None) -> tuple[str | None, str]:
        with self._lock:
            found = self._messages.pop(token, None) if token else None
        return found if found is not None else (None, "info")


class Shop:
    """The shop's request handlers around one gateway, one order book and the carts."""

    def __init__(
        self,
        payments: AsyncPayments,
        *,
        orders: OrderBook,
        carts: Carts,
        catalog: tuple[Product, ...],
        public_url: str | None,
    ) -> None:
        self.payments = payments
        self.orders = orders
        self.carts = carts
        self.catalog = catalog
        self.public_url = public_url.rstrip("/") if public_url else None
        self._flash = _Flash()

    # -- helpers -------------------------------------------------------------------------

    def base_url(self, request: Request) -> str:
        """Where the shop is reached: ``public_url``, or what this request used."""
        return self.public_url or str(request.base_url).rstrip("/")

    def _cart_lines(self, cart: dict[str, int]) -> list[OrderLine]:
        lines = []
        for product_id, quantity in cart.items():
            product = find_product(product_id, self.catalog)
            if product is not None:
                lines.append(OrderLine(product.id, product.name, quantity, product.price))
        return lines

    def cart_count(self, request: Request) -> int:
        return sum(self.carts.get(request.cookies.get(CART_COOKIE)).values())

    def _order(self, request: Request) -> Order:
        order = self.orders.get(str(request.path_params["order_id"]))
        if order is None:
            raise HTTPException(404, "No such order")
        return order

    def _dummy(self) -> DummyProvider:
        unavailable = HTTPException(404, "The stand-in payment page serves the dummy gateway only")
        try:
            from payments_dummy import DummyProvider  # a development aid, not a dependency
        except ImportError:
            raise unavailable from None
        provider = self.payments.provider
        if not isinstance(provider, DummyProvider):
            raise unavailable
        return provider

    async def _poll(self, payment_id: str, source: str = "poll") -> str | None:
        """Ask the gateway for the payment once and apply it; an error message on failure."""
        try:
            payment = await self.payments.get_payment(payment_id)
        except PaymentError as exc:
            logger.warning("could not poll payment %s: %s", payment_id, exc)
            return f"Could not ask the gateway for the latest status ({exc.message})."
        self.orders.apply(payment, source)
        return None

    # -- products and cart -----------------------------------------------------------------

    async def products(self, request: Request) -> Response:
        page = templates.products_page(self.catalog, cart_count=self.cart_count(request))
        return HTMLResponse(page)

    async def cart(self, request: Request) -> Response:
        lines = self._cart_lines(self.carts.get(request.cookies.get(CART_COOKIE)))
        total: Money | None = None
        for line in lines:
            total = line.total if total is None else total + line.total
        page = templates.cart_page(
            lines,
            total,
            can_reserve=Capability.CAPTURE in self.payments.capabilities,
            cart_count=sum(line.quantity for line in lines),
        )
        return HTMLResponse(page)

    async def cart_add(self, request: Request) -> Response:
        form = await _form(request)
        product = find_product(form.get("product_id", ""), self.catalog)
        if product is None:
            raise HTTPException(404, "No such product")
        try:
            quantity = int(form.get("quantity", "1"))
        except ValueError:
            quantity = 1
        cart_id = request.cookies.get(CART_COOKIE) or new_cart_id()
        self.carts.add(cart_id, product.id, max(1, quantity))
        response = RedirectResponse("/cart", status_code=303)
        response.set_cookie(CART_COOKIE, cart_id, httponly=True, samesite="lax")
        return response

    async def cart_remove(self, request: Request) -> Response:
        form = await _form(request)
        cart_id = request.cookies.get(CART_COOKIE)
        if cart_id:
            self.carts.remove(cart_id, form.get("product_id", ""))
        return RedirectResponse("/cart", status_code=303)

    # -- checkout ------------------------------------------------------------------------

    async def checkout(self, request: Request) -> Response:
        form = await _form(request)
        cart_id = request.cookies.get(CART_COOKIE)
        lines = self._cart_lines(self.carts.get(cart_id))
        if not lines or cart_id is None:
            return RedirectResponse("/cart", status_code=303)
        manual = form.get("capture") == "manual"
        if manual and Capability.CAPTURE not in self.payments.capabilities:
            manual = False
        order = self.orders.create(lines, CaptureMode.MANUAL if manual else CaptureMode.AUTOMATIC)
        base = self.base_url(request)
        callback_url = f"{base}{CALLBACK_PATH}"
        parts = urlsplit(callback_url)
        try:
            payment_request = PaymentRequest(
                external_id=order.id,
                amount=order.total,
                items=[
                    LineItem(
                        product_id=line.product_id,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        description=line.name,
                    )
                    for line in order.lines
                ],
                callback_url=callback_url,
                success_url=f"{base}/checkout/success/{order.id}",
                fail_url=f"{base}/checkout/fail/{order.id}",
                capture=order.capture,
                locale="en",
                require_items_total=True,
                # Plain http is only for a shop and a gateway emulator on this machine.
                allow_insecure_callback=parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS,
            )
            payment = await self.payments.create_payment(payment_request)
        except PaymentError as exc:
            logger.warning("checkout of order %s failed: %s", order.id, exc)
            self.orders.checkout_failed(order.id, exc.message)
            failed = self.orders.get(order.id) or order
            page = templates.order_page(
                failed,
                heading="Checkout failed",
                lead="The payment could not be started. Your cart is kept; try again later.",
                cart_count=self.cart_count(request),
            )
            return HTMLResponse(page, status_code=502)
        self.orders.attach(order.id, payment)
        self.carts.clear(cart_id)
        return RedirectResponse(payment.redirect_url or f"/orders/{order.id}", status_code=303)

    async def returned(self, request: Request) -> Response:
        """The success and fail URLs: show the order after asking the gateway once."""
        outcome = request.path_params["outcome"]
        if outcome not in ("success", "fail"):
            raise HTTPException(404, "Not found")
        order = self._order(request)
        notice = await self._poll(order.payment_id) if order.payment_id else None
        order = self.orders.get(order.id) or order
        heading, lead = _return_text(order, outcome == "success")
        page = templates.order_page(
            order,
            heading=heading,
            lead=lead,
            cart_count=self.cart_count(request),
            notice=notice,
            notice_kind="error",
        )
        return HTMLResponse(page)

    async def order(self, request: Request) -> Response:
        order = self._order(request)
        page = templates.order_page(order, cart_count=self.cart_count(request))
        return HTMLResponse(page)

    # -- the provider's callback ------------------------------------------------------------

    async def callback(self, request: Request) -> Response:
        body = await request.body()  # the raw bytes: the signature covers exactly these
        # The caller's address, for gateways that publish where their callbacks come
        # from (TBC, whose callbacks are unsigned); the others ignore it. Behind a
        # reverse proxy, uvicorn's --forwarded-allow-ips must name the proxy so that
        # this is the gateway's address and not the proxy's.
        remote_addr = request.client.host if request.client is not None else None
        try:
            event = await self.payments.parse_webhook(
                request.headers, body, remote_addr=remote_addr
            )
        except WebhookVerificationError as exc:
            logger.warning("refused a callback: %s", exc)
            return JSONResponse({"error": exc.code.value}, status_code=400)
        except PaymentError as exc:
            # Not the callback's fault (the gateway could not be asked, the journal is
            # down): a 5xx, so that the gateway delivers it again later.
            logger.warning("could not handle a callback now: %s", exc)
            return JSONResponse({"error": exc.code.value}, status_code=503)
        # With a journal the facade has already told repeats apart, across workers
        # and restarts; the order book's own memory covers a shop without one.
        if event.duplicate or not self.orders.first_delivery(event.id):
            return JSONResponse({"result": "duplicate"})
        try:
            result = self.orders.apply(event.payment, "callback")
        except Exception:
            await self.payments.forget_webhook(event)  # its redelivery applies again
            raise
        if result is Update.UNKNOWN:
            logger.warning("callback for unknown payment %s", event.payment.id)
        return JSONResponse({"result": result.value})

    # -- admin ---------------------------------------------------------------------------

    async def admin(self, request: Request) -> Response:
        notice, kind = self._flash.pop(request.query_params.get("notice"))
        page = templates.admin_page(
            self.orders.all(),
            gateway=f"{self.payments.name} ({self.payments.provider.name})",
            capabilities=self.payments.capabilities,
            notice=notice,
            notice_kind=kind,
        )
        return HTMLResponse(page)

    async def admin_action(self, request: Request) -> Response:
        action = str(request.path_params["action"])
        if action not in ADMIN_ACTIONS:
            raise HTTPException(404, "No such action")
        if not _same_origin(request):
            raise HTTPException(403, "Cross-site form posts are refused")
        order = self._order(request)
        form = await _form(request)
        text, kind = await self._run_admin_action(order, action, form.get("amount", "").strip())
        token = self._flash.put(text, kind)
        return RedirectResponse(f"/admin?notice={token}#order-{order.id}", status_code=303)

    async def _run_admin_action(
        self, order: Order, action: str, amount_text: str
    ) -> tuple[str, str]:
        payment_id = order.payment_id
        if payment_id is None:
            return f"Order {order.id} has no payment.", "error"
        if action == "refresh":
            problem = await self._poll(payment_id, "admin")
            return problem or f"Order {order.id} refreshed.", "error" if problem else "ok"
        try:
            amount = Money(amount_text, order.total.currency) if amount_text else None
            if action == "refund":
                operation = await self.payments.refund(payment_id, amount)
            elif action == "capture":
                operation = await self.payments.capture(payment_id, amount)
            else:
                operation = await self.payments.void(payment_id)
        except PaymentError as exc:
            self.orders.note(order.id, "admin", f"{action} failed: {exc.message}")
            return f"Order {order.id}: {action} failed: {exc.message}", "error"
        what = "the full amount" if amount is None else str(amount)
        if action == "void":
            what = "the hold"
        self.orders.note(
            order.id,
            "admin",
            f"{action} of {what} requested; gateway: {operation.status.value}",
        )
        # The answer may only say "received": the payment's own status tells the outcome.
        problem = await self._poll(payment_id, "admin")
        current = self.orders.get(order.id) or order
        text = f"Order {order.id}: {action} of {what} requested (gateway: "
        text += f"{operation.status.value}). The order is now {current.status.value}."
        return (f"{text} {problem}", "error") if problem else (text, "ok")

    # -- the dummy gateway's stand-in payment page --------------------------------------------

    async def dummy_page(self, request: Request) -> Response:
        self._dummy()
        payment_id = str(request.path_params["payment_id"])
        try:
            payment = await self.payments.get_payment(payment_id)
        except PaymentError as exc:
            raise HTTPException(404, exc.message) from None
        order = self.orders.find_by_payment(payment_id)
        if payment.status not in (PaymentStatus.CREATED, PaymentStatus.PENDING):
            page = templates.message_page(
                "Payment closed",
                f"This payment is already {payment.status.value}.",
                link=f"/orders/{order.id}" if order else "/",
            )
            return HTMLResponse(page, status_code=409)
        return HTMLResponse(templates.dummy_pay_page(payment, order))

    async def dummy_submit(self, request: Request) -> Response:
        provider = self._dummy()
        payment_id = str(request.path_params["payment_id"])
        outcome = (await _form(request)).get("outcome")
        try:
            if outcome == "succeed":
                provider.complete(payment_id, "succeed")
            elif outcome == "decline":
                provider.complete(
                    payment_id, "decline", decline_code=DeclineCode.INSUFFICIENT_FUNDS
                )
            else:
                raise HTTPException(400, "outcome must be succeed or decline")
            headers, body = provider.webhook_for(payment_id)
        except PaymentError as exc:
            page = templates.message_page("Payment closed", exc.message)
            return HTMLResponse(page, status_code=409)
        # Like a real gateway, deliver the signed callback to the shop's endpoint; here
        # in process, through the same route and verification as any other callback.
        transport = httpx.ASGITransport(app=request.app)
        async with httpx.AsyncClient(
            transport=transport, base_url=self.base_url(request)
        ) as client:
            answer = await client.post(CALLBACK_PATH, content=body, headers=headers)
        if answer.status_code != 200:
            logger.error("the shop refused the dummy's callback: %s", answer.text)
        order = self.orders.find_by_payment(payment_id)
        if order is None:
            return RedirectResponse("/", status_code=303)
        # Back to the shop's return page, as the gateway's page would send the customer.
        target = "success" if outcome == "succeed" else "fail"
        url = f"{self.base_url(request)}/checkout/{target}/{order.id}"
        return RedirectResponse(url, status_code=303)


def _error_page(cart_count: Callable[[Request], int]) -> Callable[..., Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "Something went wrong."
        title = {404: "Not found", 403: "Forbidden", 400: "Bad request"}.get(status, "Error")
        page = templates.message_page(title, str(detail), cart_count=cart_count(request))
        return HTMLResponse(page, status_code=status)

    return handler


def create_app(
    payments: AsyncPayments,
    *,
    orders: OrderBook | None = None,
    carts: Carts | None = None,
    catalog: tuple[Product, ...] = PRODUCTS,
    public_url: str | None = None,
    close_payments: bool = False,
) -> Starlette:
    """The shop around ``payments`` (any configured gateway).

    ``public_url`` is the shop's address as the gateway and the customer's browser
    reach it (callback, success and fail URLs); by default each request's own base
    URL. With ``close_payments`` the app closes ``payments`` when it shuts down.
    The :class:`Shop` is at ``app.state.shop``.
    """
    shop = Shop(
        payments,
        orders=orders or OrderBook(),
        carts=carts or Carts(),
        catalog=catalog,
        public_url=public_url,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if close_payments:
                await payments.aclose()

    routes = [
        Route("/", shop.products, methods=["GET"]),
        Route("/cart", shop.cart, methods=["GET"]),
        Route("/cart/add", shop.cart_add, methods=["POST"]),
        Route("/cart/remove", shop.cart_remove, methods=["POST"]),
        Route("/checkout", shop.checkout, methods=["POST"]),
        Route("/checkout/{outcome:str}/{order_id:str}", shop.returned, methods=["GET"]),
        Route("/orders/{order_id:str}", shop.order, methods=["GET"]),
        Route(CALLBACK_PATH, shop.callback, methods=["POST"]),
        Route("/admin", shop.admin, methods=["GET"]),
        Route("/admin/orders/{order_id:str}/{action:str}", shop.admin_action, methods=["POST"]),
        Route("/dummy-pay/{payment_id:str}", shop.dummy_page, methods=["GET"]),
        Route("/dummy-pay/{payment_id:str}", shop.dummy_submit, methods=["POST"]),
    ]
    error_page = _error_page(shop.cart_count)
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: error_page},
    )
    app.state.shop = shop
    return app
