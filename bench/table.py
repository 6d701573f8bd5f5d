"""The suite's figures as a plain-text table: floors and each database side by side."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from bench.suite import FLOOR_SERVERS

Pick = Callable[[dict[str, Any]], Any]

#: (label, how to read the value from one database's results, format, target)
Row = tuple[str, Pick | None, str, str]

#: What fills the floor columns: the floor servers (acks), or the bare poster (reminders).
SERVERS = FLOOR_SERVERS
POSTER = ("poster", "", "")
NUDGE_POSTER = ("nudge-poster", "", "")
NO_FLOOR = ("", "", "")
#: The benchmarks run with the process layout `serve` does not choose by default.
OTHER_LAYOUT = ("latency-other-layout", "burst-other-layout")


def _at(*path: str) -> Pick:
    def pick(data: dict[str, Any]) -> Any:
        for key in path:
            if not isinstance(data, dict) or key not in data:
                return None
            data = data[key]
        return data

    return pick


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if spec == "d":
        return f"{int(value)}"
    return format(value, spec)


def render(report: dict[str, Any]) -> str:
    """Every figure of the report, one row each, with the target where the issue sets one."""
    sizes = report["sizes"]
    databases = list(report["databases"])
    floors = report["floors"]
    levels = [str(c) for c in sizes["latency_clients"]]
    header = ["", "raw floor", "bare Bolt", "Bolt ack only", *databases, "target"]
    lines: list[list[str]] = []

    def section(title: str) -> None:
        lines.append([title])

    def row(
        label: str, pick: Pick, spec: str, target: str = "", floor: tuple[str, ...] = NO_FLOOR
    ) -> None:
        """`floor` names the floors whose figures fill the floor columns ("": blank)."""
        cells = [f"  {label}"]
        for kind in floor:
            cells.append(_cell(floors.get(kind), pick, spec) if kind else "")
        for kind in databases:
            cells.append(_cell(report["databases"][kind].get(_benchmark_of(pick)), pick, spec))
        cells.append(target)
        lines.append(cells)

    over = report.get("slack_over", "http").upper()
    section(
        f"Ack latency, signed /incident over HTTP, new connection each ({sizes['slack_latency_s'] * 1000:.0f} ms Slack over {over})"
    )
    busiest = levels[-1]
    raw_p99 = _at("raw", busiest, "p99_ms")(floors)
    bolt_p50 = _at("bolt", busiest, "p50_ms")(floors)
    _latency_rows(row, "latency", levels, SERVERS, bolt_p50)
    row(
        f"p99 at {busiest} / raw floor p99",
        _named("latency", busiest, "p99_ms", scale=lambda v: v / raw_p99 if raw_p99 else None),
        ".2f",
        "<= 2.5",
    )

    section(
        f"Burst: {sizes['burst_commands']} commands across {sizes['burst_incidents']} incidents, {sizes['burst_clients']} clients"
    )
    _burst_rows(row, "burst")

    other = [name for name in OTHER_LAYOUT if any(name in r for r in report["databases"].values())]
    if other:
        section(
            "The same in the other process layout: SQLite with a delivery process, PostgreSQL in"
            " one (WATCHKEEPER_DELIVERY_PROCESS=on / off)"
        )
    if "latency-other-layout" in other:
        _latency_rows(row, "latency-other-layout", levels, NO_FLOOR, bolt_p50)
    if "burst-other-layout" in other:
        _burst_rows(row, "burst-other-layout")

    section(
        f"Reminders: {sizes['reminders']} open incidents due at once (raw floor column: a bare poster, {sizes['reminders_floor_threads']} threads)"
    )
    row("posted", _named("reminders", "posted"), "d", floor=POSTER)
    row("missing", _named("reminders", "missing"), "d", floor=POSTER)
    row("doubled", _named("reminders", "doubled"), "d")
    row(
        "all posted after s",
        _named("reminders", "all_posted_after_s", limit="wait_limit_s"),
        ".1f",
        floor=POSTER,
    )
    row("lateness p50 s", _named("reminders", "lateness_p50_s"), ".1f", floor=POSTER)
    row(
        "lateness p99 s",
        _named("reminders", "lateness_p99_s", limit="wait_limit_s"),
        ".1f",
        "< 10",
        floor=POSTER,
    )
    row(
        "lateness p99 / poster floor p99",
        _named("reminders", "lateness_p99_over_poster_p99"),
        ".2f",
    )
    row("claimed by scheduler, p99 s", _named("reminders", "claim_lateness_p99_s"), ".1f")
    row("reminders/s", _named("reminders", "reminders_per_s"), ".0f", floor=POSTER)
    row("server CPU ms/reminder", _named("reminders", "server_cpu_ms_per_reminder"), ".1f")
    row(
        "Slack handshakes/1,000 calls",
        _named("reminders", "handshakes_per_1000_slack_calls"),
        ".0f",
        floor=POSTER,
    )
    row(
        "scheduler KB per open incident",
        _named("reminders", "scheduler_kb_per_open_incident"),
        ".1f",
    )

    section(
        f"Nudges: {sizes['nudges_follow_ups']} open follow-ups, {sizes['nudges_due']} due at once,"
        f" {sizes['nudges_owners']} owners (raw floor column: a bare poster,"
        f" {sizes['reminders_floor_threads']} threads)"
    )
    row("posted", _named("nudges", "posted"), "d", floor=NUDGE_POSTER)
    row("missing", _named("nudges", "missing"), "d", "= 0", floor=NUDGE_POSTER)
    row("doubled", _named("nudges", "doubled"), "d", "= 0")
    row("nudged though not due", _named("nudges", "unexpected"), "d")
    row(
        "all posted after s",
        _named("nudges", "all_posted_after_s", limit="wait_limit_s"),
        ".1f",
        floor=NUDGE_POSTER,
    )
    row("lateness p50 s", _named("nudges", "lateness_p50_s"), ".1f", floor=NUDGE_POSTER)
    row(
        "lateness p99 s",
        _named("nudges", "lateness_p99_s", limit="wait_limit_s"),
        ".1f",
        floor=NUDGE_POSTER,
    )
    row(
        "lateness p99 / poster floor p99",
        _named("nudges", "lateness_p99_over_poster_p99"),
        ".2f",
    )
    row("claimed by scheduler, p99 s", _named("nudges", "claim_lateness_p99_s"), ".1f")
    row("nudges/s", _named("nudges", "nudges_per_s"), ".0f", floor=NUDGE_POSTER)
    row("server CPU ms/nudge", _named("nudges", "server_cpu_ms_per_nudge"), ".1f")
    row("owners due", _named("nudges", "owners_due"), "d")
    row("direct-message channels opened", _named("nudges", "conversations_opened"), "d")

    section(f"Reports: an incident with {sizes['report_entries']} timeline entries")
    row(
        "load + postmortem + status page s",
        _named("reports", "postmortem_and_statuspage_s"),
        ".3f",
        "< 1",
    )
    row("  load from the database s", _named("reports", "load_s"), ".3f")
    row("  render postmortem s", _named("reports", "postmortem_render_s"), ".3f")
    row("  render status page s", _named("reports", "statuspage_render_s"), ".3f")
    row("every document (as resolve publishes) s", _named("reports", "all_documents_s"), ".3f")
    row("watchkeeper export --format json s", _named("reports", "export_json_s"), ".2f")

    section(
        f"Status page: {sizes['status_incidents']} published incidents, "
        f"{sizes['status_clients']} readers, new connection each (floor: same bytes, no work)"
    )
    for name, label in (("page", "/status"), ("incident", "an incident's page")):
        row(f"{label}: requests/s", _named("status-page", name, "requests_per_s"), ".0f")
        row("  floor requests/s", _named("status-page", name, "floor", "requests_per_s"), ".0f")
        row("  floor / watchkeeper", _named("status-page", name, "floor_over_watchkeeper"), ".2f")
        row("  p50 ms", _named("status-page", name, "p50_ms"), ".1f")
        row("  p99 ms", _named("status-page", name, "p99_ms"), ".1f")
        row("  failed", _named("status-page", name, "failed"), "d")

    section("Start-up")
    row("serve -> healthy, empty database s", _named("startup", "first_start_s"), ".2f")
    row("serve -> healthy, restart s", _named("startup", "restart_s"), ".2f")
    row("idle RSS MB", _named("startup", "idle_rss_mb"), ".0f")

    errors = [
        f"  {kind} {name}: {results[name]['error']}"
        for kind, results in report["databases"].items()
        for name in results
        if isinstance(results[name], dict) and "error" in results[name]
    ]
    errors += [f"  floor {k}: {v['error']}" for k, v in floors.items() if "error" in v]
    code = report.get("code") or {}
    changed = [c for c in code.get("changed", []) if not c.startswith(("bench/", "tests/"))]
    text = (
        f"Measured at commit {code.get('commit') or '?'}"
        + (f" with {len(changed)} changed source files" if changed else "")
        + f"; load average at start {report['machine']['load_average_at_start'][0]:.1f}\n"
    )
    text += _align([header, *lines])
    notes = [f"  {kind} skipped: {why}" for kind, why in report["skipped"].items()]
    if notes or errors:
        text += "\n\nNot measured:\n" + "\n".join(notes + errors)
    return text + "\n\n" + _targets(report)


Rows = Callable[..., None]


def _latency_rows(
    row: Rows, benchmark: str, levels: list[str], floor: tuple[str, ...], bolt_p50: Any
) -> None:
    """Each level's latency figures from `benchmark`, and the busiest p50 against bare Bolt's."""
    for level in levels:
        row(f"{level} client(s): p50 ms", _named(benchmark, level, "p50_ms"), ".1f", floor=floor)
        row(f"{level} client(s): p99 ms", _named(benchmark, level, "p99_ms"), ".1f", floor=floor)
        row(
            f"{level} client(s): requests/s",
            _named(benchmark, level, "requests_per_s"),
            ".0f",
            floor=floor,
        )
        row(f"{level} client(s): failed", _named(benchmark, level, "failed"), "d", floor=floor)
        row(
            f"{level} client(s): server CPU ms/request",
            _named(benchmark, level, "server_cpu_ms_per_request"),
            ".1f",
            floor=floor,
        )
        row(
            f"{level} client(s): Slack handshakes/1,000 calls",
            _named(benchmark, level, "handshakes_per_1000_slack_calls"),
            ".0f",
            floor=floor,
        )
    busiest = levels[-1]
    row(
        f"bare Bolt p50 / p50 at {busiest}",
        _named(
            benchmark, busiest, "p50_ms", scale=lambda v: bolt_p50 / v if bolt_p50 and v else None
        ),
        ".2f",
        ">= 4",
        # Bare Bolt against the same app acking only: the most any Bolt bot could reach.
        floor=("", "", floor[2]),
    )


def _burst_rows(row: Rows, benchmark: str) -> None:
    """The burst's figures from `benchmark`."""
    row("acked ok", _named(benchmark, "acked_ok"), "d")
    row("commands lost", _named(benchmark, "lost"), "d", "= 0")
    row("duplicate timeline entries", _named(benchmark, "duplicate_entries"), "d", "= 0")
    row("acks/s", _named(benchmark, "acks_per_s"), ".0f")
    row("ack p50 ms", _named(benchmark, "ack", "p50_ms"), ".0f")
    row("ack p99 ms", _named(benchmark, "ack", "p99_ms"), ".0f")
    row("acks over Slack's 3 s", _named(benchmark, "acks_over_slack_deadline"), "d")
    row(
        "every side effect in Slack after s",
        _named(benchmark, "all_in_slack_after_s", limit="wait_limit_s"),
        ".1f",
    )
    row("all delivered (outbox empty)", _named(benchmark, "side_effects_drained"), "")
    row("messages missing in Slack", _named(benchmark, "messages_missing_in_slack"), "d")
    row(
        "server CPU ms/command (with effects)",
        _named(benchmark, "server_cpu_ms_per_command"),
        ".1f",
    )
    row(
        "Slack handshakes/1,000 calls",
        _named(benchmark, "handshakes_per_1000_slack_calls"),
        ".0f",
        "<= 10",
    )
    row("server peak RSS MB", _named(benchmark, "peak_rss_mb"), ".0f", "< 300")
    row("RSS growth start->end MB", _named(benchmark, "rss_growth_mb"), ".1f")


