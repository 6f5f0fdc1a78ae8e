"""Row 4: a fresh process that imports the core and builds a BOG gateway vs httpx + pydantic.

Each run is a new interpreter (``python -c``), timed from spawn to exit, so the
interpreter's own start is in both sides; library and baseline runs alternate.
"""

from __future__ import annotations

import subprocess
import sys
import time

from benchmarks.common import Row

GOAL = 1.3
LIBRARY = (
    "import payments_core\n"
    "payments_core.Payments('bog', client_id='bench', client_secret='bench-secret')\n"
)
BASELINE = "import httpx, pydantic\n"


def _run(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def startup_row(runs: int, rounds: int) -> Row:
    _run(LIBRARY)  # warm the OS file cache and .pyc files for both
    _run(BASELINE)
    ratios = []
    library_times: list[float] = []
    baseline_times: list[float] = []
    for _ in range(rounds):
        lib = base = 0.0
        for _ in range(runs):
            a = _run(LIBRARY)
            b = _run(BASELINE)
            lib += a
            base += b
            library_times.append(a)
            baseline_times.append(b)
        ratios.append(lib / base)
    library_times.sort()
    baseline_times.sort()
    return Row(
        "4. fresh process: import + Payments",
        ratios,
        GOAL,
        notes=[
            f"{runs} runs a side per round; median "
            f"{library_times[len(library_times) // 2] * 1e3:.0f} ms vs "
            f"{baseline_times[len(baseline_times) // 2] * 1e3:.0f} ms (import httpx, pydantic)"
        ],
    )
