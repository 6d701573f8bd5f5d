"""The outbox: side effects committed with the state change they follow, delivered afterwards."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Integer, bindparam, case, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import ReturningInsert

from watchkeeper.domain.incident import Incident
from watchkeeper.store.dialect import prebuilt, rowcount, upsert_for
from watchkeeper.store.tables import outbox

#: `outbox.waiting` for an effect whose destination could not answer.
OUTAGE = "outage"


class EffectToDeliver(Protocol):
    """What `SqlOutbox.add` needs of an effect (the services' `Effect` has it)."""

    @property
    def kind(self) -> str: ...
    @property
    def incident_number(self) -> int | None: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...
    @property
    def dedupe_key(self) -> str | None: ...
    @property
    def destination(self) -> str: ...


@dataclass(frozen=True, slots=True)
class PendingEffect:
    """A stored effect handed to a worker; `attempts` counts the deliveries that failed."""

    id: int
    kind: str
    incident_number: int | None
    payload: dict[str, Any]
    attempts: int
    # An earlier claim's lease ran out unsettled: that worker died or hung, and may have
    # reached Slack first.
    reclaimed: bool = False
    created_at: datetime | None = None
    incident: Incident | None = None
    destination: str = "slack"
    card_ts: str | None = None

    def with_incident(self, incident: Incident | None, card_ts: str | None = None) -> PendingEffect:
        return replace(self, incident=incident, card_ts=card_ts)


def _add(dialect: str) -> postgresql.Insert | sqlite.Insert:
    return upsert_for(dialect, outbox).on_conflict_do_nothing(
        index_elements=[outbox.c.dedupe_key], index_where=outbox.c.done_at.is_(None)
    )


def _add_returning(dialect: str) -> ReturningInsert[Any]:
    return _add(dialect).returning(outbox.c.id)


_older = outbox.alias("older")
_unclaimed = or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= bindparam("b_now"))
#: Effects ready at `b_now`: not waiting for an older one of their incident and destination.
_READY = (
    select(outbox.c.id, outbox.c.claimed_until)
    .where(outbox.c.done_at.is_(None), outbox.c.next_attempt_at <= bindparam("b_now"), _unclaimed)
    .where(
        ~exists().where(
            _older.c.incident_number == outbox.c.incident_number,
            _older.c.destination == outbox.c.destination,
            _older.c.done_at.is_(None),
            _older.c.id < outbox.c.id,
        )
    )
    .order_by(outbox.c.id)
    .limit(bindparam("b_limit", type_=Integer))
    # PostgreSQL: replicas claiming at once pass over each other's rows instead of queueing on
    # them. SQLite drops the clause; BEGIN IMMEDIATE serializes claims.
    .with_for_update(skip_locked=True, of=outbox)
)
#: The lease on the ready effects `b_ids`, conditional as well, so a claim is exclusive even
#: without row locks. A claimed effect may already have read the state it reports: it frees
#: its dedupe key, so a change made from now on queues an effect of its own behind it.
_LEASE = (
    update(outbox)
    .where(outbox.c.id.in_(bindparam("b_ids", expanding=True)), outbox.c.done_at.is_(None))
    .where(_unclaimed)
    .values(claimed_by=bindparam("b_worker"), claimed_until=bindparam("b_until"), dedupe_key=None)
    .returning(
        outbox.c.id,
        outbox.c.kind,
        outbox.c.incident_number,
        outbox.c.payload,
        outbox.c.attempts,
        outbox.c.created_at,
        outbox.c.destination,
    )
)
_COMPLETE = (
    update(outbox)
    .where(outbox.c.id.in_(bindparam("b_ids", expanding=True)))
    .values(done_at=bindparam("b_now"), claimed_until=None)
)
#: What waits out an outage of a destination that just answered goes now.
_RELEASE_WAITING = (
    update(outbox)
    .where(
        outbox.c.done_at.is_(None),
        outbox.c.waiting.is_not(None),
        outbox.c.next_attempt_at > bindparam("b_now"),
        outbox.c.destination.in_(
            select(outbox.c.destination)
            .where(outbox.c.id.in_(bindparam("b_ids", expanding=True)))
            .distinct()
            .scalar_subquery()
        ),
    )
    .values(next_attempt_at=bindparam("b_now"), waiting=None)
)