def _targets(report: dict[str, Any]) -> str:
    rows = [["Target", "database", "value", "limit", ""]]
    for target in report["targets"]:
        value = target["value"]
        shown = (
            "-" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))
        )
        rows.append(
            [
                target["name"],
                target["database"],
                shown,
                target["limit"],
                "met" if target["met"] else "MISSED",
            ]
        )
    return _align(rows)


class _Named:
    """A picker that knows which benchmark's results it reads (the first key of its path)."""

    def __init__(
        self,
        benchmark: str,
        path: tuple[str, ...],
        scale: Callable[[Any], Any] | None,
        limit: str | None,
    ) -> None:
        self.benchmark = benchmark
        self._pick = _at(*path)
        self._scale = scale
        self._limit = limit

    def __call__(self, data: dict[str, Any]) -> Any:
        value = self._pick(data)
        if value is None and self._limit and isinstance(data.get(self._limit), (int, float)):
            return f"> {data[self._limit]:.0f}"  # not reached within the wait limit
        if value is not None and self._scale is not None:
            return self._scale(value)
        return value


def _named(
    benchmark: str,
    *path: str,
    scale: Callable[[Any], Any] | None = None,
    limit: str | None = None,
) -> _Named:
    """Read `path` from a benchmark's figures; a None with a wait `limit` shows as `> limit`."""
    return _Named(benchmark, path, scale, limit)


def _benchmark_of(pick: Pick) -> str:
    return pick.benchmark if isinstance(pick, _Named) else ""


def _cell(results: dict[str, Any] | None, pick: Pick, spec: str) -> str:
    if results is None:
        return ""
    if "error" in results:
        return "error"
    return _fmt(pick(results), spec)


def _align(rows: list[list[str]]) -> str:
    """Columns padded to their widest cell; a one-cell row is a section title, as it is."""
    full = [r for r in rows if len(r) > 1]
    widths = [max(len(r[i]) for r in full) for i in range(len(full[0]))]
    out = []
    for r in rows:
        if len(r) == 1:
            out.append(f"\n{r[0]}")
            continue
        first = r[0].ljust(widths[0])
        rest = "  ".join(cell.rjust(width) for cell, width in zip(r[1:], widths[1:], strict=True))
        out.append(f"{first}  {rest}".rstrip())
    return "\n".join(out)
