"""``payments create|status|refund|capture|void``: operate the configured gateway.

Each command opens the gateway :func:`~payments_core.cli.options.open_gateway`
names, makes one call, and prints the payment or operation: readable lines, or
the model as JSON with ``--json``. Input the library refuses (a bad amount, a
plain-http callback URL) is refused before the gateway is opened where it can be.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from payments_core.cli.options import dump, errors, gateway_options, json_option, open_gateway
from payments_core.errors import InvalidRequestError
from payments_core.gateway import Payments
from payments_core.models import LineItem, Operation, Payment, PaymentRequest
from payments_core.money import Money
from payments_core.provider import Capability

__all__ = ["capture", "create", "refund", "show_payment", "status", "void"]


def show_payment(payment: Payment, as_json: bool) -> None:
    if as_json:
        dump(payment.model_dump(mode="json", exclude={"raw"}))
        return
    rows = [
        ("id", payment.id),
        ("provider", payment.provider),
        ("status", payment.status.value),
        ("amount", str(payment.amount)),
        ("external id", payment.external_id),
        ("captured", payment.captured_amount),
        ("refunded", payment.refunded_amount),
        ("redirect", payment.redirect_url),
        ("decline", payment.decline.code.value if payment.decline else None),
    ]
    for label, value in rows:
        if value is not None:
            click.echo(f"{label:<12} {value}")


def _show_operation(operation: Operation, as_json: bool) -> None:
    if as_json:
        dump(operation.model_dump(mode="json", exclude={"raw"}))
        return
    amount = f" {operation.amount}" if operation.amount else ""
    click.echo(
        f"{operation.kind.value}{amount}: {operation.status.value} "
        f"(operation {operation.id or '-'}, payment {operation.payment_id})"
    )


@contextmanager
def _insecure_callback_hint(callback_url: str, allowed: bool) -> Iterator[None]:
    """Point at --allow-insecure-callback when a plain-http callback URL is refused."""
    try:
        yield
    except InvalidRequestError as exc:
        if exc.field == "callback_url" and not allowed and callback_url[:5].lower() == "http:":
            hint = (
                "; for a receiver on this machine (127.0.0.1, localhost), "
                "pass --allow-insecure-callback"
            )
            raise exc.replace(exc.message + hint) from exc
        raise


@click.command()
@gateway_options
@click.option("--external-id", required=True, help="Your order id.")
@click.option("--amount", required=True, help="Decimal amount, e.g. 12.50.")
@click.option("--currency", required=True, help="ISO 4217 code, e.g. GEL.")
@click.option("--callback-url", required=True, help="HTTPS URL the provider posts results to.")
@click.option(
    "--allow-insecure-callback",
    is_flag=True,
    help="Accept a plain-http callback URL on loopback (a local receiver).",
)
@click.option("--success-url", default=None)
@click.option("--fail-url", default=None)
@click.option("--description", default=None, help="Line item description.")
@click.option("--manual-capture", is_flag=True, help="Only authorize; capture later.")
@click.option("--idempotency-key", default=None)
@json_option
def create(
    config_path: str | None,
    gateway: str | None,
    external_id: str,
    amount: str,
    currency: str,
    callback_url: str,
    allow_insecure_callback: bool,
    success_url: str | None,
    fail_url: str | None,
    description: str | None,
    manual_capture: bool,
    idempotency_key: str | None,
    as_json: bool,
) -> None:
    """Create a payment of one line item and print its redirect URL."""
    with errors(as_json), _insecure_callback_hint(callback_url, allow_insecure_callback):
        money = Money(amount, currency)
        extra: dict[str, Any] = {"idempotency_key": idempotency_key} if idempotency_key else {}
        request = PaymentRequest(
            external_id=external_id,
            amount=money,
            items=[
                LineItem(
                    product_id=external_id, quantity=1, unit_price=money, description=description
                )
            ],
            callback_url=callback_url,
            allow_insecure_callback=allow_insecure_callback,
            success_url=success_url,
            fail_url=fail_url,
            capture="manual" if manual_capture else "automatic",
            **extra,
        )
        with open_gateway(config_path, gateway) as payments:
            show_payment(payments.create_payment(request), as_json)


@click.command()
@gateway_options
@click.argument("payment_id")
@json_option
def status(config_path: str | None, gateway: str | None, payment_id: str, as_json: bool) -> None:
    """Show a payment as the provider sees it now."""
    with errors(as_json), open_gateway(config_path, gateway) as payments:
        show_payment(payments.get_payment(payment_id), as_json)


def _money_operation(name: str, help_text: str) -> click.Command:
    """``refund`` or ``capture``: the same options, a different facade method."""

    @click.command(name=name, help=help_text)
    @gateway_options
    @click.argument("payment_id")
    @click.option("--amount", default=None, help="Part of the amount (default: all of it).")
    @click.option("--currency", default=None, help="Currency of --amount (default: the payment's).")
    @click.option("--idempotency-key", default=None)
    @json_option
    def command(
        config_path: str | None,
        gateway: str | None,
        payment_id: str,
        amount: str | None,
        currency: str | None,
        idempotency_key: str | None,
        as_json: bool,
    ) -> None:
        with errors(as_json):
            # A bad amount is refused before the gateway is opened.
            money = None if amount is None or currency is None else Money(amount, currency)
            with open_gateway(config_path, gateway) as payments:
                if amount is not None and money is None:
                    money = Money(amount, _currency_of(payments, payment_id))
                method = payments.refund if name == "refund" else payments.capture
                _show_operation(method(payment_id, money, idempotency_key=idempotency_key), as_json)

    return command


refund = _money_operation("refund", "Refund a payment, fully or (with --amount) partly.")
capture = _money_operation("capture", "Capture an authorized payment, fully or partly.")


def _currency_of(payments: Payments, payment_id: str) -> str:
    """The payment's currency, read from the gateway (for --amount without --currency)."""
    if Capability.RETRIEVE not in payments.capabilities:
        raise InvalidRequestError(
            f"--amount needs --currency: provider {payments.provider.name!r} cannot read "
            "the payment to learn its currency",
            field="currency",
        )
    return payments.get_payment(payment_id).amount.currency


@click.command()
@gateway_options
@click.argument("payment_id")
@click.option("--idempotency-key", default=None)
@json_option
def void(
    config_path: str | None,
    gateway: str | None,
    payment_id: str,
    idempotency_key: str | None,
    as_json: bool,
) -> None:
    """Release an authorization without capturing it."""
    with errors(as_json), open_gateway(config_path, gateway) as payments:
        _show_operation(payments.void(payment_id, idempotency_key=idempotency_key), as_json)
