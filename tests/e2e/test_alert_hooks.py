"""Alerts in, over HTTP: real payloads declare an incident once, and what changes lands on it.

Each test posts what a monitor posts (the kept payloads in tests/fixtures/payloads, or variants
of them) to the running bot's `/hooks/<source>` and checks incidents, timelines and channels.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.e2e.helpers import bot_messages, settle, stored, stored_count
from tests.fixtures.bot import RunningBot, StartBot
from tests.fixtures.concurrency import run_at_once
from tests.fixtures.outside import (
    HOOK_TOKENS,
    HookAnswer,
    am_alert,
    am_group,
    payload,
    post_hook,
)

from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.reports.timeline import render_timeline
from watchkeeper.services.queries import all_incidents, incident_by_number
from watchkeeper.services.reports import draft_documents
from watchkeeper.standin import FakeSlack

RULES = """
[alerts.alertmanager]
severity_map = { critical = "SEV1", warning = "SEV3" }
components_label = "service"
"""


@pytest.fixture
def hooked(start_bot: StartBot, database_url: str) -> RunningBot:
    """A bot with every hook on, on SQLite and on PostgreSQL."""
    return start_bot(database_url, toml=RULES, WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS)


def alert_entries(bot: RunningBot, number: int = 1) -> list[str]:
    return [e.text for e in stored(bot, number).timeline if e.kind is EntryKind.ALERT]


def channel_of(bot: RunningBot, fake: FakeSlack, number: int = 1) -> str:
    incident = fake.wait_for(lambda: stored(bot, number).channel_id)
    return str(incident)


def post(bot: RunningBot, source: str, body: dict[str, Any]) -> HookAnswer:
    answer = post_hook(bot.url, source, body)
    assert answer.status == 200, answer.body
    return answer


# --- Alertmanager ------------------------------------------------------------------------


def test_an_alertmanager_group_declares_an_incident_with_its_alerts_in_the_channel(
    hooked: RunningBot, fake_slack: FakeSlack
) -> None:
    answer = post(hooked, "alertmanager", payload("alertmanager-firing"))
    settle(hooked, fake_slack)

    assert answer.body == {"outcome": "declared", "incident": "INC-1"}
    incident = stored(hooked)
    assert incident.title == "CheckoutErrorRate: Checkout error rate above 1%"
    assert incident.severity == "SEV1"  # severity=critical, mapped in the TOML file
    assert incident.components == ("checkout",)  # components_label = "service"
    assert incident.declared_by == "alertmanager"
    assert [e.kind for e in incident.timeline] == [
        EntryKind.DECLARED,
        EntryKind.ALERT,
        EntryKind.COMPONENTS,
    ]
    assert alert_entries(hooked)[0].startswith("2 alerts firing: CheckoutErrorRate")
    details = bot_messages(fake_slack, channel_of(hooked, fake_slack))[-1]
    shown = json.dumps(details.blocks)
    assert "instance=checkout-7d9f8b6c4-2xkqp:8080" in shown
    assert "5.2% of checkout requests failed" in shown
    assert "http://prometheus.example.com:9090/graph?g0.expr=" in shown
    assert "|Runbook>" in shown


def test_a_repeated_notification_changes_nothing(hooked: RunningBot, fake_slack: FakeSlack) -> None:
    body = payload("alertmanager-firing")
    post(hooked, "alertmanager", body)
    settle(hooked, fake_slack)
    posted = len(fake_slack.calls_to("chat.postMessage"))

    again = [post(hooked, "alertmanager", body) for _ in range(3)]
    settle(hooked, fake_slack)

    assert [a.body["outcome"] for a in again] == ["unchanged"] * 3
    assert stored_count(hooked) == 1
    assert len(alert_entries(hooked)) == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == posted


def test_an_alert_joining_or_resolving_is_an_entry_on_the_same_incident(
    hooked: RunningBot, fake_slack: FakeSlack
) -> None:
    first, second = am_alert("fp-1", instance="web-1"), am_alert("fp-2", instance="web-2")
    post(hooked, "alertmanager", am_group("web", first))

    joined = post(hooked, "alertmanager", am_group("web", first, second))
    resolved = post(
        hooked,
        "alertmanager",
        am_group("web", am_alert("fp-1", status="resolved", instance="web-1"), second),
    )
    repeat = post(
        hooked,
        "alertmanager",
        am_group("web", am_alert("fp-1", status="resolved", instance="web-1"), second),
    )
    settle(hooked, fake_slack)

    assert [a.body for a in (joined, resolved)] == [
        {"outcome": "recorded", "incident": "INC-1"}
    ] * 2
    assert repeat.body["outcome"] == "unchanged"
    assert stored_count(hooked) == 1
    assert alert_entries(hooked) == [
        "Alert firing: HighErrorRate (instance=web-1)",
        "Alert firing: HighErrorRate (instance=web-2)",
        "Alert resolved: HighErrorRate (instance=web-1)",
    ]
    assert stored(hooked).is_open


def test_a_resolved_group_resolves_the_incident_only_where_the_toml_says_so(
    start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    rules = "[alerts.alertmanager]\nresolve_incident = true\n"
    bot = start_bot(toml=rules, WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS)
    post(bot, "alertmanager", am_group("db", am_alert("fp-db")))
    post(bot, "incident", {"title": "Queue backlog", "dedup_key": "queue"})

    post(bot, "alertmanager", am_group("db", am_alert("fp-db", status="resolved")))
    post(bot, "incident", {"dedup_key": "queue", "status": "resolved"})
    settle(bot, fake_slack)

    resolved_by_alerts = stored(bot, 1)
    assert resolved_by_alerts.status is Status.RESOLVED
    assert resolved_by_alerts.timeline[-1].author == "alertmanager"
    assert "All its alerts resolved" in resolved_by_alerts.resolution
    only_noted = stored(bot, 2)  # [alerts.incident] does not resolve
    assert only_noted.is_open
    assert alert_entries(bot, 2)[-1] == "Alert resolved: Queue backlog"


def test_an_alert_that_fires_again_after_its_incident_was_resolved_declares_anew(
    hooked: RunningBot, fake_slack: FakeSlack
) -> None:
    post(hooked, "alertmanager", am_group("db", am_alert("fp-db")))
    post(hooked, "alertmanager", am_group("db", am_alert("fp-db", status="resolved")))
    from tests.e2e.helpers import as_user
    from tests.fixtures.bot import signed_slack

    slack = signed_slack(hooked.url, fake_slack.team_id)
    as_user(slack, "resolve Recovered", channel=channel_of(hooked, fake_slack))
    still = post(hooked, "alertmanager", am_group("db", am_alert("fp-db", status="resolved")))

    again = post(hooked, "alertmanager", am_group("db", am_alert("fp-db")))

    assert still.body == {"outcome": "unchanged", "incident": "INC-1"}
    assert again.body == {"outcome": "declared", "incident": "INC-2"}


def test_a_repeat_after_responders_resolved_the_incident_declares_nothing(
    hooked: RunningBot, fake_slack: FakeSlack
) -> None:
    from tests.e2e.helpers import as_user
    from tests.fixtures.bot import signed_slack

    post(hooked, "alertmanager", am_group("db", am_alert("fp-db")))
    slack = signed_slack(hooked.url, fake_slack.team_id)
    as_user(slack, "resolve False alarm", channel=channel_of(hooked, fake_slack))

    repeat = post(hooked, "alertmanager", am_group("db", am_alert("fp-db")))

    assert repeat.body["outcome"] == "unchanged"
    assert stored_count(hooked) == 1


# --- Grafana and our own JSON --------------------------------------------------------------


def test_grafana_firing_then_resolved_lands_on_one_incident(
    hooked: RunningBot, fake_slack: FakeSlack
) -> None:
    declared = post(hooked, "grafana", payload("grafana-firing"))
    resolved = post(hooked, "grafana", payload("grafana-resolved"))
    settle(hooked, fake_slack)

    assert declared.body == {"outcome": "declared", "incident": "INC-1"}
    assert resolved.body == {"outcome": "recorded", "incident": "INC-1"}
    incident = stored(hooked)
    assert incident.title == "High memory usage: This alert was triggered for zone us-1"
    assert incident.severity == "SEV3"  # no severity label: the default level
    assert incident.declared_by == "grafana"
    assert alert_entries(hooked) == [
        "2 alerts firing: High memory usage: This alert was triggered for zone us-1 (zone=us-1);"
        " High CPU usage: This alert was triggered for zone eu-1 (zone=eu-1)",
        "2 alerts resolved: High memory usage: This alert was triggered for zone us-1 (zone=us-1);"
        " High CPU usage: This alert was triggered for zone eu-1 (zone=eu-1)",
    ]
    shown = json.dumps([m.blocks for m in bot_messages(fake_slack, channel_of(hooked, fake_slack))])
    assert "play.grafana.org/alerting/silence/new" in shown
    assert "viewPanel=2|Panel>" in shown
    assert "var=&#39;B&#39;" in shown or "var='B'" in shown


def test_our_own_json_declares_with_its_severity_and_components(
    hooked: RunningBot, fake_slack: FakeSlack
) -> None:
    body = payload("incident-firing")
    declared = post(hooked, "incident", body)
    repeated = post(hooked, "incident", body)
    settle(hooked, fake_slack)

    assert declared.body == {"outcome": "declared", "incident": "INC-1"}
    assert repeated.body["outcome"] == "unchanged"
    incident = stored(hooked)
    assert incident.title == "Checkout synthetic check failing from 3 regions"
    assert incident.severity == "SEV2"
    assert incident.components == ("checkout", "payments")
    assert incident.declared_by == "incident-hook"
    assert "failed 6 times in a row" in alert_entries(hooked)[0]


# --- what may declare ----------------------------------------------------------------------


def test_only_alerts_matching_declare_when_declare(
    start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    rules = (
        "[alerts.alertmanager]\ndeclare_when = ['env=\"prod\"', 'severity=~\"critical|page\"']\n"
    )
    bot = start_bot(toml=rules, WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS)

    staging = post(
        bot, "alertmanager", am_group("a", am_alert("fp-a", env="staging", severity="critical"))
    )
    warning = post(
        bot, "alertmanager", am_group("b", am_alert("fp-b", env="prod", severity="warning"))
    )
    critical = post(
        bot, "alertmanager", am_group("c", am_alert("fp-c", env="prod", severity="critical"))
    )

    assert [a.body["outcome"] for a in (staging, warning, critical)] == [
        "not_declared",
        "not_declared",
        "declared",
    ]
    assert "declare_when" in staging.body["reason"]
    assert stored_count(bot) == 1


def test_an_alert_storm_declares_its_quota_and_the_rest_join_the_newest(
    start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    bot = start_bot(
        toml="[alerts.alertmanager]\nmax_incidents_per_hour = 3\n",
        WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS,
    )

    answers = [
        post(bot, "alertmanager", am_group(f"g{n}", am_alert(f"fp-{n}", instance=f"web-{n}")))
        for n in range(10)
    ]
    settle(bot, fake_slack, timeout=20)

    assert [a.body["outcome"] for a in answers] == ["declared"] * 3 + ["joined"] * 7
    assert {a.body["incident"] for a in answers[3:]} == {"INC-3"}
    assert "quiet rule" in answers[3].body["reason"]
    assert stored_count(bot) == 3
    assert len(alert_entries(bot, 3)) == 8
    channels = [c for c in fake_slack.channels if c.name.startswith("inc-")]
    assert len(channels) == 3


def test_deliveries_of_one_group_at_the_same_moment_declare_one_incident(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str
) -> None:
    # Two Alertmanager replicas each deliver the group, to two bot replicas on one database.
    first = start_bot(database_url, WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS)
    second = start_bot(database_url, WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS)
    body = payload("alertmanager-firing")

    answers = run_at_once(
        [lambda bot=bot: post_hook(bot.url, "alertmanager", body) for bot in (first, second) * 3]
    )
    settle(first, fake_slack)

    assert sorted(a.body["outcome"] for a in answers) == ["declared"] + ["unchanged"] * 5
    assert [i.number for i in all_incidents(first.bot.ctx)] == [1]
    assert len(alert_entries(first)) == 1
    assert len([c for c in fake_slack.channels if c.name.startswith("inc-")]) == 1


# --- who the timeline says acted ---------------------------------------------------------


def test_reports_and_cards_name_the_monitor_not_a_broken_mention(
    hooked: RunningBot, fake_slack: FakeSlack
) -> None:
    post(hooked, "alertmanager", payload("alertmanager-firing"))
    settle(hooked, fake_slack)

    view = incident_by_number(hooked.bot.ctx, 1)
    timeline = render_timeline(view.incident, names=view.names, zone=hooked.bot.ctx.zone)
    postmortem = draft_documents(hooked.bot.ctx, 1).postmortem
    card = fake_slack.pins(channel_of(hooked, fake_slack))[0]

    assert "Declared by alertmanager at SEV1" in timeline
    assert "(by alertmanager)" in timeline
    assert "@alertmanager" not in timeline + postmortem
    assert "by alertmanager" in json.dumps(card.blocks)
    assert "<@alertmanager>" not in json.dumps(card.blocks)


def test_an_alert_joining_a_group_delivered_twice_at_once_is_one_entry(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str
) -> None:
    first = start_bot(database_url, WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS)
    second = start_bot(database_url, WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS)
    post(first, "alertmanager", am_group("web", am_alert("fp-1", instance="web-1")))
    grown = am_group("web", am_alert("fp-1", instance="web-1"), am_alert("fp-2", instance="web-2"))

    answers = run_at_once(
        [lambda bot=bot: post_hook(bot.url, "alertmanager", grown) for bot in (first, second) * 3]
    )

    assert sorted(a.body["outcome"] for a in answers) == ["recorded"] + ["unchanged"] * 5
    assert alert_entries(first) == [
        "Alert firing: HighErrorRate (instance=web-1)",
        "Alert firing: HighErrorRate (instance=web-2)",
    ]


def test_the_hooks_are_served_over_http_in_socket_mode_too(
    start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    bot = start_bot(transport="socket", WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS)

    answer = post(bot, "incident", payload("incident-firing"))
    settle(bot, fake_slack)

    assert answer.body == {"outcome": "declared", "incident": "INC-1"}
    assert stored(bot).channel_id is not None


def test_a_process_that_only_delivers_serves_no_hooks(
    start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    bot = start_bot(role="delivery", WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS)

    answer = post_hook(bot.url, "incident", payload("incident-firing"))

    assert answer.status == 404
    assert stored_count(bot) == 0


def test_an_incident_declared_from_alerts_waits_for_responders_to_publish_it(
    start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    # An alert's title is written for engineers: even a public level does not publish it.
    rules = (
        '[[severity]]\nname = "SEV1"\npublic = true\n[[severity]]\nname = "SEV2"\n'
        '[alerts.alertmanager]\nseverity_map = { critical = "SEV1" }\n'
    )
    bot = start_bot(
        toml=rules, WATCHKEEPER_STATUS_PAGE_NAME="Acme Status", WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS
    )

    post(bot, "alertmanager", payload("alertmanager-firing"))

    assert stored(bot).severity == "SEV1"
    assert not stored(bot).is_published
