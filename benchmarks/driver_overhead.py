"""What the core adds on top of httpx for one API call.

Runs the same GET against an in-memory transport two ways, in the same process
and the same run (shared machines are noisy, so only the ratio means anything):

* baseline: ``httpx.Client.send`` with a cached bearer header, parsed by hand;
* core: ``Payments.get_payment`` through the driver (flow stepping, timeout
  per attempt, retry bookkeeping, HTTP hooks, logging, OAuth2 auth from a warm
  cache, normalization into a ``Payment`` model).

    .venv/bin/python benchmarks/driver_overhead.py [--calls 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Generator
from typing import Any

import httpx
from pydantic import SecretStr

from payments_core import (
    Capability,
    Money,
    OAuth2ClientCredentials,
    Payment,
    PaymentProvider,
    Payments,
    PaymentStatus,
    ProviderSettings,
)
from payments_core.registry import ProviderRegistry

BODY = json.dumps({"id": "p-1", "status": "captured", "amount": "10.00", "currency": "GEL"})


def handler(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/token":
        return httpx.Response(
            200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600}
        )
    return httpx.Response(200, content=BODY, headers={"Content-Type": "application/json"})


class BenchSettings(ProviderSettings):
    client_id: str = "bench"
    client_secret: SecretStr = SecretStr("bench-secret")


class BenchProvider(PaymentProvider):
    name = "bench"
    settings_model = BenchSettings
    capabilities = frozenset({Capability.RETRIEVE})
    settings: BenchSettings

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self._auth = OAuth2ClientCredentials(
            "https://bench.test/token", self.settings.client_id, self.settings.client_secret
        )

    @property
    def auth(self) -> httpx.Auth:
        return self._auth

    def get_payment(self, payment_id: str) -> Generator[httpx.Request, httpx.Response, Payment]:
        response = yield self.build_request("GET", f"https://bench.test/payments/{payment_id}")
        data = response.json()
        return Payment(
            id=data["id"],
            provider=self.name,
            status=PaymentStatus(data["status"]),
            amount=Money(data["amount"], data["currency"]),
        )


def per_call(fn: Callable[[], Any], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    registry = ProviderRegistry(namespace="benchmarks.none")
    registry.register(BenchProvider)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    payments = Payments("bench", registry=registry, http_client=client, autoload_plugins=False)

    def baseline() -> Any:
        request = client.build_request(
            "GET",
            "https://bench.test/payments/p-1",
            headers={"Authorization": "Bearer t"},
            timeout=30.0,
        )
        data = client.send(request).json()
        return Money(data["amount"], data["currency"])

    def core() -> Payment:
        return payments.get_payment("p-1")

    core()  # warm the token cache
    ratios, base_times, core_times = [], [], []
    for _ in range(args.rounds):  # interleaved, so drift hits both sides alike
        b = per_call(baseline, args.calls)
        c = per_call(core, args.calls)
        base_times.append(b)
        core_times.append(c)
        ratios.append(c / b)
    print(f"baseline httpx send+parse : {statistics.median(base_times) * 1e6:8.1f} us/call")
    print(f"Payments.get_payment      : {statistics.median(core_times) * 1e6:8.1f} us/call")
    print(
        f"ratio core/baseline       : {statistics.median(ratios):8.2f}x "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f}, {args.rounds} rounds of {args.calls})"
    )
    payments.close()
    client.close()


if __name__ == "__main__":
    main()
