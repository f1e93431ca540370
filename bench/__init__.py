"""Benchmarks: data generators and ratio reports, run by `make bench` (not part of the tests).

Each module `bench/<name>.py` with a `run() -> list[Figure]` function is one report. A figure is a
ratio of our time against a baseline measured in the same run (raw SQL, a bare endpoint).
"""
