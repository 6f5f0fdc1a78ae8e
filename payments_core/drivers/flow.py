"""A whole call, as one generator: the provider's flow, and each of its requests' attempts.

The flow yields requests and receives answers (see :mod:`payments_core.provider`);
here every request goes through the attempt loop, a failed request's error is
thrown back into the flow (which may handle it), and the result leaves redacted
and checked for sense. :meth:`FlowDriver._call` yields only the attempt loop's
steps, so the sync and async drivers each run it with one small loop, and no
layer is added per request beyond the attempts' own generator.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

import httpx

from payments_core.drivers.attempts import AttemptLoop, AttemptStep
from payments_core.drivers.call import CallInfo
from payments_core.drivers.results import redact_result
from payments_core.errors import (
    ConfigurationError,
    InvalidRequestError,
    PaymentError,
    ProviderResponseError,
)
from payments_core.plausibility import check_result
from payments_core.provider import Flow, changes_state

__all__ = ["FlowDriver"]

T = TypeVar("T")


@dataclass
class _Done(Generic[T]):
    value: T


DecodedHeaders: TypeAlias = tuple[
    list[tuple[bytes, bytes]],
    str,
    tuple[tuple[str, str], ...],
    dict[str, tuple[tuple[bytes, bytes, bytes], ...] | None],
]
"""A client's headers as read (raw pairs, encoding), as decoded (lower-cased name, value),
and as encoded for requests in each encoding met so far (see :func:`_encoded`)."""


class FlowDriver(AttemptLoop):
    """Steps a provider's flow through the attempt loop; both drivers run :meth:`_call`."""

    _decoded_headers: DecodedHeaders | None = None
    """The client's headers as the last request got them (see :func:`_add_client_headers`)."""

    def _client_headers(self) -> httpx.Headers:
        """The headers configured on the driver's HTTP client."""
        raise NotImplementedError

    def _call(
        self, flow: Flow[T], info: CallInfo, deadline: float
    ) -> Generator[AttemptStep, object, T]:
        """Drive ``flow`` to its result, yielding the attempts' steps; every failure comes
        out as a PaymentError, and the flow is closed however the call ends."""
        last: httpx.Request | None = None
        moved: httpx.Request | None = None  # the state-changing request carried out
        response: httpx.Response | None = None
        try:
            step = self._advance(flow, None, None, info)
            while not isinstance(step, _Done):
                last = step
                try:
                    self._decoded_headers = self._with_client_headers(step)
                    response = yield from self._attempts(step, info, deadline)
                except PaymentError as exc:
                    response = None
                    step = self._throw(flow, exc, moved, last, info)
                    continue
                if changes_state(step) and response.status_code < 400:
                    moved = step
                    info.progress.carried_out = True
                step = self._advance(flow, response, moved or last, info)
            return self._result(step.value, response, moved or last, info)
        finally:
            flow.close()

    def _with_client_headers(self, request: httpx.Request) -> DecodedHeaders | None:
        """:func:`_add_client_headers`; a client header no request can carry is refused."""
        try:
            return _add_client_headers(request, self._client_headers(), self._decoded_headers)
        except UnicodeError as exc:
            raise ConfigurationError(
                f"{self.provider.name}: a header set on the HTTP client cannot be sent "
                f"({type(exc).__name__}: give header values as ASCII text); nothing was sent",
                provider=self.provider.name,
            ) from None

    def _advance(
        self,
        flow: Flow[T],
        response: httpx.Response | None,
        last: httpx.Request | None,
        info: CallInfo,
        error: PaymentError | None = None,
    ) -> httpx.Request | _Done[T]:
        """Step the flow with a response (or throw an error into it at its ``yield``)."""
        try:
            if error is not None:
                step = flow.throw(error)
            elif response is None:
                step = next(flow)
            else:
                step = flow.send(response)
        except StopIteration as stop:
            return _Done(stop.value)
        except PaymentError as exc:
            if exc is error or response is None:
                raise

            if isinstance(exc, InvalidRequestError) and exc.provider is None:
                # A model or Money refused a value read from the reply (a provider's
                # own error carries its name): the reply is unreadable.
                raise self._unreadable(response, last, info, exc.message) from exc
            if isinstance(exc, ProviderResponseError):
                raise self._unreadable(response, last, info, exc.message, exc) from exc
            raise
        except Exception as exc:
            if error is not None:
                raise error from exc
            if response is None:
                raise ProviderResponseError(
                    f"provider {self.provider.name!r} failed while preparing its request "
                    f"({type(exc).__name__}); nothing was sent",
                    provider=self.provider.name,
                ) from exc
            # The type only: an exception's text may quote the reply (a token, a card).
            raise self._unreadable(response, last, info, type(exc).__name__) from exc
        if not isinstance(step, httpx.Request):
            flow.close()
            raise ProviderResponseError(
                f"provider {self.provider.name!r} yielded {type(step).__name__}, "
                "not an httpx.Request",
                provider=self.provider.name,
            )
        return step

    def _result(
        self,
        value: T,
        response: httpx.Response | None,
        request: httpx.Request | None,
        info: CallInfo,
    ) -> T:
        """What leaves the driver: redacted, and checked for sense."""
        value = redact_result(value, self.redacted_fields)
        try:
            check_result(value, self.provider.name)
        except ProviderResponseError as exc:
            if response is None:
                raise
            raise self._unreadable(response, request, info, exc.message, exc) from None
        return value

    def _throw(
        self,
        flow: Flow[T],
        error: PaymentError,
        moved: httpx.Request | None,
        last: httpx.Request | None,
        info: CallInfo,
    ) -> httpx.Request | _Done[T]:
        """Throw a failed request's error into the flow, which may handle it (BOG names
        the order it created). Left unhandled after a state change was carried out,
        it becomes an unknown outcome: the call did something, and did not finish."""
        try:
            return self._advance(flow, None, moved or last, info, error=error)
        except PaymentError as raised:
            if raised is not error:
                raise
            unknown = self._after_carried_out(error, moved, info)
            if unknown is error:
                raise
            raise unknown from error


