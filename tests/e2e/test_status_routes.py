"""The status page over HTTP: every route, 404s, escaping, headers, revalidation, feed, JSON.

The routes are mounted in the bot's own web app and served on loopback; the incidents come from
the in-memory `PublishedIncidents` that ships with the code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import feedparser
import pytest
from tests.fixtures.status import (
    INTERNAL,
    PAGE,
    REFERENCE_POSTMORTEM,
    REFERENCE_REPORT,
    UTC_ZONE,
    Answer,
    StatusSite,
    at,
    open_incident,
    publish,
    reference_incident,
    serve_status,
)

from watchkeeper.clock import FrozenClock
from watchkeeper.domain.incident import Incident
from watchkeeper.reports.statuspage import render_status_page
from watchkeeper.status import Impact, InMemoryPublishedIncidents, PublicIncident
from watchkeeper.status.html import Pages
from watchkeeper.status.overview import Overview

REF_ID = "k3x9QpL2"
OPEN_ID = "Zq81-mT_"
EVERY_ROUTE = (
    "/status",
    f"/status/incidents/{REF_ID}",
    f"/status/incidents/{REF_ID}.txt",
    f"/status/incidents/{OPEN_ID}",
    f"/status/incidents/{OPEN_ID}.txt",
    "/status/history.atom",
    "/status/api/v2/summary.json",
    "/status/api/v2/incidents.json",
    "/status/api/v2/status.json",
)


@pytest.fixture
def site() -> Iterator[StatusSite]:
    """The reference incident (resolved, with a postmortem) and one open incident, published."""
    clock = FrozenClock(at(12, 0, day=12, month=12))
    source = InMemoryPublishedIncidents(clock)
    publish(source, reference_incident(), REF_ID, postmortem=REFERENCE_POSTMORTEM)
    with serve_status(source, clock) as url:
        yield StatusSite(url, source, clock)


@pytest.fixture
def quiet_site() -> Iterator[StatusSite]:
    """Only the resolved reference incident."""
    clock = FrozenClock(at(12, 0, day=12, month=12))
    source = InMemoryPublishedIncidents(clock)
    publish(source, reference_incident(), REF_ID, postmortem=REFERENCE_POSTMORTEM)
    with serve_status(source, clock) as url:
        yield StatusSite(url, source, clock)


def with_open(site: StatusSite, impact: Impact = Impact.MAJOR) -> PublicIncident:
    return publish(site.source, open_incident(), OPEN_ID, impact=impact)


def visible_text(html: str) -> str:
    """The page's text without tags, runs of white space as one space (for `in` checks)."""
    body = html.split("<body>", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


# --- the page --------------------------------------------------------------------------------


def test_with_nothing_open_the_page_says_all_systems_operational(quiet_site: StatusSite) -> None:
    answer = quiet_site.get("/status")

    assert answer.status == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert '<div class="banner none">All Systems Operational</div>' in answer.text


def test_an_open_incident_is_on_the_banner_with_its_latest_update(site: StatusSite) -> None:
    with_open(site)

    text = visible_text(site.get("/status").text)

    assert "Partial System Outage" in text and "All Systems Operational" not in text
    assert (
        "Login errors for some users Identified - A bad token cache. Fixing. "
        "Posted Nov 24, 2025 - 11:20 UTC"
    ) in text


def test_components_named_by_public_incidents_show_their_state(site: StatusSite) -> None:
    with_open(site)

    html = site.get("/status").text
    components = re.findall(
        r'<li><span class="component">([^<]+)</span><span class="state ([a-z_]+)">([^<]+)</span>',
        html,
    )

    assert components == [
        ("Login", "partial_outage", "Partial Outage"),
        ("Management Interface", "operational", "Operational"),
        ("Message Sending", "operational", "Operational"),
    ]


def test_the_history_shows_90_days_and_says_when_a_day_had_no_incident(site: StatusSite) -> None:
    old = reference_incident()
    old.declared_at = at(9, 0, day=1, month=9)  # 102 days before the page's today: off the page
    publish(site.source, old, "old-one")

    html = site.get("/status").text
    days = re.findall(r'<div class="day">\n<h3>([^<]+)</h3>', html)

    assert len(days) == 90
    assert days[0] == "Dec 12, 2025" and days[-1] == "Sep 14, 2025"
    assert days[12] == "Nov 30, 2025" and days[18] == "Nov 24, 2025"
    assert html.count('<p class="none">No incidents reported.</p>') == 89
    assert 'href="/status/incidents/old-one"' not in html
    day_of_incident = html.split("<h3>Nov 24, 2025</h3>")[1].split('<div class="day">')[0]
    assert f'href="/status/incidents/{REF_ID}"' in day_of_incident
    assert 'Update</span> - <span class="message">Transactional queue backlog' in day_of_incident


# --- one incident ----------------------------------------------------------------------------


def test_the_text_route_is_exactly_the_report(site: StatusSite) -> None:
    answer = site.get(f"/status/incidents/{REF_ID}.txt")

    assert answer.status == 200
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.text == REFERENCE_REPORT
    assert answer.text == render_status_page(
        reference_incident(), zone=UTC_ZONE, page_name=PAGE, postmortem=REFERENCE_POSTMORTEM
    )


def test_the_html_route_shows_the_reports_content(site: StatusSite) -> None:
    answer = site.get(f"/status/incidents/{REF_ID}")
    report = answer.text.split('<article class="report" id="report">')[1].split("</article>")[0]

    assert answer.status == 200
    assert visible_text("<body>" + report) == " ".join(REFERENCE_REPORT.split())


def test_unknown_and_unpublished_ids_get_one_and_the_same_404(site: StatusSite) -> None:
    with_open(site)
    site.source.unpublish(OPEN_ID)
    unpublished = [
        site.get(f"/status/incidents/{OPEN_ID}"),
        site.get(f"/status/incidents/{OPEN_ID}.txt"),
    ]
    unknown = [
        site.get(path)
        for path in (
            "/status/incidents/nothing-here",
            "/status/incidents/nothing-here.txt",
            "/status/incidents/7",  # the incident number is not an address
            "/status/incidents/INC-7",
            "/status/incidents/%3Cscript%3E",
            "/status/incidents/" + "a" * 65,
        )
    ]

    first = unpublished[0]
    assert first.status == 404
    assert "There is no published incident at this address." in first.text
    for answer in [*unpublished, *unknown]:
        assert (answer.status, answer.body, answer.headers["content-type"]) == (
            404,
            first.body,
            "text/html; charset=utf-8",
        )


def test_a_title_full_of_markup_shows_as_text_everywhere(site: StatusSite) -> None:
    script = "<script>alert(1)</script>"
    incident = open_incident(title=f"{script} & <b>bold</b>")
    incident.post_update(f"Still {script}\n<img src=x onerror=alert(2)>", by="U1", at=at(11, 30))
    incident.set_components((f"<i>{script}</i>",), by="U1", at=at(11, 31))
    publish(site.source, incident, OPEN_ID)

    for path in ("/status", f"/status/incidents/{OPEN_ID}"):
        html = site.get(path).text
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
        assert "&lt;img src=x onerror=alert(2)&gt;" in html
        assert "&lt;i&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;/i&gt;" in html
    text = site.get(f"/status/incidents/{OPEN_ID}.txt").text
    assert text.startswith(f"{script} & <b>bold</b>\n\nIncident Report for {PAGE}\n\n")
    feed = feedparser.parse(site.get("/status/history.atom").body)
    assert feed.bozo == 0
    assert any(entry.title == f"Update - {script} & <b>bold</b>" for entry in feed.entries)


# --- headers and revalidation ----------------------------------------------------------------


@pytest.mark.parametrize("path", EVERY_ROUTE)
def test_every_answer_is_safe_and_cacheable(site: StatusSite, path: str) -> None:
    with_open(site)

    answer = site.get(path)
    policy = answer.headers["content-security-policy"]

    assert answer.status == 200
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy and "unsafe" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "public, max-age=60"
    assert re.fullmatch(r'"[0-9a-f]{32}"', answer.headers["etag"])
    assert answer.headers["last-modified"].endswith(" GMT")
    assert "set-cookie" not in answer.headers
    assert b"<script" not in answer.body


def test_the_404_is_as_safe_as_any_answer(site: StatusSite) -> None:
    answer = site.get("/status/incidents/nothing-here")

    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in answer.headers and "etag" not in answer.headers


def test_the_inline_stylesheet_is_the_one_the_policy_allows(site: StatusSite) -> None:
    answer = site.get("/status")
    style = answer.text.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()

    assert f"style-src 'sha256-{digest}';" in answer.headers["content-security-policy"]
    assert answer.text.count("<style>") == 1 and " style=" not in answer.text


@pytest.mark.parametrize("path", EVERY_ROUTE)
def test_a_current_etag_gets_304_without_a_body(site: StatusSite, path: str) -> None:
    with_open(site)
    first = site.get(path)

    again = site.get(path, {"If-None-Match": f'W/"other", {first.headers["etag"]}'})

    assert (again.status, again.body) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == "public, max-age=60"


def test_if_modified_since_gets_304_until_something_changes(site: StatusSite) -> None:
    first = site.get("/status")
    since = first.headers["last-modified"]

    assert site.get("/status", {"If-Modified-Since": since}).status == 304
    assert site.get("/status", {"If-Modified-Since": "Mon, 24 Nov 2025 08:00:00 GMT"}).status == 200
    assert site.get("/status", {"If-Modified-Since": "not a date"}).status == 200

    site.clock.advance(timedelta(minutes=5))
    with_open(site)
    changed = site.get(
        "/status", {"If-Modified-Since": since, "If-None-Match": first.headers["etag"]}
    )

    assert changed.status == 200 and "Login errors for some users" in changed.text
    assert changed.headers["etag"] != first.headers["etag"]
    assert changed.headers["last-modified"] != since


def test_an_unpublished_incident_disappears_at_once(site: StatusSite) -> None:
    assert site.get(f"/status/incidents/{REF_ID}").status == 200
    assert REF_ID in site.get("/status").text

    site.source.unpublish(REF_ID)

    assert site.get(f"/status/incidents/{REF_ID}").status == 404
    assert REF_ID not in site.get("/status").text


def test_the_history_moves_on_at_midnight(site: StatusSite) -> None:
    before = site.get("/status")

    site.clock.advance(timedelta(days=1))
    after = site.get("/status", {"If-Modified-Since": before.headers["last-modified"]})

    assert after.status == 200
    assert re.search(r"<h3>([^<]+)</h3>", after.text).group(1) == "Dec 13, 2025"  # type: ignore[union-attr]


def test_head_answers_like_get_without_a_body(site: StatusSite) -> None:
    answer = site.get("/status", method="HEAD")

    assert (answer.status, answer.body) == (200, b"")
    assert answer.headers["etag"] == site.get("/status").headers["etag"]


# --- Atom ------------------------------------------------------------------------------------


def test_the_atom_feed_has_one_entry_per_post(site: StatusSite) -> None:
    with_open(site)
    answer = site.get("/status/history.atom")
    feed = feedparser.parse(answer.body)

    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert feed.bozo == 0 and feed.version == "atom10"
    assert feed.feed.title == "Acme Status - Incident History"
    assert [entry.title for entry in feed.entries] == [
        "Postmortem - US infrastructure delays with a subset of deliveries sending",
        "Identified - Login errors for some users",
        "Investigating - Login errors for some users",
        "Resolved - US infrastructure delays with a subset of deliveries sending",
        "Update - US infrastructure delays with a subset of deliveries sending",
        "Identified - US infrastructure delays with a subset of deliveries sending",
        "Investigating - US infrastructure delays with a subset of deliveries sending",
    ]
    resolved = feed.entries[3]
    assert resolved.link == f"/status/incidents/{REF_ID}"
    assert resolved.updated == "2025-11-24T08:51:00Z"
    assert resolved.content[0].value == (
        "We confirm the incident has been resolved. The system is fully operational.\n\n"
        "Posted Nov 24, 2025 - 08:51 UTC"
    )
    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("urn:uuid:") for i in ids)


