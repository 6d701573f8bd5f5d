"""The status page's routes, to mount in the bot's Starlette app: `status_routes(source, …)`.

| route | answer |
| --- | --- |
| `GET /status` | the page: overall state, open incidents, components, 90 days of history |
| `GET /status/incidents/<id>` | an incident's report as HTML |
| `GET /status/incidents/<id>.txt` | the same report as text, exactly as exported |
| `GET /status/history.atom` | Atom feed, one entry per post |
| `GET /status/api/v2/summary.json`, `…/incidents.json`, `…/status.json` | Statuspage API v2 shapes |

An unknown id and an unpublished one get the same 404. The source is read in a worker thread
(it may be a database); bodies are rendered once per generation (see `status.http`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from watchkeeper.clock import Clock
from watchkeeper.reports.times import in_zone
from watchkeeper.status import api
from watchkeeper.status.feeds import atom_feed
from watchkeeper.status.html import Pages
from watchkeeper.status.http import ATOM, HTML, JSON, TEXT, RenderCache, Rendered, answer
from watchkeeper.status.overview import HISTORY_DAYS, Overview, day_start, history_start, overview
from watchkeeper.status.source import PublishedIncidents
from watchkeeper.status.views import PUBLIC_ID, PublicIncident

#: How long browsers and CDNs may keep an answer without asking again, in seconds.
MAX_AGE = 60

Generation = tuple[datetime | None, date]


def status_routes(
    source: PublishedIncidents,
    *,
    page_name: str,
    zone: ZoneInfo,
    clock: Clock,
    public_url: str = "",
    max_age: int = MAX_AGE,
    history_days: int = HISTORY_DAYS,
) -> list[Route]:
    """The routes under `/status`; `public_url` (`https://status.example.com`) makes the feed's
    and the API's links absolute, which they are not without it."""
    site = _StatusSite(
        source,
        page_name=page_name,
        zone=zone,
        clock=clock,
        public_url=public_url.rstrip("/"),
        history_days=history_days,
    )

    def serve(build: Callable[[Request], Rendered]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            rendered = await run_in_threadpool(build, request)
            return answer(request, rendered, max_age=max_age)

        return endpoint

    return [
        Route("/status", serve(site.page), methods=["GET"]),
        Route("/status/history.atom", serve(site.feed), methods=["GET"]),
        Route("/status/api/v2/summary.json", serve(site.summary), methods=["GET"]),
        Route("/status/api/v2/incidents.json", serve(site.incidents), methods=["GET"]),
        Route("/status/api/v2/status.json", serve(site.status), methods=["GET"]),
        # The text route first: `{public_id}` alone would match `abc.txt` too.
        Route("/status/incidents/{public_id}.txt", serve(site.incident_text), methods=["GET"]),
        Route("/status/incidents/{public_id}", serve(site.incident_page), methods=["GET"]),
    ]


class _StatusSite:
    """What the routes answer, each body made once per generation."""

    def __init__(
        self,
        source: PublishedIncidents,
        *,
        page_name: str,
        zone: ZoneInfo,
        clock: Clock,
        public_url: str,
        history_days: int,
    ) -> None:
        self._source = source
        self._page_name = page_name
        self._zone = zone
        self._clock = clock
        self._public_url = public_url
        self._days = history_days
        self._pages = Pages(page_name=page_name, zone=zone)
        self._cache = RenderCache()
        self._not_found = Rendered.of(
            self._pages.not_found().encode(), HTML, last_modified=None, status_code=404
        )

    # --- the whole page ---------------------------------------------------------------------

    def page(self, request: Request) -> Rendered:
        generation = self._generation()
        return self._cache.get(generation, "page", lambda: self._html_page(generation))

    def feed(self, request: Request) -> Rendered:
        generation = self._generation()
        return self._cache.get(generation, "feed", lambda: self._feed(generation))

    def summary(self, request: Request) -> Rendered:
        generation = self._generation()
        return self._cache.get(
            generation,
            "summary",
            lambda: self._json(generation, api.summary_document(*self._overview(generation))),
        )

    def incidents(self, request: Request) -> Rendered:
        generation = self._generation()

        def make() -> Rendered:
            shown, page = self._overview(generation)
            document = api.incidents_document(self._published(generation), shown, page)
            return self._json(generation, document)

        return self._cache.get(generation, "incidents", make)

    def status(self, request: Request) -> Rendered:
        generation = self._generation()
        return self._cache.get(
            generation,
            "status",
            lambda: self._json(generation, api.status_document(*self._overview(generation))),
        )

    # --- one incident -----------------------------------------------------------------------

    def incident_page(self, request: Request) -> Rendered:
        return self._incident(request, "html", lambda i: self._pages.incident(i), HTML)

    def incident_text(self, request: Request) -> Rendered:
        return self._incident(request, "text", lambda i: i.report, TEXT)

    def _incident(
        self,
        request: Request,
        kind: str,
        render: Callable[[PublicIncident], str],
        media_type: str,
    ) -> Rendered:
        public_id = str(request.path_params["public_id"])
        if not PUBLIC_ID.fullmatch(public_id):
            return self._not_found
        generation = self._generation()

        def make() -> Rendered | None:
            incident = self._source.by_public_id(public_id)
            if incident is None:
                return None
            body = render(incident).encode()
            return Rendered.of(body, media_type, last_modified=generation[0])

        # Only published incidents are kept: ids that miss must not fill the cache.
        found = self._cache.get(generation, (kind, public_id), make)
        return found if found is not None else self._not_found

    # --- shared -----------------------------------------------------------------------------

    def _generation(self) -> Generation:
        """What the bodies depend on: the source's last change and today's date on the page."""
        return self._source.changed_at(), in_zone(self._clock.now(), self._zone).date()

    def _published(self, generation: Generation) -> Sequence[PublicIncident]:
        since = history_start(generation[1], self._zone, self._days)
        return self._cache.get(generation, "published", lambda: self._source.published(since))

    def _overview(self, generation: Generation) -> tuple[Overview, api.PageInfo]:
        def make() -> Overview:
            incidents = self._published(generation)
            return overview(incidents, today=generation[1], zone=self._zone, days=self._days)

        page = api.PageInfo(
            self._page_name,
            f"{self._public_url}/status",
            self._zone,
            self._last_modified(generation),
        )
        return self._cache.get(generation, "overview", make), page

    def _last_modified(self, generation: Generation) -> datetime:
        """The later of the last change and today's midnight (when the history moved on)."""
        changed_at, today = generation
        midnight = day_start(today, self._zone)
        return midnight if changed_at is None else max(changed_at, midnight)

    def _html_page(self, generation: Generation) -> Rendered:
        shown, _ = self._overview(generation)
        body = self._pages.status_page(shown).encode()
        return Rendered.of(body, HTML, last_modified=self._last_modified(generation))

    def _feed(self, generation: Generation) -> Rendered:
        body = atom_feed(
            self._published(generation),
            page_name=self._page_name,
            zone=self._zone,
            updated=self._last_modified(generation),
            base_url=self._public_url,
        )
        return Rendered.of(body, ATOM, last_modified=self._last_modified(generation))

    def _json(self, generation: Generation, document: api.JsonObject) -> Rendered:
        return Rendered.of(
            api.encode(document),
            JSON,
            last_modified=self._last_modified(generation),
            headers={"Access-Control-Allow-Origin": "*"},
        )
