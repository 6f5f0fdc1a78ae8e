"""Instruction counts of the library's hot paths: the repeatable measure.

Wall-clock ratios on a shared machine move by a few percent between runs of the
same code; the number of instructions a warm loop executes does not. This runs
one workload, warm, inside a ``math.fsum`` call, so that valgrind's callgrind,
told to count only inside that function, counts the loop and nothing else::

    valgrind --tool=callgrind --toggle-collect=math_fsum --callgrind-out-file=/tmp/cg.out \\
        .venv/bin/python -m benchmarks.instructions sync 20

and ``I refs`` in valgrind's summary is the count for that many runs. To compare
two versions, run the same command in both checkouts. The workloads:

* ``sync`` / ``async``: a BOG lifecycle (token, create, get, refund) on
  ``httpx.MockTransport`` with the emulator's recorded answers (rows 2 and 9);
* ``webhook``: ``parse_webhook`` on a signed callback the emulator sent (row 3);
* ``replay`` / ``replay-baseline``: row 2's two sides, one count each: the
  library's lifecycle (its harness, :class:`benchmarks.lifecycle.SyncBench`) and
  raw httpx sending the very same requests, both on the fresh-id stand-in. Their
  quotient is row 2's ratio in instructions, which noise does not move.
"""

from __future__ import annotations

import argparse
import asyncio
import math
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from benchmarks.common import payment_request
from benchmarks.lifecycle import SyncBench, _auth
from benchmarks.memory import FreshIds, lifecycle_on, record
from payments_core import AsyncPayments, Payments
from payments_core.idempotency import MemoryIdempotencyStore

WARM_UP = 50


def _counted(step: Callable[[], Any], runs: int) -> None:
    for _ in range(WARM_UP):
        step()

    def loop() -> Iterator[float]:
        for _ in range(runs):
            step()
            yield 0.0

    math.fsum(loop())


def sync_lifecycles(runs: int) -> None:
    recording, settings = record()
    client = httpx.Client(transport=httpx.MockTransport(FreshIds(recording)))
    store = MemoryIdempotencyStore(limit=100)
    with Payments("bog", http_client=client, idempotency_store=store, **settings) as payments:
        _counted(lifecycle_on(payments), runs)


def async_lifecycles(runs: int) -> None:
    """Each lifecycle is stepped by hand: on MockTransport nothing waits, so no event
    loop turn is needed (a step that did wait would make this fail loudly)."""
    recording, settings = record()

    async def one(payments: AsyncPayments) -> None:
        auth = _auth(payments)
        auth.invalidate()  # every lifecycle gets its own token, as in rows 1-2
        payment = await payments.create_payment(payment_request())
        await payments.get_payment(payment.id)
        await payments.refund(payment.id)

    async def main() -> None:
        client = httpx.AsyncClient(transport=httpx.MockTransport(FreshIds(recording)))
        store = MemoryIdempotencyStore(limit=100)
        async with AsyncPayments(
            "bog", http_client=client, idempotency_store=store, **settings
        ) as payments:

            def step() -> None:
                coroutine = one(payments)
                try:
                    waited = coroutine.send(None)
                except StopIteration:
                    return
                coroutine.close()
                raise RuntimeError(f"the lifecycle waited on {waited!r}")

            _counted(step, runs)

    asyncio.run(main())


def webhooks(runs: int) -> None:
    from benchmarks.lifecycle import sync_rows

    _, _, sandbox = sync_rows(2, 1)
    delivery = next(d for d in sandbox.callbacks if d.ok)
    headers = {"Content-Type": "application/json", "Callback-Signature": delivery.signature}
    with Payments("bog", **sandbox.provider_settings()) as payments:
        _counted(lambda: payments.parse_webhook(headers, delivery.body), runs)


def _replay_bench() -> SyncBench:
    recording, settings = record()
    bench = SyncBench(httpx.MockTransport(FreshIds(recording)), settings, None)
    bench.record()  # the baseline's templates, checked to send the library's requests
    return bench


def replay(runs: int) -> None:
    bench = _replay_bench()
    try:
        _counted(bench.library, runs)
    finally:
        bench.close()


def replay_baseline(runs: int) -> None:
    bench = _replay_bench()
    try:
        _counted(bench.baseline, runs)
    finally:
        bench.close()


WORKLOADS: dict[str, Callable[[int], None]] = {
    "sync": sync_lifecycles,
    "async": async_lifecycles,
    "webhook": webhooks,
    "replay": replay,
    "replay-baseline": replay_baseline,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("runs", type=int, nargs="?", default=20)
    args = parser.parse_args(argv)
    WORKLOADS[args.workload](args.runs)


if __name__ == "__main__":
    main()
