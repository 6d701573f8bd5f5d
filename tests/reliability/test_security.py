"""Only Slack gets in, only the right people change what matters, and secrets stay secret.

`tests/e2e/test_http.py` already refuses a slash command with no signature, a wrong secret or
a timestamp six minutes old. Here: the other forgeries on every surface (slash commands,
interactivity, events), requests from another workspace over HTTP and Socket Mode, the
permissions a TOML file sets, and a whole incident whose every trace is searched for secrets.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import BoltRequest
from slack_sdk.signature import SignatureVerifier
from tests.e2e.helpers import declare, general, settle, stored, stored_count
from tests.fixtures.bot import (
    BROADCAST,
    SIGNING_SECRET,
    RunningBot,
    SignedSlack,
    StartBot,
    bot_environ,
    signed_slack,
)
from tests.fixtures.slack import start_fake_slack

from watchkeeper.domain.status import Status
from watchkeeper.logs import JsonFormatter, TextFormatter
from watchkeeper.services.outbox import queue_state
from watchkeeper.services.queries import all_incidents
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.requests import Answer

FORM = "application/x-www-form-urlencoded"
OTHER_TEAM = "T0OTHER"


# --- one bot that every forgery is tried against --------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    fake = start_fake_slack()
    fake.create_channel(BROADCAST, with_bot=True)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def bot(fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    database = tmp_path_factory.mktemp("security") / "watchkeeper.db"
    running = RunningBot(bot_environ(fake, f"sqlite:///{database}"))
    fake.wait_for(lambda: running.bot.identity.team_id, timeout=10)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def slack(bot: RunningBot, fake: FakeSlack) -> SignedSlack:
    return signed_slack(bot.url, fake.team_id)


@pytest.fixture(scope="module")
def channel(slack: SignedSlack, fake: FakeSlack, bot: RunningBot) -> str:
    """INC-1's channel, open and settled, where forged events would add to the timeline."""
    found = declare(slack, fake)
    settle(bot, fake)
    return found.id


def snapshot(bot: RunningBot, fake: FakeSlack) -> tuple[Any, ...]:
    """Everything a request could change: incidents, timelines, the outbox, Slack's calls.

    Taken once the courier is idle, so earlier tests' deliveries do not count as changes and
    anything a wrongly accepted request queued has reached Slack.
    """
    settle(bot, fake)
    incidents = all_incidents(bot.bot.ctx)
    return (
        [(i.number, i.status, i.severity, len(i.timeline)) for i in incidents],
        queue_state(bot.bot.ctx)[0],
        [call.method for call in fake.calls],
        len(fake.views),
    )


# --- bodies as Slack sends them --------------------------------------------------------------


def command_body(team: str, channel: str) -> tuple[str, str]:
    form = {
        "team_id": team,
        "channel_id": channel,
        "user_id": "UANA",
        "user_name": "ana",
        "command": "/incident",
        "text": "declare sev2 Forged outage",
        "api_app_id": "A0WATCH",
        "trigger_id": f"trigger-{uuid.uuid4().hex}",
    }
    return urllib.parse.urlencode(form), FORM


def declare_submission(team: str) -> dict[str, Any]:
    """The declare modal submitted: a new incident if the bot accepts it."""
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "watch"},
        "user": {"id": "UANA", "username": "ana", "name": "ana", "team_id": team},
        "api_app_id": "A0WATCH",
        "trigger_id": f"trigger-{uuid.uuid4().hex}",
        "view": {
            "id": f"V{uuid.uuid4().hex[:10].upper()}",
            "type": "modal",
            "callback_id": "declare_incident",
            "private_metadata": "",
            "state": {
                "values": {"title": {"title": {"type": "plain_text_input", "value": "Forged"}}}
            },
        },
    }


def interaction_body(team: str, channel: str) -> tuple[str, str]:
    return urllib.parse.urlencode({"payload": json.dumps(declare_submission(team))}), FORM


def pin_added(channel: str) -> dict[str, Any]:
    """Ben pins dev's message in the incident channel: a timeline entry if accepted."""
    ts = f"{int(time.time()) - 60}.{uuid.uuid4().int % 1_000_000:06d}"
    return {
        "type": "pin_added",
        "user": "UBEN",
        "channel_id": channel,
        "item": {
            "type": "message",
            "channel": channel,
            "message": {"type": "message", "user": "UDEV", "text": "p99 at 4s", "ts": ts},
        },
        "event_ts": f"{time.time():.6f}",
    }