def test_entry_ids_stay_put_when_a_later_post_arrives(site: StatusSite) -> None:
    incident = open_incident()
    publish(site.source, incident, OPEN_ID)
    before = {
        e.title: e.id for e in feedparser.parse(site.get("/status/history.atom").body).entries
    }

    site.clock.advance(timedelta(minutes=1))
    incident.post_update("Cache flushed.", by="U1", at=at(11, 40))
    publish(site.source, incident, OPEN_ID)
    after = {e.title: e.id for e in feedparser.parse(site.get("/status/history.atom").body).entries}

    assert after.items() >= before.items()
    assert "Update - Login errors for some users" in after


# --- Statuspage API v2 -----------------------------------------------------------------------

PAGE_KEYS = {"id", "name", "url", "time_zone", "updated_at"}
STATUS_KEYS = {"indicator", "description"}
COMPONENT_KEYS = {
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "position",
    "description",
    "showcase",
    "start_date",
    "group_id",
    "page_id",
    "group",
    "only_show_if_degraded",
}
INCIDENT_KEYS = {
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "impact",
    "shortlink",
    "started_at",
    "page_id",
    "incident_updates",
    "components",
}
UPDATE_KEYS = {
    "id",
    "status",
    "body",
    "incident_id",
    "created_at",
    "updated_at",
    "display_at",
    "affected_components",
    "deliver_notifications",
    "custom_tweet",
    "tweet_id",
}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


