"""The statuses an incident moves through, in the order status pages show them."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where an incident stands; any order before `resolved`, which only `reopen` leaves."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        """The status as a status page titles it: `Investigating`."""
        return self.value.capitalize()

    @property
    def is_open(self) -> bool:
        return self is not Status.RESOLVED
