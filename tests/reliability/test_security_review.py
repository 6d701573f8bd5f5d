"""The findings of the security review, each reproduced as it was found and shown fixed.

1. An empty signing secret turned off request verification.
2. Anyone could promote themselves past the permission rules by taking a role.
3. A milestone in year 1 broke the incident, and one failing effect held back the rest.
4. `/incident remind 1s` spammed the channel and the broadcast channel.
5. `snooze`/`remind` with absurd durations answered 500.
6. `/metrics` loaded every open incident on every scrape, on the port Slack talks to.
7. The workspace check let everything through until the bot knew its own workspace.
8. Error replies escaped Slack's already-encoded text a second time.
9. Markdown helpers, `export -o` and `demo --dir` (quadratic text, unescaped pipes, tracebacks,
   deleted files and a stray TOML file).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, event
from tests.e2e.helpers import as_user, bot_messages, declare, general, settle, stored, stored_count
from tests.fixtures.bot import (
    BROADCAST,
    SIGNING_SECRET,
    RunningBot,
    SignedSlack,
    StartBot,
    bot_environ,
    signed_slack,
)
from tests.fixtures.concurrency import run_at_once

from watchkeeper.bootstrap import offline_context, use_case_context
from watchkeeper.clock import FrozenClock
from watchkeeper.config import SettingsError, load_settings
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.status import Status
from watchkeeper.metrics import Metrics
from watchkeeper.reports import markdown, render_postmortem, render_timeline
from watchkeeper.reports.times import format_posted
from watchkeeper.services.context import Actor, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.services.outbox import record_channel
from watchkeeper.services.reminders import send_due_reminders
from watchkeeper.slack import deliverer as slack_deliverer
from watchkeeper.slack.app import build_app
from watchkeeper.slack.blocks import when
from watchkeeper.slack.identity import BotIdentity
from watchkeeper.standin import FakeSlack
from watchkeeper.store.database import make_engine
from watchkeeper.store.migrate import upgrade
from watchkeeper.store.tables import outbox
from watchkeeper.web import BackgroundServer, web_app

NEW_YORK = ZoneInfo("America/New_York")


def watchkeeper(
    *args: str, env: dict[str, str], cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The CLI as an operator runs it, with only the settings the test gives."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WATCHKEEPER_"))}
    return subprocess.run(  # noqa: S603 - our own entry point with arguments the test wrote
        [sys.executable, "-m", "watchkeeper.cli", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --- 1. an empty secret is a missing secret ------------------------------------------------------


def test_blank_secrets_and_tokens_read_as_not_set() -> None:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "",
            "SLACK_SIGNING_SECRET": "",
            "SLACK_APP_TOKEN": "   ",
            "WATCHKEEPER_METRICS_TOKEN": "",
        },
        env_file=None,
        toml=False,
    )

    assert settings.slack_bot_token is None
    assert settings.slack_signing_secret is None
    assert settings.slack_app_token is None
    assert settings.metrics_token is None


def test_serve_over_http_with_a_blank_signing_secret_refuses_to_start(tmp_path: Path) -> None:
    result = watchkeeper(
        "serve",
        "--mode",
        "http",
        "--port",
        "0",
        env={
            "SLACK_BOT_TOKEN": "xoxb-1-2-3",
            "SLACK_SIGNING_SECRET": "",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'wk.db'}",
        },
    )

    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr


def test_a_bolt_app_that_checks_no_signature_is_never_put_on_http(fake_slack: FakeSlack) -> None:
    settings = load_settings({"DATABASE_URL": "sqlite://"}, env_file=None, toml=False)
    ctx = use_case_context(settings, _memory_engine(), FrozenClock(datetime.now(UTC)))
    socket_only = build_app(
        ctx,
        client=fake_slack_client(fake_slack),
        bot_token=fake_slack.token,
        identity=BotIdentity(),
        metrics=Metrics(),
        signing_secret=None,
    )

    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        web_app(socket_only, Metrics(), dict)
    with pytest.raises(ValueError, match="blank signing secret"):
        build_app(
            ctx,
            client=fake_slack_client(fake_slack),
            bot_token=fake_slack.token,
            identity=BotIdentity(),
            metrics=Metrics(),
            signing_secret="  ",
        )


def _memory_engine() -> Engine:
    return make_engine("sqlite://")


def fake_slack_client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.token, base_url=fake.url)


# --- 2. assigning roles is a permission of its own -------------------------------------------------

STRICT = """
[permissions]
admins = ["UDEV"]
resolve = ["commander", "declarer", "admins"]
reopen = ["commander", "declarer", "admins"]
"""


@pytest.fixture
def strict_bot(start_bot: StartBot, database_url: str) -> RunningBot:
    return start_bot(database_url, toml=STRICT)


@pytest.fixture
def strict(strict_bot: RunningBot, fake_slack: FakeSlack) -> SignedSlack:
    return signed_slack(strict_bot.url, fake_slack.team_id)


@pytest.fixture
def led_by_ben(strict: SignedSlack, fake_slack: FakeSlack, strict_bot: RunningBot) -> str:
    """INC-1 declared by ana with ben as its commander, settled: cara is a bystander."""
    channel = declare(strict, fake_slack)
    as_user(strict, "commander <@UBEN|ben>", channel=channel.id)
    settle(strict_bot, fake_slack)
    return channel.id


@pytest.mark.slow
def test_a_bystander_cannot_make_themselves_commander_and_then_resolve(
    strict: SignedSlack, strict_bot: RunningBot, led_by_ben: str
) -> None:
    promoted = as_user(strict, "commander <@UCARA|cara>", channel=led_by_ben, user="UCARA")
    resolved = as_user(strict, "resolve Done", channel=led_by_ben, user="UCARA")

    assert promoted == (
        ":warning: Only the commander (<@UBEN>), whoever declared it (<@UANA>) or the admins "
        "(<@UDEV>) may assign roles in INC-1."
    )
    assert resolved.startswith(":warning: Only ")
    incident = stored(strict_bot)
    assert incident.commander == "UBEN"
    assert incident.status is Status.INVESTIGATING


@pytest.mark.slow
def test_a_bystander_cannot_take_a_role_to_pass_a_roles_rule(
    strict: SignedSlack, strict_bot: RunningBot, led_by_ben: str
) -> None:
    reply = as_user(strict, "role scribe <@UCARA|cara>", channel=led_by_ben, user="UCARA")

    assert "may assign roles in INC-1" in reply
    assert "scribe" not in stored(strict_bot).roles


@pytest.mark.slow
def test_the_assign_commander_form_refuses_a_bystander_under_the_field(
    strict: SignedSlack, strict_bot: RunningBot, led_by_ben: str
) -> None:
    reply = strict.interaction(
        view_submission(
            "assign_commander",
            led_by_ben,
            {"user": {"user": {"type": "users_select", "selected_user": "UCARA"}}},
            user="UCARA",
        )
    )

    assert reply.json()["response_action"] == "errors"
    assert "may assign roles in INC-1" in reply.json()["errors"]["user"]
    assert stored(strict_bot).commander == "UBEN"


@pytest.mark.slow
def test_the_commander_and_the_declarer_may_assign_roles(
    strict: SignedSlack, strict_bot: RunningBot, led_by_ben: str
) -> None:
    as_user(strict, "role scribe <@UCARA|cara>", channel=led_by_ben, user="UBEN")
    as_user(strict, "commander <@UDEV|dev>", channel=led_by_ben, user="UANA")

    assert stored(strict_bot).roles == {"commander": "UDEV", "scribe": "UCARA"}


@pytest.mark.slow
def test_anyone_may_name_the_first_commander(
    strict: SignedSlack, fake_slack: FakeSlack, strict_bot: RunningBot
) -> None:
    channel = declare(strict, fake_slack)

    reply = as_user(strict, "commander <@UCARA|cara>", channel=channel.id, user="UCARA")

    assert "is now commander" in reply
    assert stored(strict_bot).commander == "UCARA"


@pytest.mark.slow
def test_an_assign_roles_rule_in_the_toml_file_is_the_rule(
    fake_slack: FakeSlack, start_bot: StartBot
) -> None:
    running = start_bot(toml='[permissions]\nadmins = ["UDEV"]\nassign_roles = ["admins"]\n')
    slack = signed_slack(running.url, fake_slack.team_id)
    channel = declare(slack, fake_slack)

    declarer = as_user(slack, "commander <@UANA|ana>", channel=channel.id, user="UANA")
    admin = as_user(slack, "commander <@UBEN|ben>", channel=channel.id, user="UDEV")

    assert declarer == ":warning: Only the admins (<@UDEV>) may assign roles in INC-1."
    assert stored(running).commander == "UBEN"
    assert "is now commander" in admin


def view_submission(
    callback: str, channel: str, values: dict[str, Any], *, user: str = "UANA"
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "view": {
            "id": f"V{time.monotonic_ns()}",
            "type": "modal",
            "callback_id": callback,
            "private_metadata": channel,
            "state": {"values": values},
        },
    }


# --- 3. a milestone in year 1, and one failing effect ------------------------------------------


@pytest.fixture
def new_york_bot(start_bot: StartBot, database_url: str) -> RunningBot:
    return start_bot(database_url, WATCHKEEPER_TIMEZONE="America/New_York")


@pytest.mark.slow
def test_a_milestone_in_year_one_is_refused_naming_the_limit(
    fake_slack: FakeSlack, new_york_bot: RunningBot
) -> None:
    slack = signed_slack(new_york_bot.url, fake_slack.team_id)
    channel = declare(slack, fake_slack)
    settle(new_york_bot, fake_slack)

    reply = slack.command("set started 0001-01-01T00:00Z", channel=channel.id)
    timeline = slack.command("timeline", channel=channel.id)

    assert reply.status == 200
    assert reply.text == (
        ":warning: started cannot be more than 30 days before INC-1 was declared; "
        "check the date you typed."
    )
    assert Milestone.STARTED not in stored(new_york_bot).milestones
    assert timeline.status == 200
    assert "INC-1 timeline" in timeline.text


def test_a_moment_beyond_the_zones_clock_is_shown_in_utc_not_a_crash() -> None:
    year_one = datetime(1, 1, 1, 0, 0, tzinfo=UTC)

    assert when(year_one, NEW_YORK) == "Jan 1, 00:00 UTC"
    assert format_posted(year_one, NEW_YORK) == "Jan 01, 1 - 00:00 UTC"


def test_reports_of_an_incident_stored_with_a_year_one_milestone_still_render() -> None:
    # An incident stored before the limit existed still exports and publishes.
    incident = Incident.declare(
        number=7,
        title="Checkout errors",
        severity="SEV2",
        declared_by="UANA",
        at=datetime(2025, 11, 24, 8, 20, tzinfo=UTC),
    )
    incident.milestones[Milestone.STARTED] = datetime(1, 1, 1, tzinfo=UTC)
    incident.resolve(by="UANA", at=datetime(2025, 11, 24, 10, 22, tzinfo=UTC))

    postmortem = render_postmortem(incident, names={}, zone=NEW_YORK)
    timeline = render_timeline(incident, names={}, zone=NEW_YORK)

    assert "Jan 1, 1 00:00 UTC" in postmortem
    assert "Resolved" in timeline


@pytest.mark.slow
def test_an_effect_that_fails_unforeseen_is_set_aside_with_a_notice_and_the_rest_go_out(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    running_bot: RunningBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)
    tries: list[str] = []
    shown = slack_deliverer.entry_message

    def poisoned(reference: str, payload: dict[str, Any], *args: Any, **kwargs: Any) -> str:
        if "POISON" in payload["text"]:
            tries.append(payload["text"])
            raise OverflowError("date value out of range")  # as the year-1 milestone did
        return shown(reference, payload, *args, **kwargs)

    monkeypatch.setattr(slack_deliverer, "entry_message", poisoned)

    as_user(slack, "note POISON", channel=channel.id)
    as_user(slack, "note Comes after the poisoned one", channel=channel.id)
    after = fake_slack.wait_for(
        lambda: [m for m in bot_messages(fake_slack, channel.id) if "Comes after" in m.text],
        timeout=20,
    )
    notice = fake_slack.wait_for(
        lambda: [m for m in bot_messages(fake_slack, channel.id) if "set aside" in m.text]
    )

    assert len(after) == 1
    assert len(tries) == 3
    assert len(notice) == 1
    assert "could not post a timeline entry" in notice[0].text
    assert "OverflowError" in notice[0].text


# --- 4. reminders cannot be made into spam --------------------------------------------------------


def test_a_reminder_interval_under_a_minute_is_refused(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)

    refused = as_user(slack, "remind 1s", channel=channel.id)
    allowed = as_user(slack, "remind 1m", channel=channel.id)

    assert refused == ":warning: Reminders every 1s would be noise; the shortest interval is 1m."
    assert allowed.startswith("Next update reminder for INC-1")
    assert stored(running_bot).reminder_interval == timedelta(minutes=1)


def test_the_broadcast_channel_hears_of_a_quiet_incident_once_per_quiet_spell(
    database_url: str,
) -> None:
    upgrade(database_url)
    settings = load_settings(
        {"DATABASE_URL": database_url, "WATCHKEEPER_BROADCAST_CHANNEL": "#incidents"},
        env_file=None,
        toml=False,
    )
    engine = make_engine(database_url)
    clock = FrozenClock(datetime(2025, 11, 24, 8, 0, tzinfo=UTC))
    ctx = use_case_context(settings, engine, clock)
    number = declare_incident(ctx, Request(Actor("UANA", "ana")), title="Quiet one").number
    record_channel(ctx, number, "C0001", "inc-1")
    try:
        for _ in range(6):  # six reminders in a row, nobody answers
            clock.advance(timedelta(minutes=30))
            send_due_reminders(ctx)
        with engine.connect() as connection:
            targets = [
                row.payload["target"]
                for row in connection.execute(
                    outbox.select().where(outbox.c.kind == "remind").order_by(outbox.c.id)
                )
            ]
    finally:
        engine.dispose()

    assert targets.count("channel") == 6
    assert targets.count("broadcast") == 1


# --- 5. absurd durations ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["snooze 3000000d", "remind 3000000d", "snooze 366d"])
def test_a_duration_over_a_year_gets_an_explanation_not_a_500(
    command: str, slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)

    reply = slack.command(command, channel=channel.id)

    assert reply.status == 200
    assert "is longer than a year; use at most 365d." in reply.text
    assert stored(running_bot).snoozed_until is None


def test_a_reminder_interval_setting_over_a_year_stops_the_start() -> None:
    with pytest.raises(SettingsError, match="WATCHKEEPER_REMINDER_INTERVAL: is longer than a year"):
        load_settings({"WATCHKEEPER_REMINDER_INTERVAL": "3000000d"}, env_file=None, toml=False)


# --- 6. /metrics and /healthz ----------------------------------------------------------------------


@pytest.mark.slow
def test_sixteen_scrapers_at_once_count_twice_and_load_no_incident(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    for n in range(3):
        declare(slack, fake_slack, f"declare Outage {n}", channel_name=f"inc-{n + 1}-outage-{n}")
    settle(running_bot, fake_slack)
    statements = recorded_statements(running_bot)

    pages = run_at_once([lambda: slack.get("/metrics") for _ in range(16)])

    assert all(page.status == 200 for page in pages)
    assert all("watchkeeper_open_incidents 3.0" in page.body for page in pages)
    counts = [s for s in statements if "count(" in s.lower()]
    assert len(counts) == 2  # open incidents, pending effects: once for all sixteen
    assert not [s for s in statements if "timeline_entries" in s or "FROM roles" in s]


def recorded_statements(running: RunningBot) -> list[str]:
    """Every SQL statement the bot's engine runs from now on."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(running.bot.engine, "before_cursor_execute", record)
    return seen


