"""A published incident as the public sees it: only what was written for customers.

`PublicIncident` is what every status-page route reads. It is built from a domain `Incident`
by `public_incident`, which copies the public title, the status, the named components, the
posts of `reports.status_updates` and the published postmortem, and nothing else: no notes,
causes, actions, pinned messages, roles, responders' names or IDs, channels or severities.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.status import Status
from watchkeeper.reports.statuspage import (
    PublishedPostmortem,
    StatusUpdate,
    affected_line,
    as_written,
    one_line,
    render_report,
    status_updates,
)
from watchkeeper.reports.times import utc_or_own

#: What a public id may be: opaque, URL-safe, never the incident number.
PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Impact(StrEnum):
    """How badly an incident hurts customers, in Statuspage's words (`impact` in its API)."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Impact).index(self)


@dataclass(frozen=True, slots=True)
class PublicIncident:
    """A published incident: public title, status, components, posts newest first, report text.

    Times are aware and in UTC. `report` is the text of `reports.render_status_page`, exactly
    as exported and uploaded.
    """

    public_id: str
    title: str
    status: Status
    impact: Impact
    components: tuple[str, ...]
    declared_at: datetime
    resolved_at: datetime | None
    updates: tuple[StatusUpdate, ...]
    postmortem: PublishedPostmortem | None
    report: str

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def latest(self) -> StatusUpdate | None:
        """The newest post, which open incidents show on the page's banner."""
        return self.updates[0] if self.updates else None

    @property
    def updated_at(self) -> datetime:
        """The newest post's time, or the postmortem's if it came later."""
        moments = [self.declared_at, *(u.posted_at for u in self.updates)]
        if self.postmortem is not None:
            moments.append(utc_or_own(self.postmortem.posted_at))
        return max(moments)

    @property
    def monitoring_at(self) -> datetime | None:
        """When the incident last moved to monitoring (Statuspage's `monitoring_at`)."""
        return next((u.posted_at for u in self.updates if u.label == Status.MONITORING.label), None)

    @property
    def affected(self) -> str:
        """The report's foot, `This incident affected: A and B.`, or empty without components."""
        return affected_line(self.components) if self.components else ""

    def numbered_updates(self) -> Iterator[tuple[str, StatusUpdate]]:
        """Each post, newest first, with an id that stays put as later posts arrive."""
        count = len(self.updates)
        for index, update in enumerate(self.updates):
            yield f"{self.public_id}-{count - index}", update


def public_incident(
    incident: Incident,
    *,
    public_id: str,
    page_name: str,
    zone: ZoneInfo,
    title: str | None = None,
    postmortem: PublishedPostmortem | None = None,
    declaration_message: str = "",
    impact: Impact = Impact.MINOR,
) -> PublicIncident:
    """The public view of an incident, published under `public_id`.

    `title` is the public title (default: the incident's), `postmortem` the published one,
    `declaration_message` the public message the declaring form gave (see
    `reports.status_updates`), `impact` what the page says about how bad it is.
    """
    if not PUBLIC_ID.fullmatch(public_id):
        raise ValueError(f"a public id is 1 to 64 of A-Z a-z 0-9 _ -, not {public_id!r}")
    public_title = one_line(title or incident.title)
    if postmortem is not None:
        postmortem = PublishedPostmortem(
            as_written(postmortem.text), utc_or_own(postmortem.posted_at)
        )
    updates = tuple(status_updates(incident, declaration_message=declaration_message))
    resolved_at = None
    if incident.status is Status.RESOLVED:
        resolved_at = next((u.posted_at for u in updates if u.status is Status.RESOLVED), None)
    return PublicIncident(
        public_id=public_id,
        title=public_title,
        status=incident.status,
        impact=impact,
        components=tuple(one_line(c) for c in incident.components),
        declared_at=utc_or_own(incident.declared_at),
        resolved_at=resolved_at,
        updates=updates,
        postmortem=postmortem,
        report=render_report(
            title=public_title,
            page_name=page_name,
            updates=updates,
            components=incident.components,
            postmortem=postmortem,
            zone=zone,
        ),
    )
