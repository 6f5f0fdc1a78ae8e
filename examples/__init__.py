"""Runnable examples of payments-core. Each one is tested (see its ``tests`` folder)."""
