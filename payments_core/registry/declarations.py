"""What a provider class declares, checked before the registry lists it as usable.

Everything the core later reads from a provider class without guarding (its
name, capabilities, settings model, header and option names) is checked once
here, so a malformed plugin is listed with its error instead of failing every
look-up of every provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from payments_core.provider import Capability, PaymentProvider, ProviderSettings

__all__ = ["ProviderInfo", "info_for"]


@dataclass(frozen=True)
class ProviderInfo:
    """A discovered provider: its class and capabilities, or why it failed to load."""

    name: str
    provider_class: type[PaymentProvider] | None
    source: str
    """The entry point's target (``payments_bog:BogProvider``) or ``runtime``."""
    error: str | None = None
    capabilities: frozenset[Capability] = field(default_factory=frozenset)

    @property
    def ok(self) -> bool:
        return self.error is None


class _MalformedProvider(Exception):
    """A provider class whose declarations the core cannot use."""


_COLLECTIONS = (set, frozenset, list, tuple)


def _capabilities_of(obj: type[PaymentProvider]) -> frozenset[Capability]:
    declared = obj.capabilities
    if not isinstance(declared, _COLLECTIONS):
        raise _MalformedProvider(
            f"capabilities must be a frozenset of Capability, not {type(declared).__name__}"
        )
    capabilities: set[Capability] = set()
    unknown: list[str] = []
    for item in declared:
        try:
            capabilities.add(Capability(item))
        except (ValueError, TypeError):
            unknown.append(repr(item))
    if unknown:
        known = ", ".join(c.value for c in Capability)
        raise _MalformedProvider(
            f"capabilities holds {', '.join(unknown)}, which are not capabilities (known: {known})"
        )
    return frozenset(capabilities)


def _check_declarations(obj: type[PaymentProvider]) -> None:
    name = getattr(obj, "name", None)
    if name is None or name == "":
        raise _MalformedProvider("it has no name: set the class attribute name = '<provider>'")
    if not isinstance(name, str):
        raise _MalformedProvider(f"name must be a string, not {type(name).__name__}")
    model = obj.settings_model
    if not (isinstance(model, type) and issubclass(model, ProviderSettings)):
        raise _MalformedProvider(
            f"settings_model must be a ProviderSettings subclass, not {model!r}"
        )
    if obj.env_prefix is not None and not isinstance(obj.env_prefix, str):
        raise _MalformedProvider(
            f"env_prefix must be a string or None, not {type(obj.env_prefix).__name__}"
        )
    if not isinstance(obj.idempotency_header, str) or not obj.idempotency_header:
        raise _MalformedProvider("idempotency_header must be a header name (a non-empty string)")
    options = obj.sensitive_options
    if not isinstance(options, _COLLECTIONS) or not all(isinstance(o, str) for o in options):
        raise _MalformedProvider("sensitive_options must be a frozenset of option names (strings)")


def info_for(name: str, obj: Any, source: str) -> ProviderInfo:
    """Check what a provider class declares; a bad declaration breaks only that provider.

    Everything the core later reads from the class without guarding is checked
    here, so that a malformed plugin is listed with its error instead of raising
    from every look-up of every provider.
    """
    if not (isinstance(obj, type) and issubclass(obj, PaymentProvider)):
        return ProviderInfo(name, None, source, error=f"{source} is not a PaymentProvider subclass")
    where = obj.__qualname__ if source == "runtime" else source
    try:
        _check_declarations(obj)
        capabilities = _capabilities_of(obj)
    except _MalformedProvider as exc:
        return ProviderInfo(name, None, source, error=f"{where}: {exc}")
    except Exception as exc:  # a class attribute that raises when read
        return ProviderInfo(
            name, None, source, error=f"{where}: reading it raised {type(exc).__name__}: {exc}"
        )
    return ProviderInfo(name, obj, source, capabilities=capabilities)
