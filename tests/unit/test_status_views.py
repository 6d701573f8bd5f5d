"""The status page's pure parts: the public view, the overview, the cache, the feed, the source."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import pytest
from tests.fixtures.status import (
    INTERNAL,
    PAGE,
    REFERENCE_POSTMORTEM,
    REFERENCE_REPORT,
    UTC_ZONE,
    at,
    open_incident,
    reference_incident,
)

from watchkeeper.clock import FrozenClock
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.status import Status
from watchkeeper.reports import PublishedPostmortem, StatusUpdate
from watchkeeper.status import Impact, InMemoryPublishedIncidents, PublicIncident, public_incident
from watchkeeper.status.feeds import atom_feed
from watchkeeper.status.http import RenderCache
from watchkeeper.status.overview import ComponentStatus, Indicator, history_start, overview

NEW_YORK = ZoneInfo("America/New_York")


def public(
    incident: Incident,
    public_id: str = "pub1",
    *,
    impact: Impact = Impact.MINOR,
    postmortem: PublishedPostmortem | None = None,
    zone: ZoneInfo = UTC_ZONE,
) -> PublicIncident:
    return public_incident(
        incident,
        public_id=public_id,
        page_name=PAGE,
        zone=zone,
        impact=impact,
        postmortem=postmortem,
    )


# --- the public view -------------------------------------------------------------------------


def test_the_public_view_holds_what_customers_were_told_and_nothing_else() -> None:
    view = public(reference_incident(), "k3x9", postmortem=REFERENCE_POSTMORTEM)

    assert view == PublicIncident(
        public_id="k3x9",
        title="US infrastructure delays with a subset of deliveries sending",
        status=Status.RESOLVED,
        impact=Impact.MINOR,
        components=("Message Sending", "Management Interface"),
        declared_at=at(8, 8),
        resolved_at=at(8, 51),
        updates=(
            StatusUpdate(
                "Resolved",
                "We confirm the incident has been resolved. The system is fully operational.",
                at(8, 51),
                Status.RESOLVED,
            ),
            StatusUpdate(
                "Update",
                "Transactional queue backlog is process, priority queue is still ongoing",
                at(8, 45),
                Status.IDENTIFIED,
            ),
            StatusUpdate(
                "Identified",
                "We identified the issue, backlog is processing now",
                at(8, 38),
                Status.IDENTIFIED,
            ),
            StatusUpdate(
                "Investigating",
                "Our team is aware of an issue with Campaign and Transactional deliveries going "
                "out. We are currently looking into this.",
                at(8, 15),
                Status.INVESTIGATING,
            ),
        ),
        postmortem=REFERENCE_POSTMORTEM,
        report=REFERENCE_REPORT,
    )
    assert [secret for secret in INTERNAL if secret in repr(view)] == []


def test_the_public_title_is_one_line_and_replaces_the_incidents_own() -> None:
    view = public_incident(
        open_incident(), public_id="x", page_name=PAGE, zone=UTC_ZONE, title=" Login\n trouble "
    )

    assert view.title == "Login trouble"
    assert view.report.startswith("Login trouble\n\nIncident Report for Acme Status\n\n")


@pytest.mark.parametrize("public_id", ["", "a/b", "a.txt", "../x", "<x>", "a" * 65, "é"])
def test_a_public_id_must_be_safe_in_an_address(public_id: str) -> None:
    with pytest.raises(ValueError, match="public id"):
        public(open_incident(), public_id)


def test_monitoring_at_is_the_last_move_to_monitoring() -> None:
    incident = open_incident()
    assert public(incident).monitoring_at is None

    incident.change_status(Status.MONITORING, by="U", at=at(11, 40))
    incident.post_update("Looks good.", by="U", at=at(11, 50))
    view = public(incident)

    assert view.monitoring_at == at(11, 40)
    assert view.updated_at == at(11, 50)
    assert view.resolved_at is None and view.is_open


def test_updated_at_counts_the_postmortem() -> None:
    view = public(reference_incident(), postmortem=REFERENCE_POSTMORTEM)

    assert view.updated_at == REFERENCE_POSTMORTEM.posted_at


def test_post_ids_count_from_the_oldest_so_they_stay_put() -> None:
    view = public(open_incident(), "q7")

    assert [(post_id, post.label) for post_id, post in view.numbered_updates()] == [
        ("q7-2", "Identified"),
        ("q7-1", "Investigating"),
    ]


# --- the overview ----------------------------------------------------------------------------


def test_the_indicator_is_the_worst_open_impact() -> None:
    resolved = public(reference_incident(), "r", impact=Impact.CRITICAL)
    minor = public(open_incident(number=8), "m", impact=Impact.MINOR)
    major = public(open_incident(number=9), "M", impact=Impact.MAJOR)
    today = date(2025, 11, 24)

    assert overview([resolved], today=today, zone=UTC_ZONE).indicator is Indicator.NONE
    assert overview([resolved, minor], today=today, zone=UTC_ZONE).indicator is Indicator.MINOR
    assert overview([minor, major], today=today, zone=UTC_ZONE).indicator is Indicator.MAJOR
    assert Indicator.CRITICAL.description == "Major Service Outage"


def test_a_component_takes_the_worst_state_open_incidents_give_it() -> None:
    api_down = open_incident(number=8)
    api_down.set_components(("API", "Login"), by="U", at=at(11, 5))
    api_slow = open_incident(number=9)
    api_slow.set_components(("API",), by="U", at=at(11, 5))
    shown = overview(
        [
            public(api_slow, "s", impact=Impact.MINOR),
            public(api_down, "d", impact=Impact.CRITICAL),
            public(reference_incident(), "r", impact=Impact.CRITICAL),
        ],
        today=date(2025, 11, 24),
        zone=UTC_ZONE,
    )

    assert [(c.name, c.status) for c in shown.components] == [
        ("API", ComponentStatus.MAJOR_OUTAGE),
        ("Login", ComponentStatus.MAJOR_OUTAGE),
        ("Management Interface", ComponentStatus.OPERATIONAL),
        ("Message Sending", ComponentStatus.OPERATIONAL),
    ]


def test_history_days_are_the_pages_calendar_days_newest_first() -> None:
    late = open_incident()
    late.declared_at = at(2, 30, day=25)  # still Nov 24 in New York
    shown = overview([public(late, zone=NEW_YORK)], today=date(2025, 11, 26), zone=NEW_YORK, days=5)

    assert [(d.day, [i.public_id for i in d.incidents]) for d in shown.days] == [
        (date(2025, 11, 26), []),
        (date(2025, 11, 25), []),
        (date(2025, 11, 24), ["pub1"]),
        (date(2025, 11, 23), []),
        (date(2025, 11, 22), []),
    ]


def test_the_history_starts_at_midnight_on_the_pages_clock() -> None:
    assert history_start(date(2025, 11, 24), NEW_YORK, days=90) == datetime(
        2025, 8, 27, 4, 0, tzinfo=UTC
    )


# --- the cache -------------------------------------------------------------------------------


def test_a_value_being_made_is_waited_for_not_made_again() -> None:
    cache = RenderCache()
    made: list[int] = []
    together = threading.Barrier(20)
    results: list[str] = []

    def slow() -> str:
        made.append(1)
        time.sleep(0.2)
        return "page"

    def client() -> None:
        together.wait()
        results.append(cache.get("g1", "page", slow))

    threads = [threading.Thread(target=client) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert (len(made), results) == (1, ["page"] * 20)


def test_a_new_generation_forgets_the_old_values() -> None:
    cache = RenderCache()
    cache.get("g1", "page", lambda: "old")

    assert cache.get("g1", "page", lambda: "new") == "old"
    assert cache.get("g2", "page", lambda: "new") == "new"


def test_misses_are_not_kept_and_the_cache_stays_bounded() -> None:
    cache = RenderCache(limit=2)
    calls: list[str] = []

    def miss() -> None:
        calls.append("miss")

    cache.get("g", "unknown", miss)
    cache.get("g", "unknown", miss)
    for key in ("a", "b", "c"):
        cache.get("g", key, key.upper)

    assert calls == ["miss", "miss"]
    assert cache.get("g", "a", lambda: "again") == "again"  # the oldest went
    assert cache.get("g", "c", lambda: "again") == "C"


def test_a_failed_making_is_not_kept() -> None:
    cache = RenderCache()

    def broken() -> str:
        raise RuntimeError("database away")

    with pytest.raises(RuntimeError):
        cache.get("g", "page", broken)
    assert cache.get("g", "page", lambda: "page") == "page"


# --- the feed and the source -----------------------------------------------------------------


def test_characters_xml_cannot_carry_are_left_out_of_the_feed() -> None:
    incident = open_incident(title="Bell\x07 and null\x00 in a title")
    incident.post_update("tab\tand form feed\x0c", by="U", at=at(11, 30))

    feed = feedparser.parse(
        atom_feed([public(incident)], page_name=PAGE, zone=UTC_ZONE, updated=at(12, 0))
    )

    assert feed.bozo == 0
    assert feed.entries[0].title == "Update - Bell and null in a title"
    assert feed.entries[0].content[0].value.startswith("tab\tand form feed\n\nPosted ")


def test_changed_at_moves_forward_at_every_change_even_on_a_frozen_clock() -> None:
    clock = FrozenClock(at(12, 0))
    source = InMemoryPublishedIncidents(clock)
    assert source.changed_at() is None

    source.publish(public(open_incident(), "a"))
    first = source.changed_at()
    source.publish(public(open_incident(), "b"))
    second = source.changed_at()
    source.unpublish("nobody")

    assert first is not None and second is not None and first < second
    assert source.changed_at() == second


def test_published_is_the_open_ones_and_those_declared_since() -> None:
    clock = FrozenClock(at(12, 0))
    old_open = open_incident(number=1)
    old_open.declared_at = at(8, 0, day=1, month=1)
    old_resolved = reference_incident()
    old_resolved.declared_at = at(8, 0, day=2, month=1)
    recent = reference_incident()
    source = InMemoryPublishedIncidents(
        clock, [public(old_open, "o"), public(old_resolved, "r"), public(recent, "n")]
    )

    assert [i.public_id for i in source.published(at(0, 0, day=1, month=11))] == ["n", "o"]
    assert source.by_public_id("r") is not None and source.by_public_id("x") is None


def test_a_posted_time_the_zone_cannot_show_does_not_break_the_view() -> None:
    incident = open_incident()
    incident.post_update("Far future.", by="U", at=datetime(9999, 12, 31, 23, 0, tzinfo=UTC))

    view = public(incident, zone=ZoneInfo("Asia/Tokyo"))

    assert "Posted Dec 31, 9999 - 23:00 UTC" in view.report
    assert view.updated_at == datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    assert timedelta(0) < view.updated_at - view.declared_at
