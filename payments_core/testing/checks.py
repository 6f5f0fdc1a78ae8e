"""Structural checks of a provider class: what can be told without running anything.

:func:`check_provider_class` reads the class the way the registry and the facades
will use it and lists every problem in plain words. It needs no settings, no
network and no pytest, so a plugin author (or a ``payments`` command) can call
it anywhere; the conformance suite runs it as its first scenario.
"""

from __future__ import annotations

import inspect
import itertools
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Final

import httpx
from pydantic import SecretBytes, SecretStr

from payments_core.provider import Capability, PaymentProvider, ProviderSettings

__all__ = ["FLOW_CAPABILITIES", "check_provider_class"]

FLOW_CAPABILITIES: Final[Mapping[str, Capability]] = types.MappingProxyType(
    {
        "create_payment": Capability.CREATE,
        "get_payment": Capability.RETRIEVE,
        "refund": Capability.REFUND,
        "capture": Capability.CAPTURE,
        "void": Capability.VOID,
        "parse_webhook": Capability.WEBHOOKS,
    }
)
"""The method a provider overrides for each capability the facade can call."""

_PARTIAL_NEEDS: Final = {
    Capability.PARTIAL_REFUND: Capability.REFUND,
    Capability.PARTIAL_CAPTURE: Capability.CAPTURE,
}

_NAME: Final = re.compile(r"[a-z][a-z0-9_]*")

_SECRET_WORDS: Final = frozenset(
    {"secret", "password", "passwd", "passphrase", "token", "apikey", "credentials"}
)
_SECRET_PAIRS: Final = frozenset({("api", "key"), ("private", "key"), ("access", "key")})
_NOT_SECRET_ENDINGS: Final = frozenset(
    {
        "url",
        "uri",
        "endpoint",
        "path",
        "file",
        "header",
        "name",
        "type",
        "id",
        "prefix",
        "lifetime",
        "ttl",
        "expiry",
        "timeout",
    }
)


def _looks_secret(field_name: str) -> bool:
    """``client_secret``, ``api_key``, ``access_token``: yes. ``token_url``, ``public_key``: no."""
    words = field_name.lower().split("_")
    if "public" in words or words[-1] in _NOT_SECRET_ENDINGS:
        return False
    return bool(_SECRET_WORDS.intersection(words)) or any(
        pair in _SECRET_PAIRS for pair in itertools.pairwise(words)
    )


_FACADE_CALLS: Final[Mapping[str, tuple[str, tuple[Any, ...], dict[str, Any]]]] = {
    "create_payment": ("create_payment(request)", ("request",), {}),
    "get_payment": ("get_payment(payment_id)", ("payment-id",), {}),
    "refund": (
        "refund(payment_id, amount, idempotency_key=...)",
        ("payment-id", None),
        {"idempotency_key": "key"},
    ),
    "capture": (
        "capture(payment_id, amount, idempotency_key=...)",
        ("payment-id", None),
        {"idempotency_key": "key"},
    ),
    "void": ("void(payment_id, idempotency_key=...)", ("payment-id",), {"idempotency_key": "key"}),
    "parse_webhook": ("parse_webhook(headers, body)", (httpx.Headers(), b"{}"), {}),
}
"""How the facades call each flow: the call as shown in messages, positional and
keyword arguments (placeholders: only the signature is checked, nothing runs)."""


def _mentions_secret_type(annotation: object) -> bool:
    if annotation in (SecretStr, SecretBytes):
        return True
    return any(_mentions_secret_type(arg) for arg in typing.get_args(annotation))


def _check_settings(label: str, model: object) -> list[str]:
    if not (isinstance(model, type) and issubclass(model, ProviderSettings)):
        return [
            f"{label}.settings_model is {model!r}; it must be a subclass of "
            "payments_core.ProviderSettings (which brings timeouts and retry settings)"
        ]
    problems = []
    for field_name, info in model.model_fields.items():
        if _looks_secret(field_name) and not _mentions_secret_type(info.annotation):
            problems.append(
                f"setting {field_name!r} of {model.__name__} looks like a secret but is not "
                "a pydantic SecretStr; make it SecretStr so it never shows in a repr or log"
            )
    return problems


