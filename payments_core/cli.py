"""The ``payments`` command: inspect providers, run the demo, operate a gateway.

Errors print one line on stderr and exit with status 1 (a payment error) or 2
(bad usage), never a traceback. ``--json`` prints data for scripts.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TypeVar

import click

from payments_core.config import CONFIG_ENV, load_config, load_env, require_settings
from payments_core.demo import DemoStep, load_stage, run_demo
from payments_core.errors import ErrorCode, InvalidRequestError, PaymentError
from payments_core.gateway import Payments
from payments_core.journal.commands import DEFAULT_JOURNAL
from payments_core.journal.commands import journal as journal_commands
from payments_core.models import LineItem, Operation, Payment, PaymentRequest
from payments_core.money import Money
from payments_core.provider import Capability
from payments_core.registry import default_registry, load_entry_point

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@contextmanager
def _errors(as_json: bool = False) -> Iterator[None]:
    """Turn a PaymentError into one line (or a JSON object) and exit status 1."""
    try:
        yield
    except PaymentError as exc:
        if as_json:
            _dump(exc.to_dict())
        else:
            click.echo(f"error: {exc} [{exc.code.value}]", err=True)
        sys.exit(1)


def _json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print data as JSON.")(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="payments-core")
def main() -> None:
    """Provider-agnostic payments: one checkout, any gateway."""


# -- providers ------------------------------------------------------------------------


@main.command()
@_json_option
def providers(as_json: bool) -> None:
    """List the installed providers, their capabilities and any load error."""
    infos = default_registry.providers()
    if as_json:
        _dump(
            [
                {
                    "name": info.name,
                    "source": info.source,
                    "capabilities": sorted(c.value for c in info.capabilities),
                    "error": info.error,
                }
                for info in infos
            ]
        )
        return
    if not infos:
        click.echo("no providers installed")
        return
    width = max(len(info.name) for info in infos)
    for info in infos:
        if info.ok:
            caps = ", ".join(sorted(c.value for c in info.capabilities))
            click.echo(f"{info.name:<{width}}  {caps}")
        else:
            click.echo(f"{info.name:<{width}}  failed to load: {info.error}")


# -- demo ---------------------------------------------------------------------------------


class _Progress:
    """One line on a terminal saying what the demo waits for, erased by the next step."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._shown = False

    def show(self, what: str) -> None:
        if self.enabled:
            click.echo(f"\r  ...    waiting for {what}\x1b[K", nl=False)
            self._shown = True

    def clear(self) -> None:
        if self._shown:
            click.echo("\r\x1b[K", nl=False)
            self._shown = False


@contextmanager
def _notes() -> Iterator[None]:
    """Show the library's warnings as short notes on stderr while a command runs.

    The library's loggers stay silent in programs that configure no logging; the
    command line is where a warning (a plain-http callback URL) should be seen.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("  note: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def _print_step(step: DemoStep) -> None:
    status = step.status.value if step.status else ""
    click.echo(f"  {step.elapsed:5.2f}s  {step.title:<18} {status:<20} {step.detail}")


@main.command()
@click.option(
    "--provider",
    default="bog",
    show_default=True,
    help="Provider whose demo stage to run (bog uses its local emulator).",
)
@_json_option
def demo(provider: str, as_json: bool) -> None:
    """Run a whole payment's life against a local stand-in of the provider."""
    with _errors(as_json):
        stage_factory = load_stage(provider)
        steps: list[DemoStep] = []
        if not as_json:
            click.echo(f"payments demo: provider {provider}, everything local\n")
        progress = _Progress(enabled=not as_json and sys.stdout.isatty())
        with _notes(), stage_factory() as stage:
            for step in run_demo(stage, on_wait=progress.show):
                progress.clear()
                steps.append(step)
                if not as_json:
                    _print_step(step)
        if as_json:
            _dump(
                [
                    {
                        "step": s.title,
                        "status": s.status.value if s.status else None,
                        "detail": s.detail,
                        "elapsed": round(s.elapsed, 3),
                        **s.data,
                    }
                    for s in steps
                ]
            )
        else:
            final = steps[-1].status.value if steps and steps[-1].status else "unknown"
            click.echo(f"\ndone in {steps[-1].elapsed:.2f}s: payment is {final}")


# -- operations against the configured gateway --------------------------------------------


def _gateway_options(func: F) -> F:
    func = click.option(
        "--gateway",
        "gateway",
        default=None,
        help="Name of a configured gateway (default: the default one).",
    )(func)
    func = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        envvar=CONFIG_ENV,
        help=f"TOML configuration file (or ${CONFIG_ENV}); else the environment.",
    )(func)
    return func


@contextmanager
def _open(config_path: str | None, gateway: str | None) -> Iterator[Payments]:
    """The gateway of ``--config`` (with the environment), else of the environment alone.

    A required setting found nowhere is reported with the variable to set; the
    library's warnings show as notes on stderr while the gateway is open.
    """
    if config_path:
        config = load_config(Path(config_path)).get(gateway)
    else:
        config = load_env(default_registry, gateway)
    require_settings(config, default_registry.get(config.provider))
    with (
        _notes(),
        Payments(
            config.provider,
            name=config.name,
            provider_settings=config.settings,
            journal=_journal_for(config.journal),
        ) as payments,
    ):
        yield payments


def _journal_for(configured: str | None) -> str | None:
    """The configured journal, else the embedded default when the extra is installed."""
    if configured:
        return configured
    if importlib.util.find_spec("sqlalchemy") is None:
        return None
    return DEFAULT_JOURNAL