def event_body(team: str, channel: str) -> tuple[str, str]:
    body = {
        "token": "unused",
        "team_id": team,
        "api_app_id": "A0WATCH",
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10]}",
        "event_time": int(time.time()),
        "event": pin_added(channel),
    }
    return json.dumps(body), "application/json"


SURFACES = {"slash command": command_body, "interactivity": interaction_body, "event": event_body}


# --- forgeries --------------------------------------------------------------------------------


def post_raw(url: str, body: str | bytes, content_type: str, headers: dict[str, str]) -> Answer:
    """POST with exactly these headers (none of Slack's added)."""
    request = urllib.request.Request(  # noqa: S310 - the loopback bot under test
        url + "/slack/events",
        data=body.encode() if isinstance(body, str) else body,
        method="POST",
        headers={"Content-Type": content_type, **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return Answer(answer.status, answer.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode())


def signature(body: str, stamp: str, secret: str = SIGNING_SECRET) -> str:
    return str(SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body))


def forge(slack: SignedSlack, forgery: str, body: str, content_type: str) -> Answer:
    """Send `body` with one thing wrong about its signature."""
    now = int(time.time())
    match forgery:
        case "no signature":
            return post_raw(slack.url, body, content_type, {})
        case "timestamp but no signature":
            return post_raw(slack.url, body, content_type, {"X-Slack-Request-Timestamp": str(now)})
        case "wrong secret":
            return slack.post(body, content_type=content_type, secret="not-the-signing-secret")
        case "6 minutes old":
            return slack.post(body, content_type=content_type, timestamp=now - 6 * 60)
        case "6 minutes ahead":
            return slack.post(body, content_type=content_type, timestamp=now + 6 * 60)
        case "body changed after signing":
            signed = signature(body.replace("A0WATCH", "A0XXXXX"), str(now))
            headers = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": signed}
            return post_raw(slack.url, body, content_type, headers)
        case "timestamp not a number":
            headers = {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}
            return post_raw(slack.url, body, content_type, headers)
        case "body not UTF-8":
            return post_raw(slack.url, b"\xff\xfe" + body.encode(), content_type, {})
        case "body not JSON":
            junk = "{not json" if content_type == "application/json" else "payload=%7Bnot"
            return slack.post(junk, content_type=content_type, secret="not-the-signing-secret")
    raise AssertionError(forgery)


FORGERIES = [
    "no signature",
    "timestamp but no signature",
    "wrong secret",
    "6 minutes old",
    "6 minutes ahead",
    "body changed after signing",
    "timestamp not a number",
    "body not UTF-8",
    "body not JSON",
]
#: Already covered for slash commands by tests/e2e/test_http.py.
COVERED = {("slash command", f) for f in ("no signature", "wrong secret", "6 minutes old")}


@pytest.mark.parametrize(
    ("surface", "forgery"),
    [(s, f) for s in SURFACES for f in FORGERIES if (s, f) not in COVERED],
)
def test_a_request_slack_did_not_sign_gets_401_and_changes_nothing(
    slack: SignedSlack,
    fake: FakeSlack,
    bot: RunningBot,
    channel: str,
    surface: str,
    forgery: str,
) -> None:
    body, content_type = SURFACES[surface](fake.team_id, channel)
    before = snapshot(bot, fake)

    reply = forge(slack, forgery, body, content_type)
    time.sleep(0.05)  # room for any lazy listener to call Slack if one ran

    assert reply.status == 401
    assert snapshot(bot, fake) == before


@pytest.mark.parametrize("surface", ["interactivity", "event"])
def test_the_same_bodies_correctly_signed_change_something(
    slack: SignedSlack, fake: FakeSlack, bot: RunningBot, channel: str, surface: str
) -> None:
    # The control for the refusals above: signed right, these bodies do act.
    body, content_type = SURFACES[surface](fake.team_id, channel)
    before = snapshot(bot, fake)

    reply = slack.post(body, content_type=content_type)

    assert reply.status == 200
    assert snapshot(bot, fake)[0] != before[0]


# --- another workspace -----------------------------------------------------------------------


def test_a_slash_command_from_another_workspace_is_refused_with_a_reply(
    slack: SignedSlack, fake: FakeSlack, bot: RunningBot, channel: str
) -> None:
    body, content_type = command_body(OTHER_TEAM, "C0ELSEWHERE")
    before = snapshot(bot, fake)

    reply = slack.post(body, content_type=content_type)

    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"
    assert "not installed in this workspace" in reply.text
    assert "nothing was done" in reply.text
    assert snapshot(bot, fake) == before


def test_an_interaction_from_another_workspace_is_refused(
    slack: SignedSlack, fake: FakeSlack, bot: RunningBot, channel: str
) -> None:
    body, content_type = interaction_body(OTHER_TEAM, channel)
    before = snapshot(bot, fake)

    reply = slack.post(body, content_type=content_type)

    assert reply.status == 403  # Slack shows the person that it did not work
    assert snapshot(bot, fake) == before


def test_an_event_from_another_workspace_is_acknowledged_and_dropped(
    slack: SignedSlack, fake: FakeSlack, bot: RunningBot, channel: str
) -> None:
    # Acknowledged: Slack would redeliver a refused event, then stop sending events at all.
    body, content_type = event_body(OTHER_TEAM, channel)
    before = snapshot(bot, fake)

    reply = slack.post(body, content_type=content_type)

    assert (reply.status, reply.body) == (200, "")
    assert snapshot(bot, fake) == before


def socket_mode_command(team: str, channel: str) -> BoltRequest:
    """A slash command as Socket Mode hands it to Bolt: a parsed payload, no signature."""
    payload = dict(urllib.parse.parse_qsl(command_body(team, channel)[0]))
    return BoltRequest(body=payload, mode="socket_mode")


def test_socket_mode_refuses_another_workspace_too(
    fake: FakeSlack, bot: RunningBot, channel: str
) -> None:
    before = snapshot(bot, fake)

    response = bot.bot.bolt.dispatch(socket_mode_command(OTHER_TEAM, "C0ELSEWHERE"))

    assert response.status == 200
    assert "not installed in this workspace" in json.loads(response.body)["text"]
    assert snapshot(bot, fake) == before


def test_socket_mode_serves_the_installed_workspace_without_a_signature(
    fake: FakeSlack, bot: RunningBot, channel: str
) -> None:
    # The control: the refusal above is the workspace check, not Socket Mode failing.
    count = stored_count(bot)

    response = bot.bot.bolt.dispatch(socket_mode_command(fake.team_id, general(fake)))

    assert response.status == 200
    assert "declared" in json.loads(response.body)["text"]
    assert stored_count(bot) == count + 1


# --- permissions from the TOML file ---------------------------------------------------------

PERMISSIONS = """
[permissions]
admins = ["UDEV"]
declare = ["UANA", "UBEN", "admins"]
severity = ["commander", "admins"]
resolve = ["commander", "declarer", "admins"]
reopen = ["admins"]
"""


@pytest.fixture
def strict_bot(start_bot: StartBot) -> RunningBot:
    return start_bot(toml=PERMISSIONS)


@pytest.fixture
def strict(strict_bot: RunningBot, fake_slack: FakeSlack) -> SignedSlack:
    return signed_slack(strict_bot.url, fake_slack.team_id)


@pytest.fixture
def incident_channel(strict: SignedSlack, fake_slack: FakeSlack, strict_bot: RunningBot) -> str:
    """INC-1, declared by ana, with ben as commander; settled."""
    channel = declare(strict, fake_slack)
    strict.command("commander <@UBEN|ben>", channel=channel.id)
    settle(strict_bot, fake_slack)
    return channel.id


def refused(reply: Answer) -> str:
    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"
    assert reply.text.startswith(":warning: Only ")
    return reply.text


@pytest.mark.slow
def test_a_user_who_may_not_declare_is_told_who_may_and_nothing_opens(
    strict: SignedSlack, fake_slack: FakeSlack, strict_bot: RunningBot
) -> None:
    text = refused(strict.command("declare sev1 Payments down", user="UCARA", user_name="cara"))
    time.sleep(0.1)

    assert text == ":warning: Only <@UANA>, <@UBEN> or the admins (<@UDEV>) may declare incidents."
    assert stored_count(strict_bot) == 0
    assert [c.method for c in fake_slack.calls] == ["auth.test"]


@pytest.mark.slow
def test_a_listed_user_may_declare(
    strict: SignedSlack, fake_slack: FakeSlack, strict_bot: RunningBot
) -> None:
    reply = strict.command("declare sev1 Payments down", user="UBEN", user_name="ben")

    assert "*INC-1* declared" in reply.text
    assert stored(strict_bot).declared_by == "UBEN"


@pytest.mark.slow
def test_severity_is_refused_to_a_bystander_and_allowed_to_the_commander(
    strict: SignedSlack, fake_slack: FakeSlack, strict_bot: RunningBot, incident_channel: str
) -> None:
    before = len(stored(strict_bot).timeline)

    text = refused(strict.command("severity sev1", channel=incident_channel, user="UCARA"))
    unchanged = stored(strict_bot)
    allowed = strict.command("severity sev1", channel=incident_channel, user="UBEN")

    assert "the commander (<@UBEN>)" in text
    assert "the admins (<@UDEV>)" in text
    assert "may change the severity of INC-1" in text
    assert (unchanged.severity, len(unchanged.timeline)) == ("SEV2", before)
    assert "now *SEV1*" in allowed.text
    assert stored(strict_bot).severity == "SEV1"


@pytest.mark.slow
def test_the_severity_modal_refuses_a_bystander_under_the_field(
    strict: SignedSlack, strict_bot: RunningBot, incident_channel: str
) -> None:
    # The card's button is another way in: the same rule holds there.
    submission = {
        "type": "view_submission",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": "UCARA", "username": "cara", "name": "cara", "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "trigger_id": "trigger-severity",
        "view": {
            "id": "VSEVERITY1",
            "type": "modal",
            "callback_id": "change_severity",
            "private_metadata": incident_channel,
            "state": {
                "values": {
                    "severity": {
                        "severity": {
                            "type": "static_select",
                            "selected_option": {"value": "SEV1"},
                        }
                    }
                }
            },
        },
    }

    reply = strict.interaction(submission)

    assert reply.status == 200
    assert reply.json()["response_action"] == "errors"
    assert "may change the severity of INC-1" in reply.json()["errors"]["severity"]
    assert stored(strict_bot).severity == "SEV2"


@pytest.mark.slow
def test_resolve_is_refused_to_a_bystander_and_allowed_to_the_declarer(
    strict: SignedSlack, strict_bot: RunningBot, incident_channel: str
) -> None:
    text = refused(strict.command("resolve All good", channel=incident_channel, user="UCARA"))
    unchanged = stored(strict_bot).status
    allowed = strict.command("resolve All good", channel=incident_channel, user="UANA")

    assert "the commander (<@UBEN>)" in text
    assert "whoever declared it (<@UANA>)" in text
    assert "may resolve INC-1" in text
    assert unchanged is Status.INVESTIGATING
    assert "is resolved" in allowed.text
    assert stored(strict_bot).status is Status.RESOLVED


@pytest.mark.slow
def test_reopen_is_kept_to_the_admins(
    strict: SignedSlack, strict_bot: RunningBot, incident_channel: str
) -> None:
    strict.command("resolve All good", channel=incident_channel, user="UBEN")

    text = refused(strict.command("reopen Again", channel=incident_channel, user="UBEN"))
    unchanged = stored(strict_bot).status
    allowed = strict.command("reopen Again", channel=incident_channel, user="UDEV")

    assert text == ":warning: Only the admins (<@UDEV>) may reopen INC-1."
    assert unchanged is Status.RESOLVED
    assert "is reopened" in allowed.text
    assert stored(strict_bot).status is Status.INVESTIGATING


# --- secrets --------------------------------------------------------------------------------

BOT_TOKEN = "xoxb-4242-SECRETBOTTOKEN-a1b2c3d4e5f6"
APP_TOKEN = "xapp-1-A0WATCH-4242-SECRETAPPTOKEN9f8e7d"
SIGNING = "sigsecret0f5e4d3c2b1a09876543210fed"
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING)
#: The parts that identify each secret, in case something prints them cut or re-cased.
FRAGMENTS = ("SECRETBOTTOKEN", "SECRETAPPTOKEN", "0f5e4d3c2b1a0987")