def check_incident(incident: dict[str, object], page_id: str) -> None:
    assert incident.keys() == INCIDENT_KEYS
    assert incident["status"] in {"investigating", "identified", "monitoring", "resolved"}
    assert incident["impact"] in {"none", "minor", "major", "critical"}
    assert incident["page_id"] == page_id
    for key in ("created_at", "updated_at", "started_at"):
        assert ISO.fullmatch(str(incident[key]))
    updates = incident["incident_updates"]
    assert isinstance(updates, list) and updates
    for update in updates:
        assert update.keys() == UPDATE_KEYS
        assert update["incident_id"] == incident["id"]
        assert update["status"] in {"investigating", "identified", "monitoring", "resolved"}
        assert ISO.fullmatch(update["display_at"])
    assert [u["display_at"] for u in updates] == sorted(
        (u["display_at"] for u in updates), reverse=True
    )


def test_summary_json_has_statuspages_shape(site: StatusSite) -> None:
    with_open(site)
    answer = site.get("/status/api/v2/summary.json")
    summary = json.loads(answer.body)

    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    assert answer.headers["access-control-allow-origin"] == "*"
    assert summary.keys() == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert summary["page"].keys() == PAGE_KEYS
    assert (summary["page"]["name"], summary["page"]["url"], summary["page"]["time_zone"]) == (
        PAGE,
        "/status",
        "UTC",
    )
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert summary["scheduled_maintenances"] == []
    assert [(c["name"], c["status"], c["position"]) for c in summary["components"]] == [
        ("Login", "partial_outage", 1),
        ("Management Interface", "operational", 2),
        ("Message Sending", "operational", 3),
    ]
    for component in summary["components"]:
        assert component.keys() == COMPONENT_KEYS
        assert component["page_id"] == summary["page"]["id"]
    [incident] = summary["incidents"]  # unresolved ones only
    check_incident(incident, summary["page"]["id"])
    assert (incident["id"], incident["name"], incident["status"], incident["impact"]) == (
        OPEN_ID,
        "Login errors for some users",
        "identified",
        "major",
    )
    assert [(u["id"], u["status"], u["body"]) for u in incident["incident_updates"]] == [
        (f"{OPEN_ID}-2", "identified", "A bad token cache.\nFixing."),
        (f"{OPEN_ID}-1", "investigating", "We are currently investigating this issue."),
    ]
    assert incident["resolved_at"] is None and incident["monitoring_at"] is None
    assert incident["shortlink"] == f"/status/incidents/{OPEN_ID}"
    assert [c["name"] for c in incident["components"]] == ["Login"]