def _check_capabilities(label: str, capabilities: object) -> tuple[list[str], frozenset[str]]:
    if not isinstance(capabilities, frozenset):
        return (
            [
                f"{label}.capabilities is a {type(capabilities).__name__}; it must be a "
                "frozenset of payments_core.Capability, e.g. frozenset({Capability.CREATE})"
            ],
            frozenset(),
        )
    problems = []
    for item in sorted(capabilities, key=str):
        if not isinstance(item, Capability):
            problems.append(
                f"{label}.capabilities contains {item!r} ({type(item).__name__}); "
                "use the payments_core.Capability members"
            )
    declared = frozenset(str(item) for item in capabilities)
    for partial, whole in _PARTIAL_NEEDS.items():
        if partial in declared and whole not in declared:
            problems.append(
                f"{label} declares Capability.{partial.name} without Capability.{whole.name}; "
                "a partial operation needs the whole one"
            )
    return problems, declared


def _overrides(cls: type[PaymentProvider], method: str) -> bool:
    return getattr(cls, method, None) is not getattr(PaymentProvider, method)


def _check_webhooks(cls: type[PaymentProvider], declared: bool) -> list[str]:
    """Callbacks come two ways: ``parse_webhook`` (signed) or a ``webhook`` flow (read back)."""
    label = cls.__qualname__
    signed, read_back = _overrides(cls, "parse_webhook"), _overrides(cls, "webhook")
    if declared and not (signed or read_back):
        return [
            f"{label} declares Capability.WEBHOOKS but overrides neither parse_webhook() "
            "(callbacks verified by their signature) nor webhook() (callbacks verified by "
            "reading the payment back); implement one or remove the capability"
        ]
    if not declared and (signed or read_back):
        method = "parse_webhook" if signed else "webhook"
        return [
            f"{label} overrides {method}() but does not declare Capability.WEBHOOKS; the "
            "facade refuses undeclared operations, so declare it (or drop the method)"
        ]
    problems = _check_flow(cls, "parse_webhook", declared) if signed else []
    if not read_back:
        return problems
    flow: Callable[..., object] = cls.webhook
    try:
        inspect.signature(flow).bind(None, httpx.Headers(), b"{}", remote_addr=None)
    except (TypeError, ValueError) as exc:
        problems.append(
            f"{label}.webhook() cannot be called the way the facade calls it "
            f"(webhook(headers, body, remote_addr=...)): {exc}"
        )
    if not inspect.isgeneratorfunction(flow):
        problems.append(
            f"{label}.webhook() must be a flow: a generator that yields the read of the "
            "payment and returns the WebhookEvent (or returns at once for a signed callback)"
        )
    return problems


def _check_keys(cls: type[PaymentProvider]) -> list[str]:
    """Whether the gateway honours idempotency keys decides retries: it must be said."""
    label = cls.__qualname__
    said = any(
        "honours_idempotency_keys" in vars(klass)
        for klass in cls.__mro__
        if klass is not PaymentProvider and issubclass(klass, PaymentProvider)
    )
    value = getattr(cls, "honours_idempotency_keys", None)
    if not said:
        return [
            f"{label} does not say whether its gateway honours idempotency keys; set "
            "honours_idempotency_keys = True when a repeat carrying the same key gets the "
            "first outcome back (money-moving requests are then retried under their key), "
            "or False when it has no keys (each is then sent exactly once)"
        ]
    if not isinstance(value, bool):
        return [f"{label}.honours_idempotency_keys is {value!r}; it must be True or False"]
    return []


def _check_sensitive(cls: type[PaymentProvider]) -> list[str]:
    label = cls.__qualname__
    problems = []
    for attribute in ("sensitive_headers", "sensitive_fields", "sensitive_options"):
        value: object = getattr(cls, attribute, frozenset())
        if not isinstance(value, frozenset) or not all(isinstance(v, str) for v in value):
            problems.append(
                f"{label}.{attribute} must be a frozenset of str, e.g. frozenset({{'token'}})"
            )
    return problems


