"""``payments journal``: migrate the schema, show a payment's history, reconcile.

The database comes from ``--journal``, else ``PAYMENTS_JOURNAL``, else the
``journal`` key of ``--config`` (``PAYMENTS_CONFIG``), else the embedded
default ``sqlite:///payments.db``. Nothing here imports SQLAlchemy until a
command runs, so ``payments`` works without the journal extra.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from payments_core.cli.options import config_option, errors, json_option
from payments_core.config import JOURNAL_ENV, load_config
from payments_core.gateway import Payments
from payments_core.journal import DEFAULT_JOURNAL

if TYPE_CHECKING:
    from payments_core.journal import Journal, ReconcileReport

__all__ = ["journal", "journal_url"]

F = TypeVar("F", bound=Callable[..., object])


def journal_url(given: str | None, config_path: str | None) -> str:
    """The journal's URL by the precedence in the module docs."""
    if given:
        return given
    if config_path:
        table = load_config(Path(config_path))
        configured = table.get().journal
        if configured:
            return configured
    return DEFAULT_JOURNAL


@contextmanager
def _journal(
    given: str | None, config_path: str | None, *, check: bool = True
) -> Iterator[Journal]:
    from payments_core.journal import Journal

    opened = Journal(journal_url(given, config_path), create=False)
    try:
        if check:
            opened.check()
        yield opened
    finally:
        opened.close()


def _options(func: F) -> F:
    """``--config`` and ``--journal``: which database a command works on."""
    func = click.option(
        "--journal",
        "journal_option",
        default=None,
        envvar=JOURNAL_ENV,
        help=f"Database URL (or ${JOURNAL_ENV}); default {DEFAULT_JOURNAL}.",
    )(func)
    return config_option(func)


@click.group()
def journal() -> None:
    """The durable journal: schema, payment history, reconciliation."""


@journal.command()
@_options
def migrate(journal_option: str | None, config_path: str | None) -> None:
    """Create the journal's tables, or bring them to this version's schema."""
    with errors(), _journal(journal_option, config_path, check=False) as opened:
        before, after = opened.migrate()
        if before == after:
            click.echo(f"{opened!r}: schema already at version {after}")
        else:
            click.echo(f"{opened!r}: schema version {before} -> {after}")


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


@journal.command()
@_options
@click.option("--gateway", default=None, help="Only this gateway's records.")
@json_option
@click.argument("payment_id")
def show(
    journal_option: str | None,
    config_path: str | None,
    gateway: str | None,
    as_json: bool,
    payment_id: str,
) -> None:
    """A payment's latest known state, its operations and its audit trail."""
    with errors(), _journal(journal_option, config_path) as opened:
        history = opened.history(payment_id, gateway)
    if not (history.states or history.operations or history.events):
        click.echo(f"error: the journal holds nothing about payment {payment_id!r}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "payment_id": payment_id,
                    "states": {
                        name: state.model_dump(mode="json", exclude={"raw"})
                        for name, state in history.states
                    },
                    "operations": [vars(record) for record in history.operations],
                    "events": [vars(event) for event in history.events],
                },
                indent=2,
                default=str,
            )
        )
        return
    for name, state in history.states:
        amounts = [f"amount {state.amount}"]
        if state.captured_amount is not None:
            amounts.append(f"captured {state.captured_amount}")
        if state.refunded_amount is not None:
            amounts.append(f"refunded {state.refunded_amount}")
        click.echo(f"payment {payment_id} on {name}: {state.status.value} ({', '.join(amounts)})")
    if history.operations:
        click.echo("operations:")
    for record in history.operations:
        amount = f" {record.amount}" if record.amount else ""
        flag = f"  FLAGGED: {record.flag_reason}" if record.flagged else ""
        outcome = f" -> {record.outcome_status}" if record.outcome_status else ""
        click.echo(
            f"  {record.operation}{amount}  {record.state}{outcome}  key {record.idempotency_key}"
            f"  attempts {record.attempts}{flag}"
        )
    if history.events:
        click.echo("history:")
    for event in history.events:
        move = f"{event.from_state or '-'} -> {event.to_state}" if event.to_state else ""
        click.echo(f"  {_when(event.at)}  {event.kind:<9} {event.action:<13} {move}")


@journal.command()
@_options
@json_option
def flagged(journal_option: str | None, config_path: str | None, as_json: bool) -> None:
    """Operations reconciliation could not settle: each needs a person to look."""
    with errors(), _journal(journal_option, config_path) as opened:
        records = opened.flagged()
    if as_json:
        click.echo(json.dumps([vars(record) for record in records], indent=2, default=str))
        return
    for record in records:
        amount = f" {record.amount}" if record.amount else ""
        click.echo(
            f"{record.gateway} {record.operation}{amount} payment {record.payment_id or '-'} "
            f"key {record.idempotency_key}: {record.state}; {record.flag_reason}"
        )
    click.echo(f"{len(records)} flagged")


def _gateways(
    opened: Journal, config_path: str | None
) -> tuple[Callable[[str], Payments], dict[str, Payments]]:
    """Build each gateway the journal names from the configuration, on this journal."""
    built: dict[str, Payments] = {}

    def build(name: str) -> Payments:
        if name not in built:
            if config_path:
                built[name] = Payments.from_config(Path(config_path), gateway=name, journal=opened)
            else:
                built[name] = Payments.from_env(None if name == "default" else name, journal=opened)
        return built[name]

    return build, built


def _print_report(report: ReconcileReport) -> None:
    for resolution in report.resolutions:
        click.echo(
            f"  {resolution.gateway} {resolution.operation} key {resolution.idempotency_key}: "
            f"{resolution.before} -> {resolution.after}"
            + (f" ({resolution.note})" if resolution.note else "")
        )
    click.echo(report.summary())


@journal.command()
@_options
@click.option("--loop", is_flag=True, help="Keep running, every --interval seconds.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between rounds.")
def reconcile(
    journal_option: str | None, config_path: str | None, loop: bool, interval: float
) -> None:
    """Settle unknown and pending operations by asking the gateway; flag what stays open."""
    from payments_core.journal.reconcile import reconcile_loop, reconcile_once

    with errors(), _journal(journal_option, config_path) as opened:
        build, built = _gateways(opened, config_path)
        try:
            if loop:
                reconcile_loop(opened, build, interval=interval, on_report=_print_report)
            else:
                _print_report(reconcile_once(opened, build))
        finally:
            for facade in built.values():
                facade.close()