def _show_payment(payment: Payment, as_json: bool) -> None:
    if as_json:
        _dump(payment.model_dump(mode="json", exclude={"raw"}))
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
        _dump(operation.model_dump(mode="json", exclude={"raw"}))
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


@main.command()
@_gateway_options
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
@_json_option
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
    with _errors(as_json), _insecure_callback_hint(callback_url, allow_insecure_callback):
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
        with _open(config_path, gateway) as payments:
            _show_payment(payments.create_payment(request), as_json)


@main.command()
@_gateway_options
@click.argument("payment_id")
@_json_option
def status(config_path: str | None, gateway: str | None, payment_id: str, as_json: bool) -> None:
    """Show a payment as the provider sees it now."""
    with _errors(as_json), _open(config_path, gateway) as payments:
        _show_payment(payments.get_payment(payment_id), as_json)


def _money_operation(name: str, help_text: str) -> None:
    @main.command(name=name, help=help_text)
    @_gateway_options
    @click.argument("payment_id")
    @click.option("--amount", default=None, help="Part of the amount (default: all of it).")
    @click.option("--currency", default=None, help="Currency of --amount (default: the payment's).")
    @click.option("--idempotency-key", default=None)
    @_json_option
    def command(
        config_path: str | None,
        gateway: str | None,
        payment_id: str,
        amount: str | None,
        currency: str | None,
        idempotency_key: str | None,
        as_json: bool,
    ) -> None:
        with _errors(as_json):
            # A bad amount is refused before the gateway is opened.
            money = None if amount is None or currency is None else Money(amount, currency)
            with _open(config_path, gateway) as payments:
                if amount is not None and money is None:
                    money = Money(amount, _currency_of(payments, payment_id))
                method = payments.refund if name == "refund" else payments.capture
                _show_operation(method(payment_id, money, idempotency_key=idempotency_key), as_json)


def _currency_of(payments: Payments, payment_id: str) -> str:
    """The payment's currency, read from the gateway (for --amount without --currency)."""
    if Capability.RETRIEVE not in payments.capabilities:
        raise InvalidRequestError(
            f"--amount needs --currency: provider {payments.provider.name!r} cannot read "
            "the payment to learn its currency",
            field="currency",
        )
    return payments.get_payment(payment_id).amount.currency


_money_operation("refund", "Refund a payment, fully or (with --amount) partly.")
_money_operation("capture", "Capture an authorized payment, fully or partly.")


@main.command()
@_gateway_options
@click.argument("payment_id")
@click.option("--idempotency-key", default=None)
@_json_option
def void(
    config_path: str | None,
    gateway: str | None,
    payment_id: str,
    idempotency_key: str | None,
    as_json: bool,
) -> None:
    """Release an authorization without capturing it."""
    with _errors(as_json), _open(config_path, gateway) as payments:
        _show_operation(payments.void(payment_id, idempotency_key=idempotency_key), as_json)


# -- scaffolding -----------------------------------------------------------------------------


@main.command(name="new-provider")
@click.argument("name")
@click.option(
    "--target",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory to create the package in.",
)
@click.option("--force", is_flag=True, help="Rewrite the generated files of an existing package.")
def new_provider(name: str, target: Path, force: bool) -> None:
    """Create a provider package NAME wired to the conformance kit."""
    from payments_core.scaffold import create_provider_package

    with _errors():
        path = create_provider_package(name, target, force=force)
    click.echo(f"created {path}")
    click.echo("next steps:")
    click.echo(f'  cd {path} && pip install -e ".[test]" && pytest')


# -- sandboxes ------------------------------------------------------------------------------

SANDBOXES_NAMESPACE = "payments_core.sandboxes"


class _SandboxGroup(click.Group):
    """Subcommands come from provider packages (``payments_core.sandboxes`` entry points)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(ep.name for ep in entry_points(group=SANDBOXES_NAMESPACE))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        try:
            command = load_entry_point(SANDBOXES_NAMESPACE, cmd_name, "sandbox")
        except PaymentError as exc:
            raise click.ClickException(exc.message) from None
        return command if isinstance(command, click.Command) else None


@main.group(cls=_SandboxGroup)
def sandbox() -> None:
    """Run a provider's local emulator (e.g. payments sandbox bog --port 8086)."""


# -- webhooks -----------------------------------------------------------------------------


@main.group()
def webhook() -> None:
    """Work with saved callbacks."""


def _read_headers(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        return [(str(k), str(v)) for k, v in data.items()]
    headers = []
    for line in text.splitlines():
        if ":" in line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return headers


@webhook.command()
@_gateway_options
@click.option(
    "--headers",
    "headers_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The callback's headers: JSON object or 'Name: value' lines.",
)
@click.option(
    "--body",
    "body_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The callback's raw body, byte for byte.",
)
@_json_option
def verify(
    config_path: str | None, gateway: str | None, headers_path: Path, body_path: Path, as_json: bool
) -> None:
    """Verify a saved callback's signature and show the payment it carries."""
    with _errors(as_json):
        try:
            headers = _read_headers(headers_path)
            body = body_path.read_bytes()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidRequestError(
                f"cannot read the callback files: {exc}", code=ErrorCode.INVALID_REQUEST
            ) from None
        with _open(config_path, gateway) as payments:
            event = payments.parse_webhook(headers, body)
        if as_json:
            _dump(
                {
                    "verified": True,
                    "event_id": event.id,
                    "type": event.type,
                    "payment": event.payment.model_dump(mode="json", exclude={"raw"}),
                }
            )
        else:
            click.echo(f"signature OK: event {event.type} ({event.id})")
            _show_payment(event.payment, as_json=False)


main.add_command(journal_commands)


if __name__ == "__main__":  # pragma: no cover
    main()
