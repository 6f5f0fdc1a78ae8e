"""Row 9: the client's resident memory over many lifecycles in one process.

One ``Payments("bog", ...)`` runs N lifecycles (token, create, get, refund: the same
calls as rows 1-2) against a stand-in that keeps nothing per payment: an
``httpx.MockTransport`` answering with the emulator's recorded answers (row 2's
recording), each with a fresh order id (the id in the URL, or a new one for a
create) and fresh action ids. So whatever the process gains, the client kept.

The in-memory idempotency store remembers up to ``limit`` finished keys (two per
lifecycle: the create's and the refund's); it grows until then by design. The row
therefore warms up until the store is full, then reads the resident set size
(``/proc/self/statm``, after ``gc.collect()`` and glibc's ``malloc_trim(0)``, which
hands back memory the allocator holds free) at checkpoints up to lifecycle N and
reports its growth in KB per 1000 lifecycles, one value per stretch between
checkpoints (median and min-max over them). The note gives the warm-up's growth too.
The goal is flat: at most 1 KB per 1000 lifecycles, i.e. about a byte per payment,
well under one page (4 KB) per stretch.

    .venv/bin/python -m benchmarks.memory [--lifecycles 50000] [--trace]

``--trace`` also runs ``tracemalloc`` from the start (slow; the RSS figures then
include its own bookkeeping) and prints the allocation sites whose live memory grew
most over the measured part: the tool for finding a per-payment leak. The note's
count of live Python blocks (``sys.getallocatedblocks``) is the exact check that
needs no tracing.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import SUCCESS_CARD, Row, accept_callbacks, payment_request
from benchmarks.lifecycle import Recording, SyncBench, _auth
from payments_core import Payments

GOAL_KB_PER_1000 = 1.0
CHECKPOINTS = 5
"""Stretches the measured part is cut into (one value each)."""
WARM_MARGIN = 1000
"""Lifecycles run after the idempotency store is full, before the first reading."""

_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ORDER = "{order_id}"


def rss_bytes() -> int:
    """The process's resident set size now (Linux), else its peak (``getrusage``)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, where there is one."""
    try:
        import ctypes

        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
        return trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def settled_rss() -> int:
    """RSS after a full collection and, on glibc, ``malloc_trim(0)``.

    Without the trim, glibc keeps freed memory at the top of its heap and RSS moves in
    steps of a few hundred KB up and down while no live object is added (seen here:
    +250, +570, -780, +580 KB over 25k lifecycles with the live block count constant).
    """
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)
    return rss_bytes()


def reading() -> tuple[int, int]:
    """(RSS in bytes, live Python memory blocks), after a full collection."""
    rss = settled_rss()
    return rss, sys.getallocatedblocks()


def record() -> tuple[Recording, dict[str, Any]]:
    """One library lifecycle against the in-process emulator, as rows 1-2 record it."""
    from payments_bog.sandbox import BogSandbox

    sandbox = BogSandbox(callback_transport=httpx.MockTransport(accept_callbacks))
    inner = sandbox.sync_transport()
    control = httpx.Client(transport=inner, base_url=sandbox.public_base_url)

    def pay(order_id: str) -> None:
        control.post(f"/sandbox/orders/{order_id}/pay", json={"card": SUCCESS_CARD})

    bench = SyncBench(inner, sandbox.provider_settings(), pay)
    try:
        recording, _ = bench.record()
    finally:
        bench.close()
        control.close()
    return recording, sandbox.provider_settings()


class FreshIds:
    """A handler answering each recorded request kind with its recorded answer.

    The order id is taken from the request's URL (a create gets a new one) and put
    wherever the recorded answer had the recorded order's id; any other id in the
    answer (an action id) is new each time. Nothing is kept between requests.
    """

    def __init__(self, recording: Recording) -> None:
        order = recording.order_id
        self._answers: list[tuple[str, str, str | None, int, list[tuple[str, str]], bytes]] = []
        for e in recording.exchanges:
            prefix, opened, suffix = e.url.replace(order, _ORDER).partition(_ORDER)
            headers = [(k, v) for k, v in e.response_headers if k.lower() != "content-length"]
            body = e.response_body.replace(order.encode(), _ORDER.encode())
            answer = (e.method, prefix, suffix if opened else None, e.status, headers, body)
            self._answers.append(answer)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        for method, prefix, suffix, status, headers, body in self._answers:
            if request.method != method or not url.startswith(prefix):
                continue
            if suffix is None:  # no order in the URL: a token, or a create (a new order)
                if url != prefix:
                    continue
                order_id = str(uuid.uuid4())
            elif url.endswith(suffix) and len(url) > len(prefix) + len(suffix):
                order_id = url[len(prefix) : len(url) - len(suffix)]
            else:
                continue
            content = _UUID.sub(lambda _: str(uuid.uuid4()).encode(), body)
            content = content.replace(_ORDER.encode(), order_id.encode())
            return httpx.Response(status, headers=headers, content=content)
        raise AssertionError(f"no recorded answer for {request.method} {url}")


