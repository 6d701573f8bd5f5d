"""Shortening mrkdwn for Slack's limits: the cut is marked and leaves no half entity or mention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from watchkeeper.domain.incident import IncidentSummary
from watchkeeper.domain.status import Status
from watchkeeper.slack.blocks import CUT, LISTED, incident_list, shorten


def test_text_within_the_limit_is_left_alone() -> None:
    assert shorten("x" * 50, 50) == "x" * 50


def test_a_cut_keeps_the_limit_and_says_where_the_rest_is() -> None:
    shortened = shorten("x" * 200, 100)

    assert shortened == "x" * (100 - len(CUT)) + " (… cut; the full text is on the timeline)"
    assert len(shortened) == 100


def test_a_cut_never_leaves_half_an_escaped_character() -> None:
    text = "a" * 55 + "&amp;" + "b" * 100  # the cut at 58 would leave `&am`

    assert shorten(text, 58 + len(CUT)) == "a" * 55 + CUT


def test_a_cut_never_leaves_half_a_mention() -> None:
    text = "by <@UBEN12345> " + "x" * 100  # the cut at 8 would leave `<@UBE`

    assert shorten(text, 8 + len(CUT)) == "by " + CUT


def test_the_list_names_how_many_more_are_open_than_it_shows() -> None:
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    shown = [
        IncidentSummary(
            n, f"Outage {n}", Status.INVESTIGATING, "SEV2", None, now - timedelta(hours=1), f"C{n}"
        )
        for n in range(1, LISTED + 1)
    ]

    reply = incident_list(LISTED + 10, shown, now)

    assert reply.startswith(f"*Open incidents ({LISTED + 10})*")
    assert f"*INC-{LISTED}* Outage {LISTED} · Investigating · SEV2 · no commander · 1h" in reply
    assert reply.endswith("…and 10 more: `watchkeeper list` shows all of them.")
