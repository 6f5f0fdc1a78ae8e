"""A new provider package in one call: :func:`create_provider_package` (``payments new-provider``).

It writes a complete, minimal plugin that works out of the box: a provider with
real flows for an imaginary REST API (create, retrieve, full and partial refunds,
HMAC-signed callbacks), its packaging (hatchling, the ``payments_core.providers``
entry point), and tests that run the payments-core conformance suite against a
fake of that API behind ``httpx.MockTransport``. A plugin author then changes the
flows and the fake to the real API, keeping the suite green.

The files are rendered from ``payments_core/scaffold/templates/`` (package data,
shipped in the wheel) with :class:`string.Template`; placeholders are ``${name}``,
``${module}``, ``${Class}``, ``${title}``, ``${dist_name}``, ``${env_prefix}`` and
``${core_requirement}``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template
from typing import Final

from payments_core.errors import ConfigurationError, ErrorCode, InvalidRequestError

__all__ = ["TEMPLATE_FILES", "ProviderNames", "create_provider_package", "provider_names"]

TEMPLATE_FILES: Final[tuple[tuple[str, str], ...]] = (
    ("pyproject.toml.tmpl", "pyproject.toml"),
    ("README.md.tmpl", "README.md"),
    ("package/__init__.py.tmpl", "${module}/__init__.py"),
    ("package/provider.py.tmpl", "${module}/provider.py"),
    ("package/py.typed", "${module}/py.typed"),
    ("tests/conftest.py.tmpl", "tests/conftest.py"),
    ("tests/test_conformance.py.tmpl", "tests/test_conformance.py"),
    ("tests/test_provider.py.tmpl", "tests/test_provider.py"),
)
"""``(template under templates/, file in the new package)``; paths are templates too."""

_NAME: Final = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_MAX_NAME: Final = 40
_RESERVED: Final = frozenset({"core"})
"""``core`` would make ``payments_core``: payments-core itself."""


@dataclass(frozen=True)
class ProviderNames:
    """Every spelling of one provider name the generated files use."""

    name: str
    """Entry-point and provider name: ``my_gateway``."""
    module: str
    """Import package: ``payments_my_gateway``."""
    dist_name: str
    """Distribution suffix: ``my-gateway`` (the distribution is ``payments-my-gateway``)."""
    class_prefix: str
    """``MyGateway`` (``MyGatewayProvider``, ``MyGatewaySettings``)."""
    title: str
    """``My Gateway``, for prose."""
    env_prefix: str
    """``MY_GATEWAY_``: the settings' environment variables."""

    @property
    def directory(self) -> str:
        """``payments-my-gateway``: the package's directory, named like its distribution."""
        return f"payments-{self.dist_name}"

    def substitutions(self) -> dict[str, str]:
        from payments_core import __version__

        return {
            "name": self.name,
            "module": self.module,
            "dist_name": self.dist_name,
            "Class": self.class_prefix,
            "title": self.title,
            "env_prefix": self.env_prefix,
            "core_requirement": f"payments-core>={__version__}",
        }


def provider_names(name: object) -> ProviderNames:
    """Check a new provider's name and derive its spellings.

    A name is what users write in configuration (``PAYMENTS_PROVIDER=acme``), so it
    is a lowercase identifier: letters, digits and single underscores, starting
    with a letter. Raises :class:`InvalidRequestError` otherwise, saying why.
    """
    if not isinstance(name, str):
        raise InvalidRequestError(
            f"the provider name must be a string, not {type(name).__name__}", field="name"
        )
    if not _NAME.fullmatch(name) or len(name) > _MAX_NAME:
        raise InvalidRequestError(
            f"invalid provider name {name!r}: use a lowercase identifier of at most "
            f"{_MAX_NAME} characters (letters, digits and single underscores, starting with a "
            "letter), such as 'acme' or 'acme_pay'; it is what users put in their configuration",
            field="name",
        )
    if name in _RESERVED:
        raise InvalidRequestError(
            f"invalid provider name {name!r}: payments_{name} is payments-core itself; "
            "choose another name",
            field="name",
        )
    words = name.split("_")
    return ProviderNames(
        name=name,
        module=f"payments_{name}",
        dist_name="-".join(words),
        class_prefix="".join(word.capitalize() for word in words),
        title=" ".join(word.capitalize() for word in words),
        env_prefix=f"{name.upper()}_",
    )


def _templates() -> Traversable:
    return files("payments_core.scaffold").joinpath("templates")


def create_provider_package(name: str, target: Path, *, force: bool = False) -> Path:
    """Write the provider package ``payments-NAME/`` into ``target``; return its path.

    ``target`` is created when missing. An existing ``payments-NAME`` is refused
    unless ``force``: then the generated files are written over, and any other file
    in it is left alone. A bad name raises :class:`InvalidRequestError`; a
    directory that cannot be written raises :class:`ConfigurationError`.
    """
    names = provider_names(name)
    package = Path(target) / names.directory
    if package.exists() and not package.is_dir():
        raise ConfigurationError(f"{package} exists and is not a directory")
    if package.exists() and not force:
        raise ConfigurationError(
            f"{package} already exists; choose another target directory, or overwrite its "
            "generated files with force=True (payments new-provider --force)"
        )
    created = not package.exists()
    values = names.substitutions()
    templates = _templates()
    try:
        for template_path, output_path in TEMPLATE_FILES:
            text = templates.joinpath(template_path).read_text(encoding="utf-8")
            rendered = (
                Template(text).substitute(values) if template_path.endswith(".tmpl") else text
            )
            destination = package / Template(output_path).substitute(values)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(rendered, encoding="utf-8")
    except OSError as exc:
        if created:
            shutil.rmtree(package, ignore_errors=True)
        raise ConfigurationError(
            f"could not write the provider package to {package}: {exc.strerror or exc}",
            code=ErrorCode.CONFIGURATION_ERROR,
        ) from exc
    return package
