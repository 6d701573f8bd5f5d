"""What the use cases need from storage, as protocols the store (or a test fake) fulfils."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from watchkeeper.domain.incident import Incident
from watchkeeper.services.effects import Effect


class IncidentRepository(Protocol):
    """Incidents by number or channel, the number counter, and what the bot has learned."""

    def next_number(self) -> int: ...
    def add(self, incident: Incident) -> None: ...
    def get(self, number: int, *, lock: bool = True) -> Incident: ...
    def by_channel(self, channel_id: str, *, lock: bool = True) -> Incident | None: ...
    def save(self, incident: Incident, *, next_reminder_at: datetime | None = None) -> None: ...
    def open_incidents(self) -> list[Incident]: ...
    def all_incidents(self) -> list[Incident]: ...
    def remember_person(self, user_id: str, name: str) -> None: ...
    def names(self, user_ids: Iterable[str]) -> dict[str, str]: ...
    def claim_request(self, key: str, now: datetime) -> bool: ...
    def claim_reminder(self, number: int, due_at: datetime, now: datetime) -> bool: ...


class Outbox(Protocol):
    """Side effects committed with the change that caused them."""

    def add(self, effect: Effect, now: datetime) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: commit makes the change and its effects durable together."""

    incidents: IncidentRepository
    outbox: Outbox

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a new unit of work."""

    def __call__(self) -> UnitOfWork: ...
