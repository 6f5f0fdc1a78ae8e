"""``payments demo``: tell one payment's whole life against a local stand-in.

The story itself is :mod:`payments_core.demo`; this command picks the
provider's stage, prints each step as it happens (with a line saying what it
waits for, on a terminal), or the steps as JSON.
"""

from __future__ import annotations

import sys

import click

from payments_core.cli.options import dump, errors, json_option, notes
from payments_core.demo import DemoStep, load_stage, run_demo

__all__ = ["demo"]


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


def _print_step(step: DemoStep) -> None:
    status = step.status.value if step.status else ""
    click.echo(f"  {step.elapsed:5.2f}s  {step.title:<18} {status:<20} {step.detail}")


@click.command()
@click.option(
    "--provider",
    default="bog",
    show_default=True,
    help="Provider whose demo stage to run (bog uses its local emulator).",
)
@json_option
def demo(provider: str, as_json: bool) -> None:
    """Run a whole payment's life against a local stand-in of the provider."""
    with errors(as_json):
        stage_factory = load_stage(provider)
        steps: list[DemoStep] = []
        if not as_json:
            click.echo(f"payments demo: provider {provider}, everything local\n")
        progress = _Progress(enabled=not as_json and sys.stdout.isatty())
        with notes(), stage_factory() as stage:
            for step in run_demo(stage, on_wait=progress.show):
                progress.clear()
                steps.append(step)
                if not as_json:
                    _print_step(step)
        if as_json:
            dump(
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