def leaked(text: str) -> list[str]:
    lowered = text.lower()
    return [s for s in (*SECRETS, *FRAGMENTS) if s.lower() in lowered]


def watchkeeper(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The CLI as an operator runs it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WATCHKEEPER_"))}
    return subprocess.run(  # noqa: S603 - our own entry point with arguments the test wrote
        [sys.executable, "-m", "watchkeeper.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def secret_slack() -> Iterator[FakeSlack]:
    fake = start_fake_slack(token=BOT_TOKEN)
    fake.create_channel(BROADCAST, with_bot=True)
    yield fake
    fake.stop()


@pytest.mark.slow
def test_no_secret_appears_in_logs_errors_metrics_health_or_exports(
    secret_slack: FakeSlack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = secret_slack
    database = f"sqlite:///{tmp_path / 'watchkeeper.db'}"
    environ = {
        **bot_environ(fake, database),
        "SLACK_SIGNING_SECRET": SIGNING,
        "SLACK_APP_TOKEN": APP_TOKEN,
    }
    caplog.set_level(logging.DEBUG)
    fake.fail("auth.test", error="invalid_auth")  # the first look at the token is refused
    running = RunningBot(environ)
    seen: list[str] = []
    try:
        slack = SignedSlack(running.url, SIGNING, fake.team_id)
        channel = declare(slack, fake)
        slack.command("commander <@UBEN|ben>", channel=channel.id)
        slack.post("text=forged", content_type=FORM, secret="not-it")  # a refused forgery
        slack.command("stauts identified", channel=channel.id)  # a typing mistake
        fake.fail("chat.postMessage", error="invalid_auth", times=2)
        fake.fail("chat.update", error="invalid_auth", times=2)
        slack.command("note Rolling back", channel=channel.id)
        slack.command("status identified Bad deploy", channel=channel.id)
        fake.fail("files.getUploadURLExternal", status=500, times=1)
        slack.command("resolve Rolled back", channel=channel.id)
        settle(running, fake, timeout=15)
        seen += [slack.get("/metrics").body, slack.get("/healthz").body]
    finally:
        running.stop()
    export = watchkeeper("export", "INC-1", "--format", "json", env={"DATABASE_URL": database})
    bad_setting = watchkeeper(
        "serve",
        env={
            "DATABASE_URL": database,
            "SLACK_BOT_TOKEN": BOT_TOKEN.replace("xoxb-", "xoxp-"),
            "SLACK_APP_TOKEN": APP_TOKEN.replace("xapp-", "xoxa-"),
            "SLACK_SIGNING_SECRET": SIGNING,
            "WATCHKEEPER_TIMEZONE": "Mars/Olympus",
        },
    )
    refused_token = watchkeeper(
        "check",
        env={
            "DATABASE_URL": database,
            "SLACK_BOT_TOKEN": BOT_TOKEN + "0",
            "SLACK_API_URL": fake.url,
        },
    )

    json_lines = [JsonFormatter().format(record) for record in caplog.records]
    text_lines = [TextFormatter().format(record) for record in caplog.records]
    assert "invalid_auth" in "\n".join(json_lines), "the failures were logged"
    assert export.returncode == 0
    assert "INC-1" in export.stdout
    assert "invalid_auth" in refused_token.stdout
    assert "SLACK_BOT_TOKEN" in bad_setting.stderr
    assert "SLACK_APP_TOKEN" in bad_setting.stderr
    for name, text in {
        "log records as logged": caplog.text,
        "JSON log": "\n".join(json_lines),
        "text log": "\n".join(text_lines),
        "/metrics and /healthz": "\n".join(seen),
        "export --format json": export.stdout + export.stderr,
        "serve with bad settings": bad_setting.stdout + bad_setting.stderr,
        "check with a refused token": refused_token.stdout + refused_token.stderr,
    }.items():
        assert leaked(text) == [], f"{name} shows a secret"
