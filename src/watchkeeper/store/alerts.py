"""Alert groups in SQL: which incident holds each group a monitor reports, and what fires in it.

Racing deliveries of one group (two Alertmanager replicas, two bot replicas) take turns on the
group's row: `hold` inserts it if new and locks it, so the second delivery reads what the first
decided, after it committed. Declarations from one source take turns as well (`take_turn`), so
the quiet rule counts the declarations that went before. Locks are always taken in this order:
the group, the source's turn, the incident counter, the incident.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, tuple_, update
from sqlalchemy.engine import Connection

from watchkeeper.domain.status import Status
from watchkeeper.store.dialect import rowcount, upsert_insert
from watchkeeper.store.tables import alert_groups, counters, incidents

#: The `counters` row each source's declarations take turns on.
_TURN = "alerts:{source}"


@dataclass(frozen=True, slots=True)
class HeldGroup:
    """A group as stored: the incident holding it (if any) and its alerts known firing."""

    incident_number: int | None
    firing: dict[str, str]


def group_hash(group_key: str) -> str:
    """The stored key of a group: a monitor's group keys can be long (labels, routes)."""
    return hashlib.sha256(group_key.encode()).hexdigest()


class SqlAlertGroups:
    """Alert groups within one unit of work."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def hold(self, source: str, group_key: str, now: datetime) -> HeldGroup:
        """The group, created if new, locked until the transaction ends."""
        key = group_hash(group_key)
        self._connection.execute(
            upsert_insert(self._connection, alert_groups)
            .values(
                source=source,
                group_hash=key,
                group_key=group_key,
                incident_number=None,
                firing={},
                firing_count=0,
                updated_at=now,
            )
            .on_conflict_do_nothing(
                index_elements=[alert_groups.c.source, alert_groups.c.group_hash]
            )
        )
        row = self._connection.execute(
            select(alert_groups.c.incident_number, alert_groups.c.firing)
            .where(alert_groups.c.source == source, alert_groups.c.group_hash == key)
            .with_for_update()
        ).one()
        return HeldGroup(row.incident_number, dict(row.firing))

    def keep(
        self,
        source: str,
        group_key: str,
        *,
        incident_number: int | None,
        firing: Mapping[str, str],
        now: datetime,
    ) -> None:
        """Store which incident holds the group and what fires in it now."""
        self._connection.execute(
            update(alert_groups)
            .where(
                alert_groups.c.source == source,
                alert_groups.c.group_hash == group_hash(group_key),
            )
            .values(
                incident_number=incident_number,
                firing=dict(firing),
                firing_count=len(firing),
                updated_at=now,
            )
        )

    def take_turn(self, source: str) -> None:
        """Wait for the source's other declarations in flight; hold the turn until commit."""
        statement = upsert_insert(self._connection, counters).values(
            name=_TURN.format(source=source), value=1
        )
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[counters.c.name], set_={"value": counters.c.value + 1}
            )
        )

    def declared_since(self, author: str, since: datetime) -> int:
        """How many incidents `author` (a monitor) declared from `since` on."""
        count: int = self._connection.execute(
            select(func.count())
            .select_from(incidents)
            .where(incidents.c.declared_by == author, incidents.c.declared_at >= since)
        ).scalar_one()
        return count

    def newest_open(self, author: str) -> int | None:
        """The number of the newest open incident `author` declared, if any."""
        number: int | None = self._connection.execute(
            select(func.max(incidents.c.number)).where(
                incidents.c.declared_by == author, incidents.c.status != Status.RESOLVED.value
            )
        ).scalar_one()
        return number

    def firing_for(self, incident_number: int) -> int:
        """How many alerts fire in all the groups the incident holds."""
        count: int | None = self._connection.execute(
            select(func.sum(alert_groups.c.firing_count)).where(
                alert_groups.c.incident_number == incident_number
            )
        ).scalar_one()
        return count or 0

    def forget(self, quiet_before: datetime, limit: int) -> int:
        """Drop up to `limit` groups with nothing firing, quiet since before `quiet_before`,
        that no open incident holds; how many went."""
        resolved = select(incidents.c.number).where(incidents.c.status == Status.RESOLVED.value)
        oldest = (
            select(alert_groups.c.source, alert_groups.c.group_hash)
            .where(
                alert_groups.c.firing_count == 0,
                alert_groups.c.updated_at < quiet_before,
                or_(
                    alert_groups.c.incident_number.is_(None),
                    alert_groups.c.incident_number.in_(resolved),
                ),
            )
            .limit(limit)
        )
        key = tuple_(alert_groups.c.source, alert_groups.c.group_hash)
        return rowcount(self._connection.execute(delete(alert_groups).where(key.in_(oldest))))
