"""The driver builds its redacted view of a request only for someone who looks at it.

With no HTTP hook registered and the ``payments_core.http`` logger above DEBUG, an
attempt builds no :class:`HttpExchange`; a registered hook, or DEBUG logging,
gets one per attempt, as before.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from payments_core import drivers
from payments_core.hooks import Hooks
from payments_core.hookspecs import hookimpl
from payments_core.redact import HttpExchange


class _Provider:
    name = "fake"
    auth = None
    idempotency_header = "Idempotency-Key"
    honours_idempotency_keys = True
    sensitive_headers: frozenset[str] = frozenset()
    sensitive_fields: frozenset[str] = frozenset()
    sensitive_options: frozenset[str] = frozenset()

    class settings:
        timeout = 5.0
        max_retries = 0
        backoff_base = 0.0
        backoff_max = 0.0
        deadline = 10.0


def _flow() -> Any:
    response = yield httpx.Request("GET", "https://api.example/payments/1")
    return response.status_code


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[HttpExchange]:
    made: list[HttpExchange] = []
    original = HttpExchange.of.__func__  # type: ignore[attr-defined]

    def counting(cls: type[HttpExchange], *args: Any, **kwargs: Any) -> HttpExchange:
        exchange: HttpExchange = original(cls, *args, **kwargs)
        made.append(exchange)
        return exchange

    monkeypatch.setattr(HttpExchange, "of", classmethod(counting))
    return made


def _run(hooks: Hooks) -> int:
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    driver = drivers.SyncDriver(_Provider(), client, hooks)  # type: ignore[arg-type]
    with client:
        result: int = driver.run(_flow())
    return result


def test_no_observer_builds_no_exchange(
    built: list[HttpExchange], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="payments_core.http")
    assert _run(Hooks(autoload=False)) == 200
    assert built == []


def test_a_registered_hook_gets_one_exchange_per_attempt(
    built: list[HttpExchange], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="payments_core.http")
    seen: list[tuple[str, HttpExchange]] = []

    class Observer:
        @hookimpl
        def payments_http_request(self, request: HttpExchange) -> None:
            seen.append(("request", request))

        @hookimpl
        def payments_http_response(
            self, request: HttpExchange, status_code: int, elapsed: float
        ) -> None:
            seen.append(("response", request))

    hooks = Hooks(autoload=False)
    hooks.register(Observer())
    assert _run(hooks) == 200
    assert len(built) == 1
    assert [kind for kind, _ in seen] == ["request", "response"]
    assert seen[0][1] is seen[1][1] is built[0]
    assert built[0].path == "/payments/1"


def test_a_response_hook_alone_still_gets_its_exchange(built: list[HttpExchange]) -> None:
    statuses: list[int] = []

    class Observer:
        @hookimpl
        def payments_http_response(
            self, request: HttpExchange, status_code: int, elapsed: float
        ) -> None:
            statuses.append(status_code)

    hooks = Hooks(autoload=False)
    hooks.register(Observer())
    assert _run(hooks) == 200
    assert statuses == [200]
    assert len(built) == 1


def test_debug_logging_builds_the_exchange_and_logs_the_attempt(
    built: list[HttpExchange], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="payments_core.http")
    assert _run(Hooks(autoload=False)) == 200
    assert len(built) == 1
    records = [r for r in caplog.records if r.name == "payments_core.http"]
    assert len(records) == 1
    assert "GET api.example/payments/1 -> 200" in records[0].getMessage()
