"""Tests of the FastAPI example shop."""
