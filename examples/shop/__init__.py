"""A small web shop built on payments-core.

Products, a cart, checkout through whichever gateway the configuration names
(the local BOG emulator by default, the in-memory dummy as the other), return
pages, a verified callback endpoint and an admin page for refunds and
pre-authorization capture or void. Run it from the repository root with::

    .venv/bin/python -m examples.shop               # BOG emulator + shop on 127.0.0.1
    .venv/bin/python -m examples.shop --gateway dummy

:func:`examples.shop.app.create_app` builds the ASGI app around an
:class:`~payments_core.AsyncPayments` you configure.
"""

from examples.shop.app import create_app
from examples.shop.cart import Carts
from examples.shop.orders import Order, OrderBook, Update

__all__ = ["Carts", "Order", "OrderBook", "Update", "create_app"]
