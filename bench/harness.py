"""What every benchmark shares: databases to run on, server processes, memory and percentiles.

Servers under test run in their own processes (never in the load generator's), so the client
does not compete with the server for one interpreter lock; memory is read from `/proc`.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from watchkeeper.store.database import normalize_url
from watchkeeper.store.tables import outbox

#: The PostgreSQL server the suite makes its throwaway databases on (trust auth).
POSTGRES_ADMIN_URL = os.environ.get(
    "WATCHKEEPER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
#: The signing secret every benchmarked server is configured with.
SIGNING_SECRET = "bench-signing-secret"  # noqa: S105 - a made-up secret for loopback servers
#: Variables of the caller's environment that must not leak into a benchmarked server.
_FOREIGN_PREFIXES = ("SLACK_", "WATCHKEEPER_", "DATABASE_URL")
#: Set by `--profile DIR`: every Watchkeeper server is sampled by py-spy into DIR.
PROFILE_DIR: Path | None = None


class Unavailable(Exception):
    """A database the suite was asked to use cannot be reached; the note says why."""


@dataclass(frozen=True)
class Database:
    """A fresh, empty database for one benchmark, and the name shown in the table."""

    kind: str  # "sqlite" or "postgresql"
    url: str


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1) of unordered values; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


def postgres_reachable() -> str | None:
    """None when the PostgreSQL admin URL answers, else why not."""
    engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        where = make_url(POSTGRES_ADMIN_URL).render_as_string(hide_password=True)
        return f"PostgreSQL unreachable at {where}: {str(error.orig).strip().splitlines()[0]}"
    finally:
        engine.dispose()
    return None


@contextmanager
def fresh_database(kind: str, scratch: Path) -> Iterator[Database]:
    """An empty database of `kind`: a new SQLite file, or a PostgreSQL database dropped after."""
    if kind == "sqlite":
        path = scratch / f"bench-{uuid.uuid4().hex[:8]}.db"
        try:
            yield Database(kind, f"sqlite:///{path}")
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    admin = create_engine(
        POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    name = f"watchkeeper_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        raise Unavailable(str(error.orig)) from error
    try:
        url = make_url(POSTGRES_ADMIN_URL).set(database=name)
        yield Database(kind, url.render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def memory_of(pid: int) -> dict[str, float]:
    """Resident memory of a process in MB: now (`VmRSS`) and its peak so far (`VmHWM`)."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024  # kB -> MB
    return {"rss_mb": found.get("VmRSS", math.nan), "peak_rss_mb": found.get("VmHWM", math.nan)}


def family_of(pid: int) -> list[int]:
    """A process and every process it started that is still running (`serve`'s delivery one)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = task.read_text().split()
        except OSError:  # the thread ended meanwhile
            continue
        for child in children:
            found += family_of(int(child))
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far, user and system, in seconds (from `/proc`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    # After the command name: utime and stime are the 12th and 13th fields, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without its Slack or Watchkeeper settings, plus `extra`."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_PREFIXES)}
    return {**kept, **extra}


def watchkeeper_command() -> list[str]:
    """How to run the `watchkeeper` command of this interpreter's environment."""
    script = Path(sys.executable).parent / "watchkeeper"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "watchkeeper.cli"]


