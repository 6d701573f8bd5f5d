"""The hooks refuse what they must, change nothing when they do, and say why.

A wrong or missing token is 401, a source without a token is 404, a body over 1 MB is 413
before anyone reads it, and a body that is not the source's payload is 400 naming what is
wrong. Hostile text in an alert (Slack markup, huge values) reaches Slack inert and bounded.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from tests.e2e.helpers import bot_messages, settle, stored, stored_count, text_objects
from tests.fixtures.bot import RunningBot, StartBot
from tests.fixtures.outside import TOKENS, am_alert, am_group, payload, post_hook

from watchkeeper.standin import FakeSlack

#: Alertmanager and Grafana on; `/hooks/incident` off (no token for it).
ON = f"alertmanager={TOKENS['alertmanager']},grafana={TOKENS['grafana']}"


@pytest.fixture
def bot(start_bot: StartBot) -> RunningBot:
    return start_bot(WATCHKEEPER_HOOK_TOKENS=ON)


def refused(bot: RunningBot, fake_slack: FakeSlack) -> None:
    """Nothing was declared, stored or posted."""
    settle(bot, fake_slack)
    assert stored_count(bot) == 0
    assert [c for c in fake_slack.channels if c.name.startswith("inc-")] == []


@pytest.mark.parametrize(
    ("token", "headers"),
    [
        (None, {}),
        ("wrong-token", {}),
        (TOKENS["grafana"], {}),  # another source's token
        (TOKENS["alertmanager"] + "x", {}),
        (None, {"Authorization": f"Basic {TOKENS['alertmanager']}"}),
        (None, {"Authorization": TOKENS["alertmanager"]}),
    ],
    ids=["none", "wrong", "other-source", "longer", "basic-scheme", "no-scheme"],
)
def test_a_wrong_or_missing_token_is_401_and_changes_nothing(
    bot: RunningBot, fake_slack: FakeSlack, token: str | None, headers: dict[str, str]
) -> None:
    answer = post_hook(
        bot.url, "alertmanager", payload("alertmanager-firing"), token=token, headers=headers
    )

    assert answer.status == 401
    assert "Authorization: Bearer" in answer.body["error"]
    refused(bot, fake_slack)


def test_a_source_without_a_token_is_off(bot: RunningBot, fake_slack: FakeSlack) -> None:
    answer = post_hook(bot.url, "incident", payload("incident-firing"), token="anything")

    assert answer.status == 404
    assert "WATCHKEEPER_HOOK_TOKENS" in answer.body["error"]
    refused(bot, fake_slack)


def raw_hook(bot: RunningBot, head: bytes, body_parts: list[bytes]) -> bytes:
    """Send a request's head and then parts of its body on a socket; what the bot answered.

    The bot answers a body it refuses before reading the rest, so the test sends no more than
    the bot takes in (more would find the connection closed under it).
    """
    host, port = bot.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(
            b"POST /hooks/alertmanager HTTP/1.1\r\nHost: bot\r\n"
            + f"Authorization: Bearer {TOKENS['alertmanager']}\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + head
            + b"\r\n"
        )
        for part in body_parts:
            connection.sendall(part)
        return connection.recv(4096)


def test_a_body_over_a_megabyte_is_refused_before_it_is_read(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    # The length it announces is enough: not a byte of the body is sent, none is waited for.
    answer = raw_hook(bot, b"Content-Length: 1048577\r\n", [])

    assert answer.startswith(b"HTTP/1.1 413")
    refused(bot, fake_slack)


def test_a_body_sent_in_chunks_is_cut_off_at_a_megabyte(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    # No Content-Length: the size is only known while reading; the 17th chunk passes 1 MB.
    chunk = b"x" * 65536
    answer = raw_hook(
        bot, b"Transfer-Encoding: chunked\r\n", [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 17
    )

    assert answer.startswith(b"HTTP/1.1 413")
    refused(bot, fake_slack)


MALFORMED: list[tuple[str, bytes | dict[str, Any], str]] = [
    ("alertmanager", b"not json", "not JSON"),
    ("alertmanager", b"[1, 2]", "must be a JSON object"),
    ("alertmanager", {}, "groupKey: Field required"),
    (
        "alertmanager",
        {**payload("alertmanager-firing"), "alerts": []},
        "alerts: List should have at least 1 item",
    ),
    (
        "alertmanager",
        {**payload("alertmanager-firing"), "version": "3"},
        "version: Input should be '4'",
    ),
    (
        "alertmanager",
        {**payload("alertmanager-firing"), "status": "broken"},
        "status: Input should be 'firing' or 'resolved'",
    ),
    (
        "alertmanager",
        am_group("g", {**am_alert("fp"), "startsAt": "yesterday"}),
        "alerts.0.startsAt",
    ),
    ("alertmanager", am_group("g", {**am_alert("fp"), "labels": {"a": 1}}), "alerts.0.labels.a"),
    (
        "grafana",
        {"ruleName": "legacy", "state": "alerting", "evalMatches": []},
        "alerts: Field required",
    ),
]


@pytest.mark.parametrize(("source", "body", "said"), MALFORMED)
def test_a_malformed_payload_is_400_and_says_what_is_wrong(
    bot: RunningBot, fake_slack: FakeSlack, source: str, body: bytes | dict[str, Any], said: str
) -> None:
    answer = post_hook(bot.url, source, body)

    assert answer.status == 400
    assert said in answer.body["error"]
    refused(bot, fake_slack)


def test_our_own_json_refuses_unknown_fields_and_a_firing_alert_without_title(
    start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    bot = start_bot(WATCHKEEPER_HOOK_TOKENS=f"incident={TOKENS['incident']}")

    typo = post_hook(bot.url, "incident", {"title": "Disk full", "severty": "SEV1"})
    untitled = post_hook(bot.url, "incident", {"summary": "something", "dedup_key": "k"})

    assert (typo.status, untitled.status) == (400, 400)
    assert "severty: Extra inputs are not permitted" in typo.body["error"]
    assert "a firing alert needs a title" in untitled.body["error"]
    refused(bot, fake_slack)


def test_alert_text_reaches_slack_inert_and_within_its_limits(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    hostile = am_alert(
        "fp-x",
        summary="<!channel> pay at <https://evil.example|your bank> & " + "y" * 20_000,
        instance="<@UANA>",
    )
    hostile["generatorURL"] = "javascript:alert(1)"
    hostile["annotations"]["runbook_url"] = "https://ok.example/a|<!here>"

    answer = post_hook(bot.url, "alertmanager", am_group("evil", hostile))
    settle(bot, fake_slack)

    assert answer.status == 200
    channel = stored(bot).channel_id
    assert channel is not None
    # What Slack reads as markup: message texts and mrkdwn (plain_text shows as typed).
    shown = json.dumps(
        [(m.text, text_objects(m.blocks)) for m in bot_messages(fake_slack, channel)]
    )
    assert "<!channel>" not in shown and "<!here>" not in shown
    assert "<@UANA>" not in shown
    assert "javascript:" not in shown
    for message in bot_messages(fake_slack, channel):
        assert len(message.text) <= 40_000
        for block in message.blocks or []:
            assert len(json.dumps(block.get("text", {}).get("text", ""))) <= 3_100