class SqlOutbox:
    """Effects waiting for delivery, within one unit of work."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, effect: EffectToDeliver, now: datetime) -> bool:
        """Queue an effect; False (and nothing queued) if its dedupe key is already pending."""
        queued = self._connection.execute(
            prebuilt(self._connection, _add_returning), _row(effect, now)
        ).first()
        return queued is not None

    def add_all(self, effects: Sequence[EffectToDeliver], now: datetime) -> None:
        """Queue effects in one statement: those without a dedupe key in order, then the rest
        (each unless its key is already pending)."""
        rows = [_row(effect, now) for effect in effects if effect.dedupe_key is None]
        rows += [_row(effect, now) for effect in effects if effect.dedupe_key is not None]
        if not rows:
            return
        # Ids follow the list's order, which is the order the courier delivers them in. With
        # RETURNING, SQLAlchemy sends the rows as one INSERT … VALUES (…), (…) ("insertmanyvalues")
        # built from the one-row statement's cached compilation: a multi-row VALUES written out
        # here would be compiled afresh on every command (SQLAlchemy caches no such statement).
        self._connection.execute(prebuilt(self._connection, _add_returning), rows)

    def claim(
        self, worker_id: str, now: datetime, lease: timedelta, limit: int
    ) -> list[PendingEffect]:
        """Lease up to `limit` ready effects to `worker_id`, oldest first, in incident order.

        An effect waits while an older one of its incident for the same destination is undone
        (the channel must exist before messages go into it; a webhook's events arrive in order);
        an expired lease makes an effect ready again.
        """
        ready = self._connection.execute(_READY, {"b_now": now, "b_limit": limit}).all()
        if not ready:
            return []
        # Settling clears the lease, so a lease still set means its holder never settled.
        expired = {row.id for row in ready if row.claimed_until is not None}
        rows = self._connection.execute(
            _LEASE,
            {
                "b_ids": [row.id for row in ready],
                "b_now": now,
                "b_worker": worker_id,
                "b_until": now + lease,
            },
        ).all()
        effects = [
            PendingEffect(
                row.id,
                row.kind,
                row.incident_number,
                dict(row.payload),
                row.attempts,
                reclaimed=row.id in expired,
                created_at=row.created_at,
                destination=row.destination,
            )
            for row in rows
        ]
        return sorted(effects, key=lambda effect: effect.id)

    def renew(
        self, worker_id: str, effect_ids: Collection[int], now: datetime, lease: timedelta
    ) -> int:
        """Extend `worker_id`'s leases on effects still being delivered; how many it still held."""
        if not effect_ids:
            return 0
        renewed = self._connection.execute(
            update(outbox)
            .where(
                outbox.c.id.in_(list(effect_ids)),
                outbox.c.claimed_by == worker_id,
                outbox.c.done_at.is_(None),
            )
            .values(claimed_until=now + lease)
            .returning(outbox.c.id)
        ).all()
        return len(renewed)

    def remember(self, effect_id: int, payload: Mapping[str, Any]) -> None:
        """Keep what a partly done delivery learned (in its payload) for the next try."""
        self._update(effect_id, payload=dict(payload))

    def complete(self, effect_ids: Collection[int], now: datetime) -> None:
        """The effects were delivered: their destinations answer, so what waits out an outage
        of those goes now."""
        params = {"b_ids": list(effect_ids), "b_now": now}
        self._connection.execute(_COMPLETE, params)
        self._connection.execute(_RELEASE_WAITING, params)

    def retry_later(
        self, effect_id: int, error: str, at: datetime, *, outage: bool = False
    ) -> None:
        """Delivery failed; try again at `at` (the effect still holds its incident's queue),
        or, when its destination was down (`outage`), as soon as a delivery succeeds again."""
        self._update(
            effect_id,
            attempts=outbox.c.attempts + 1,
            last_error=error,
            next_attempt_at=at,
            claimed_by=None,
            claimed_until=None,
            waiting=OUTAGE if outage else None,
        )

    def give_up(self, effect_id: int, error: str, now: datetime) -> None:
        """Stop trying: done with its error, so the incident's later effects can go out."""
        self._update(
            effect_id,
            attempts=outbox.c.attempts + 1,
            last_error=error,
            done_at=now,
            claimed_until=None,
        )

    def forget_settled(self, settled_before: datetime, limit: int) -> int:
        """Drop up to `limit` effects settled before `settled_before`; how many went."""
        oldest = select(outbox.c.id).where(outbox.c.done_at < settled_before).limit(limit)
        gone = self._connection.execute(delete(outbox).where(outbox.c.id.in_(oldest)))
        return rowcount(gone)

    def pending_count(self) -> int:
        """Effects not delivered (nor given up) yet."""
        count: int = self._connection.execute(
            select(func.count()).select_from(outbox).where(outbox.c.done_at.is_(None))
        ).scalar_one()
        return count

    def next_ready_at(self) -> datetime | None:
        """The earliest time an undone effect can be claimed (its retry time or lease end)."""
        ready_at = case(
            (
                outbox.c.claimed_until > outbox.c.next_attempt_at,
                outbox.c.claimed_until,
            ),
            else_=outbox.c.next_attempt_at,
        )
        earliest: datetime | None = self._connection.execute(
            select(func.min(ready_at)).where(outbox.c.done_at.is_(None))
        ).scalar_one()
        return earliest

    def _update(self, effect_id: int, **values: Any) -> None:
        updated = self._connection.execute(
            update(outbox).where(outbox.c.id == effect_id).values(**values).returning(outbox.c.id)
        ).first()
        if updated is None:
            raise LookupError(f"no outbox effect {effect_id}")


def _row(effect: EffectToDeliver, now: datetime) -> dict[str, Any]:
    return {
        "kind": str(effect.kind),  # a StrEnum is stored as its plain value
        "incident_number": effect.incident_number,
        "payload": dict(effect.payload),
        "created_at": now,
        "attempts": 0,
        "next_attempt_at": now,
        "dedupe_key": effect.dedupe_key,
        "destination": effect.destination,
    }
