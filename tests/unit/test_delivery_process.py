"""What a parent `serve` tells its delivery process, and the one `/metrics` made of both."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from watchkeeper.delivery_process import DeliveryProcess, listen_to_parent
from watchkeeper.metrics import Metrics


class Heard:
    """What the child side passed on to its courier and scheduler."""

    def __init__(self) -> None:
        self.looks = 0
        self.due: list[tuple[str, int, datetime | None]] = []
        self.gone = threading.Event()

    def listen(self, fd: int) -> threading.Thread:
        return listen_to_parent(
            fd,
            effects_queued=self.look,
            due=lambda kind, subject, at: self.due.append((kind, subject, at)),
            parent_gone=self.gone.set,
        )

    def look(self) -> None:
        self.looks += 1


def parent_on(write: int) -> DeliveryProcess:
    """A parent whose child is the other end of a pipe in this test, not a process."""
    parent = DeliveryProcess(["unused"])
    parent._pipe = write  # the seam: what `start` would have set after spawning the child
    return parent


def test_the_child_plans_due_work_as_the_parent_said_and_stops_when_the_pipe_closes() -> None:
    read, write = os.pipe()
    heard = Heard()
    parent = parent_on(write)
    due = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)

    parent.due("reminder", 42, due)
    parent.due("nudge", 7, None)
    parent.effects_queued()
    os.close(write)
    listener = heard.listen(read)
    listener.join(5)

    assert heard.due == [("reminder", 42, due), ("nudge", 7, None)]
    assert heard.looks == 1
    assert heard.gone.is_set(), "a closed pipe means the parent is gone"


def test_a_word_that_fails_does_not_end_the_listening() -> None:
    read, write = os.pipe()
    heard = Heard()
    failures = iter([RuntimeError("the scheduler is shutting down")])

    def plan(kind: str, subject: int, at: datetime | None) -> None:
        if (failure := next(failures, None)) is not None:
            raise failure
        heard.due.append((kind, subject, at))

    listener = listen_to_parent(
        read, effects_queued=heard.look, due=plan, parent_gone=heard.gone.set
    )
    parent = parent_on(write)
    parent.due("reminder", 1, None)
    time.sleep(0.2)  # read on its own, so it fails on its own
    parent.due("reminder", 2, None)
    os.close(write)
    listener.join(5)

    assert heard.due == [("reminder", 2, None)]
    assert heard.gone.is_set()


def test_many_commands_at_once_make_one_look_at_the_outbox() -> None:
    read, write = os.pipe()
    heard = Heard()
    parent = parent_on(write)

    for _ in range(50):
        parent.effects_queued()
    os.close(write)
    heard.listen(read).join(5)

    assert heard.looks == 1


def test_a_child_that_stopped_listening_never_holds_a_command() -> None:
    read, write = os.pipe()
    parent = parent_on(write)
    os.set_blocking(write, False)

    for _ in range(100_000):  # far more than a pipe holds: the parent must not block
        parent.effects_queued()
    os.close(read)
    parent.effects_queued()  # the child is gone: no error reaches the command either

    os.close(write)


def test_metrics_add_the_childs_counters_and_keep_our_gauges() -> None:
    parent, child = Metrics(), Metrics()
    parent.commands.labels("declare", "ok").inc(3)
    parent.open_incidents.set(2)
    child.commands.labels("declare", "ok").inc(1)  # a child answers nothing, but say it did
    child.deliveries.labels("slack", "delivered").inc(5)
    child.open_incidents.set(99)  # a stale copy of the parent's gauge
    child.ack_seconds.observe(0.02)
    parent.ack_seconds.observe(0.3)
    text = generate_latest(child.registry).decode()
    parent.elsewhere = lambda: list(text_string_to_metric_families(text))

    exposed = parent.exposition().decode()

    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(exposed)
        for s in family.samples
    }
    assert (
        samples[("watchkeeper_commands_total", (("outcome", "ok"), ("subcommand", "declare")))] == 4
    )
    assert (
        samples[
            ("watchkeeper_deliveries_total", (("destination", "slack"), ("outcome", "delivered")))
        ]
        == 5
    )
    assert samples[("watchkeeper_open_incidents", ())] == 2
    assert samples[("watchkeeper_ack_seconds_count", ())] == 2
    assert samples[("watchkeeper_ack_seconds_bucket", (("le", "0.025"),))] == 1
    types = [line for line in exposed.splitlines() if line.startswith("# TYPE ")]
    assert len(types) == len(set(types))


def test_metrics_without_a_child_are_ours_alone() -> None:
    metrics = Metrics()
    metrics.commands.labels("note", "ok").inc()

    assert metrics.exposition() == generate_latest(metrics.registry)