def lifecycle_on(payments: Payments) -> Callable[[], None]:
    auth = _auth(payments)

    def one() -> None:
        auth.invalidate()  # every lifecycle gets its own token, as in rows 1-2
        payment = payments.create_payment(payment_request())
        payments.get_payment(payment.id)
        payments.refund(payment.id)

    return one


def kb_per_1000(grown: int, lifecycles: int) -> float:
    return grown / 1024 / lifecycles * 1000


def memory_row(lifecycles: int, *, trace: bool = False) -> Row:
    recording, settings = record()
    client = httpx.Client(transport=httpx.MockTransport(FreshIds(recording)))
    payments = Payments("bog", http_client=client, **settings)
    one = lifecycle_on(payments)
    store = payments.idempotency_store
    limit = getattr(store, "limit", 0)
    try:
        if trace:  # from the start, so what the warm-up keeps is traced (and not "new")
            tracemalloc.start(10)
        started = time.perf_counter()
        before = settled_rss()
        warm = 0
        while len(store) < limit and warm < lifecycles:  # type: ignore[arg-type]
            one()
            warm += 1
        full_at = warm
        for _ in range(min(WARM_MARGIN, max(0, lifecycles - warm))):
            one()
            warm += 1
        measured = lifecycles - warm
        if measured < CHECKPOINTS * 100:
            raise ValueError(
                f"{lifecycles} lifecycles leave {measured} after the {warm}-lifecycle warm-up; "
                f"use more (--lifecycles)"
            )
        readings = [reading()]
        snapshot = tracemalloc.take_snapshot() if trace else None
        step = measured // CHECKPOINTS
        for index in range(CHECKPOINTS):
            count = step if index < CHECKPOINTS - 1 else measured - step * (CHECKPOINTS - 1)
            for _ in range(count):
                one()
            readings.append(reading())
        elapsed = time.perf_counter() - started
        if snapshot is not None:
            print_growth(snapshot, tracemalloc.take_snapshot(), measured)
            tracemalloc.stop()
    finally:
        payments.close()
        client.close()
    counts = [step] * (CHECKPOINTS - 1) + [measured - step * (CHECKPOINTS - 1)]
    rss = [r for r, _ in readings]
    blocks = [b for _, b in readings]
    values = [kb_per_1000(rss[i + 1] - rss[i], counts[i]) for i in range(CHECKPOINTS)]
    overall = kb_per_1000(rss[-1] - rss[0], measured)
    warm_growth = (rss[0] - before) / 1024
    return Row(
        f"9. RSS growth, {lifecycles // 1000}k lifecycles, sync",
        values,
        GOAL_KB_PER_1000,
        unit="KB/1k lifecycles",
        notes=[
            f"{lifecycles} lifecycles on MockTransport with fresh ids (nothing kept per payment "
            f"by the stand-in), {elapsed:.0f} s; RSS after gc"
            f"{' and malloc_trim' if _TRIM is not None else ''} at {CHECKPOINTS + 1} points",
            f"lifecycle {warm} -> {lifecycles}: RSS {rss[0] / 2**20:.1f} -> "
            f"{rss[-1] / 2**20:.1f} MB ({overall:+.2f} KB per 1000 lifecycles); live Python "
            f"blocks {blocks[0]} -> {blocks[-1]} ({(blocks[-1] - blocks[0]) / measured * 1000:+.1f}"
            " per 1000 lifecycles, the exact count: a leak shows here whatever the machine does)",
            f"warm-up (idempotency store filled to its {limit} finished keys at lifecycle "
            f"{full_at}, +{WARM_MARGIN}): {warm_growth:+.0f} KB, bounded by that limit",
        ],
    )


def print_growth(first: tracemalloc.Snapshot, last: tracemalloc.Snapshot, count: int) -> None:
    """The source lines whose live allocations grew most between two snapshots."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = last.filter_traces(ignore).compare_to(first.filter_traces(ignore), "traceback")
    print(f"tracemalloc: largest growth over {count} lifecycles")
    for stat in stats[:15]:
        if stat.size_diff <= 0:
            break
        print(f"  {stat.size_diff / 1024:+9.1f} KB {stat.count_diff:+7d} blocks")
        for line in stat.traceback.format()[-6:]:
            print(f"      {line}")


def main(argv: list[str] | None = None) -> int:
    from benchmarks.common import print_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=50_000)
    parser.add_argument("--trace", action="store_true", help="tracemalloc the measured part")
    args = parser.parse_args(argv)
    print_table([memory_row(args.lifecycles, trace=args.trace)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
