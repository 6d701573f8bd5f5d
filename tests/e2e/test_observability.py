"""What an operator sees of a running bot: `/metrics` over HTTP after real activity, and the
structured log line of a delivery Slack made the courier retry."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.e2e.helpers import as_user, declare, settle
from tests.fixtures.bot import BROADCAST, RunningBot, SignedSlack, bot_environ, signed_slack

from watchkeeper.logs import JsonFormatter
from watchkeeper.standin import FakeSlack


def sample(slack: SignedSlack, name: str, **labels: str) -> float | None:
    """The value of one sample on `/metrics` (`name` with exactly these labels), or None."""
    reply = slack.get("/metrics")
    assert reply.status == 200
    for family in text_string_to_metric_families(reply.body):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return None


# --- Slack Web API calls -------------------------------------------------------------------


def test_metrics_count_slack_calls_by_method_and_result(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    declare(slack, fake_slack)
    settle(running_bot, fake_slack)

    calls = "watchkeeper_slack_api_calls_total"
    assert sample(slack, calls, method="conversations.create", result="ok") == 1.0
    assert sample(slack, calls, method="pins.add", result="ok") == 1.0


def test_a_call_slack_refuses_is_counted_by_slacks_error(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    fake_slack.fail("conversations.create", status=429, retry_after=1)

    declare(slack, fake_slack)

    calls = "watchkeeper_slack_api_calls_total"
    assert sample(slack, calls, method="conversations.create", result="ratelimited") == 1.0
    assert sample(slack, calls, method="conversations.create", result="ok") == 1.0


def test_an_error_page_is_counted_by_its_http_status(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    fake_slack.fail("conversations.create", status=503)

    declare(slack, fake_slack)

    calls = "watchkeeper_slack_api_calls_total"
    assert sample(slack, calls, method="conversations.create", result="http_503") == 1.0


def test_a_call_slack_never_answered_is_counted_as_unreachable(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    fake_slack.drop("conversations.create")

    declare(slack, fake_slack)

    calls = "watchkeeper_slack_api_calls_total"
    assert sample(slack, calls, method="conversations.create", result="unreachable") == 1.0


def test_a_delivery_tried_again_after_a_failure_is_counted_as_a_retry(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    fake_slack.fail("conversations.create", status=500)

    declare(slack, fake_slack)

    # The pin shows in Slack a moment before the courier counts the delivery as settled.
    fake_slack.wait_for(
        lambda: sample(slack, "watchkeeper_slack_retries_total", kind="open_channel") == 1.0
    )
    assert sample(slack, "watchkeeper_slack_retries_total", kind="announce_entry") is None


# --- gauges ------------------------------------------------------------------------------------


def test_metrics_show_the_incidents_still_open(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    first = declare(slack, fake_slack)
    declare(slack, fake_slack, "declare Search is slow", channel_name="inc-2-search-is-slow")
    as_user(slack, "resolve Fixed", channel=first.id)

    assert sample(slack, "watchkeeper_open_incidents") == 1.0


def test_metrics_show_the_side_effects_waiting_while_slack_fails(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)
    assert sample(slack, "watchkeeper_pending_side_effects") == 0.0
    fake_slack.fail("chat.postMessage", status=500, times=100)

    as_user(slack, "note Looking at the graphs", channel=channel.id)
    fake_slack.wait_for(
        lambda: any(
            "Looking at the graphs" in str(call.get("text"))
            for call in fake_slack.calls_to("chat.postMessage")
        )
    )

    assert sample(slack, "watchkeeper_pending_side_effects") == 1.0


# --- reminders ---------------------------------------------------------------------------------


@pytest.fixture
def reminding_bot(fake_slack: FakeSlack, tmp_path: Path) -> Iterator[RunningBot]:
    """The bot with a 2-second reminder interval."""
    fake_slack.create_channel(BROADCAST, with_bot=True)
    url = f"sqlite:///{tmp_path / 'watchkeeper.db'}"
    bot = RunningBot(bot_environ(fake_slack, url, WATCHKEEPER_REMINDER_INTERVAL="2s"))
    try:
        yield bot
    finally:
        bot.stop()


def test_metrics_count_reminders_sent_by_level(
    fake_slack: FakeSlack, reminding_bot: RunningBot
) -> None:
    slack = signed_slack(reminding_bot.url, fake_slack.team_id)
    channel = declare(slack, fake_slack)

    fake_slack.wait_for(
        lambda: any("snooze_reminders" in str(m.blocks) for m in fake_slack.messages(channel.id)),
        timeout=10,
    )
    # The reminder is posted before its delivery is counted: wait for the count.
    fake_slack.wait_for(lambda: sample(slack, "watchkeeper_reminders_sent_total", level="1"))

    assert sample(slack, "watchkeeper_reminders_sent_total", level="1") == 1.0


# --- structured logs ---------------------------------------------------------------------------


def test_a_courier_retry_logs_a_json_line_with_the_incident_reference(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    running_bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="watchkeeper.courier.courier")
    fake_slack.fail("conversations.create", status=500)

    declare(slack, fake_slack)

    [record] = [r for r in caplog.records if r.name == "watchkeeper.courier.courier"]
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["incident"]) == ("warning", "INC-1")
    assert line["message"].startswith("open_channel for INC-1 failed (Slack answered 500")
