"""Pydantic's findings as the library's own words: one reading for every model.

Models, settings, provider options and gateway answers are all validated by
pydantic; what fails must reach the caller as a typed error that names the
fields, never as a ``ValidationError`` and never with the values (they can be
secrets or card data). Each caller words its sentence; the reading of the
findings lives here once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from payments_core.errors import ErrorCode, InvalidRequestError

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["Finding", "field_names", "findings", "invalid_options", "summary"]


class Finding(NamedTuple):
    """One failing field: its dotted path, pydantic's message, and the error type."""

    field: str
    message: str
    type: str


def findings(exc: ValidationError, *, what: str, prefix: str | None = None) -> list[Finding]:
    """Every problem pydantic found, in its order, without the input values.

    ``what`` names the whole object when the problem is not about one field;
    ``prefix`` goes before every path (``provider_options.installments``).
    A validator's ``ValueError`` text is kept without pydantic's "Value error, ".
    """
    found = []
    for error in exc.errors(include_url=False, include_input=False):
        parts = [str(part) for part in error["loc"]]
        if prefix is not None:
            parts.insert(0, prefix)
        field = ".".join(parts) or what
        message = str(error["msg"]).removeprefix("Value error, ")
        found.append(Finding(field, message, str(error["type"])))
    return found


def summary(found: list[Finding]) -> str:
    """``field: message; field: message`` for an error's text."""
    return "; ".join(f"{finding.field}: {finding.message}" for finding in found)


def field_names(exc: ValidationError, *, what: str, prefix: str | None = None) -> list[str]:
    """The failing fields alone, sorted and once each: for answers from a gateway,
    whose messages could quote what it sent."""
    return sorted({finding.field for finding in findings(exc, what=what, prefix=prefix)})


def invalid_options(
    exc: ValidationError, *, provider: str, prefix: str = "provider_options"
) -> InvalidRequestError:
    """A provider's options (``PaymentRequest.provider_options`` or another field of
    its own) that it refused: every finding named under ``prefix``."""
    found = findings(exc, what=prefix, prefix=prefix)
    return InvalidRequestError(
        f"invalid {provider.upper()} options: " + summary(found),
        code=ErrorCode.INVALID_REQUEST,
        field=found[0].field if found else None,
        provider=provider,
    )
