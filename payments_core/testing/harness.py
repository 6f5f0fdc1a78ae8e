"""The conformance kit's machinery: facades built from a target, and plain-words checks.

Scenarios in :mod:`payments_core.testing.suite` read as a story (create, pay,
refund, look again); the helpers here do the bookkeeping and turn every broken
expectation into one sentence that says what the provider did and what the
contract wants instead. They raise ``AssertionError`` and need no pytest.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import (
    AsyncIterator,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

import httpx
from pydantic import SecretBytes, SecretStr

from payments_core.errors import (
    ErrorCode,
    OutcomeUnknownError,
    PaymentError,
    UnsupportedOperationError,
)
from payments_core.gateway import AsyncPayments, Payments
from payments_core.hookspecs import hookimpl
from payments_core.models import Operation, OperationKind, OperationStatus, Payment, PaymentRequest
from payments_core.money import Money
from payments_core.provider import Capability, PaymentProvider
from payments_core.retry import RetryPolicy
from payments_core.status import TRANSITIONS, PaymentStatus
from payments_core.testing.target import ConformanceTarget, Outcome
from payments_core.testing.transports import ApiRequests, Fault, WatchingTransport, Wire
from payments_core.updates import is_newer

__all__ = [
    "KIT_RETRY",
    "AsyncSession",
    "Declaration",
    "HookRecorder",
    "Secret",
    "Session",
    "StatusTrail",
    "async_transport_of",
    "attempt",
    "build_provider",
    "capabilities_of",
    "declaration_of",
    "declared",
    "describe",
    "describe_error",
    "describe_state",
    "error_haystacks",
    "expect_operation",
    "expect_payment",
    "expect_raises",
    "expect_status",
    "expect_unknown",
    "fail",
    "find_leaks",
    "honours_keys",
    "known_secrets",
    "log_haystacks",
    "open_async_session",
    "open_session",
    "portion",
    "reads_back",
    "run",
    "run_async",
    "state_differences",
]

T = TypeVar("T")
E = TypeVar("E", bound=PaymentError)

KIT_RETRY = RetryPolicy(max_retries=2, backoff_base=0.0, backoff_max=1.0, deadline=60.0)
"""Retries as the driver does them, without waiting: the kit's runs stay fast."""


def fail(message: str) -> NoReturn:
    """Fail the scenario with ``message`` (the plain-words explanation)."""
    __tracebackhide__ = True
    raise AssertionError(message)


def describe(value: object) -> str:
    """``a dict``, ``an Operation``, ``None``: what a provider returned, for messages."""
    if value is None:
        return "None"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name}"


def describe_error(error: BaseException) -> str:
    if isinstance(error, PaymentError):
        return f"{type(error).__name__} (code {error.code.value}): {error}"
    return f"{type(error).__name__}: {error}"


# -- building what the scenarios drive ------------------------------------------------------


def build_provider(target: ConformanceTarget) -> PaymentProvider:
    __tracebackhide__ = True
    provider = target.make_provider()
    if not isinstance(provider, PaymentProvider):
        fail(
            f"ConformanceTarget.make_provider() returned {describe(provider)}; it must return "
            "a configured payments_core.PaymentProvider instance"
        )
    return provider


def declared(provider: PaymentProvider) -> frozenset[str]:
    """The capabilities a provider declares, as plain strings (whatever their type:
    a wrongly typed declaration is the structural scenario's to report)."""
    capabilities = getattr(provider, "capabilities", None)
    if not isinstance(capabilities, Iterable) or isinstance(capabilities, str):
        return frozenset()
    return frozenset(str(item) for item in capabilities)


def honours_keys(provider: PaymentProvider) -> bool:
    """What the provider declares about its gateway's idempotency keys (a non-bool: no)."""
    return getattr(provider, "honours_idempotency_keys", False) is True


@dataclass(frozen=True)
class Declaration:
    """What a provider says about itself, read once from a fresh instance."""

    capabilities: frozenset[str]
    honours_keys: bool


