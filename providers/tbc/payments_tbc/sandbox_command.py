"""``payments sandbox tbc``: run the TBC emulator on loopback for local development.

Registered under the ``payments_core.sandboxes`` entry point, so the core's
command line finds it without knowing about TBC.
"""

from __future__ import annotations

import threading

import click

from payments_tbc.demo import sandbox_settings
from payments_tbc.sandbox import TEST_CARDS, TbcSandbox

__all__ = ["command"]


@click.command(name="tbc")
@click.option(
    "--port",
    default=8087,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port on 127.0.0.1 to listen on (0 picks a free one).",
)
@click.option("--api-key", default="sandbox-apikey", show_default=True)
@click.option("--client-id", default="7001234", show_default=True)
@click.option(
    "--client-secret",
    default="sandbox-secret",
    show_default=True,
    help="A made-up secret: the emulator guards no money.",
)
def command(port: int, api_key: str, client_id: str, client_secret: str) -> None:
    """Run the TBC emulator until interrupted, and print how to point the provider at it."""
    sandbox = TbcSandbox(api_key=api_key, client_id=client_id, client_secret=client_secret)
    server = sandbox.serve(port)
    try:
        url = server.__enter__()
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc}") from None
    try:
        settings = sandbox_settings(sandbox, url)
        env = {
            "PAYMENTS_PROVIDER": "tbc",
            "TBC_API_KEY": settings["api_key"],
            "TBC_CLIENT_ID": settings["client_id"],
            "TBC_CLIENT_SECRET": settings["client_secret"],
            "TBC_API_BASE_URL": settings["api_base_url"],
            "TBC_CALLBACK_ADDRESSES": ",".join(settings["callback_addresses"]),
            "TBC_ALLOW_INSECURE_CALLBACK_URL": "true",
        }
        click.echo(f"TBC emulator listening on {url}\n")
        click.echo("Point the tbc provider at it with these environment variables:\n")
        for name, value in env.items():
            click.echo(f"  export {name}={value}")
        click.echo('\nCallbacks are unsigned ({"PaymentId": ...}) and come from 127.0.0.1.')
        click.echo("Test cards on the checkout page:")
        for card in TEST_CARDS.values():
            click.echo(f"  {card.number}  {card.label_en}")
        click.echo("\nPress Ctrl+C to stop.")
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("\nstopped")
    finally:
        server.__exit__(None, None, None)