def test_incidents_json_lists_resolved_ones_too_newest_first(site: StatusSite) -> None:
    with_open(site, Impact.CRITICAL)
    document = json.loads(site.get("/status/api/v2/incidents.json").body)

    assert document.keys() == {"page", "incidents"}
    assert [i["id"] for i in document["incidents"]] == [OPEN_ID, REF_ID]
    for incident in document["incidents"]:
        check_incident(incident, document["page"]["id"])
    resolved = document["incidents"][1]
    assert (resolved["status"], resolved["resolved_at"], resolved["created_at"]) == (
        "resolved",
        "2025-11-24T08:51:00Z",
        "2025-11-24T08:08:00Z",
    )
    assert [u["status"] for u in resolved["incident_updates"]] == [
        "resolved",
        "identified",
        "identified",
        "investigating",
    ]
    assert resolved["incident_updates"][1]["body"] == (
        "Transactional queue backlog is process, priority queue is still ongoing"
    )


def test_status_json_is_the_page_and_its_state(quiet_site: StatusSite) -> None:
    document = json.loads(quiet_site.get("/status/api/v2/status.json").body)

    assert document.keys() == {"page", "status"}
    assert document["status"] == {"indicator": "none", "description": "All Systems Operational"}


# --- nothing internal ------------------------------------------------------------------------