def declaration_of(target: ConformanceTarget) -> Declaration:
    """What the target's provider declares (a provider is built, read and closed)."""
    provider = build_provider(target)
    try:
        return Declaration(declared(provider), honours_keys(provider))
    finally:
        provider.close()


def capabilities_of(target: ConformanceTarget) -> frozenset[str]:
    """What the target's provider declares (a provider is built, read and closed)."""
    return declaration_of(target).capabilities


async def _no_sleep(_seconds: float) -> None:
    return None


def _no_http(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(
        f"the provider sent {request.method} {request.url.host}{request.url.path} although "
        "ConformanceTarget.transport is None (a provider that sends HTTP needs a transport)",
        request=request,
    )


@dataclass
class Session:
    """One sync facade over the target's provider, and what the kit saw of it."""

    target: ConformanceTarget
    provider: PaymentProvider
    payments: Payments
    wire: Wire
    transport: WatchingTransport | None

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def honours_keys(self) -> bool:
        return honours_keys(self.provider)

    def declares(self, capability: Capability) -> bool:
        return capability.value in declared(self.provider)

    @contextmanager
    def inject(self, fault: Fault) -> Iterator[Fault]:
        """Aim ``fault`` at the provider's API requests for the duration of the block."""
        if self.transport is None:
            raise RuntimeError("faults need a transport (a scenario marked http=True)")
        self.transport.fault = fault
        try:
            yield fault
        finally:
            self.transport.fault = None

    def customer_pays(self, payment: Payment, outcome: Outcome = "succeed") -> None:
        """Run the target's customer step, telling a broken step apart from a broken provider."""
        __tracebackhide__ = True
        try:
            self.target.customer_pays(self.payments, payment, outcome)
        except Exception as exc:
            fail(
                f"ConformanceTarget.customer_pays(..., {outcome!r}) failed for payment "
                f"{payment.id} ({payment.status.value}): {describe_error(exc)}"
            )

    def webhook(self, payment: Payment) -> tuple[dict[str, str], bytes]:
        """A genuine callback for ``payment`` from the target, checked for shape."""
        __tracebackhide__ = True
        delivered = self.maybe_webhook(payment)
        if delivered is None:
            fail(
                f"ConformanceTarget.webhook_for returned None for payment {payment.id} "
                f"({payment.status.value}); it must return the (headers, raw body) of a "
                "genuine callback about it"
            )
        return delivered

    def maybe_webhook(self, payment: Payment) -> tuple[dict[str, str], bytes] | None:
        """Like :meth:`webhook`, but ``None`` when the gateway sends no callback now."""
        __tracebackhide__ = True
        source = self.target.webhook_for
        if source is None:
            fail(
                "the provider declares Capability.WEBHOOKS but ConformanceTarget.webhook_for "
                "is not set; give the kit a way to get a genuine callback"
            )
        try:
            delivered = source(self.payments, payment)
        except Exception as exc:
            fail(f"ConformanceTarget.webhook_for failed for {payment.id}: {describe_error(exc)}")
        if delivered is None:
            return None
        headers, body = delivered
        if not isinstance(body, bytes | bytearray):
            fail(
                f"ConformanceTarget.webhook_for returned {describe(body)} as the body; it must "
                "be the raw bytes as delivered"
            )
        return dict(headers), bytes(body)


def _facade_options(target: ConformanceTarget) -> dict[str, Any]:
    """What every facade the kit builds shares: no autoloaded plugins, the target's store."""
    options: dict[str, Any] = {"autoload_plugins": False, "retry": KIT_RETRY}
    if target.idempotency_store is not None:
        options["idempotency_store"] = target.idempotency_store()
    if target.journal is not None:
        options["journal"] = target.journal()
    return options


def _check_store(facade: Payments | AsyncPayments, options: Mapping[str, Any]) -> None:
    """The facade must run over the target's store, or the scenarios would check another."""
    __tracebackhide__ = True
    store = options.get("idempotency_store")
    if store is not None and facade.idempotency_store is not store:
        fail(
            "the facade did not take the store ConformanceTarget.idempotency_store returned "
            f"({type(store).__name__}) and runs over one of its own, so the scenarios would "
            "not check yours (an empty store that defines __len__ is false, and the facade "
            "replaces a false store with its default)"
        )


def _watching(
    inner: httpx.BaseTransport | httpx.AsyncBaseTransport,
    wire: Wire,
    provider: PaymentProvider,
    api: ApiRequests,
    *,
    fail_first_keyed: bool = False,
) -> WatchingTransport:
    hidden: object = getattr(provider, "sensitive_headers", ())
    names = hidden if isinstance(hidden, Iterable) and not isinstance(hidden, str) else ()
    return WatchingTransport(
        inner,
        wire,
        idempotency_header=provider.idempotency_header,
        fail_first_keyed=fail_first_keyed,
        api=api,
        secret_headers=frozenset(str(name).lower() for name in names),
    )


@contextmanager
def open_session(
    target: ConformanceTarget,
    *,
    fail_first_keyed: bool = False,
    plugins: Sequence[object] = (),
) -> Iterator[Session]:
    """A fresh provider behind a ``Payments`` facade whose every request the kit records."""
    with ExitStack() as cleanup:
        provider = build_provider(target)
        cleanup.callback(provider.close)
        wire = Wire()
        api = ApiRequests()
        transport: WatchingTransport | None = None
        inner: httpx.BaseTransport = httpx.MockTransport(_no_http)
        if target.transport is not None:
            transport = _watching(
                target.transport(), wire, provider, api, fail_first_keyed=fail_first_keyed
            )
            inner = transport
        # trust_env off: no proxy from the environment, and no TLS set-up (30 ms a client).
        client = cleanup.enter_context(
            httpx.Client(transport=inner, timeout=provider.settings.timeout, trust_env=False)
        )
        options = _facade_options(target)
        payments = Payments(
            provider,
            http_client=client,
            sleep=lambda _seconds: None,
            plugins=[api, *plugins],
            **options,
        )
        _check_store(payments, options)
        yield Session(target, provider, payments, wire, transport)


@dataclass
class AsyncSession:
    """The async counterpart of :class:`Session` (no customer step: scenarios stay sync)."""

    provider: PaymentProvider
    payments: AsyncPayments
    wire: Wire


def async_transport_of(target: ConformanceTarget) -> httpx.AsyncBaseTransport | None:
    """The target's async transport, or its sync one when that is async-capable too."""
    if target.async_transport is not None:
        return target.async_transport()
    if target.transport is not None:
        candidate = target.transport()
        if isinstance(candidate, httpx.AsyncBaseTransport):
            return candidate
        if isinstance(candidate, httpx.BaseTransport):
            candidate.close()
    return None


@asynccontextmanager
async def open_async_session(
    target: ConformanceTarget, inner: httpx.AsyncBaseTransport | None
) -> AsyncIterator[AsyncSession]:
    """A fresh provider behind ``AsyncPayments`` (over ``inner``, when the provider sends HTTP)."""
    async with AsyncExitStack() as cleanup:
        provider = build_provider(target)
        cleanup.callback(provider.close)
        wire = Wire()
        api = ApiRequests()
        transport: httpx.AsyncBaseTransport = httpx.MockTransport(_no_http)
        if inner is not None:
            transport = _watching(inner, wire, provider, api)
        client = await cleanup.enter_async_context(
            httpx.AsyncClient(
                transport=transport, timeout=provider.settings.timeout, trust_env=False
            )
        )
        options = _facade_options(target)
        payments = AsyncPayments(
            provider, http_client=client, sleep=_no_sleep, plugins=[api], **options
        )
        _check_store(payments, options)
        yield AsyncSession(provider, payments, wire)


def run_async(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an async check on a private event loop (the kit does not need pytest-asyncio)."""
    return asyncio.run(scenario())


# -- calling the facade ------------------------------------------------------------------------


def run(what: str, action: Callable[[], T]) -> T:
    """Call a facade method that must succeed; any failure is reported in plain words."""
    __tracebackhide__ = True
    try:
        return action()
    except UnsupportedOperationError as exc:
        fail(
            f"{what} raised UnsupportedOperationError ({exc}) although the provider declares "
            "the capability; implement the flow or remove the capability"
        )
    except PaymentError as exc:
        fail(f"{what} failed: {describe_error(exc)}")
    except Exception as exc:
        fail(
            f"{what} raised {describe_error(exc)}; every failure of a public call must be a "
            "payments_core.PaymentError"
        )


def expect_raises(
    what: str,
    error_class: type[E],
    action: Callable[[], object],
    *,
    codes: Iterable[ErrorCode] = (),
    provider: str | None = None,
    why: str = "",
) -> E:
    """Call ``action``, which must raise ``error_class`` (with one of ``codes``, if given)."""
    __tracebackhide__ = True
    expected = error_class.__name__ + (f" ({why})" if why else "")
    try:
        result = action()
    except error_class as exc:
        error = exc
    except PaymentError as exc:
        fail(f"{what} raised {describe_error(exc)}; expected {expected}")
    except Exception as exc:
        fail(
            f"{what} raised {describe_error(exc)}; expected {expected}. Every failure of a "
            "public call must be a payments_core.PaymentError"
        )
    else:
        fail(f"{what} returned {describe(result)}; expected it to raise {expected}")
    allowed = frozenset(codes)
    if not isinstance(error.code, ErrorCode):
        fail(f"{what} raised {type(error).__name__} whose code {error.code!r} is not an ErrorCode")
    if allowed and error.code not in allowed:
        names = " or ".join(sorted(code.value for code in allowed))
        fail(
            f"{what} raised {type(error).__name__} with code {error.code.value}; "
            f"expected code {names}"
        )
    if provider is not None and error.provider != provider:
        fail(
            f"{what} raised {type(error).__name__} naming provider {error.provider!r}; "
            f"expected {provider!r}"
        )
    return error


def attempt(action: Callable[[], T]) -> tuple[T | None, BaseException | None]:
    """Call ``action``; its result, or the exception it raised (for checks that weigh both)."""
    try:
        return action(), None
    except Exception as exc:
        return None, exc


def expect_unknown(
    what: str,
    action: Callable[[], object],
    *,
    provider: str,
    safe_to_repeat: bool | None,
    why: str,
) -> OutcomeUnknownError:
    """``action`` must end in :class:`OutcomeUnknownError`; ``safe_to_repeat`` as given
    (``None``: either), and ``retryable`` equal to it."""
    __tracebackhide__ = True
    error = expect_raises(
        what,
        OutcomeUnknownError,
        action,
        codes=[ErrorCode.OUTCOME_UNKNOWN],
        provider=provider,
        why=why,
    )
    if safe_to_repeat is not None and error.safe_to_repeat is not safe_to_repeat:
        fail(
            f"{what} raised OutcomeUnknownError with safe_to_repeat={error.safe_to_repeat}; "
            f"expected {safe_to_repeat}: "
            + (
                "the gateway honours idempotency keys, so repeating the call with the same "
                "key is safe (is the key sent on the request?)"
                if safe_to_repeat
                else "the gateway has no idempotency keys, so a repeat could act twice"
            )
        )
    if error.retryable is not error.safe_to_repeat:
        fail(
            f"{what} raised OutcomeUnknownError with retryable={error.retryable} but "
            f"safe_to_repeat={error.safe_to_repeat}; the two must agree"
        )
    return error


def reads_back(provider: PaymentProvider, headers: Mapping[str, str], body: bytes) -> bool:
    """True when the provider verifies this callback by reading the payment back.

    Its ``webhook`` flow is stepped by hand, nothing sent: a flow that yields a
    request before returning trusts the gateway's answer, not the body (an
    unsigned gateway); one that returns at once verified a signature.
    """
    try:
        flow = provider.webhook(httpx.Headers(list(headers.items())), body, remote_addr=None)
        step = next(flow)
    except Exception:  # StopIteration (signed), or a failure the scenarios report
        return False
    with suppress(Exception):
        flow.close()
    return isinstance(step, httpx.Request)


# -- results -------------------------------------------------------------------------------------


def expect_payment(
    result: object,
    what: str,
    provider: str,
    *,
    request: PaymentRequest | None = None,
    payment_id: str | None = None,
) -> Payment:
    """``result`` must be a normalized :class:`Payment` of this provider (and request)."""
    __tracebackhide__ = True
    if not isinstance(result, Payment):
        fail(f"{what} returned {describe(result)}; a provider must return payments_core.Payment")
    p = result
    problems: list[str] = []
    if p.provider != provider:
        problems.append(f"provider is {p.provider!r}, not the provider's name {provider!r}")
    if not p.id.strip():
        problems.append("id is empty; it must be the provider's payment id")
    if payment_id is not None and p.id != payment_id:
        problems.append(f"id is {p.id!r}, but {payment_id!r} was asked for")
    if request is not None:
        if p.amount != request.amount:
            problems.append(f"amount is {p.amount}, but the request asked for {request.amount}")
        if p.external_id is not None and p.external_id != request.external_id:
            problems.append(
                f"external_id is {p.external_id!r}, but the request's is {request.external_id!r}"
            )
    currency = p.amount.currency
    amounts = {
        "authorized_amount": p.authorized_amount,
        "captured_amount": p.captured_amount,
        "refunded_amount": p.refunded_amount,
    }
    for field_name, money in amounts.items():
        if money is not None and money.currency != currency:
            problems.append(f"{field_name} is in {money.currency}, the payment in {currency}")
    if not problems:
        if p.captured_amount is not None and p.captured_amount > p.amount:
            problems.append(f"captured_amount {p.captured_amount} exceeds amount {p.amount}")
        ceiling = p.captured_amount if p.captured_amount is not None else p.amount
        if p.refunded_amount is not None and p.refunded_amount > ceiling:
            problems.append(f"refunded_amount {p.refunded_amount} exceeds what was paid")
    for op in p.operations:
        if op.payment_id != p.id:
            problems.append(f"operation {op.id} names payment {op.payment_id!r}")
    if p.redirect_url is not None and not p.redirect_url.startswith(("https://", "http://")):
        problems.append(f"redirect_url {p.redirect_url!r} is not an absolute http(s) URL")
    if problems:
        fail(f"{what} returned a Payment that is not normalized: " + "; ".join(problems))
    return p


def expect_operation(
    result: object,
    what: str,
    provider: str,
    *,
    kind: OperationKind,
    payment_id: str,
    amount: Money | None,
    idempotency_key: str,
) -> Operation:
    """``result`` must be a normalized :class:`Operation` answering this very call.

    ``amount`` is what the operation should cover (``None``: no expectation).
    """
    __tracebackhide__ = True
    if not isinstance(result, Operation):
        fail(f"{what} returned {describe(result)}; a provider must return payments_core.Operation")
    op = result
    problems: list[str] = []
    if op.kind is not kind:
        problems.append(f"kind is {op.kind.value}, not {kind.value}")
    if op.payment_id != payment_id:
        problems.append(f"payment_id is {op.payment_id!r}, not {payment_id!r}")
    if op.provider != provider:
        problems.append(f"provider is {op.provider!r}, not the provider's name {provider!r}")
    if op.status is OperationStatus.FAILED:
        problems.append(
            "status is failed although the request was valid (a refused operation must "
            "raise a PaymentError instead)"
        )
    if amount is not None and op.amount is not None and op.amount != amount:
        problems.append(f"amount is {op.amount}, expected {amount}")
    if op.idempotency_key is not None and op.idempotency_key != idempotency_key:
        problems.append(
            f"idempotency_key is {op.idempotency_key!r}, but the caller passed {idempotency_key!r}"
        )
    if problems:
        fail(f"{what} returned an Operation that does not match the call: " + "; ".join(problems))
    return op


def expect_status(payment: Payment, allowed: Iterable[PaymentStatus], what: str) -> None:
    __tracebackhide__ = True
    wanted = list(allowed)
    if payment.status not in wanted:
        names = " or ".join(status.value for status in wanted)
        fail(f"{what}: the payment is {payment.status.value}; expected {names}")


def describe_state(payment: Payment) -> str:
    """``captured (captured 30.00 GEL, refunded 12.00 GEL)``: what is_newer weighs."""
    details = [
        f"{name.removesuffix('_amount')} {money}"
        for name in ("captured_amount", "refunded_amount")
        if (money := getattr(payment, name)) is not None
    ]
    if payment.updated_at is not None:
        details.append(f"updated_at {payment.updated_at.isoformat()}")
    return payment.status.value + (f" ({', '.join(details)})" if details else "")


_STATE_FIELDS = (
    "id",
    "status",
    "amount",
    "authorized_amount",
    "captured_amount",
    "refunded_amount",
)


def state_differences(first: Payment, second: Payment) -> list[str]:
    """``status: captured != refunded`` for each field of the money state that differs."""
    return [
        f"{name}: {getattr(first, name)} != {getattr(second, name)}"
        for name in _STATE_FIELDS
        if getattr(first, name) != getattr(second, name)
    ]


def _backwards_hint(earlier: Payment, later: Payment) -> str:
    """Why is_newer prefers the earlier read, in words."""
    for name in ("captured_amount", "refunded_amount"):
        before, after = getattr(earlier, name), getattr(later, name)
        if before is not None and after is not None and after < before:
            return f"{name} shrank from {before} to {after}; money never goes back"
    if (
        earlier.updated_at is not None
        and later.updated_at is not None
        and later.updated_at < earlier.updated_at
    ):
        return (
            f"its updated_at went back from {earlier.updated_at.isoformat()} to "
            f"{later.updated_at.isoformat()}"
        )
    forward = ", ".join(sorted(s.value for s in TRANSITIONS[later.status])) or "nothing"
    return (
        f"from {later.status.value} a payment may only move to {forward} "
        "(payments_core.status.TRANSITIONS), so the earlier state reads as newer"
    )


class StatusTrail:
    """The states one payment went through, in the order they were read.

    Every consumer applies updates with :func:`payments_core.is_newer`, so the
    trail judges each read the same way: a later read must never lose to an
    earlier one (a replay of the earlier would then undo it), and a move to a
    final status must be one ``is_newer`` accepts (else a platform never sees it).
    """

    def __init__(self) -> None:
        self.steps: list[tuple[str, Payment]] = []

    def add(self, step: str, payment: Payment) -> Payment:
        __tracebackhide__ = True
        if self.steps:
            previous_step, previous = self.steps[-1]
            if is_newer(payment, previous):
                fail(
                    f"the payment moved backwards: {previous.status.value} (after "
                    f"{previous_step}) then {payment.status.value} (after {step}); "
                    f"payments_core.is_newer ranks {describe_state(previous)} above "
                    f"{describe_state(payment)} because {_backwards_hint(previous, payment)}. "
                    "A platform applying updates would let a replay of the earlier state "
                    "undo the later one"
                )
            if (
                payment.is_final
                and state_differences(previous, payment)
                and not is_newer(previous, payment)
            ):
                fail(
                    f"after {step} the payment is {describe_state(payment)}, but "
                    f"payments_core.is_newer does not accept that over "
                    f"{describe_state(previous)} (after {previous_step}), so a platform "
                    "applying updates would never see it; report the amounts (captured, "
                    "refunded) and the event time the gateway gives"
                )
        self.steps.append((step, payment))
        return payment


def portion(money: Money, numerator: int, denominator: int) -> Money | None:
    """``money * numerator / denominator`` rounded down to a minor unit; None if zero."""
    minor = money.minor_units * numerator // denominator
    return Money.from_minor_units(minor, money.currency) if minor > 0 else None


# -- secrets -----------------------------------------------------------------------------------


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
