"""``payments providers|new-provider|sandbox``: the provider packages around the core.

List what is installed (and what failed to load), scaffold a new provider
package, and run a provider's local emulator. Sandboxes are subcommands that
provider packages publish (entry-point group ``payments_core.sandboxes``), loaded
only when named, so listing the commands never imports an emulator's web stack.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import click

from payments_core.cli.options import dump, errors, json_option
from payments_core.errors import PaymentError
from payments_core.registry import default_registry, load_entry_point

__all__ = ["SANDBOXES_NAMESPACE", "new_provider", "providers", "sandbox"]

SANDBOXES_NAMESPACE = "payments_core.sandboxes"


@click.command()
@json_option
def providers(as_json: bool) -> None:
    """List the installed providers, their capabilities and any load error."""
    infos = default_registry.providers()
    if as_json:
        dump(
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


@click.command(name="new-provider")
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

    with errors():
        path = create_provider_package(name, target, force=force)
    click.echo(f"created {path}")
    click.echo("next steps:")
    click.echo(f'  cd {path} && pip install -e ".[test]" && pytest')


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


@click.group(cls=_SandboxGroup)
def sandbox() -> None:
    """Run a provider's local emulator (e.g. payments sandbox bog --port 8086)."""
