"""Performance suite: what payments-core costs next to bare httpx, measured as ratios.

Run it with ``python -m benchmarks`` (or ``python benchmarks/run.py``); see
``benchmarks/README.md``.
"""