class ServerProcess:
    """A server in a subprocess on a loopback port, healthy once `GET health_path` answers 200."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        port: int,
        env: Mapping[str, str],
        health_path: str = "/healthz",
        cwd: Path | None = None,
        profile_to: Path | None = None,
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._health = health_path
        self._log = (  # lives as long as the process
            profile_to.with_suffix(".log").open("w+b") if profile_to else tempfile.TemporaryFile()  # noqa: SIM115
        )
        self.started = time.perf_counter()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
            list(command),
            env=dict(env),
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.ready_after_s = math.nan
        self._profiler = _profile(self.process.pid, profile_to) if profile_to else None

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def pids(self) -> tuple[int, ...]:
        """The server's process and those it started (`serve`'s delivery process)."""
        return tuple(family_of(self.process.pid))

    def wait_healthy(self, timeout: float = 60.0) -> float:
        """Seconds from spawning until the health check answered 200."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                with urllib.request.urlopen(self.url + self._health, timeout=2) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        self.ready_after_s = time.perf_counter() - self.started
                        return self.ready_after_s
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"the server was not healthy within {timeout:.0f} s:\n{self.output()}")

    def memory(self) -> dict[str, float]:
        """Resident memory of the server and its children, summed."""
        each = [memory_of(pid) for pid in self.pids]
        return {key: sum(m[key] for m in each) for key in each[0]}

    def cpu_seconds(self) -> float:
        """CPU time of the server and its children, summed."""
        return sum(cpu_seconds(pid) for pid in self.pids)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, as an orchestrator stops it; SIGKILL if it does not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._profiler is not None:
            self._profiler.wait(60)  # py-spy writes its file once the server has exited
        self._log.close()

    def output(self) -> str:
        """What the server printed so far (the last few kB)."""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-4000:]

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _profile(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling every thread of `pid` until it exits.

    Idle threads are sampled too (waits are often the finding) unless `BENCH_PROFILE_IDLE=0`,
    which keeps only the thread holding the interpreter lock: where the processor time goes.
    """
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.is_file():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    command = [
        str(spy),
        "record",
        "--pid",
        str(pid),
        # With BENCH_PROFILE_IDLE=0 only the thread holding the interpreter lock is sampled.
        "--idle" if os.environ.get("BENCH_PROFILE_IDLE", "1") == "1" else "--gil",
        "--rate",
        "250",
        "--subprocesses",  # `serve`'s delivery process too
    ]
    command += ["--format", "raw", "--output", str(output), "--nonblocking"]
    return subprocess.Popen(  # noqa: S603 - py-spy of this environment
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def other_layout_for(db: Database) -> dict[str, str]:
    """The setting that runs `serve` in the process layout it does not choose for `db` by
    default: a delivery process beside SQLite, one process on PostgreSQL."""
    return {"WATCHKEEPER_DELIVERY_PROCESS": "on" if db.kind == "sqlite" else "off"}


def watchkeeper_server(
    database_url: str,
    slack_url: str,
    token: str,
    scratch: Path,
    *,
    port: int | None = None,
    label: str = "watchkeeper",
    settings: Mapping[str, str] | None = None,
) -> ServerProcess:
    """`watchkeeper serve` over HTTP on loopback, exactly as a user starts it (with `settings`
    added to its environment). CPU time and memory are its own and its delivery process's.

    With `PROFILE_DIR` set, py-spy samples it into `PROFILE_DIR/<label>-<time>.txt` (collapsed
    stacks: open them in speedscope, or feed them to flamegraph.pl), and its output goes to the
    `.log` file beside it.
    """
    port = port or free_port()
    env = clean_environment(
        {
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack_url,
            "DATABASE_URL": database_url,
            **(settings or {}),
        }
    )
    command = [
        *watchkeeper_command(),
        "--log-level",
        "WARNING",
        "serve",
        "--mode",
        "http",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    profile_to = None
    if PROFILE_DIR is not None:
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
        profile_to = PROFILE_DIR / f"{label}-{time.strftime('%H%M%S')}.txt"
    # A scratch working directory: no `.env` or `watchkeeper.toml` of the caller's is read.
    return ServerProcess(command, port=port, env=env, cwd=scratch, profile_to=profile_to)


class OutboxWatch:
    """Reads how many side effects wait in a server's outbox, without taking its write lock."""

    def __init__(self, database_url: str) -> None:
        # A plain engine: a read here must not BEGIN IMMEDIATE as the bot's own engine does.
        self._engine = create_engine(normalize_url(database_url))

    def pending(self) -> int:
        with self._engine.connect() as connection:
            count: int = connection.execute(
                select(func.count()).select_from(outbox).where(outbox.c.done_at.is_(None))
            ).scalar_one()
            return count

    def wait_empty(self, timeout: float, *, every: float = 0.2) -> bool:
        """Until nothing waits (True), or `timeout` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pending() == 0:
                return True
            time.sleep(every)
        return False

    def close(self) -> None:
        self._engine.dispose()


def summarize(latencies_s: Sequence[float]) -> dict[str, float]:
    """p50, p99, mean and worst of round trips, in milliseconds."""
    if not latencies_s:
        return {"p50_ms": math.nan, "p99_ms": math.nan, "mean_ms": math.nan, "max_ms": math.nan}
    return {
        "p50_ms": percentile(latencies_s, 0.50) * 1000,
        "p99_ms": percentile(latencies_s, 0.99) * 1000,
        "mean_ms": sum(latencies_s) / len(latencies_s) * 1000,
        "max_ms": max(latencies_s) * 1000,
    }
