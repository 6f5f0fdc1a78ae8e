"""Finding secrets where they must not be: logs, reprs, errors and hook payloads.

The kit gathers every secret of a run (``SecretStr`` settings, the target's own
list, credentials it saw on the wire), collects the texts a platform could show
or store, and reports each place a secret shows up, masked.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretBytes, SecretStr

from payments_core.errors import PaymentError
from payments_core.hookspecs import hookimpl
from payments_core.models import Payment
from payments_core.provider import PaymentProvider
from payments_core.testing.target import ConformanceTarget
from payments_core.testing.transports import Wire

__all__ = [
    "HookRecorder",
    "Secret",
    "error_haystacks",
    "find_leaks",
    "known_secrets",
    "log_haystacks",
]


@dataclass(frozen=True)
class Secret:
    """A value that must not leak, and where it came from (never printed itself)."""

    value: str
    source: str


def known_secrets(target: ConformanceTarget, provider: PaymentProvider, wire: Wire) -> list[Secret]:
    """Every secret of this run: SecretStr settings, the target's list, credentials on the wire."""
    found: dict[str, Secret] = {}

    def add(value: str, source: str) -> None:
        if value and value not in found:
            found[value] = Secret(value, source)

    settings = provider.settings
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr):
            add(value.get_secret_value(), f"the setting {name}")
        elif isinstance(value, SecretBytes):
            add(value.get_secret_value().decode("utf-8", "replace"), f"the setting {name}")
    for index, value in enumerate(target.secret_values()):
        add(value, f"ConformanceTarget.secrets[{index}]")
    for value in sorted(wire.credentials):
        add(value, "a credential sent in an Authorization header (or an access token received)")
    return list(found.values())


_STANDARD_RECORD_KEYS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


def log_haystacks(records: Iterable[logging.LogRecord]) -> list[tuple[str, str]]:
    """``(where, text)`` for each log record: message, extra fields and traceback."""
    haystacks = []
    for record in records:
        parts = [record.getMessage()]
        parts += [
            f"{key}={value!r}"
            for key, value in record.__dict__.items()
            if key not in _STANDARD_RECORD_KEYS
        ]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append("".join(traceback.format_exception(record.exc_info[1])))
        where = f"a {record.levelname} log record of logger {record.name!r}"
        haystacks.append((where, "\n".join(parts)))
    return haystacks


def error_haystacks(error: BaseException, where: str) -> list[tuple[str, str]]:
    """An error's message, repr and ``to_dict()``, and the same of what caused it."""
    haystacks = [(where, f"{error}\n{error!r}")]
    if isinstance(error, PaymentError):
        haystacks.append((f"{where} (to_dict)", repr(error.to_dict())))
    cause = error.__cause__ or error.__context__
    if cause is not None:
        haystacks.append((f"{where} (its cause)", f"{cause}\n{cause!r}"))
    return haystacks


def find_leaks(secrets: Iterable[Secret], haystacks: Iterable[tuple[str, str]]) -> list[str]:
    """One sentence per place a secret shows up, with the secret itself masked."""
    leaks = []
    for where, text in haystacks:
        for secret in secrets:
            at = text.find(secret.value)
            if at < 0:
                continue
            start, end = max(0, at - 40), min(len(text), at + len(secret.value) + 40)
            excerpt = text[start:end].replace(secret.value, "<SECRET>").replace("\n", " ")
            leaks.append(f"{secret.source} appears in {where}: ...{excerpt}...")
    return leaks


@dataclass
class HookRecorder:
    """A hook plugin that keeps the repr of every payload, to search it for secrets."""

    payloads: list[tuple[str, str]] = field(default_factory=list)

    def _keep(self, hook: str, *values: object) -> None:
        self.payloads.append((f"the payload of hook {hook}", " ".join(map(repr, values))))

    @hookimpl
    def payments_before_operation(self, operation: str, request: Any) -> None:
        self._keep("payments_before_operation", operation, request)

    @hookimpl
    def payments_after_operation(self, operation: str, result: Any) -> None:
        self._keep("payments_after_operation", operation, result)

    @hookimpl
    def payments_operation_failed(self, operation: str, error: PaymentError) -> None:
        self._keep("payments_operation_failed", operation, error, str(error))

    @hookimpl
    def payments_payment_updated(self, payment: Payment, source: str) -> None:
        self._keep("payments_payment_updated", payment, source)

    @hookimpl
    def payments_webhook_received(self, event: Any) -> None:
        self._keep("payments_webhook_received", event)

    @hookimpl
    def payments_http_request(self, request: Any) -> None:
        self._keep("payments_http_request", request)

    @hookimpl
    def payments_http_response(self, request: Any, status_code: int) -> None:
        self._keep("payments_http_response", request, status_code)
