"""The whole suite: every benchmark on each database, the floors once, targets checked.

Each benchmark gets a fresh database and a fresh Slack stand-in, so nothing one leaves
behind (incidents, channels, a backlog) slows the next.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import burst, latency, nudges, reminders, reports, slack_host, startup, status_page
from bench.harness import Database, Unavailable, fresh_database, postgres_reachable
from bench.sizes import Sizes
from bench.slack_host import SlackProxy

BENCHMARKS = (
    "startup",
    "latency",
    "burst",
    "reminders",
    "nudges",
    "reports",
    "status-page",
    "latency-other-layout",
    "burst-other-layout",
)
#: What runs unless `--only` says otherwise: the other layout's burst, two more minutes, on request.
DEFAULT_BENCHMARKS = tuple(name for name in BENCHMARKS if name != "burst-other-layout")
DATABASES = ("sqlite", "postgresql")
#: The servers the acks are measured beside (see `bench.floors`).
FLOOR_SERVERS = ("raw", "bolt", "bolt-ack")
RESULTS = Path(__file__).resolve().parent / "results"
#: Each benchmark timed against a bare poster, and the floor it is timed against.
POSTER_FLOORS = {"reminders": "poster", "nudges": "nudge-poster"}

Runner = Callable[[Sizes, Database, SlackProxy, Path], dict[str, Any]]
RUNNERS: dict[str, Runner] = {
    "startup": lambda sizes, db, slack, scratch: startup.run(db, slack, scratch),
    "latency": latency.watchkeeper,
    "burst": burst.run,
    "reminders": reminders.run,
    "nudges": nudges.run,
    "reports": lambda sizes, db, slack, scratch: reports.run(sizes, db, scratch),
    "status-page": status_page.run,
    # The same two benchmarks with the process layout `serve` does not choose for the database.
    "latency-other-layout": lambda sizes, db, slack, scratch: latency.watchkeeper(
        sizes, db, slack, scratch, other_layout=True
    ),
    "burst-other-layout": lambda sizes, db, slack, scratch: burst.run(
        sizes, db, slack, scratch, other_layout=True
    ),
}


@dataclass(frozen=True)
class Target:
    """One of the issue's targets, judged on one database."""

    name: str
    database: str
    value: float | None
    limit: str
    met: bool


def run_suite(
    sizes: Sizes,
    *,
    databases: Iterable[str] = DATABASES,
    benchmarks: Iterable[str] = DEFAULT_BENCHMARKS,
    quick: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the chosen benchmarks; everything measured, as plain data for the JSON file."""
    chosen = [name for name in BENCHMARKS if name in set(benchmarks)]
    started = time.perf_counter()
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # Other work on the machine skews every figure: the load before and after says.
            "load_average_at_start": os.getloadavg(),
        },
        "code": _code_state(),
        "sizes": asdict(sizes),
        "slack_over": "https" if slack_host.TLS else "http",
        "floors": {},
        "databases": {},
        "skipped": {},
    }
    with tempfile.TemporaryDirectory(prefix="watchkeeper-bench-") as folder:
        scratch = Path(folder)
        if "latency" in chosen:
            for kind in FLOOR_SERVERS:
                log(f"floor: {kind} ...")
                with slack_host.slack_host(sizes.slack_latency_s) as slack:
                    report["floors"][kind] = _guarded(
                        lambda s=slack, k=kind: latency.floor(k, sizes, s, scratch)  # type: ignore[misc]
                    )
        if "reminders" in chosen:
            log("floor: poster ...")
            with slack_host.slack_host(sizes.slack_latency_s) as slack:
                report["floors"]["poster"] = _guarded(
                    lambda: reminders.floor(sizes, slack, scratch)
                )
        if "nudges" in chosen:
            log("floor: nudge poster ...")
            with slack_host.slack_host(sizes.slack_latency_s) as slack:
                report["floors"]["nudge-poster"] = _guarded(
                    lambda: nudges.floor(sizes, slack, scratch)
                )
        for kind in databases:
            if kind == "postgresql" and (why := postgres_reachable()):
                report["skipped"][kind] = why
                log(f"skipping PostgreSQL: {why}")
                continue
            results: dict[str, Any] = {}
            for name in chosen:
                log(f"{kind}: {name} ...")
                results[name] = _one(RUNNERS[name], sizes, kind, scratch)
            report["databases"][kind] = results
    _against_poster(report)
    report["targets"] = [asdict(t) for t in judge(report)]
    report["took_s"] = time.perf_counter() - started
    report["machine"]["load_average_at_end"] = os.getloadavg()
    return report


def _against_poster(report: dict[str, Any]) -> None:
    """Each database's reminder (and nudge) lateness p99 as a multiple of its bare poster's, in
    its figures."""
    for benchmark, floor in POSTER_FLOORS.items():
        floor_p99 = _get(report["floors"], floor, "lateness_p99_s")
        for results in report["databases"].values():
            figures = results.get(benchmark)
            if not isinstance(figures, dict) or "error" in figures:
                continue
            p99 = figures.get("lateness_p99_s")
            figures["lateness_p99_over_poster_p99"] = (
                p99 / floor_p99 if p99 is not None and floor_p99 else None
            )


def _code_state() -> dict[str, Any]:
    """The commit measured, and the files changed on top of it (figures follow the work tree)."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - fixed git arguments
                ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
                timeout=10,
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.rstrip()

    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if line[3:]]
    return {"commit": git("rev-parse", "--short", "HEAD"), "changed": changed}


