"""`python -m bench.socket_reconnect`: which Socket Mode client comes back after the network fails.

For each client slack_sdk ships and each fault, one process of its own runs the Slack stand-in
and the client, injects the fault, and times from the moment Slack is reachable again (from the
fault itself where Slack stays reachable) until the client has a new link and an envelope sent
on it is acked. A client not back within the cap is "never". With Socket Mode disabled it
counts how often the client keeps asking for a link. See bench/README.md, "Socket Mode".
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import socket_clients
from bench.harness import clean_environment
from watchkeeper.standin import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CONNECTIONS_OPEN = "apps.connections.open"
#: How long a probe envelope waits for its ack: a healthy client acks in milliseconds.
PROBE_TIMEOUT_S = 1.0
#: CPU seconds over one fault from which a cell says the process was busy, not waiting.
SPINNING_CPU_S = 2.0


@dataclass(frozen=True)
class Case:
    label: str
    #: What "reachable again" means for the clock: the fault, or the end of the refusal.
    clock_from: str


CASES = {
    "drop": Case("(a) TCP reset, no close frame", "the reset"),
    "drop-fin": Case("(a') TCP closed (FIN), no close frame", "the close"),
    "refused": Case("(b) reset + connects refused, then allowed", "allowing connects again"),
    "stall": Case("(c) stall: half-open, pings unanswered", "the stall"),
    "refresh": Case("(d) disconnect: refresh_requested", "the message"),
    "link-disabled": Case("link_disabled: apps.connections.open calls", "the message"),
}
DEFAULT_CASES = tuple(CASES)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.one:
        client, case = args.one
        print(json.dumps(run_one(client, case, args)))
        return 0
    started = time.monotonic()
    runs = [(case, client) for case in args.cases for client in args.clients]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda run: _spawn(*run, args), runs))
    report = {
        "ran_at": datetime.now().isoformat(timespec="seconds"),
        "settings": _settings(args),
        "results": [
            {"case": case, "client": client, **r}
            for (case, client), r in zip(runs, results, strict=True)
        ],
        "took_s": round(time.monotonic() - started, 1),
    }
    print(render(report, args.cases, args.clients))
    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = args.results_dir / f"socket-reconnect-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nJSON: {path}   ({report['took_s']:.0f} s in all)")
    return 0


# -- one client, one case (a process of its own) -----------------------------------------------


def run_one(client: str, case: str, args: argparse.Namespace) -> dict[str, Any]:
    """Start the stand-in and `client`, inject `case`, and say how the client fared."""
    logs = _LogTally()
    logging.getLogger().handlers[:] = [logs]
    logging.getLogger().setLevel(logging.WARNING)
    result: dict[str, Any] = {}
    with FakeSlack() as fake:
        running = socket_clients.start(client, fake.url, fake.app_token, args.ping_interval)
        try:
            fake.socket_mode.wait_connected(timeout=10)
            if fake.socket_mode_requests(timeout=3).command("warm-up").status != 200:
                result["error"] = "the first envelope was not acked"
            else:
                # The whole process's CPU time over the fault and the recovery: a client that
                # spins on a dead socket shows here (the stand-in's share is small and steady).
                cpu_before = time.process_time()
                if case == "link-disabled":
                    result.update(_link_disabled(fake, args.observe))
                else:
                    result.update(_recover(fake, case, args.cap, args.refuse))
                result["cpu_s"] = round(time.process_time() - cpu_before, 2)
        except TimeoutError as error:
            result["error"] = str(error)
        finally:
            # Taken before closing: what a client logs while being closed is not the fault's.
            result["opens"] = len(fake.calls_to(CONNECTIONS_OPEN))
            result["handshakes"] = fake.socket_mode.attempts
            result["log"] = logs.summary()
            running.close()
    return result


def _recover(fake: FakeSlack, case: str, cap: float, refuse_s: float) -> dict[str, Any]:
    socket_mode = fake.socket_mode
    before = socket_mode.connects
    opens_before = len(fake.calls_to(CONNECTIONS_OPEN))
    if case == "drop":
        socket_mode.drop()
    elif case == "drop-fin":
        socket_mode.drop(reset=False)
    elif case == "refused":
        socket_mode.drop()
        socket_mode.refuse(True)
        time.sleep(refuse_s)
        socket_mode.refuse(False)
    elif case == "stall":
        socket_mode.stall()
    elif case == "refresh":
        socket_mode.disconnect("refresh_requested")
    else:
        raise ValueError(f"unknown case {case!r}")
    since = time.monotonic()
    opens_during_fault = len(fake.calls_to(CONNECTIONS_OPEN)) - opens_before
    probe = fake.socket_mode_requests(timeout=PROBE_TIMEOUT_S)
    while time.monotonic() - since < cap:
        back = socket_mode.connects > before and socket_mode.connections > 0
        if back and probe.command("probe").status == 200:
            return {
                "recovered_s": round(time.monotonic() - since, 2),
                "opens_during_fault": opens_during_fault,
            }
        time.sleep(0.05)
    return {"recovered_s": None, "opens_during_fault": opens_during_fault}


def _link_disabled(fake: FakeSlack, observe_s: float) -> dict[str, Any]:
    opens_before = len(fake.calls_to(CONNECTIONS_OPEN))
    attempts_before = fake.socket_mode.attempts
    disabled_at = time.time()
    fake.socket_mode.link_disabled = True
    time.sleep(observe_s)
    opens = [call.at - disabled_at for call in fake.calls if call.method == CONNECTIONS_OPEN]
    return {
        "observed_s": observe_s,
        "opens_after": len(opens) - opens_before,
        "last_open_s": round(opens[-1], 1) if len(opens) > opens_before else None,
        "handshakes_after": fake.socket_mode.attempts - attempts_before,
    }


class _LogTally(logging.Handler):
    """Counts the client's warnings and errors and keeps a few distinct ones, printing none."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.levels: Counter[str] = Counter()
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.levels[record.levelname] += 1
        text = f"{record.name}: {record.getMessage()}"[:200]
        if len(self.samples) < 3 and all(text[:60] != seen[:60] for seen in self.samples):
            self.samples.append(text)

    def summary(self) -> dict[str, Any]:
        return {"counts": dict(self.levels), "samples": self.samples}


