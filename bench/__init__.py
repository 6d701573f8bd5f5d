"""Benchmarks a user can run: `python -m bench.<name> --help`."""
