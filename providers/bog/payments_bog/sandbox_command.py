"""``payments sandbox bog``: run the BOG emulator on loopback for local development.

Registered under the ``payments_core.sandboxes`` entry point, so the core's
command line finds it without knowing about BOG.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

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
    type=click.IntRange(0, 65535),
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
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the callback public key here and keep it "
    "(default: a temporary file, removed when the emulator stops).",
)
def command(host: str, port: int, client_id: str, client_secret: str,
            token_lifetime: int, key_file: Path | None) -> None:  # fmt: skip
    """Run the BOG emulator until interrupted, and print how to point the provider at it."""
    sandbox = BogSandbox(
        client_id=client_id, client_secret=client_secret, token_lifetime=token_lifetime
    )
    server = sandbox.serve(host=host, port=port)
    try:
        url = server.__enter__()
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None
    try:
        with _stopped_by_signals(), _public_key_file(sandbox.public_key_pem, key_file) as path:
            settings = sandbox.provider_settings()
            env = {
                "PAYMENTS_PROVIDER": "bog",
                "BOG_CLIENT_ID": settings["client_id"],
                "BOG_CLIENT_SECRET": settings["client_secret"],
                "BOG_ENVIRONMENT": settings["environment"],
                "BOG_API_BASE_URL": settings["api_base_url"],
                "BOG_TOKEN_URL": settings["token_url"],
                "BOG_CALLBACK_PUBLIC_KEY": str(path),
                "BOG_ALLOW_INSECURE_CALLBACK_URL": "true",
            }
            click.echo(f"BOG emulator listening on {url}\n")
            click.echo("Point the bog provider at it with these environment variables:\n")
            for name, value in env.items():
                click.echo(f"  export {name}={value}")
            kept = "kept" if key_file is not None else "removed when the emulator stops"
            click.echo(f"\nCallback public key (SHA256withRSA), also in {path} ({kept}):")
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


@contextlib.contextmanager
def _public_key_file(pem: str, wanted: Path | None) -> Iterator[Path]:
    """The key in ``wanted`` (kept), or in a temporary file removed on the way out.

    Each start makes a new key pair, so a key file left behind would only
    mislead: the temporary one goes when the emulator stops.
    """
    if wanted is not None:
        try:
            wanted.write_text(pem, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(
                f"cannot write the key file {wanted}: {exc.strerror or exc}"
            ) from None
        yield wanted
        return
    descriptor, name = tempfile.mkstemp(prefix="bog-sandbox-", suffix=".pem")
    path = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(pem)
        yield path
    finally:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP stop the emulator like Ctrl+C, so clean-up runs.

    Signal handlers can only be set from the main thread; elsewhere (a test
    runner's thread) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    wanted = [signal.SIGTERM]
    if hasattr(signal, "SIGHUP"):
        wanted.append(signal.SIGHUP)
    previous = {signum: signal.signal(signum, interrupt) for signum in wanted}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