def test_nothing_responders_kept_to_themselves_reaches_any_route(site: StatusSite) -> None:
    incident = open_incident()
    incident.channel_id, incident.channel_name = "C0SECRETCHAN", "inc-7-secret-channel"
    incident.set_cause("SECRET-CAUSE token TTL", by="U0SECRETBEN", at=at(11, 25))
    incident.add_action("SECRET-ACTION shorter TTL", owner_id="U0SECRETBEN", by="U1", at=at(11, 26))
    publish(site.source, incident, OPEN_ID)

    for path in EVERY_ROUTE:
        body = site.get(path).text
        leaked = [secret for secret in INTERNAL if secret in body]
        assert leaked == [], f"{path} shows {leaked}"


# --- cost ------------------------------------------------------------------------------------


class CountingSource:
    """A source that counts how often the page reads it."""

    def __init__(self, inner: InMemoryPublishedIncidents) -> None:
        self.inner = inner
        self.published_calls = 0
        self.lookups = 0
        self._lock = threading.Lock()

    def published(self, since: datetime) -> Sequence[PublicIncident]:
        with self._lock:
            self.published_calls += 1
        return self.inner.published(since)

    def by_public_id(self, public_id: str) -> PublicIncident | None:
        with self._lock:
            self.lookups += 1
        return self.inner.by_public_id(public_id)

    def changed_at(self) -> datetime | None:
        return self.inner.changed_at()


def many_incidents(count: int) -> list[Incident]:
    incidents = []
    for number in range(count):
        declared = at(8, 0) - timedelta(hours=2 * number)
        incident = Incident.declare(
            number=number + 1,
            title=f"Incident {number}",
            severity="SEV3",
            declared_by="U",
            at=declared,
        )
        incident.set_components((f"Component {number % 12}",), by="U", at=declared)
        incident.resolve(by="U", at=declared + timedelta(minutes=30), message="Fixed.")
        incidents.append(incident)
    return incidents


def test_fifty_clients_on_a_page_of_1000_incidents_share_one_rendering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FrozenClock(at(12, 0))
    inner = InMemoryPublishedIncidents(clock)
    for incident in many_incidents(1000):
        publish(inner, incident, f"id{incident.number}")
    source = CountingSource(inner)
    renders: list[int] = []
    render_page = Pages.status_page

    def counted(pages: Pages, shown: Overview) -> str:
        renders.append(len(shown.days))
        return render_page(pages, shown)

    monkeypatch.setattr(Pages, "status_page", counted)

    with serve_status(source, clock) as url:
        site = StatusSite(url, inner, clock)
        together = threading.Barrier(50)
        answers: list[Answer] = []

        def client() -> None:
            together.wait()
            answers.append(site.get("/status"))

        threads = [threading.Thread(target=client) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        for _ in range(3):
            site.get("/status/incidents/id500")
            site.get("/status/history.atom")
        for _ in range(20):
            site.get("/status")

        assert [a.status for a in answers] == [200] * 50
        assert len({a.body for a in answers}) == 1
        assert answers[0].text.count('<article class="past') == 1000
        assert (len(renders), source.published_calls, source.lookups) == (1, 1, 1)

        clock.advance(timedelta(minutes=1))
        publish(inner, open_incident(number=2000), "fresh")

        assert "fresh" in site.get("/status").text
        assert (len(renders), source.published_calls) == (2, 2)
