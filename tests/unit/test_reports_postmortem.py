"""The postmortem draft: header, sections, placeholders for gaps, and safety against user text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.severity import DEFAULT_SCALE
from watchkeeper.domain.status import Status
from watchkeeper.reports import PostmortemTemplateError, render_postmortem

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NAMES = {"U_ANA": "ana", "U_BEN": "ben", "U_CAT": "cat"}
PERMALINK = "https://acme.slack.com/archives/C07INC7/p1763974200000100"
TITLE = "US infrastructure delays with a subset of deliveries sending"
SECTIONS = [
    "## Summary",
    "## Impact",
    "## Root cause",
    "## Resolution",
    "## Timeline",
    "## Corrective and preventive measures",
    "## Metrics",
    "## Lessons learned",
]


def at(hour: int, minute: int, day: int = 24) -> datetime:
    return datetime(2025, 11, day, hour, minute, tzinfo=UTC)


def declared(title: str = TITLE, severity: str = "SEV2", **extra: str) -> Incident:
    return Incident.declare(
        number=7, title=title, severity=severity, declared_by="U_ANA", at=at(8, 20), **extra
    )


def golden() -> Incident:
    """Declared 08:20, started 08:08, identified 08:38, monitoring 09:40, resolved 10:22."""
    incident = declared(description="Deliveries to US recipients are sending late.")
    incident.assign_role("commander", "U_ANA", by="U_ANA", at=at(8, 22))
    incident.assign_role("communications", "U_CAT", by="U_ANA", at=at(8, 23))
    incident.set_milestone(Milestone.STARTED, at(8, 8), by="U_ANA", at=at(8, 25))
    incident.set_impact(
        "Deliveries to US recipients were delayed by up to 40 minutes.", by="U_ANA", at=at(8, 30)
    )
    incident.set_components(("US delivery", "Outbound queue"), by="U_ANA", at=at(8, 31))
    incident.change_status(
        Status.IDENTIFIED,
        by="U_ANA",
        at=at(8, 38),
        message="We have identified a saturated outbound queue in us-east and are rerouting.",
    )
    incident.post_update("Rerouting is half done; delays are shrinking.", by="U_BEN", at=at(9, 5))
    incident.change_status(Status.MONITORING, by="U_ANA", at=at(9, 40))
    incident.add_note("Queue depth back under 1k", by="U_BEN", at=at(9, 45))
    incident.set_cause(
        "A configuration push halved the outbound worker pool in us-east.", by="U_ANA", at=at(9, 50)
    )
    incident.resolve(
        by="U_ANA",
        at=at(10, 22),
        message="We confirm the incident has been resolved. The system is fully operational.",
    )
    incident.add_action(
        "Alert on outbound queue depth",
        owner_id="U_BEN",
        by="U_ANA",
        at=at(10, 30),
        due=date(2025, 12, 1),
    )
    incident.add_action("Canary configuration pushes", owner_id=None, by="U_ANA", at=at(10, 31))
    incident.add_pinned_message(
        message_ts="1763974200.000100",
        text="Outbound queue in us-east is at 48k and climbing",
        author="U_BEN",
        posted_at=at(8, 50),
        permalink=PERMALINK,
    )
    return incident


def render(incident: Incident, zone: ZoneInfo = UTC_ZONE) -> str:
    return render_postmortem(incident, names=NAMES, zone=zone)


def section(document: str, heading: str) -> str:
    """The text between a `## ` heading and the next one, without surrounding blank lines."""
    return document.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0].strip("\n")


def test_golden_incident_renders_the_exact_postmortem() -> None:
    assert render(golden()) == (
        "# INC-7: US infrastructure delays with a subset of deliveries sending\n"
        "Duration: 2h 14m (Nov 24, 2025 08:08 UTC - 10:22 UTC)\n"
        "Severity: SEV2\n"
        "Impact: Deliveries to US recipients were delayed by up to 40 minutes.\n"
        "Affected components: US delivery, Outbound queue\n"
        "Commander: @ana\n"
        "Other roles: communications @cat\n"
        "\n"
        "## Summary\n"
        "\n"
        "Deliveries to US recipients are sending late.\n"
        "\n"
        "## Impact\n"
        "\n"
        "Deliveries to US recipients were delayed by up to 40 minutes.\n"
        "\n"
        "## Root cause\n"
        "\n"
        "A configuration push halved the outbound worker pool in us-east.\n"
        "\n"
        "## Resolution\n"
        "\n"
        "We confirm the incident has been resolved. The system is fully operational.\n"
        "\n"
        "## Timeline\n"
        "\n"
        "- Nov 24, 2025 08:20 UTC — Declared by @ana at SEV2: "
        "US infrastructure delays with a subset of deliveries sending\n"
        "- 08:22 UTC — @ana assigned as commander (by @ana)\n"
        "- 08:23 UTC — @cat assigned as communications (by @ana)\n"
        "- 08:25 UTC — Started corrected to Nov 24, 2025 08:08 UTC (by @ana)\n"
        "- 08:30 UTC — Impact: Deliveries to US recipients were delayed by up to 40 minutes."
        " (by @ana)\n"
        "- 08:31 UTC — Affected components: US delivery, Outbound queue (by @ana)\n"
        "- 08:38 UTC — Status changed from investigating to identified: "
        "We have identified a saturated outbound queue in us-east and are rerouting. (by @ana)\n"
        "- 08:50 UTC — Pinned message by @ben: Outbound queue in us-east is at 48k and climbing"
        " (https://acme.slack.com/archives/C07INC7/p1763974200000100)\n"
        "- 09:05 UTC — Update (identified): Rerouting is half done; delays are shrinking."
        " (by @ben)\n"
        "- 09:40 UTC — Status changed from identified to monitoring (by @ana)\n"
        "- 09:45 UTC — Note: Queue depth back under 1k (by @ben)\n"
        "- 09:50 UTC — Root cause: "
        "A configuration push halved the outbound worker pool in us-east. (by @ana)\n"
        "- 10:22 UTC — Resolved: "
        "We confirm the incident has been resolved. The system is fully operational. (by @ana)\n"
        "- 10:30 UTC — Action 1 added: Alert on outbound queue depth "
        "(owner @ben, due 2025-12-01) (by @ana)\n"
        "- 10:31 UTC — Action 2 added: Canary configuration pushes (by @ana)\n"
        "\n"
        "## Corrective and preventive measures\n"
        "\n"
        "| # | Action | Owner | Due | State |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| 1 | Alert on outbound queue depth | @ben | 2025-12-01 | open |\n"
        "| 2 | Canary configuration pushes | _[To fill: owner]_ | _[To fill: due date]_ | open |\n"
        "\n"
        "## Metrics\n"
        "\n"
        "- Time to detect: 12m\n"
        "- Time to identify: 30m\n"
        "- Time to mitigate: 1h 32m\n"
        "- Time to resolve: 2h 14m\n"
        "\n"
        "## Lessons learned\n"
        "\n"
        "_[To fill: what went well, what went badly, and where we got lucky]_\n"
    )


def test_incident_with_nothing_filled_renders_placeholders_only() -> None:
    incident = declared(title="Checkout errors", severity="SEV3")
    incident.resolve(by="U_ANA", at=at(9, 0))

    assert render(incident) == (
        "# INC-7: Checkout errors\n"
        "Duration: 40m (Nov 24, 2025 08:20 UTC - 09:00 UTC)\n"
        "Severity: SEV3\n"
        "Impact: _[To fill: what users experienced, how many, for how long]_\n"
        "Affected components: _[To fill: the affected components]_\n"
        "Commander: _[To fill: who led the response]_\n"
        "\n"
        "## Summary\n"
        "\n"
        "_[To fill: what happened, in two or three sentences for someone who was not there]_\n"
        "\n"
        "## Impact\n"
        "\n"
        "_[To fill: what users experienced, how many, for how long]_\n"
        "\n"
        "## Root cause\n"
        "\n"
        "_[To fill: why it happened, and why it was not caught sooner]_\n"
        "\n"
        "## Resolution\n"
        "\n"
        "_[To fill: what ended the impact, and how we knew it had ended]_\n"
        "\n"
        "## Timeline\n"
        "\n"
        "- Nov 24, 2025 08:20 UTC — Declared by @ana at SEV3: Checkout errors\n"
        "- 09:00 UTC — Resolved (by @ana)\n"
        "\n"
        "## Corrective and preventive measures\n"
        "\n"
        "_[To fill: the actions that prevent a repeat or limit the next one, each with an owner]_\n"
        "\n"
        "## Metrics\n"
        "\n"
        "- Time to detect: 0s\n"
        "- Time to identify: _[To fill: time from start to identified]_\n"
        "- Time to mitigate: 40m\n"
        "- Time to resolve: 40m\n"
        "\n"
        "## Lessons learned\n"
        "\n"
        "_[To fill: what went well, what went badly, and where we got lucky]_\n"
    )


def test_open_incident_duration_says_ongoing_since_the_start() -> None:
    incident = declared()
    incident.set_milestone(Milestone.STARTED, at(8, 8), by="U_ANA", at=at(8, 25))
    assert render(incident).splitlines()[1] == "Duration: ongoing since Nov 24, 2025 08:08 UTC"


def test_open_incident_leaves_time_to_resolve_to_fill() -> None:
    metrics = section(render(declared()), "## Metrics")
    assert metrics.splitlines()[-1] == "- Time to resolve: _[To fill: time from start to resolved]_"


def test_window_across_midnight_shows_the_date_on_both_ends() -> None:
    incident = Incident.declare(
        number=7, title=TITLE, severity="SEV2", declared_by="U_ANA", at=at(23, 55, day=23)
    )
    incident.set_milestone(Milestone.STARTED, at(23, 50, day=23), by="U_ANA", at=at(23, 56, day=23))
    incident.resolve(by="U_ANA", at=at(1, 10))

    assert render(incident).splitlines()[1] == (
        "Duration: 1h 20m (Nov 23, 2025 23:50 UTC - Nov 24, 2025 01:10 UTC)"
    )


def test_times_are_shown_in_the_configured_zone() -> None:
    document = render(golden(), zone=BERLIN)

    assert document.splitlines()[1] == "Duration: 2h 14m (Nov 24, 2025 09:08 CET - 11:22 CET)"
    assert section(document, "## Timeline").splitlines()[0] == (
        "- Nov 24, 2025 09:20 CET — Declared by @ana at SEV2: "
        "US infrastructure delays with a subset of deliveries sending"
    )


def test_severity_that_rose_then_fell_names_the_highest() -> None:
    incident = declared(severity="SEV3")
    incident.change_severity("SEV1", scale=DEFAULT_SCALE, by="U_ANA", at=at(8, 30))
    incident.change_severity("SEV2", scale=DEFAULT_SCALE, by="U_ANA", at=at(9, 30))

    assert render(incident).splitlines()[2] == "Severity: SEV2 (highest: SEV1)"


def test_severity_at_its_highest_names_no_other() -> None:
    incident = declared(severity="SEV3")
    incident.change_severity("SEV1", scale=DEFAULT_SCALE, by="U_ANA", at=at(8, 30))

    assert render(incident).splitlines()[2] == "Severity: SEV1"


def test_reopened_incident_leaves_resolution_to_fill_until_resolved_again() -> None:
    incident = declared()
    incident.resolve(by="U_ANA", at=at(9, 0), message="Rolled back.")
    incident.reopen(by="U_ANA", at=at(9, 30))

    assert section(render(incident), "## Resolution") == (
        "_[To fill: what ended the impact, and how we knew it had ended]_"
    )


def test_reopened_incident_resolved_again_runs_to_the_last_resolution() -> None:
    incident = declared()
    incident.resolve(by="U_ANA", at=at(9, 0), message="Rolled back.")
    incident.reopen(by="U_ANA", at=at(9, 30))
    incident.resolve(by="U_ANA", at=at(10, 0), message="Fixed for good.")
    document = render(incident)

    assert document.splitlines()[1] == "Duration: 1h 40m (Nov 24, 2025 08:20 UTC - 10:00 UTC)"
    assert section(document, "## Resolution") == "Fixed for good."


def test_missing_identification_leaves_its_metric_to_fill() -> None:
    incident = declared()
    incident.change_status(Status.MONITORING, by="U_ANA", at=at(9, 0))
    metrics = section(render(incident), "## Metrics").splitlines()

    assert metrics[1] == "- Time to identify: _[To fill: time from start to identified]_"
    assert metrics[2] == "- Time to mitigate: 40m"


def test_operator_template_replaces_the_packaged_one(tmp_path: Path) -> None:
    template = tmp_path / "ours.md.j2"
    template.write_text("{{ reference }} at {{ severity }}: {{ cause or to_fill('cause') }}\n")

    document = render_postmortem(declared(), names=NAMES, zone=UTC_ZONE, template=template)

    assert document == "INC-7 at SEV2: _[To fill: cause]_\n"


def test_missing_template_file_is_refused_with_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.md.j2"
    with pytest.raises(PostmortemTemplateError, match=r"nowhere\.md\.j2 does not exist"):
        render_postmortem(declared(), names=NAMES, zone=UTC_ZONE, template=missing)


def test_template_asking_for_an_unknown_fact_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "typo.md.j2"
    template.write_text("{{ comander }}\n")
    with pytest.raises(PostmortemTemplateError, match="comander"):
        render_postmortem(declared(), names=NAMES, zone=UTC_ZONE, template=template)


def test_template_with_a_syntax_mistake_is_refused_with_its_line(tmp_path: Path) -> None:
    template = tmp_path / "broken.md.j2"
    template.write_text("# {{ reference }}\n{% if %}\n")
    with pytest.raises(PostmortemTemplateError, match="line 2"):
        render_postmortem(declared(), names=NAMES, zone=UTC_ZONE, template=template)


def test_ten_thousand_entries_render_into_the_timeline() -> None:
    incident = declared()
    for number in range(1, 10_000):
        incident.add_note(f"note {number}", by="U_BEN", at=at(8, 20) + timedelta(seconds=number))

    timeline = section(render(incident), "## Timeline").splitlines()

    assert len(timeline) == 10_000
    assert timeline[-1] == "- 11:06 UTC — Note: note 9999 (by @ben)"


# --- hostile text -------------------------------------------------------------------------

LONG_LINE = "x" * 5_000


def hostile() -> Incident:
    """Text from responders that tries every way to break a Markdown document."""
    incident = declared(
        title="<!channel> *urgent* `deploy` {{ 7 * 7 }} ##",
        description="```\nan unclosed fence\n## Impact",
    )
    incident.assign_role("commander", "U_ANA", by="U_ANA", at=at(8, 21))
    incident.set_impact("# Everything is down\n---\n> quoted", by="U_ANA", at=at(8, 22))
    incident.set_components(("a | b", "<b>c</b>"), by="U_ANA", at=at(8, 23))
    incident.add_note("## Summary\n---\n<!-- hide the rest", by="U_BEN", at=at(8, 24))
    incident.add_note(LONG_LINE, by="U_BEN", at=at(8, 25))
    incident.set_cause(
        "| col | col |\n| --- | --- |\n1. not a list\n[ref]: https://x", by="U_ANA", at=at(8, 26)
    )
    incident.add_action("Fix | split\n## Lessons learned", owner_id="U_BEN", by="U_A", at=at(8, 27))
    incident.resolve(by="U_ANA", at=at(9, 0), message="Done\n===\n<script>alert(1)</script>")
    return incident


def test_hostile_text_leaves_exactly_the_expected_section_headings() -> None:
    headings = re.findall(r"^## .*$", render(hostile()), flags=re.MULTILINE)
    assert headings == SECTIONS


def test_hostile_title_stays_one_heading_line() -> None:
    document = render(hostile())
    assert re.findall(r"^# .*$", document, flags=re.MULTILINE) == [
        "# INC-7: &lt;!channel&gt; *urgent* `deploy` {{ 7 * 7 }} \\##"
    ]


def test_hostile_text_pings_nobody_and_embeds_no_html() -> None:
    document = render(hostile())
    assert "<!channel>" not in document
    assert re.search(r"<(?!br>)", document) is None


def test_no_hostile_line_starts_a_block_of_its_own() -> None:
    block_starts = re.compile(r"^\s*(#|```|~~~|---|===|>|\||\d+\.\s|\[[^\]]*\]:)")
    ours = re.compile(r"^(# INC-7: |## |\| (#|---|\d+) \| )")
    own_lines = [
        line
        for line in render(hostile()).splitlines()
        if block_starts.match(line) and not ours.match(line)
    ]
    assert own_lines == []


def test_pipes_in_an_action_do_not_add_table_columns() -> None:
    rows = section(render(hostile()), "## Corrective and preventive measures").splitlines()
    cells_per_row = [len(re.split(r"(?<!\\)\|", row)) - 2 for row in rows]
    assert cells_per_row == [5, 5, 5]


def test_a_line_break_in_an_action_stays_inside_its_cell() -> None:
    rows = section(render(hostile()), "## Corrective and preventive measures").splitlines()
    assert rows[2].startswith("| 1 | Fix \\| split<br>## Lessons learned | @ben |")


def test_a_very_long_line_is_kept_whole() -> None:
    assert f"- 08:25 UTC — Note: {LONG_LINE} (by @ben)\n" in render(hostile())


def test_template_syntax_in_user_text_is_shown_not_run() -> None:
    document = render(hostile())
    assert "{{ 7 * 7 }}" in document
    assert "49" not in document
