"""Watchkeeper's benchmark suite: `python -m bench` (or `--quick`); see bench/README.md."""
