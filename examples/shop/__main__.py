"""Run the example shop: ``python -m examples.shop [--gateway bog|tbc|dummy]`` from the repo root.

With the BOG gateway (the default) this starts the local BOG emulator and the
shop, both on 127.0.0.1, and prints their URLs; with ``--gateway tbc`` (or
``SHOP_GATEWAY=tbc``) the local TBC emulator instead. Open the shop, buy
something and pay on the emulator's page with test card 4000 0000 0000 0001 (or
...0002 for a decline). With ``--gateway dummy`` only the shop runs, with its
own stand-in payment page. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from payments_bog.sandbox import BogSandbox
from payments_tbc.demo import sandbox_settings as tbc_sandbox_settings
from payments_tbc.sandbox import TbcSandbox

from examples.shop.app import CALLBACK_PATH, create_app
from examples.shop.config import DEFAULT_CONFIG, GATEWAY_ENV, ShopConfig, load_shop_config
from examples.shop.server import bind_loopback, serve_forever, url_of
from payments_core import AsyncPayments, PaymentError

__all__ = ["main", "open_gateway"]


def open_gateway(
    config: ShopConfig, shop_url: str, stack: ExitStack
) -> tuple[AsyncPayments, list[str]]:
    """The configured gateway, with its emulator (BOG or TBC) started when it is used.

    Returns the facade and lines describing what runs where.
    """
    settings: dict[str, Any] = dict(config.gateway.settings)
    lines: list[str] = []
    if config.uses_bog_emulator:
        sandbox = BogSandbox()
        emulator_url = stack.enter_context(sandbox.serve(port=config.emulator_port))
        settings |= sandbox.provider_settings()
        lines += [
            f"BOG emulator   {emulator_url}  (hosted payment page, API, signed callbacks)",
            "               test cards: 4000 0000 0000 0001 pays, 4000 0000 0000 0002 is declined",
        ]
    elif config.uses_tbc_emulator:
        tbc = TbcSandbox()
        emulator_url = stack.enter_context(tbc.serve(port=config.tbc_emulator_port))
        # The emulator's URL and credentials; its callbacks come from 127.0.0.1.
        settings |= tbc_sandbox_settings(tbc, emulator_url)
        lines += [
            f"TBC emulator   {emulator_url}  (hosted checkout page, API, unsigned callbacks)",
            "               test cards: 4000 0000 0000 0001 pays, 4000 0000 0000 0002 is declined",
        ]
    elif config.gateway.provider == "dummy":
        settings["hosted_page_url"] = f"{shop_url}/dummy-pay"
        lines.append(f"dummy gateway  stand-in payment page at {shop_url}/dummy-pay/{{id}}")
    journal = os.environ.get("PAYMENTS_JOURNAL") or config.gateway.journal
    payments = AsyncPayments(
        config.gateway.provider,
        name=config.gateway.name,
        provider_settings=settings,
        journal=journal,
    )
    if journal:
        lines.append(f"journal        {payments.journal!r}")
    return payments, lines


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m examples.shop",
        description="Run the example shop (and the BOG or TBC emulator) on 127.0.0.1.",
    )
    parser.add_argument(
        "--gateway",
        help=f"gateway from the config: bog, tbc or dummy (default: ${GATEWAY_ENV} or bog)",
    )
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="shop TOML file")
    parser.add_argument("--port", type=int, help="shop port (default from the config: 8000)")
    parser.add_argument(
        "--emulator-port",
        type=int,
        help="the gateway's emulator port (default from the config: BOG 8086, TBC 8087)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_shop_config(args.config, gateway=args.gateway)
    except PaymentError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    port = config.port if args.port is None else args.port
    if args.emulator_port is not None:
        config = config.with_emulator_port(args.emulator_port)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        sock = bind_loopback(port)
    except OSError as exc:
        print(f"error: cannot listen on 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    shop_url = url_of(sock)
    with ExitStack() as stack:
        stack.callback(sock.close)
        try:
            payments, lines = open_gateway(config, shop_url, stack)
        except (PaymentError, OSError) as exc:
            print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
            return 1
        app = create_app(payments, public_url=shop_url, close_payments=True)
        gateway = f"{config.gateway.name} ({config.gateway.provider})"
        print(
            "\n".join(
                [
                    f"example shop   {shop_url}/   gateway {gateway}",
                    f"admin          {shop_url}/admin",
                    f"callbacks      {shop_url}{CALLBACK_PATH}",
                    *lines,
                    "Ctrl-C stops.",
                ]
            ),
            flush=True,
        )
        serve_forever(app, sock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
