"""The ``payments`` command: inspect providers, run the demo, operate a gateway.

Errors print one line on stderr and exit with status 1 (a payment error) or 2
(bad usage), never a traceback. ``--json`` prints data for scripts.

Each command group lives in its own module and this one puts them together:
:mod:`~payments_core.cli.plugins` (providers, new-provider, sandbox),
:mod:`~payments_core.cli.demo`, :mod:`~payments_core.cli.operations` (create,
status, refund, capture, void), :mod:`~payments_core.cli.webhooks` and
:mod:`~payments_core.cli.journal`; what they share (``--config``, ``--json``,
error reporting, opening the configured gateway) is :mod:`~payments_core.cli.options`.
"""

from __future__ import annotations

import click

from payments_core.cli.demo import demo
from payments_core.cli.journal import journal
from payments_core.cli.operations import capture, create, refund, status, void
from payments_core.cli.plugins import new_provider, providers, sandbox
from payments_core.cli.webhooks import webhook

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="payments-core")
def main() -> None:
    """Provider-agnostic payments: one checkout, any gateway."""


main.add_command(providers)
main.add_command(demo)
main.add_command(create)
main.add_command(status)
main.add_command(refund)
main.add_command(capture)
main.add_command(void)
main.add_command(new_provider)
main.add_command(sandbox)
main.add_command(webhook)
main.add_command(journal)
