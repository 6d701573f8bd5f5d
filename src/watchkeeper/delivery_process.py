"""`serve`'s delivery process: side effects and due work in a child, so acks never wait on them.

With `WATCHKEEPER_DELIVERY_PROCESS` on (`auto`: with PostgreSQL) `watchkeeper serve` answers
Slack in its own process (`--role web`) and starts a second, `serve --role delivery`, to post
side effects and send reminders: one interpreter lock then serves only
the acks. The parent (`DeliveryProcess`) watches the child, starts it again when it dies,
reports it in `/healthz`, adds its counters to `/metrics` and stops it last. A pipe carries
what the parent's commands would tell an in-process courier and scheduler ("effects queued",
"this work now falls due then"), so nothing waits for the child to poll; the pipe's end
closing tells the child that its parent is gone (`listen_to_parent`). The child answers the
parent's questions on a loopback socket the parent made and keeps, so every child it starts
serves at the same address, and none can find its port taken. Everything the pipe says
is also in the database, where the child looks on its own every second (and re-reads due work
at least every 30 seconds): a lost word costs time, never an effect.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from datetime import datetime

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

log = logging.getLogger(__name__)

#: Seconds to wait before starting a child that died, doubling up to the last.
RESTART_BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
#: A child that ran this long before it died starts again without waiting.
STEADY_AFTER = 60.0
#: Seconds the child may take to finish its deliveries when asked to stop.
STOP_TIMEOUT = 30.0
#: Seconds `serve` waits for its delivery process to answer before it serves without it.
START_TIMEOUT = 30.0
#: Seconds the parent waits for the child's `/healthz` or `/metrics`.
ASK_TIMEOUT = 2.0

EFFECTS = b"e\n"


class DeliveryProcess:
    """The parent's handle on its delivery child: start, wake, watch, ask, stop."""

    def __init__(
        self, command: list[str], *, metrics_token: str | None = None, host: str = "127.0.0.1"
    ) -> None:
        # `command` runs `watchkeeper serve --role delivery`; the port and pipe are added here.
        self._command = command
        self._token = metrics_token
        self._host = host
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None
        self._pipe: int | None = None
        self._listening: socket.socket | None = None
        self._url = ""
        self._state = "starting"
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        """Start the child, wait until it answers, and watch it (starting it again if it dies)."""
        # Made here and handed to each child: a port found free and bound later could be taken.
        self._listening = socket.create_server((self._host, 0))
        self._url = f"http://{self._host}:{self._listening.getsockname()[1]}"
        self._spawn()
        self._wait_answering()
        self._watcher = threading.Thread(target=self._watch, name="delivery-watch", daemon=True)
        self._watcher.start()

    def effects_queued(self) -> None:
        """A command here committed side effects: the child should look now."""
        self._tell(EFFECTS)

    def due(self, kind: str, subject: int, due_at: datetime | None) -> None:
        """A command here moved when work falls due: the child plans it now, not at its sync."""
        when = due_at.isoformat() if due_at is not None else "-"
        self._tell(f"d {kind} {subject} {when}\n".encode())

    def health(self) -> str:
        """`ok`, or what is wrong with the child (starting, restarting, what its health says)."""
        with self._lock:
            state = self._state
        if state != "running":
            return state
        try:
            self._ask("/healthz")
            return "ok"
        except urllib.error.HTTPError as error:
            return f"unhealthy: {error.read().decode('utf-8', 'replace')[:200]}"
        except OSError as error:
            return f"not answering: {type(error).__name__}"

    def metric_families(self) -> list[Metric]:
        """The child's counters and histograms (none while it is not answering)."""
        with self._lock:
            state = self._state
        if state != "running":
            return []
        try:
            text = self._ask("/metrics").decode()
        except OSError:
            log.warning("the delivery process did not answer for /metrics; its counts are left out")
            return []
        return list(text_string_to_metric_families(text))

    def _ask(self, path: str) -> bytes:
        """The child's answer to `GET path` (raises `HTTPError` for an error status)."""
        with self._lock:
            url = self._url
        request = urllib.request.Request(f"{url}{path}")  # noqa: S310 - our own child on loopback
        if self._token is not None:  # the child asks for the same token as the parent
            request.add_header("Authorization", f"Bearer {self._token}")
        with urllib.request.urlopen(request, timeout=ASK_TIMEOUT) as answer:  # noqa: S310 - as above
            body: bytes = answer.read()
            return body

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ask the child to finish its deliveries and stop; kill it after `timeout` seconds."""
        self._stopping.set()
        with self._lock:
            child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                log.error("the delivery process did not stop in %.0f s; killing it", timeout)
                child.kill()
                child.wait()
        if self._watcher is not None:
            self._watcher.join(5)
        with self._lock:  # a command telling the child at this moment must not write to it
            self._close_pipe()
        if self._listening is not None:
            self._listening.close()

    def _spawn(self) -> None:
        read, write = os.pipe()
        os.set_blocking(write, False)  # a full pipe must never hold a command's ack
        assert self._listening is not None
        listening = self._listening.fileno()
        child = subprocess.Popen(  # noqa: S603 - our own command line
            [
                *self._command,
                *("--host", self._host, "--listen-fd", str(listening), "--wake-fd", str(read)),
            ],
            pass_fds=(read, listening),
            # Its own session: a terminal's Ctrl-C reaches the parent, which stops it in turn.
            start_new_session=True,
        )
        os.close(read)
        with self._lock:
            self._close_pipe()
            self._child, self._pipe = child, write
            self._state = "running"
        log.info("started the delivery process (pid %d)", child.pid)

    def _wait_answering(self, timeout: float = START_TIMEOUT) -> None:
        """Until the child answers `/healthz` (however it is), or it died, or `timeout` passed."""
        with self._lock:
            child = self._child
        assert child is not None
        deadline = time.monotonic() + timeout
        while child.poll() is None and time.monotonic() < deadline:
            try:
                self._ask("/healthz")
                return
            except urllib.error.HTTPError:
                return  # it answers: what it says is for `/healthz` to tell
            except OSError:
                time.sleep(0.05)
        log.error("the delivery process is not answering yet; serving without waiting for it")

    def _watch(self) -> None:
        failures = 0
        while True:
            with self._lock:
                child = self._child
            assert child is not None
            started = time.monotonic()
            code = child.wait()
            if self._stopping.is_set():
                return
            failures = 0 if time.monotonic() - started > STEADY_AFTER else failures + 1
            pause = RESTART_BACKOFF[min(failures, len(RESTART_BACKOFF)) - 1] if failures else 0.0
            with self._lock:
                self._state = f"restarting (exited with {code})"
            log.error(
                "the delivery process exited with %s; starting it again in %.0f s", code, pause
            )
            if self._stopping.wait(pause):
                return
            try:
                self._spawn()
            except OSError:
                log.exception("could not start the delivery process")
                failures += 1

    def _tell(self, words: bytes) -> None:
        with self._lock:
            pipe = self._pipe
            if pipe is None:
                return
            try:
                os.write(pipe, words)
            except OSError as error:
                # Full (the child is behind) or broken (it died; the watcher starts another):
                # either way the child finds the work in the database.
                if error.errno not in (errno.EAGAIN, errno.EPIPE):
                    log.warning("could not tell the delivery process: %s", error)

    def _close_pipe(self) -> None:
        if self._pipe is not None:
            with contextlib.suppress(OSError):
                os.close(self._pipe)
            self._pipe = None


def delivery_command(log_level: str) -> list[str]:
    """How this interpreter runs `watchkeeper serve --role delivery` (migrations are done)."""
    return [
        sys.executable,
        "-m",
        "watchkeeper.cli",
        "--log-level",
        log_level,
        "serve",
        "--role",
        "delivery",
        "--no-migrate",
    ]


def listen_to_parent(
    fd: int,
    *,
    effects_queued: Callable[[], None],
    due: Callable[[str, int, datetime | None], None],
    parent_gone: Callable[[], None],
) -> threading.Thread:
    """In the child: act on what the parent says; when the pipe closes, the parent is gone."""

    def listen() -> None:
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            pending = b""
            while chunk := pipe.read(65536):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                try:
                    _act(lines, effects_queued, due)
                except Exception:  # a word not understood must not end the listening
                    log.exception("could not act on what the parent process said")
        log.warning("the parent process is gone; stopping")
        parent_gone()

    thread = threading.Thread(target=listen, name="parent", daemon=True)
    thread.start()
    return thread


def _act(
    lines: Iterable[bytes],
    effects_queued: Callable[[], None],
    due: Callable[[str, int, datetime | None], None],
) -> None:
    woken = False
    for line in lines:
        word, *rest = line.decode().split(" ")
        if word == "e":
            woken = True
        elif word == "d" and len(rest) == 3:
            kind, subject, when = rest
            due(kind, int(subject), None if when == "-" else datetime.fromisoformat(when))
    if woken:  # many commands' words arrive together: one look at the outbox for all
        effects_queued()
