"""What a scenario needs from the provider's declaration, and why it is skipped without it.

Scenarios follow what the provider declares: one that needs an undeclared
capability, HTTP from a provider that sends none, keys from a gateway without them
(or the reverse), is skipped with the reason. A lifecycle row carries its
:class:`Needs`; a scenario written as a function is marked with :func:`needs`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from payments_core.provider import Capability
from payments_core.testing.harness.sessions import declaration_of
from payments_core.testing.target import ConformanceTarget

__all__ = ["Needs", "needs", "needs_of", "unmet", "with_needs"]

F = TypeVar("F", bound=Callable[..., object])

_NEEDS_ATTR: Final = "_payments_conformance_needs"

_NO_HTTP: Final = (
    "the provider sends no HTTP (ConformanceTarget.transport is None): there is no wire to watch"
)
_KEYED_ONLY: Final = (
    "the provider declares honours_idempotency_keys = False (its gateway has no idempotency "
    "keys), so nothing may be retried under a key; test_keyless_money_requests_are_sent_once "
    "checks what happens instead"
)
_KEYLESS_ONLY: Final = (
    "the provider declares honours_idempotency_keys = True: its money-moving requests are "
    "retried under their key, which test_idempotency_keys_survive_retries checks"
)


@dataclass(frozen=True)
class Needs:
    """What a scenario needs to apply to a provider."""

    capabilities: tuple[Capability, ...] = ()
    http: bool = False
    """True when it watches or breaks the wire (a transport is needed)."""
    keys: bool | None = None
    """True for a gateway that honours idempotency keys, False for one without,
    ``None`` for both."""


def needs(
    *capabilities: Capability, http: bool = False, keys: bool | None = None
) -> Callable[[F], F]:
    """Declare what a scenario function needs; the suite skips it (with the reason) otherwise."""

    return lambda function: with_needs(function, Needs(capabilities, http, keys))


def with_needs(function: F, wanted: Needs) -> F:
    """``function`` marked as needing ``wanted`` (read back by :func:`needs_of`)."""
    setattr(function, _NEEDS_ATTR, wanted)
    return function


def needs_of(function: object) -> Needs:
    """What ``function`` was marked with (nothing, when it was not marked)."""
    found = getattr(function, _NEEDS_ATTR, None)
    return found if isinstance(found, Needs) else Needs()


def unmet(wanted: Needs, target: ConformanceTarget) -> str | None:
    """Why a scenario with ``wanted`` does not apply to ``target``; ``None`` when it does.

    A provider is built (and closed) only when the declaration must be read.
    """
    __tracebackhide__ = True
    if wanted.http and target.transport is None:
        return _NO_HTTP
    if not wanted.capabilities and wanted.keys is None:
        return None
    declaration = declaration_of(target)
    missing = [c for c in wanted.capabilities if c.value not in declaration.capabilities]
    if missing:
        names = ", ".join(f"Capability.{c.name}" for c in missing)
        return f"the provider does not declare {names}"
    if wanted.keys is not None and declaration.honours_keys is not wanted.keys:
        return _KEYED_ONLY if wanted.keys else _KEYLESS_ONLY
    return None
