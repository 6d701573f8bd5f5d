"""Where the status page gets its incidents: the `PublishedIncidents` port, and one in memory.

The store implements the port for the running bot; `InMemoryPublishedIncidents` ships with
the code as the seam tests (and a demo) use, like httpx's `MockTransport`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from watchkeeper.clock import Clock
from watchkeeper.status.views import PublicIncident


class PublishedIncidents(Protocol):
    """The published incidents; an unpublished incident is, to the page, one that never was."""

    def published(self, since: datetime) -> Sequence[PublicIncident]:
        """Every published incident that is open or was declared at or after `since`."""
        ...

    def by_public_id(self, public_id: str) -> PublicIncident | None:
        """The published incident with that public id; None when unknown or unpublished alike."""
        ...

    def changed_at(self) -> datetime | None:
        """When anything the page shows last changed (publish, unpublish, a post, a postmortem).

        The routes key their rendered bodies, `ETag` and `Last-Modified` on it, so it must
        move forward at every such change; None when nothing was ever published.
        """
        ...


class InMemoryPublishedIncidents:
    """Published incidents held in a dict; every change moves `changed_at` to the clock's now."""

    def __init__(self, clock: Clock, incidents: Sequence[PublicIncident] = ()) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._incidents = {incident.public_id: incident for incident in incidents}
        self._changed_at = clock.now() if incidents else None

    def publish(self, incident: PublicIncident) -> None:
        """Publish an incident, or replace its published version."""
        with self._lock:
            self._incidents[incident.public_id] = incident
            self._touch()

    def unpublish(self, public_id: str) -> None:
        """Take an incident off the page."""
        with self._lock:
            if self._incidents.pop(public_id, None) is not None:
                self._touch()

    def published(self, since: datetime) -> Sequence[PublicIncident]:
        with self._lock:
            shown = [i for i in self._incidents.values() if i.is_open or i.declared_at >= since]
        return sorted(shown, key=lambda incident: incident.declared_at, reverse=True)

    def by_public_id(self, public_id: str) -> PublicIncident | None:
        with self._lock:
            return self._incidents.get(public_id)

    def changed_at(self) -> datetime | None:
        with self._lock:
            return self._changed_at

    def _touch(self) -> None:
        # Forward at every change, even when a frozen clock has not moved since the last one.
        now = self._clock.now()
        if self._changed_at is not None and now <= self._changed_at:
            now = self._changed_at + timedelta(microseconds=1)
        self._changed_at = now
