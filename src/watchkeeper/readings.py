"""Readings that scrapers and probes ask for often: taken at most every few seconds, shared.

`/metrics` and `/healthz` may be asked many times a second (several Prometheus servers, a load
balancer, an orchestrator). Each reading asks the database, so it is kept for a few seconds and
shared by everyone who asks meanwhile; a process that knows it changed what is measured (it just
queued or delivered side effects) marks the reading stale, so the next ask takes a fresh one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Reading(Generic[T]):
    """`take()` once per `fresh_for` seconds (or after `stale()`); concurrent askers share it."""

    def __init__(
        self,
        take: Callable[[], T],
        *,
        fresh_for: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._take = take
        self._fresh_for = fresh_for
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._value: T | None = None
        self._taken_at: float | None = None
        self._stale = True

    def stale(self) -> None:
        """What the reading measures has changed: the next ask takes it afresh."""
        self._stale = True

    def get(self) -> T:
        """The reading, taken now if the last one is too old or stale."""
        # One asker takes it; the others wait on the lock and then find it fresh.
        with self._lock:
            now = self._monotonic()
            fresh = (
                not self._stale
                and self._taken_at is not None
                and now - self._taken_at < self._fresh_for
            )
            if not fresh:
                self._stale = False
                try:
                    self._value = self._take()
                except BaseException:
                    self._stale = True
                    raise
                self._taken_at = now
            return self._value  # type: ignore[return-value]  # taken above when not fresh
