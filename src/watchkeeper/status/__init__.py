"""The public status page under `/status`: published incidents only, safe for the open internet.

- `views`: `PublicIncident`, the public view of an incident (only what customers were told),
  and `public_incident`, its builder from a domain `Incident`.
- `source`: `PublishedIncidents`, the port the page reads, and an in-memory one for tests.
- `overview`: the page as a whole: overall state, components, history day by day.
- `html`: the HTML pages (Jinja2 with autoescaping, `templates/`, one hashed inline style).
- `feeds`: the Atom feed; `api`: the JSON of Statuspage's public API v2.
- `http`: rendered bodies cached per generation, validators, 304s, security headers.
- `routes`: `status_routes(source, …)`, the Starlette routes to mount in the bot's app.

The text of a report is `reports.statuspage`'s; this package only serves it.
"""

from watchkeeper.status.routes import status_routes
from watchkeeper.status.source import InMemoryPublishedIncidents, PublishedIncidents
from watchkeeper.status.views import Impact, PublicIncident, public_incident

__all__ = [
    "Impact",
    "InMemoryPublishedIncidents",
    "PublicIncident",
    "PublishedIncidents",
    "public_incident",
    "status_routes",
]
