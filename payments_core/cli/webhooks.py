"""``payments webhook verify``: check a saved callback against the configured gateway.

Support work: a callback saved from a log or a proxy (its headers and its raw
body, byte for byte) is verified exactly as the gateway's endpoint would, and
the payment it carries is shown.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from payments_core.cli.operations import show_payment
from payments_core.cli.options import dump, errors, gateway_options, json_option, open_gateway
from payments_core.errors import ErrorCode, InvalidRequestError

__all__ = ["webhook"]


@click.group()
def webhook() -> None:
    """Work with saved callbacks."""


def _read_headers(path: Path) -> list[tuple[str, str]]:
    """Headers from a JSON object, else from ``Name: value`` lines."""
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
@gateway_options
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
@json_option
def verify(
    config_path: str | None, gateway: str | None, headers_path: Path, body_path: Path, as_json: bool
) -> None:
    """Verify a saved callback's signature and show the payment it carries."""
    with errors(as_json):
        try:
            headers = _read_headers(headers_path)
            body = body_path.read_bytes()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidRequestError(
                f"cannot read the callback files: {exc}", code=ErrorCode.INVALID_REQUEST
            ) from None
        with open_gateway(config_path, gateway) as payments:
            event = payments.parse_webhook(headers, body)
        if as_json:
            dump(
                {
                    "verified": True,
                    "event_id": event.id,
                    "type": event.type,
                    "payment": event.payment.model_dump(mode="json", exclude={"raw"}),
                }
            )
        else:
            click.echo(f"signature OK: event {event.type} ({event.id})")
            show_payment(event.payment, as_json=False)
