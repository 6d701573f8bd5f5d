"""The published incidents the running bot keeps: the status page's source, read from the store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from watchkeeper.domain.errors import UnknownSeverity
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.severity import SeverityScale
from watchkeeper.readings import Reading
from watchkeeper.reports.statuspage import PublishedPostmortem
from watchkeeper.services import queries
from watchkeeper.services.context import Context
from watchkeeper.status.views import Impact, PublicIncident, public_incident

#: How bad an incident is, in Statuspage's words, by its severity's rank (most severe first).
_IMPACT_BY_RANK = (Impact.CRITICAL, Impact.MAJOR)


#: Seconds a reading of when the page last changed is shared by every reader meanwhile: a
#: change made by another replica shows that much later (the page's own max-age is longer).
CHANGED_AT_FRESH = 1.0


class StoredIncidents:
    """`PublishedIncidents` over the bot's database (see `status.source`).

    Every request asks when the page last changed; that answer is read at most once a second,
    and at once after this process changed something (`changed()`).
    """

    def __init__(self, ctx: Context, *, page_name: Callable[[], str], zone: ZoneInfo) -> None:
        self._ctx = ctx
        self._page_name = page_name
        self._zone = zone
        self._changed_at = Reading(
            lambda: queries.status_page_changed_at(ctx), fresh_for=CHANGED_AT_FRESH
        )

    def changed(self) -> None:
        """Something this process committed may have changed the page: read afresh next time."""
        self._changed_at.stale()

    def published(self, since: datetime) -> Sequence[PublicIncident]:
        incidents = queries.published_incidents(self._ctx, since)
        shown = [self._public(incident) for incident in incidents]
        return sorted(shown, key=lambda incident: incident.declared_at, reverse=True)

    def by_public_id(self, public_id: str) -> PublicIncident | None:
        incident = queries.published_incident(self._ctx, public_id)
        return self._public(incident) if incident is not None else None

    def changed_at(self) -> datetime | None:
        return self._changed_at.get()

    def _public(self, incident: Incident) -> PublicIncident:
        publication = incident.publication
        assert publication is not None  # the store hands out published incidents only
        postmortem = (
            PublishedPostmortem(publication.postmortem, publication.postmortem_at)
            if publication.postmortem and publication.postmortem_at is not None
            else None
        )
        return public_incident(
            incident,
            public_id=publication.public_id,
            page_name=self._page_name(),
            zone=self._zone,
            title=publication.title,
            postmortem=postmortem,
            impact=impact_of(incident.highest_severity or incident.severity, self._ctx.scale),
        )


def impact_of(severity: str, scale: SeverityScale) -> Impact:
    """Critical for the most severe level, major for the next, minor below."""
    try:
        rank = scale.rank(severity)
    except UnknownSeverity:  # a level removed from the TOML since: say the least
        return Impact.MINOR
    return _IMPACT_BY_RANK[rank] if rank < len(_IMPACT_BY_RANK) else Impact.MINOR
