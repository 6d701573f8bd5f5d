"""`python -m bench`: run the suite, print the table, write the JSON (see bench/README.md)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path
from typing import Any

from bench import harness, slack_host
from bench.sizes import FULL, QUICK, Sizes
from bench.suite import BENCHMARKS, DATABASES, DEFAULT_BENCHMARKS, RESULTS, run_suite, write
from bench.table import render


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sizes = _resized(QUICK if args.quick else FULL, args.size)
    harness.PROFILE_DIR = args.profile
    slack_host.TLS = not args.slack_http
    report = run_suite(
        sizes,
        databases=args.databases,
        benchmarks=args.only,
        quick=args.quick,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(render(report))
    path = write(report, args.results_dir)
    print(f"\nJSON: {path}   ({report['took_s']:.0f} s in all)")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke run of everything"
    )
    parser.add_argument(
        "--databases",
        type=_names(DATABASES),
        default=list(DATABASES),
        help="comma-separated: sqlite,postgresql (default both; PostgreSQL is skipped, with a note, when unreachable)",
    )
    parser.add_argument(
        "--only",
        type=_names(BENCHMARKS),
        default=list(DEFAULT_BENCHMARKS),
        help=f"comma-separated subset of {','.join(BENCHMARKS)}"
        f" (default: all but {','.join(sorted(set(BENCHMARKS) - set(DEFAULT_BENCHMARKS)))})",
    )
    parser.add_argument(
        "--size",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one size, e.g. --size reminders=2000 (names in bench/sizes.py)",
    )
    parser.add_argument(
        "--slack-http",
        action="store_true",
        help="the Slack stand-ins serve plain HTTP (default: HTTPS, as Slack does)",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample every Watchkeeper server with py-spy into DIR (collapsed stacks)",
    )
    return parser


def _names(allowed: tuple[str, ...]) -> Any:
    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in allowed]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(unknown)}; choose from {', '.join(allowed)}"
            )
        return names

    return parse


def _resized(sizes: Sizes, overrides: list[str]) -> Sizes:
    """`sizes` with `NAME=VALUE` overrides, each converted to the field's type."""
    changes: dict[str, Any] = {}
    defaults = dataclasses.asdict(sizes)
    for override in overrides:
        name, _, value = override.partition("=")
        if name not in defaults:
            raise SystemExit(f"--size: unknown size {name!r}; see bench/sizes.py")
        current = defaults[name]
        if isinstance(current, tuple):
            changes[name] = tuple(type(current[0])(v) for v in value.split(","))
        else:
            changes[name] = type(current)(value)
    return dataclasses.replace(sizes, **changes)


if __name__ == "__main__":
    sys.exit(main())
