"""The schema as SQLAlchemy Core tables; Alembic migrations create it, never `create_all`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    TypeDecorator,
    false,
)

# Explicit constraint names so migrations can drop and alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC and read back as an aware UTC datetime, on SQLite too."""

    # PostgreSQL stores timestamptz; SQLite keeps a naive UTC string, which sorts by time.
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store only takes aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("highest_severity", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("declared_at", UTCDateTime, nullable=False),
    Column("declared_by", Text, nullable=False),
    Column("impact", Text, nullable=False),
    Column("components", JSON, nullable=False),  # ["api", "checkout"]
    Column("cause", Text, nullable=False),
    Column("resolution", Text, nullable=False),
    Column("milestones", JSON, nullable=False),  # {"started": "2025-11-24T08:08:00+00:00"}
    Column("channel_id", Text, nullable=True),
    Column("channel_name", Text, nullable=True),
    Column("card_ts", Text, nullable=True),
    Column("last_update_at", UTCDateTime, nullable=True),
    Column("last_reminded_at", UTCDateTime, nullable=True),
    Column("unanswered_reminders", Integer, nullable=False),
    Column("reminders_enabled", Boolean, nullable=False),
    Column("reminder_interval_seconds", Integer, nullable=True),
    Column("snoozed_until", UTCDateTime, nullable=True),
    Column("private", Boolean, nullable=False, server_default=false()),
    # Tidying: when the timeline last moved, when the quiet spell's question was asked, whether
    # the channel is kept, and when its archiving was queued.
    Column("last_entry_at", UTCDateTime, nullable=True),
    Column("stale_asked_at", UTCDateTime, nullable=True),
    Column("archive_kept", Boolean, nullable=False, server_default=false()),
    Column("archived_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    # A plain unique index admits any number of NULLs on both databases: no channel yet.
    Index("uq_incidents_channel_id", "channel_id", unique=True),
)

timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "incident_id",
        Integer,
        ForeignKey("incidents.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("kind", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("author", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("formal", Boolean, nullable=False),
    Column("detail", JSON, nullable=False),
    # A correction keeps the original (migration 0009).
    Column("corrected_by", Text, nullable=False, server_default=""),
    Column("corrected_at", UTCDateTime, nullable=True),
    Column("original_text", Text, nullable=True),
    Column("original_at", UTCDateTime, nullable=True),
    Column("removed", Boolean, nullable=False, server_default=false()),
    Index(None, "incident_id", "at"),
)

roles = Table(
    "roles",
    metadata,
    Column(
        "incident_id",
        Integer,
        ForeignKey("incidents.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("role", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    PrimaryKeyConstraint("incident_id", "role"),
)

actions = Table(
    "actions",
    metadata,
    Column(
        "incident_id",
        Integer,
        ForeignKey("incidents.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("number", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("owner_id", Text, nullable=True),
    Column("added_by", Text, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    # A follow-up's life after the incident: due day, state, and when its owner was nudged.
    Column("due", Date, nullable=True),
    Column("state", Text, nullable=False, server_default="open"),
    Column("reason", Text, nullable=False, server_default=""),
    Column("owner_zone", Text, nullable=True),
    Column("last_nudged_at", UTCDateTime, nullable=True),
    PrimaryKeyConstraint("incident_id", "number"),
    # "Your follow-ups" and `watchkeeper actions --owner` look them up by owner and state.
    Index(None, "owner_id", "state"),
)

counters = Table(
    "counters",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Integer, nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("user_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
)

handled_requests = Table(
    "handled_requests",
    metadata,
    Column("key", Text, primary_key=True),
    Column("handled_at", UTCDateTime, nullable=False),
    Index(None, "handled_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_number", Integer, nullable=True),
    Column("kind", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_by", Text, nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("done_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("dedupe_key", Text, nullable=True),
    # Where the effect goes (`slack`, a webhook's name…): an incident's effects are delivered
    # in order per destination, so one that is down holds back only itself.
    Column("destination", Text, nullable=False, server_default="slack"),
    # Why an effect waits past a failure: "outage" (its destination could not answer) is woken
    # by the first delivery that succeeds afterwards; NULL waits its full delay (rate limits).
    Column("waiting", Text, nullable=True),
    Index(None, "incident_number"),
    Index(None, "next_attempt_at"),
    Index(None, "done_at"),
)

# A dedupe key is unique among effects still to deliver; delivered ones free it for reuse.
Index(
    "uq_outbox_dedupe_key_pending",
    outbox.c.dedupe_key,
    unique=True,
    sqlite_where=outbox.c.done_at.is_(None),
    postgresql_where=outbox.c.done_at.is_(None),
)

# Deliveries that succeed look for effects waiting out an outage, every batch: few rows, found
# without reading the settled ones.
Index(
    "ix_outbox_waiting_pending",
    outbox.c.waiting,
    sqlite_where=outbox.c.done_at.is_(None) & outbox.c.waiting.is_not(None),
    postgresql_where=outbox.c.done_at.is_(None) & outbox.c.waiting.is_not(None),
)

# The courier's claim asks, per effect, whether an older effect of its incident is undelivered
# at the same destination.
Index(
    "ix_outbox_pending_by_incident",
    outbox.c.incident_number,
    outbox.c.destination,
    outbox.c.id,
    sqlite_where=outbox.c.done_at.is_(None),
    postgresql_where=outbox.c.done_at.is_(None),
)

# Work that falls due: one due time per kind (`remind`, …) and subject (an incident's number, or
# 0 for work about the whole workspace). NULL: nothing due. Claimed by a conditional update.
due_work = Table(
    "due_work",
    metadata,
    Column("kind", Text, nullable=False),
    Column("subject", Integer, nullable=False),
    Column("due_at", UTCDateTime, nullable=True),
    PrimaryKeyConstraint("kind", "subject"),
    Index(None, "kind", "due_at"),
)

# An incident on the public status page: its opaque public id (never its number), public
# title, whether it is listed now, its published postmortem, and when what the page shows of
# it last changed (the page's ETag and cache follow the latest such change).
publications = Table(
    "publications",
    metadata,
    Column(
        "incident_id",
        Integer,
        ForeignKey("incidents.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("public_id", Text, nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("listed", Boolean, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("postmortem", Text, nullable=False),
    Column("postmortem_at", UTCDateTime, nullable=True),
    PrimaryKeyConstraint("incident_id"),
    Index(None, "changed_at"),
)

# What the bot has learned about the workspace it serves (`name`), for reports made offline.
workspace = Table(
    "workspace",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

# Groups of alerts a monitor reports (`/hooks/…`), each held by at most one incident: the
# unique key that makes racing deliveries of one group declare one incident. `group_hash` is
# the SHA-256 of the monitor's group key, which may be longer than an index entry may be.
alert_groups = Table(
    "alert_groups",
    metadata,
    Column("source", Text, nullable=False),
    Column("group_hash", Text, nullable=False),
    Column("group_key", Text, nullable=False),
    Column("incident_number", Integer, ForeignKey("incidents.number"), nullable=True),
    # The alerts last known firing: {fingerprint: how the timeline names it}.
    Column("firing", JSON, nullable=False),
    Column("firing_count", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("source", "group_hash"),
    Index(None, "incident_number"),
    Index(None, "updated_at"),
)
