"""Benchmarks: `make bench` (python -m bench) prints a table and writes bench/results.json.

Plain scripts that assert nothing. Every figure that depends on the machine is a ratio of
two things measured side by side in the same run; counts (commands, bytes) are exact.
docs/performance.md says how to read them.
"""
