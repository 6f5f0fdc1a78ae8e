"""Row 4: a fresh process that imports the core and builds a BOG gateway vs httpx + pydantic.

Each run is a new interpreter (``python -c``), timed from spawn to exit, so the
interpreter's own start is in both sides; library and baseline runs alternate.

Both sides get the same bytecode treatment: an installed httpx and pydantic come
with ``.pyc`` files, while this checkout's sources may have none and, under
``PYTHONDONTWRITEBYTECODE`` (set in many CI and container images), would be
compiled again in every run. So each run writes and reads its bytecode in one
temporary cache (``PYTHONPYCACHEPREFIX``), filled by the untimed warm-up runs:
every module, the library's and the baseline's, is loaded from a cached ``.pyc``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from benchmarks.common import Row

GOAL = 1.3
LIBRARY = (
    "import payments_core\n"
    "payments_core.Payments('bog', client_id='bench', client_secret='bench-secret')\n"
)
BASELINE = "import httpx, pydantic\n"


def _environment(pycache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _run(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return time.perf_counter() - started


def startup_row(runs: int, rounds: int) -> Row:
    with tempfile.TemporaryDirectory(prefix="payments-bench-pycache-") as pycache:
        env = _environment(pycache)
        # warm the OS file cache and write the .pyc files of both sides
        _run(LIBRARY, env)
        _run(BASELINE, env)
        ratios = []
        library_times: list[float] = []
        baseline_times: list[float] = []
        for round_ in range(rounds):
            lib = base = 0.0
            for _ in range(runs):
                if round_ % 2:  # every other round the baseline goes first
                    b = _run(BASELINE, env)
                    a = _run(LIBRARY, env)
                else:
                    a = _run(LIBRARY, env)
                    b = _run(BASELINE, env)
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
            f"{baseline_times[len(baseline_times) // 2] * 1e3:.0f} ms (import httpx, pydantic); "
            "both from one fresh bytecode cache"
        ],
    )
