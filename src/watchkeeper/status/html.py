"""The status page's HTML: Jinja2 templates with autoescaping, one inline stylesheet, no script.

Every text a responder typed reaches the page through `{{ … }}`, which escapes it, so a title
`<script>…</script>` shows as text. The stylesheet is inlined in a `<style>` element whose
SHA-256 is in the `Content-Security-Policy` (`STYLE_SOURCE`), so the policy can forbid every
other style, script, image, font and frame.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from watchkeeper.reports.times import format_day, format_posted
from watchkeeper.status.overview import Overview
from watchkeeper.status.views import PublicIncident

_TEMPLATES = Path(__file__).parent / "templates"
_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

#: The stylesheet, exactly as inlined (the hash below is of these characters).
STYLESHEET = (_TEMPLATES / "status.css").read_text(encoding="utf-8")
#: The CSP source that allows the inline stylesheet and nothing else.
STYLE_SOURCE = "'sha256-{}'".format(
    base64.b64encode(hashlib.sha256(STYLESHEET.encode("utf-8")).digest()).decode("ascii")
)


class Pages:
    """Renders the page, an incident's report and the not-found page for one status page."""

    def __init__(self, *, page_name: str, zone: ZoneInfo) -> None:
        self._page_name = page_name
        self._zone = zone

    def status_page(self, overview: Overview) -> str:
        """`/status`: the state, the open incidents, the components and the history."""
        return self._render("page.html.j2", overview=overview)

    def incident(self, incident: PublicIncident) -> str:
        """`/status/incidents/<id>`: the report, as the text report shows it."""
        return self._render("incident.html.j2", incident=incident)

    def not_found(self) -> str:
        """The one answer for an unknown and an unpublished incident alike."""
        return self._render("not_found.html.j2")

    def _render(self, name: str, **context: object) -> str:
        return _ENVIRONMENT.get_template(name).render(
            page_name=self._page_name,
            css=Markup(STYLESHEET),  # noqa: S704 - our own packaged stylesheet, not user text
            posted=self._posted,
            day=self._day,
            **context,
        )

    def _posted(self, moment: datetime) -> str:
        return format_posted(moment, self._zone)

    def _day(self, day: date) -> str:
        return format_day(day)
