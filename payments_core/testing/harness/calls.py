"""Calling the facade from a scenario, and failing in plain words when it misbehaves.

Every broken expectation becomes one sentence that says what the provider did and
what the contract wants instead. The helpers raise ``AssertionError`` and need no
pytest, so a scenario reads as a story and a failure as an explanation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NoReturn, TypeVar

from payments_core.errors import (
    ErrorCode,
    OutcomeUnknownError,
    PaymentError,
    UnsupportedOperationError,
)

__all__ = [
    "attempt",
    "describe",
    "describe_error",
    "expect_raises",
    "expect_unknown",
    "fail",
    "run",
]

T = TypeVar("T")
E = TypeVar("E", bound=PaymentError)


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
