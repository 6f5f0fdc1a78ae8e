"""Run the whole suite and print one table of library/baseline ratios.

    .venv/bin/python -m benchmarks [--quick] [--rounds N] [--lifecycles N] [--gets N]
                                   [--memory-lifecycles N]
    .venv/bin/python benchmarks/run.py --quick

Each row is measured in this run, library and baseline interleaved round by
round; the table shows the median ratio and its min-max over the rounds. A row
that cannot run here (PostgreSQL without a server to use) is listed after the
table with how to enable it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Row, print_table


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="payments-core performance suite")
    parser.add_argument("--quick", action="store_true", help="a short run (a minute or so)")
    parser.add_argument("--rounds", type=int, help="rounds per row (default 5, quick 3)")
    parser.add_argument(
        "--lifecycles", type=int, help="row 5's loopback lifecycles (default 10000, quick 300)"
    )
    parser.add_argument(
        "--gets", type=int, help="row 6's concurrent gets (default 1000, quick 200)"
    )
    parser.add_argument(
        "--memory-lifecycles",
        type=int,
        help="row 9's lifecycles in one process (default 50000, quick 10000)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.journal import journal_rows
    from benchmarks.lifecycle import async_rows, sync_rows
    from benchmarks.loopback import loopback_rows
    from benchmarks.memory import memory_row
    from benchmarks.startup import startup_row
    from benchmarks.webhook import webhook_row

    args = parse(argv)
    quick = args.quick
    rounds = args.rounds or (3 if quick else 5)
    in_process = 20 if quick else 100
    loopback = args.lifecycles or (300 if quick else 10_000)
    gets = args.gets or (200 if quick else 1000)
    started = time.perf_counter()
    rows: list[Row] = []
    sync, _, sandbox = sync_rows(in_process, rounds)
    rows += sync
    rows += async_rows(in_process, rounds)
    rows.append(webhook_row(sandbox, 300 if quick else 2000, rounds))
    rows.append(startup_row(3 if quick else 5, rounds))
    rows += loopback_rows(loopback, gets, rounds)
    journal, skipped = journal_rows(in_process, rounds)
    rows += journal
    rows.append(memory_row(args.memory_lifecycles or (10_000 if quick else 50_000)))
    print(f"payments-core benchmarks: library/baseline, {rounds} rounds per row, same run")
    print("x time: lower is better (1.00 = the library costs nothing over the baseline)")
    print("x throughput: higher is better (1.00 = as fast as the bare code)")
    print("KB/1k lifecycles: resident memory growth after warm-up (0.00 = flat)\n")
    print_table(rows)
    for reason in skipped:
        print(reason)
    met = sum(row.met for row in rows)
    print(f"\n{met}/{len(rows)} goals met; {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
