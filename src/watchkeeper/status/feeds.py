"""The incident history as an Atom feed (RFC 4287): one entry per post, newest first.

Each post of a published incident (and its published postmortem) is an entry, so a feed
reader shows every update as it goes out. Entry ids are `urn:uuid:` names derived from the
post's public id, so they never change and never reveal an address.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from watchkeeper.reports.statuspage import POSTMORTEM_LABEL
from watchkeeper.reports.times import format_posted, iso_utc
from watchkeeper.status.views import PublicIncident

ATOM = "http://www.w3.org/2005/Atom"
#: Most entries a feed carries; readers only look at the newest ones.
MAX_ENTRIES = 250

# Characters XML 1.0 cannot carry at all (control characters, surrogates, non-characters).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ET.register_namespace("", ATOM)  # Atom as the default namespace: `<feed>`, not `<ns0:feed>`
_IDS = uuid.UUID("6f1c2a4e-3b7d-5e2f-9a1c-7d4b8e0f2a61")  # namespace of this feed's entry ids


@dataclass(frozen=True, slots=True)
class _Entry:
    entry_id: str
    title: str
    text: str
    posted_at: datetime
    incident: PublicIncident


def atom_feed(
    incidents: Sequence[PublicIncident],
    *,
    page_name: str,
    zone: ZoneInfo,
    updated: datetime,
    base_url: str = "",
) -> bytes:
    """The feed document, UTF-8; links are `base_url` + path (root-relative without one)."""
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "en"})
    _text(feed, "id", _urn(f"feed:{page_name}"))
    _text(feed, "title", f"{page_name} - Incident History")
    _text(feed, "updated", iso_utc(updated))
    _link(feed, f"{base_url}/status", rel="alternate", media_type="text/html")
    _link(feed, f"{base_url}/status/history.atom", rel="self", media_type="application/atom+xml")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", page_name)
    for entry in _entries(incidents, zone)[:MAX_ENTRIES]:
        element = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(element, "id", _urn(entry.entry_id))
        _text(element, "title", entry.title)
        _text(element, "updated", iso_utc(entry.posted_at))
        _text(element, "published", iso_utc(entry.posted_at))
        href = f"{base_url}/status/incidents/{entry.incident.public_id}"
        _link(element, href, rel="alternate", media_type="text/html")
        _text(element, "content", entry.text, {"type": "text"})
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _entries(incidents: Sequence[PublicIncident], zone: ZoneInfo) -> list[_Entry]:
    entries: list[_Entry] = []
    for incident in incidents:
        for update_id, update in incident.numbered_updates():
            text = f"{update.message}\n\nPosted {format_posted(update.posted_at, zone)}"
            title = f"{update.label} - {incident.title}"
            entries.append(_Entry(update_id, title, text, update.posted_at, incident))
        if incident.postmortem is not None:
            postmortem = incident.postmortem
            text = f"{postmortem.text}\n\nPosted {format_posted(postmortem.posted_at, zone)}"
            title = f"{POSTMORTEM_LABEL} - {incident.title}"
            entry_id = f"{incident.public_id}-postmortem"
            entries.append(_Entry(entry_id, title, text, postmortem.posted_at, incident))
    entries.sort(key=lambda entry: (entry.posted_at, entry.entry_id), reverse=True)
    return entries


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_IDS, name)}"


def _text(
    parent: ET.Element, tag: str, text: str, attributes: dict[str, str] | None = None
) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes or {}).text = _NOT_XML.sub("", text)


def _link(parent: ET.Element, href: str, *, rel: str, media_type: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", {"rel": rel, "type": media_type, "href": href})