# -- the whole grid -----------------------------------------------------------------------------


def _spawn(case: str, client: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.socket_reconnect", "--one", client, case]
    command += [
        "--cap",
        str(args.cap),
        "--refuse",
        str(args.refuse),
        "--observe",
        str(args.observe),
    ]
    if args.ping_interval is not None:
        command += ["--ping-interval", str(args.ping_interval)]
    limit = args.cap + args.refuse + args.observe + 60
    try:
        done = subprocess.run(  # noqa: S603 - our own module, run with our own interpreter
            command,
            cwd=ROOT,
            env=clean_environment({}),
            capture_output=True,
            text=True,
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        return {"recovered_s": None, "error": f"the run hung past {limit:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"recovered_s": None, "error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def render(report: dict[str, Any], cases: list[str], clients: list[str]) -> str:
    """Rows: the faults; columns: the clients; cells: seconds until back, or never."""
    by_run = {(r["case"], r["client"]): r for r in report["results"]}
    settings = report["settings"]
    header = ["", *clients]
    rows = [
        [CASES[case].label, *(_cell(by_run[case, client], settings) for client in clients)]
        for case in cases
    ]
    rows.append(
        [
            "warnings+errors logged (all cases)",
            *(str(sum(_logged(by_run[case, client]) for case in cases)) for client in clients),
        ]
    )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        f"Socket Mode: seconds until a new link acks an envelope (cap {settings['cap_s']:.0f} s;"
        f" ping interval: {settings['ping_interval']})",
        "  ".join(text.ljust(width) for text, width in zip(header, widths, strict=True)),
    ]
    lines += [
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True))
        for row in rows
    ]
    return "\n".join(lines)


def _cell(result: dict[str, Any], settings: dict[str, Any]) -> str:
    if "error" in result:
        return f"error: {result['error']}"[:40]
    if "opens_after" in result:
        opens, last = result["opens_after"], result["last_open_s"]
        if not opens:
            return "stops (0 calls)"
        still = last is not None and last > settings["observe_s"] * 2 / 3
        return f"{opens} in {settings['observe_s']:.0f} s, {'keeps retrying' if still else f'stops at {last:.0f} s'}"
    seconds, cpu = result.get("recovered_s"), result.get("cpu_s") or 0.0
    # A client burning a core meanwhile (a busy loop on a dead socket) is worth a mention.
    busy = f" ({cpu:.0f} CPU-s)" if cpu >= SPINNING_CPU_S else ""
    return ("never" if seconds is None else f"{seconds:.1f}") + busy


def _logged(result: dict[str, Any]) -> int:
    counts: dict[str, int] = result.get("log", {}).get("counts", {})
    return sum(counts.values())


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    interval = (
        "each client's default" if args.ping_interval is None else f"{args.ping_interval} s for all"
    )
    return {
        "cap_s": args.cap,
        "refuse_s": args.refuse,
        "observe_s": args.observe,
        "ping_interval": interval,
        "default_ping_intervals": socket_clients.DEFAULT_PING_INTERVAL,
        "jobs": args.jobs,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.socket_reconnect", description=__doc__)
    parser.add_argument(
        "--clients",
        type=_names(tuple(socket_clients.CLIENTS)),
        default=list(socket_clients.CLIENTS),
    )
    parser.add_argument("--cases", type=_names(tuple(CASES)), default=list(DEFAULT_CASES))
    parser.add_argument(
        "--cap", type=float, default=90.0, help="seconds before a client is 'never' back"
    )
    parser.add_argument(
        "--refuse", type=float, default=10.0, help="seconds connects are refused in (b)"
    )
    parser.add_argument(
        "--observe", type=float, default=30.0, help="seconds to watch link_disabled"
    )
    parser.add_argument(
        "--ping-interval",
        type=float,
        default=None,
        help="for every client (default: each one's own)",
    )
    parser.add_argument(
        "--jobs", type=int, default=4, help="runs at once, each a process of its own"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument("--one", nargs=2, metavar=("CLIENT", "CASE"), help=argparse.SUPPRESS)
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


if __name__ == "__main__":
    sys.exit(main())
