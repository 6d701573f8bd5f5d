"""Injected faults: failures, slowness and dropped connections, queued per method and used up per call."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum


class FaultKind(Enum):
    FAIL = "fail"
    SLOW = "slow"
    DROP = "drop"


@dataclass(slots=True)
class Fault:
    """One queued misbehaviour; `remaining` counts the calls it still applies to."""

    kind: FaultKind
    remaining: int
    status: int = 500
    error: str | None = None
    retry_after: int | None = None
    seconds: float = 0.0
    after_processing: bool = False


class FaultQueue:
    """Faults per method in the order they were asked for; callers hold the stand-in's lock."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Fault]] = {}

    def add(self, method: str, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("a fault must apply to at least one call")
        self._queues.setdefault(method, deque()).append(fault)

    def take(self, method: str) -> Fault | None:
        """The fault this call meets, if any, counted as used."""
        queue = self._queues.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining == 0:
            queue.popleft()
        return fault

    def clear(self) -> None:
        self._queues.clear()