@pytest.mark.slow
def test_metrics_with_a_token_are_refused_without_it(
    fake_slack: FakeSlack, sqlite_url: str
) -> None:
    environ = bot_environ(fake_slack, sqlite_url, WATCHKEEPER_METRICS_TOKEN="scrape-me")
    settings = load_settings(environ, env_file=None, toml=False)
    assert settings.metrics_token is not None
    running = RunningBot(environ)
    server = BackgroundServer(
        web_app(
            None,
            running.bot.metrics,
            running.bot.health,
            running.bot.refresh_gauges,
            metrics_token=settings.metrics_token.get_secret_value(),
        )
    )
    server.start()
    try:
        missing = http_get(server.url + "/metrics")
        wrong = http_get(server.url + "/metrics", token="nope")
        right = http_get(server.url + "/metrics", token="scrape-me")
        health = http_get(server.url + "/healthz")
    finally:
        server.stop()
        running.stop()

    assert (missing[0], wrong[0], right[0]) == (401, 401, 200)
    assert "watchkeeper_open_incidents" in right[1]
    assert health[0] == 200


def http_get(url: str, *, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.slow
def test_serve_puts_metrics_on_their_own_interface_when_given_a_port(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port, metrics_port = free_port(), free_port()
    env = {
        "SLACK_BOT_TOKEN": fake_slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wk.db'}",
        "WATCHKEEPER_METRICS_PORT": str(metrics_port),
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WATCHKEEPER_"))}
    server = subprocess.Popen(  # noqa: S603 - our own entry point
        [
            sys.executable,
            "-m",
            "watchkeeper.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={**clean, **env},
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        main = signed_slack(f"http://127.0.0.1:{port}", fake_slack.team_id)
        private = signed_slack(f"http://127.0.0.1:{metrics_port}", fake_slack.team_id)
        wait_until(lambda: answers(main, "/healthz") and answers(private, "/metrics"))

        assert main.get("/metrics").status == 404
        assert main.get("/healthz").status == 200
        assert "watchkeeper_open_incidents" in private.get("/metrics").body
    finally:
        server.terminate()
        server.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(client: SignedSlack, path: str) -> bool:
    try:
        return client.get(path).status == 200
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the server did not come up"
        time.sleep(0.1)


def test_check_says_who_can_read_metrics(tmp_path: Path) -> None:
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'wk.db'}"}

    open_to_all = watchkeeper("check", env=database, cwd=tmp_path)
    private = watchkeeper(
        "check",
        env={**database, "WATCHKEEPER_METRICS_PORT": "9100", "WATCHKEEPER_METRICS_TOKEN": "t"},
        cwd=tmp_path,
    )

    assert "[ok  ] metrics: served on the main port to anyone who reaches it" in open_to_all.stdout
    assert "set WATCHKEEPER_METRICS_PORT" in open_to_all.stdout
    assert (
        "[ok  ] metrics: served on 127.0.0.1:9100, apart from Slack's port, behind a bearer token"
        in private.stdout
    )


# --- 7. the workspace check fails closed -----------------------------------------------------------


@pytest.mark.slow
def test_until_the_bot_knows_its_workspace_every_request_is_refused(
    fake_slack: FakeSlack, sqlite_url: str
) -> None:
    fake_slack.create_channel(BROADCAST, with_bot=True)
    fake_slack.fail("auth.test", status=500, times=1000)
    running = RunningBot(bot_environ(fake_slack, sqlite_url))
    try:
        slack = signed_slack(running.url, fake_slack.team_id)
        command = slack.command("declare sev2 Checkout errors", channel=general(fake_slack))
        pin = slack.event({"type": "pin_added", "user": "UANA", "channel_id": "C0X", "item": {}})
        refused_count = stored_count(running)

        fake_slack.clear_faults()
        fake_slack.wait_for(lambda: running.bot.identity.team_id, timeout=15)
        later = slack.command("declare sev2 Checkout errors", channel=general(fake_slack))
    finally:
        running.stop()

    assert command.status == 200
    assert "starting up" in command.text and "nothing was done" in command.text
    assert pin.status == 503  # Slack delivers the event again later
    assert refused_count == 0
    assert "*INC-1* declared" in later.text


# --- 8. error replies show what was typed -----------------------------------------------------


def test_a_refusal_quotes_typed_text_escaped_once(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)

    # Slack sends `<b>ig & bad` as `&lt;b&gt;ig &amp; bad`.
    reply = as_user(slack, "severity &lt;b&gt;ig &amp; bad", channel=channel.id)

    assert "`&lt;b&gt;ig &amp; bad` is not a severity level" in reply
    assert "&amp;lt;" not in reply and "&amp;amp;" not in reply


# --- 9. markdown, export and the demo ----------------------------------------------------------


def test_a_heading_keeps_a_long_run_of_closing_hashes_as_text() -> None:
    title = "a" + "#" * 100_000 + "b" + "#" * 3

    shown = markdown.heading(title)

    assert shown == "a" + "#" * 100_000 + "b\\###"


def test_inline_text_is_safe_in_a_table_cell() -> None:
    assert markdown.inline("api | checkout") == "api \\| checkout"


def test_a_component_with_a_pipe_does_not_split_a_postmortem_line() -> None:
    incident = Incident.declare(
        number=7,
        title="Checkout",
        severity="SEV2",
        declared_by="UANA",
        at=datetime(2025, 11, 24, 8, 20, tzinfo=UTC),
    )
    incident.set_components(
        ("api | checkout",), by="UANA", at=datetime(2025, 11, 24, 8, 21, tzinfo=UTC)
    )

    postmortem = render_postmortem(incident, names={}, zone=ZoneInfo("UTC"))

    assert "Affected components: api \\| checkout" in postmortem


@pytest.fixture
def one_incident(tmp_path: Path) -> dict[str, str]:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'wk.db'}"}
    upgrade(env["DATABASE_URL"])
    ctx = offline_context(load_settings(env, env_file=None, toml=False))
    declare_incident(ctx, Request(Actor("UANA", "ana")), title="Checkout errors")
    return env


def test_export_into_a_missing_directory_says_so_in_one_line(
    one_incident: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "no" / "such" / "dir" / "INC-1.md"

    result = watchkeeper(
        "export", "INC-1", "--format", "postmortem", "-o", str(target), env=one_incident
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"cannot write {target}: the directory {target.parent} does not exist" in result.stderr


def test_the_demo_does_not_delete_a_database_it_did_not_make(tmp_path: Path) -> None:
    foreign = tmp_path / "demo.db"
    foreign.write_bytes(b"someone's data")

    result = watchkeeper("demo", "--dir", str(tmp_path), env={}, timeout=120)

    assert result.returncode == 2
    assert "choose another directory with --dir" in result.stderr
    assert foreign.read_bytes() == b"someone's data"


@pytest.mark.slow
def test_the_demo_ignores_a_watchkeeper_toml_where_it_is_run_and_reruns_in_its_own_dir(
    tmp_path: Path,
) -> None:
    (tmp_path / "watchkeeper.toml").write_text("this is not [valid toml\n")
    demo_dir = tmp_path / "demo"

    first = watchkeeper("demo", "--dir", str(demo_dir), env={}, cwd=tmp_path, timeout=120)
    again = watchkeeper("demo", "--dir", str(demo_dir), env={}, cwd=tmp_path, timeout=120)

    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    assert "The postmortem draft is at" in again.stdout