def _one(runner: Runner, sizes: Sizes, kind: str, scratch: Path) -> dict[str, Any]:
    def attempt() -> dict[str, Any]:
        with (
            fresh_database(kind, scratch) as db,
            slack_host.slack_host(sizes.slack_latency_s) as slack,
        ):
            return runner(sizes, db, slack, scratch)

    return _guarded(attempt)


def _guarded(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The benchmark's figures and its duration, or what went wrong (the suite goes on)."""
    started = time.perf_counter()
    try:
        figures = work()
    except Unavailable as error:
        return {"error": f"database unavailable: {error}"}
    except Exception as error:  # one failing benchmark must not lose the others' figures
        traceback.print_exc()
        return {
            "error": f"{type(error).__name__}: {error}",
            "took_s": time.perf_counter() - started,
        }
    figures["took_s"] = time.perf_counter() - started
    return figures


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def judge(report: dict[str, Any]) -> list[Target]:
    """The issue's targets, each judged on each database that ran."""
    found: list[Target] = []
    floors = report["floors"]
    for kind, results in report["databases"].items():
        level = _busiest(results)
        raw_p99 = _get(floors, "raw", level, "p99_ms")
        bolt_p50 = _get(floors, "bolt", level, "p50_ms")
        p99 = _get(results, "latency", level, "p99_ms")
        p50 = _get(results, "latency", level, "p50_ms")
        if p99 is not None and raw_p99:
            ratio = p99 / raw_p99
            found.append(
                Target(
                    f"ack p99 at {level} clients / raw floor p99",
                    kind,
                    ratio,
                    "<= 2.5",
                    ratio <= 2.5,
                )
            )
        if p50 and bolt_p50:
            ratio = bolt_p50 / p50
            found.append(
                Target(
                    f"bare Bolt p50 / ack p50 at {level} clients", kind, ratio, ">= 4", ratio >= 4
                )
            )
        other_p50 = _get(results, "latency-other-layout", level, "p50_ms")
        if other_p50 and bolt_p50:
            ratio = bolt_p50 / other_p50
            found.append(
                Target(
                    f"bare Bolt p50 / ack p50 at {level} clients, other layout",
                    kind,
                    ratio,
                    ">= 4",
                    ratio >= 4,
                )
            )
        if (value := _get(results, "burst", "lost")) is not None:
            found.append(Target("burst: commands lost", kind, value, "= 0", value == 0))
        if (value := _get(results, "burst", "duplicate_entries")) is not None:
            found.append(
                Target("burst: duplicate timeline entries", kind, value, "= 0", value == 0)
            )
        if (value := _get(results, "burst", "peak_rss_mb")) is not None:
            found.append(Target("burst: server peak RSS (MB)", kind, value, "< 300", value < 300))
        if "reminders" in results and "error" not in results["reminders"]:
            value = _get(results, "reminders", "lateness_p99_s")
            found.append(
                Target(
                    "reminders: lateness p99 (s)",
                    kind,
                    value,
                    "< 10",
                    value is not None and value < 10,
                )
            )
        if "nudges" in results and "error" not in results["nudges"]:
            # Issue 16: every nudge sent, none missing, none doubled.
            for figure in ("missing", "doubled"):
                value = _get(results, "nudges", figure)
                found.append(Target(f"nudges: {figure}", kind, value, "= 0", value == 0))
        if (value := _get(results, "reports", "postmortem_and_statuspage_s")) is not None:
            found.append(
                Target("reports: postmortem + status page (s)", kind, value, "< 1", value < 1)
            )
    return found


def _busiest(results: dict[str, Any]) -> str:
    """The highest level of concurrency the latency benchmark ran (its keys are client counts)."""
    levels = [int(key) for key in (results.get("latency") or {}) if key.isdigit()]
    return str(max(levels)) if levels else "20"


def write(report: dict[str, Any], folder: Path = RESULTS) -> Path:
    """The report as JSON under `folder`; the file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"bench-{stamp}{'-quick' if report.get('quick') else ''}.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    return path
