"""The bot's HTTP surface: only signed requests get in; health, metrics, redelivered commands."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from tests.e2e.helpers import general, settle, stored_count, web_api_calls
from tests.fixtures.bot import RunningBot, SignedSlack

from watchkeeper.services.outbox import queue_state
from watchkeeper.standin import FakeSlack

FORM = "application/x-www-form-urlencoded"


def declare_form(fake_slack: FakeSlack) -> str:
    """`/incident declare sev2 Checkout errors` as Slack's form body."""
    return urllib.parse.urlencode(
        {
            "team_id": fake_slack.team_id,
            "channel_id": general(fake_slack),
            "user_id": "UANA",
            "user_name": "ana",
            "command": "/incident",
            "text": "declare sev2 Checkout errors",
            "api_app_id": "A0WATCH",
            "trigger_id": "trigger-forged-1",
        }
    )


def unsigned(url: str, body: str) -> int:
    """POST a slash command with no signature headers at all; return the status."""
    request = urllib.request.Request(  # noqa: S310 - the loopback bot under test
        url + "/slack/events", data=body.encode(), method="POST", headers={"Content-Type": FORM}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("forgery", ["wrong secret", "stale timestamp", "no signature"])
def test_a_request_slack_did_not_sign_is_refused_and_changes_nothing(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot, forgery: str
) -> None:
    body = declare_form(fake_slack)
    if forgery == "wrong secret":
        status = slack.post(body, content_type=FORM, secret="not-the-signing-secret").status
    elif forgery == "stale timestamp":
        six_minutes_ago = int(time.time()) - 6 * 60
        status = slack.post(body, content_type=FORM, timestamp=six_minutes_ago).status
    else:
        status = unsigned(running_bot.url, body)

    assert status == 401
    assert stored_count(running_bot) == 0
    assert queue_state(running_bot.bot.ctx)[0] == 0, "nothing was queued for Slack"
    assert web_api_calls(fake_slack) == []
    assert fake_slack.views == []


def test_the_same_request_correctly_signed_is_accepted(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    # The control for the refusals above: only the signature differs.
    reply = slack.post(declare_form(fake_slack), content_type=FORM)

    assert reply.status == 200
    assert stored_count(running_bot) == 1


def test_healthz_answers_ok_when_the_database_answers(
    slack: SignedSlack, running_bot: RunningBot
) -> None:
    reply = slack.get("/healthz")

    assert reply.status == 200
    assert reply.json()["status"] == "ok"
    assert reply.json()["database"] == "ok"


def test_metrics_expose_the_ack_latency_of_each_request(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    slack.command("help", channel=general(fake_slack))
    slack.command("list", channel=general(fake_slack))

    reply = slack.get("/metrics")

    assert reply.status == 200
    assert "# TYPE watchkeeper_ack_seconds histogram" in reply.body
    assert "watchkeeper_ack_seconds_count 2.0" in reply.body
    assert "# TYPE watchkeeper_commands_total counter" in reply.body


def test_metrics_count_commands_by_subcommand(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    slack.command("help", channel=general(fake_slack))
    slack.command("help", channel=general(fake_slack))
    slack.command("stauts", channel=general(fake_slack))

    body = slack.get("/metrics").body

    counted = r'^watchkeeper_commands_total\{[^}]*subcommand="help"[^}]*\} 2\.0$'
    assert re.search(counted, body, re.MULTILINE)


def test_a_command_delivered_twice_declares_one_incident(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    first = slack.command("declare sev2 Checkout errors", trigger_id="trigger-twice")
    again = slack.command("declare sev2 Checkout errors", trigger_id="trigger-twice")
    settle(running_bot, fake_slack)

    assert "INC-1" in first.text
    assert again.status == 200
    assert "INC-2" not in again.text
    assert stored_count(running_bot) == 1
    assert len(fake_slack.calls_to("conversations.create")) == 1
    assert [c.name for c in fake_slack.channels if c.name.startswith("inc-")] == [
        "inc-1-checkout-errors"
    ]
