"""The alert rules, in plain Python: what a report changes, which alerts declare, and how."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from watchkeeper.domain.alert_policy import AlertPolicy, Matcher
from watchkeeper.domain.alerts import (
    Alert,
    AlertReport,
    changes,
    firing_text,
    is_monitor,
    monitor_author,
    resolved_text,
)
from watchkeeper.domain.severity import DEFAULT_SCALE


def alert(fingerprint: str, status: str = "firing", **labels: str) -> Alert:
    return Alert(fingerprint, status, {"alertname": "HighErrorRate", **labels})


def report(*alerts: Alert, truncated: int = 0, **common: str) -> AlertReport:
    status = "firing" if any(a.status == "firing" for a in alerts) else "resolved"
    return AlertReport(
        "alertmanager", "g", status, alerts, common_labels=common, truncated=truncated
    )


# --- what a report changes ---------------------------------------------------------------


def test_a_first_report_is_all_news() -> None:
    found = changes({}, report(alert("a"), alert("b")))

    assert [a.fingerprint for a in found.joined] == ["a", "b"]
    assert found.resolved == ()
    assert set(found.firing) == {"a", "b"}


def test_a_repeat_of_the_same_firing_alerts_is_no_news() -> None:
    known = changes({}, report(alert("a"), alert("b"))).firing

    assert not changes(known, report(alert("b"), alert("a")))


def test_an_alert_that_joins_or_resolves_is_news() -> None:
    known = {"a": "A", "b": "B"}

    found = changes(known, report(alert("a", "resolved"), alert("b"), alert("c")))

    assert [a.fingerprint for a in found.joined] == ["c"]
    assert [(r.fingerprint, r.description, r.said) for r in found.resolved] == [("a", "A", True)]
    assert set(found.firing) == {"b", "c"}


def test_an_alert_missing_from_a_whole_report_stopped_firing_unannounced() -> None:
    found = changes({"a": "A", "b": "B"}, report(alert("b")))

    assert [(r.fingerprint, r.said) for r in found.resolved] == [("a", False)]
    assert resolved_text(found.resolved) == (
        "Alert no longer reported (resolved, silenced or expired): A"
    )


def test_alerts_left_out_of_a_truncated_report_still_fire() -> None:
    found = changes({"a": "A", "b": "B"}, report(alert("b"), truncated=1))

    assert not found
    assert set(found.firing) == {"a", "b"}


def test_a_resolution_already_known_is_no_news() -> None:
    assert not changes({}, report(alert("a", "resolved")))


# --- what the timeline says ----------------------------------------------------------------


def test_an_alert_is_named_by_its_summary_and_the_labels_that_tell_it_apart() -> None:
    web = Alert(
        "a",
        "firing",
        {"alertname": "HighErrorRate", "service": "web", "instance": "web-2"},
        {"summary": "Errors  above\n5%"},
    )

    assert web.describe({"service": "web", "alertname": "HighErrorRate"}) == (
        "HighErrorRate: Errors above 5% (instance=web-2)"
    )
    assert web.describe() == "HighErrorRate: Errors above 5%"


def test_entries_list_a_few_alerts_then_count_the_rest() -> None:
    many = report(*(alert(f"fp{n}", n=str(n)) for n in range(8)), service="web")

    text = firing_text(many.firing, many)

    assert text.startswith("8 alerts firing: HighErrorRate (n=0); HighErrorRate (n=1);")
    assert text.endswith("; and 3 more")
    assert firing_text(many.firing[:1], many) == "Alert firing: HighErrorRate (n=0)"


def test_monitors_are_authors_no_slack_id_can_be() -> None:
    assert [monitor_author(s) for s in ("alertmanager", "grafana", "incident")] == [
        "alertmanager",
        "grafana",
        "incident-hook",
    ]
    assert is_monitor("incident-hook")
    assert not is_monitor("U012AB3CD")
    assert not is_monitor("")


# --- matchers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "labels", "matches"),
    [
        ('severity="critical"', {"severity": "critical"}, True),
        ("severity=critical", {"severity": "critical"}, True),
        ('severity="critical"', {"severity": "warning"}, False),
        ('env!="dev"', {"env": "prod"}, True),
        ('env!="dev"', {}, True),
        ('team=~"pay.*"', {"team": "payments"}, True),
        ('team=~"pay"', {"team": "payments"}, False),  # anchored, as Alertmanager's are
        ('job!~"test-.*"', {"job": "test-42"}, False),
        ('region=""', {}, True),  # a missing label is empty
        (' severity = "a \\"b\\"" ', {"severity": 'a "b"'}, True),
    ],
)
def test_matchers_read_and_match_as_alertmanager_s(
    text: str, labels: dict[str, str], matches: bool
) -> None:
    assert Matcher.parse(text).matches(labels) is matches


@pytest.mark.parametrize("text", ["severity", "=critical", 'team=~"("', "9x=1"])
def test_a_matcher_that_does_not_read_says_why(text: str) -> None:
    with pytest.raises(ValueError, match=r"matcher|regular expression"):
        Matcher.parse(text)


# --- the policy -------------------------------------------------------------------------


def test_only_alerts_matching_every_matcher_may_declare() -> None:
    policy = AlertPolicy(
        "alertmanager",
        declare_when=(Matcher.parse('env="prod"'), Matcher.parse('severity=~"critical|page"')),
    )
    alerts = [
        alert("a", env="prod", severity="critical"),
        alert("b", env="prod", severity="warning"),
        alert("c", env="dev", severity="page"),
    ]

    assert [a.fingerprint for a in policy.declaring(alerts)] == ["a"]


def test_the_quiet_rule_allows_the_quota_per_hour() -> None:
    policy = AlertPolicy("alertmanager", max_incidents_per_hour=3)

    assert [policy.quiet(n) for n in range(5)] == [False, False, False, True, True]


def test_severity_is_the_most_severe_mapped_level_else_the_default() -> None:
    policy = AlertPolicy("alertmanager", severity_map={"critical": "SEV1", "warning": "SEV3"})

    assert (
        policy.severity(
            [alert("a", severity="warning"), alert("b", severity="CRITICAL")], DEFAULT_SCALE
        )
        == "SEV1"
    )
    assert (
        policy.severity([alert("a", severity="sev2")], DEFAULT_SCALE) == "SEV2"
    )  # a level's own name
    assert policy.severity([alert("a", severity="info"), alert("b")], DEFAULT_SCALE) == "SEV3"


def test_the_title_template_reads_labels_then_annotations_and_trims_what_is_missing() -> None:
    first = Alert(
        "a",
        "firing",
        {"alertname": "DiskFull", "instance": "db-1"},
        {"summary": "Disk 95% full"},
        starts_at=datetime(2025, 11, 24, 8, tzinfo=UTC),
    )
    shown = report(first, service="db")

    assert AlertPolicy("x", title="{alertname} on {instance}: {summary}").title_for(
        shown, [first]
    ) == ("DiskFull on db-1: Disk 95% full")
    assert (
        AlertPolicy("x", title="{alertname} ({region}): {nothing}").title_for(shown, [first])
        == "DiskFull"
    )
    assert (
        AlertPolicy("x", title="{count} alerts in {service}").title_for(shown, [first])
        == "1 alerts in db"
    )
    assert (
        AlertPolicy("x", title="{nothing}").title_for(shown, [first])
        == "DiskFull from alertmanager"
    )
    assert len(AlertPolicy("x", title="x" * 400).title_for(shown, [first])) == 150


def test_components_come_from_the_report_and_the_label_without_repeats() -> None:
    policy = AlertPolicy("x", components_label="service")
    shown = AlertReport(
        "incident",
        "g",
        "firing",
        (alert("a", service="api"), alert("b", service="web"), alert("c", service="api")),
        components=("checkout",),
    )

    assert policy.components(shown, shown.alerts) == ("checkout", "api", "web")
