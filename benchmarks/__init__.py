"""Benchmarks of the offline preview; run with `python -m benchmarks` (see docs/contributing.md)."""
