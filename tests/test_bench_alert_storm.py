"""The alert storm benchmark runs, and its storm declares no more than the quiet rule allows."""

from __future__ import annotations

from bench import alert_storm


def test_a_storm_declares_its_quota_joins_the_rest_and_its_repeat_changes_nothing() -> None:
    figures = alert_storm.run("sqlite", alerts=60, groups=12, senders=4, max_per_hour=3)

    assert figures["storm"] == {"declared": 3, "joined": 9}
    assert figures["incidents_declared"] == figures["incident_channels"] == 3
    assert figures["repeat"] == {"unchanged": 12}