def _check_flow(cls: type[PaymentProvider], method: str, declared: bool) -> list[str]:
    label = cls.__qualname__
    capability = FLOW_CAPABILITIES[method]
    implementation = getattr(cls, method, None)
    overridden = implementation is not getattr(PaymentProvider, method)
    if declared and not overridden:
        return [
            f"{label} declares Capability.{capability.name} but does not override {method}(); "
            "implement the flow or remove the capability"
        ]
    if overridden and not declared:
        return [
            f"{label} overrides {method}() but does not declare Capability.{capability.name}; "
            "the facade refuses undeclared operations, so declare it (or drop the method)"
        ]
    if not overridden or not callable(implementation):
        return []
    problems = []
    shown, args, kwargs = _FACADE_CALLS[method]
    try:
        inspect.signature(implementation).bind(None, *args, **kwargs)
    except TypeError as exc:
        problems.append(
            f"{label}.{method}() cannot be called the way the facade calls it ({shown}): {exc}"
        )
    if method == "parse_webhook" and (
        inspect.isgeneratorfunction(implementation) or inspect.iscoroutinefunction(implementation)
    ):
        problems.append(
            f"{label}.parse_webhook() must be a plain function returning a WebhookEvent "
            "(verification is pure: no flow, no I/O)"
        )
    elif method != "parse_webhook" and inspect.iscoroutinefunction(implementation):
        problems.append(
            f"{label}.{method}() is async; a flow is a plain generator that yields "
            "httpx.Request objects, so one implementation serves sync and async callers"
        )
    return problems


def check_provider_class(cls: object) -> list[str]:
    """Every structural problem of a provider class, in plain words (empty: none found).

    Checks that ``cls`` subclasses :class:`~payments_core.PaymentProvider`; that
    ``name`` is a lowercase identifier; that ``settings_model`` subclasses
    :class:`~payments_core.ProviderSettings` and keeps secret-looking settings in
    ``SecretStr``; that ``capabilities`` is a frozenset of
    :class:`~payments_core.Capability`; that each declared capability's flow is
    overridden (and no flow is overridden without its capability), callable the
    way the facade calls it (callbacks: ``parse_webhook`` or a ``webhook`` flow);
    that it says whether its gateway honours idempotency keys; that its
    ``sensitive_*`` declarations are frozensets of (lower-case header) names; and
    that the class can be instantiated.
    """
    if not (isinstance(cls, type) and issubclass(cls, PaymentProvider)):
        return [f"{cls!r} is not a subclass of payments_core.PaymentProvider"]
    label = cls.__qualname__
    problems: list[str] = []

    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        problems.append(
            f'{label}.name is not set; set it to the entry-point name, e.g. name = "acme"'
        )
    elif not _NAME.fullmatch(name):
        problems.append(
            f"{label}.name {name!r} is not a lowercase identifier (a-z, 0-9, _, starting "
            "with a letter); it is the entry-point name users put in their configuration"
        )

    problems += _check_settings(label, getattr(cls, "settings_model", None))
    capability_problems, declared = _check_capabilities(label, getattr(cls, "capabilities", None))
    problems += capability_problems
    for method, capability in FLOW_CAPABILITIES.items():
        if capability is Capability.WEBHOOKS:
            problems += _check_webhooks(cls, capability in declared)
        else:
            problems += _check_flow(cls, method, capability in declared)

    header = getattr(cls, "idempotency_header", None)
    if not isinstance(header, str) or not header.strip():
        problems.append(
            f"{label}.idempotency_header must name the header that carries idempotency keys"
        )
    problems += _check_keys(cls)
    problems += _check_sensitive(cls)
    prefix = getattr(cls, "env_prefix", None)
    if prefix is not None and not isinstance(prefix, str):
        problems.append(f"{label}.env_prefix must be a str (such as 'ACME_') or None")

    if inspect.isabstract(cls):
        missing = ", ".join(sorted(getattr(cls, "__abstractmethods__", ())))
        problems.append(f"{label} is abstract (missing: {missing}); it cannot be instantiated")
    init: Callable[..., object] = cls.__init__
    try:
        inspect.signature(init).bind(None, object())
    except TypeError as exc:
        problems.append(
            f"{label}.__init__ must accept the validated settings as its one argument "
            f"(the registry calls {label}(settings)): {exc}"
        )
    return problems
