"""Injected faults (failures, slowness, hang-ups), queued per method and used up call by call."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum

from watchkeeper.standin.transport import Reply

_SERVER_ERROR_PAGE = (
    "<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
)


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
    #: Calls that go through untouched before this fault applies (a page in mid-listing).
    passes: int = 0


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
        if fault.passes > 0:
            fault.passes -= 1
            return None
        fault.remaining -= 1
        if fault.remaining == 0:
            queue.popleft()
        return fault

    def clear(self) -> None:
        self._queues.clear()


def failure_reply(fault: Fault) -> Reply:
    """What a FAIL fault answers: Slack's rate limit, an HTML error page or an `ok: false`."""
    if fault.status == 429:
        retry_after = fault.retry_after if fault.retry_after is not None else 1
        body = {"ok": False, "error": fault.error or "ratelimited"}
        return Reply.json(body, status=429, headers={"Retry-After": str(retry_after)})
    if fault.status >= 500 and fault.error is None:
        page = _SERVER_ERROR_PAGE.format(status=fault.status)
        return Reply.text(page, status=fault.status, content_type="text/html")
    return Reply.json({"ok": False, "error": fault.error or "internal_error"}, status=fault.status)
