"""Tests of the example Django shop."""
