"""``payments sandbox bog``: run the BOG emulator on loopback for local development.

Registered under the ``payments_core.sandboxes`` entry point, so the core's
command line finds it without knowing about BOG.
"""

from __future__ import annotations

import tempfile
import threading

import click

from payments_bog.sandbox import TEST_CARDS, BogSandbox

__all__ = ["command"]


@click.command(name="bog")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Loopback address to listen on (other addresses are refused).",
)
@click.option(
    "--port",
    default=8086,
    show_default=True,
    type=int,
    help="Port to listen on (0 picks a free one).",
)
@click.option("--client-id", default="sandbox-client", show_default=True)
@click.option(
    "--client-secret",
    default="sandbox-secret",
    show_default=True,
    help="A made-up secret: the emulator guards no money.",
)
@click.option(
    "--token-lifetime",
    default=3600,
    show_default=True,
    type=int,
    help="Seconds an access token lives.",
)
def command(host: str, port: int, client_id: str, client_secret: str,
            token_lifetime: int) -> None:  # fmt: skip
    """Run the BOG emulator until interrupted, and print how to point the provider at it."""
    sandbox = BogSandbox(
        client_id=client_id, client_secret=client_secret, token_lifetime=token_lifetime
    )
    try:
        server = sandbox.serve(host=host, port=port)
        url = server.__enter__()
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        with tempfile.NamedTemporaryFile(
            "w", prefix="bog-sandbox-", suffix=".pem", delete=False
        ) as key_file:
            key_file.write(sandbox.public_key_pem)
        settings = sandbox.provider_settings()
        env = {
            "PAYMENTS_PROVIDER": "bog",
            "BOG_CLIENT_ID": settings["client_id"],
            "BOG_CLIENT_SECRET": settings["client_secret"],
            "BOG_ENVIRONMENT": settings["environment"],
            "BOG_API_BASE_URL": settings["api_base_url"],
            "BOG_TOKEN_URL": settings["token_url"],
            "BOG_CALLBACK_PUBLIC_KEY": key_file.name,
            "BOG_ALLOW_INSECURE_CALLBACK_URL": "true",
        }
        click.echo(f"BOG emulator listening on {url}\n")
        click.echo("Point the bog provider at it with these environment variables:\n")
        for name, value in env.items():
            click.echo(f"  export {name}={value}")
        click.echo("\nCallback public key (SHA256withRSA), also in the file above:")
        click.echo(sandbox.public_key_pem)
        click.echo("Test cards on the payment page:")
        for card in TEST_CARDS.values():
            click.echo(f"  {card.number}  {card.label_en}")
        click.echo("\nPress Ctrl+C to stop.")
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("\nstopped")
    finally:
        server.__exit__(None, None, None)