def _add_client_headers(
    request: httpx.Request, defaults: httpx.Headers, last: DecodedHeaders | None
) -> DecodedHeaders | None:
    """Give a provider's request the headers configured on the client.

    ``client.send`` sends a request as built, so without this a ``User-Agent``
    or tracing header set on the application's client (and httpx's own
    ``Accept-Encoding``) would be dropped. What the provider set wins.

    ``last`` is what the previous call decoded of the client's headers, reused while
    they stay the same; the return value is what to pass next time.
    """
    if not defaults:
        return last
    raw, encoding = defaults.raw, defaults.encoding
    if last is None or last[0] != raw or last[1] != encoding:
        decoded = tuple(
            (name.lower().decode(encoding), value.decode(encoding)) for name, value in raw
        )
        last = (raw, encoding, decoded, {})
    headers = request.headers
    own = headers.encoding  # fixed now, as reading the request's headers always did
    entries = getattr(headers, "_list", None)
    encoded = _encoded(last, own) if type(entries) is list else None
    if encoded is None:
        present = {name.lower().decode(own) for name, _ in headers.raw}
        for name, value in last[2]:
            if name not in present:
                headers[name] = value
                present.add(name)
        return last
    # What the loop above does, on httpx's own list of (name, lower-case name, value)
    # bytes: ``headers[name] = value`` appends exactly such an entry for a name the
    # request lacks, and the lower-case names there are the names ``present`` decodes.
    assert entries is not None
    present_keys = {entry[1] for entry in entries}
    for entry in encoded:
        if entry[1] not in present_keys:
            entries.append(entry)
            present_keys.add(entry[1])
    return last


def _encoded(last: DecodedHeaders, own: str) -> tuple[tuple[bytes, bytes, bytes], ...] | None:
    """The client's headers as ``headers[name] = value`` stores them in a request whose
    headers are in ``own``, made once per encoding; ``None`` when one cannot be
    encoded so (the general path then refuses it only if the request lacks it)."""
    made = last[3]
    if own in made:
        return made[own]
    try:
        encoded: tuple[tuple[bytes, bytes, bytes], ...] | None = tuple(
            (key, key.lower(), value.encode(own))
            for key, value in ((name.encode(own), value) for name, value in last[2])
        )
    except UnicodeError:
        encoded = None
    made[own] = encoded  # a few encodings at most (httpx knows three)
    return encoded
