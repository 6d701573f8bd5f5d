"""The `watchkeeper` command as an operator runs it: a subprocess with settings in its environment."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import trustme

from watchkeeper.bootstrap import offline_context
from watchkeeper.config import load_settings
from watchkeeper.domain.status import Status
from watchkeeper.services import facts, follow_ups, lifecycle
from watchkeeper.services.context import Actor, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.services.queries import all_incidents
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.requests import SignedRequests
from watchkeeper.store.migrate import upgrade


def watchkeeper(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own entry point with arguments the test wrote
        [sys.executable, "-m", "watchkeeper.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def database(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'wk.db'}"}


@pytest.fixture
def two_incidents(database: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """INC-1 resolved after a full walk through the statuses, INC-2 still open, INC-3 open and
    private."""
    env = {"DATABASE_URL": database["DATABASE_URL"]}
    upgrade(env["DATABASE_URL"])
    ctx = offline_context(load_settings(env, env_file=None))
    ana = Actor("UANA", "ana")
    first = declare_incident(ctx, Request(ana), title="Checkout errors", severity="SEV2")
    declare_incident(ctx, Request(ana), title="Search is slow")
    declare_incident(ctx, Request(ana), title="Leaked API key", private=True)
    with ctx.uow() as uow:
        uow.incidents.set_channel(first.number, "C0INC1", "inc-1-checkout-errors")
        uow.commit()
    here = Request(ana, channel_id="C0INC1")
    facts.assign_role(ctx, here, "commander", "UBEN")
    lifecycle.change_status(ctx, here, Status.IDENTIFIED, "Bad deploy of payments")
    facts.add_note(ctx, here, "Rolled back at 08:50")
    lifecycle.resolve(ctx, here, "Payments flow again")
    return env


ANA = Actor("UANA", "ana")


def newest_migration() -> str:
    """The revision of the newest migration file the package ships (`0004_…py` → `0004`)."""
    versions = Path(__file__).resolve().parents[2] / "src/watchkeeper/store/migrations/versions"
    return sorted(path.name for path in versions.glob("[0-9]*.py"))[-1][:4]


def test_db_upgrade_downgrade_and_current(database: dict[str, str]) -> None:
    assert "none" in watchkeeper("db", "current", env=database).stdout

    upgraded = watchkeeper("db", "upgrade", env=database)
    assert upgraded.returncode == 0, upgraded.stderr
    assert newest_migration() in watchkeeper("db", "current", env=database).stdout

    downgraded = watchkeeper("db", "downgrade", "base", env=database)
    assert downgraded.returncode == 0, downgraded.stderr
    assert "none" in watchkeeper("db", "current", env=database).stdout


def test_list_shows_open_incidents_and_all_with_the_flag(two_incidents: dict[str, str]) -> None:
    open_only = watchkeeper("list", env=two_incidents).stdout
    everything = watchkeeper("list", "--all", env=two_incidents).stdout

    assert "INC-2" in open_only and "Search is slow" in open_only
    assert "INC-1" not in open_only
    # An operator's list shows private incidents too, marked.
    assert re.search(r"INC-3 .*\(private\) Leaked API key", open_only)
    assert re.search(r"INC-1\s+resolved\s+SEV2\s+UBEN", everything)


def test_export_json_holds_every_field_and_entry(two_incidents: dict[str, str]) -> None:
    result = watchkeeper("export", "INC-1", "--format", "json", env=two_incidents)

    document = json.loads(result.stdout)
    assert document["reference"] == "INC-1"
    assert document["status"] == "resolved"
    assert document["severity"] == "SEV2"
    assert document["roles"] == {"commander": "UBEN"}
    assert document["resolution"] == "Payments flow again"
    kinds = [entry["kind"] for entry in document["timeline"]]
    assert kinds == ["declared", "role_assigned", "status_changed", "note", "resolved"]


def test_export_writes_the_postmortem_to_a_file(
    two_incidents: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "INC-1.md"

    result = watchkeeper(
        "export", "inc-1", "--format", "postmortem", "-o", str(target), env=two_incidents
    )

    assert result.returncode == 0, result.stderr
    text = target.read_text()
    assert text.startswith("# INC-1: Checkout errors\nDuration: ")
    assert "## Timeline" in text and "Rolled back at 08:50" in text


@pytest.fixture
def follow_ups_agreed(two_incidents: dict[str, str]) -> dict[str, str]:
    """INC-1 (resolved) with an overdue follow-up of ben's and a done one; INC-2 with cara's."""
    ctx = offline_context(load_settings(two_incidents, env_file=None))
    with ctx.uow() as uow:
        uow.incidents.set_channel(2, "C0INC2", "inc-2-search-is-slow")
        uow.commit()
    today = ctx.now().date()
    first, second = Request(ANA, channel_id="C0INC1"), Request(ANA, channel_id="C0INC2")
    follow_ups.add(ctx, first, "Alert on queue depth", "UBEN", today)
    follow_ups.add(ctx, first, "Canary the payments deploy", "UBEN", today)
    follow_ups.complete(ctx, first, 2)
    follow_ups.add(ctx, second, "Index the search table", "UCARA", today + timedelta(days=9))
    with ctx.uow() as uow:  # a week passes: make the first one overdue as a moved clock would
        incident = uow.incidents.get(1, history=False)
        incident.actions[0].due = today - timedelta(days=7)
        uow.incidents.save(incident)
        uow.commit()
    return two_incidents


def test_actions_lists_follow_ups_across_incidents(follow_ups_agreed: dict[str, str]) -> None:
    table = watchkeeper("actions", env=follow_ups_agreed)
    mine = watchkeeper(
        "actions", "--open", "--owner", "UBEN", "--format", "csv", env=follow_ups_agreed
    )
    overdue = watchkeeper("actions", "--overdue", "--format", "json", env=follow_ups_agreed)

    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["REF", "#", "STATE", "DUE", "OWNER", "FOLLOW-UP"]
    assert "(overdue)" in lines[1] and "Alert on queue depth" in lines[1]
    assert [line.split()[0] for line in lines[1:]] == ["INC-1", "INC-1", "INC-2"]
    assert mine.stdout.splitlines()[0].startswith("incident,action,state,due,overdue,owner")
    assert [row.split(",")[:3] for row in mine.stdout.splitlines()[1:]] == [["INC-1", "1", "open"]]
    [late] = json.loads(overdue.stdout)
    assert (late["incident"], late["action"], late["owner"], late["overdue"]) == (
        "INC-1",
        1,
        "UBEN",
        True,
    )


def test_export_json_includes_the_follow_ups_state(follow_ups_agreed: dict[str, str]) -> None:
    exported = json.loads(watchkeeper("export", "INC-1", env=follow_ups_agreed).stdout)

    assert [(a["text"], a["state"]) for a in exported["actions"]] == [
        ("Alert on queue depth", "open"),
        ("Canary the payments deploy", "done"),
    ]


def test_export_of_an_unknown_incident_says_so(two_incidents: dict[str, str]) -> None:
    result = watchkeeper("export", "INC-99", env=two_incidents)

    assert result.returncode == 2
    assert "No incident INC-99" in result.stderr


def test_list_on_an_unmigrated_database_says_what_to_run(database: dict[str, str]) -> None:
    result = watchkeeper("list", env=database)

    assert result.returncode == 2
    assert "watchkeeper db upgrade" in result.stderr


def test_a_malformed_setting_stops_the_command_naming_the_variable(
    database: dict[str, str],
) -> None:
    result = watchkeeper("list", env={**database, "WATCHKEEPER_REMINDER_INTERVAL": "abc"})

    assert result.returncode == 2
    assert "WATCHKEEPER_REMINDER_INTERVAL" in result.stderr


def test_serve_without_a_token_names_what_is_missing(database: dict[str, str]) -> None:
    env = {**database, "SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""}
    result = watchkeeper("serve", "--mode", "http", env={k: v for k, v in env.items() if v})

    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "SLACK_SIGNING_SECRET" in result.stderr


@pytest.fixture
def served(
    database: dict[str, str], fake_slack: FakeSlack
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {
        **database,
        "SLACK_BOT_TOKEN": fake_slack.token,
        "SLACK_SIGNING_SECRET": "cli-secret",
        "SLACK_API_URL": fake_slack.url,
    }
    with serving(env, "--mode", "http") as started:
        yield started


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`watchkeeper serve <args>` on a free loopback port, until the block ends.

    A variable that `env` sets to "" is left unset.
    """
    environ = {**os.environ, **env}
    for name in [name for name, value in env.items() if not value]:
        del environ[name]
    command = [sys.executable, "-m", "watchkeeper.cli", "serve", *args]
    process = subprocess.Popen(  # noqa: S603 - our own entry point with arguments the test wrote
        [*command, "--host", "127.0.0.1", "--port", "0"],
        env=environ,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    url = ""
    while not url and time.monotonic() < deadline:
        line = process.stderr.readline()
        found = re.search(r"on 127\.0\.0\.1:(\d+)", line)
        if found:
            url = f"http://127.0.0.1:{found.group(1)}"
    assert url, "serve did not say where it listens"
    try:
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def health_of(url: str) -> dict[str, str]:
    """What `/healthz` answers once the server is up."""
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as answer:  # noqa: S310 - loopback
                found: dict[str, str] = json.loads(answer.read())
                return found
        except OSError:
            assert time.monotonic() < deadline, "healthz never answered"
            time.sleep(0.1)


@pytest.mark.slow
def test_serve_answers_health_and_stops_cleanly_on_sigterm(
    served: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = served
    health = health_of(url)

    process.send_signal(signal.SIGTERM)

    assert health["status"] == "ok"
    assert process.wait(30) == 0


@pytest.mark.slow
def test_a_delivery_process_needs_no_signing_secret_and_takes_no_slack_requests(
    database: dict[str, str], fake_slack: FakeSlack
) -> None:
    env = {**database, "SLACK_BOT_TOKEN": fake_slack.token, "SLACK_API_URL": fake_slack.url}
    env = {**env, "SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": ""}
    with serving(env, "--role", "delivery") as (process, url):
        health = health_of(url)
        request = urllib.request.Request(url + "/slack/events", data=b"{}", method="POST")  # noqa: S310 - loopback
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - loopback
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0

    assert health == {"status": "ok", "database": "ok", "courier": "ok", "scheduler": "ok"}
    assert refused.value.code == 404


def test_check_reports_missing_scopes_and_the_fix(database: dict[str, str]) -> None:
    with FakeSlack(scopes=["chat:write", "commands"]) as slack:
        slack.create_channel("incidents")
        upgrade(database["DATABASE_URL"])
        result = watchkeeper(
            "check",
            env={
                **database,
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_API_URL": slack.url,
                "WATCHKEEPER_BROADCAST_CHANNEL": "#incidents",
            },
        )

    assert result.returncode == 1
    assert (
        "[FAIL] scopes: missing channels:history, channels:join, channels:manage" in result.stdout
    )
    assert "reinstall the app" in result.stdout


def test_check_passes_on_a_correct_setup(database: dict[str, str]) -> None:
    with FakeSlack() as slack:
        slack.create_channel("incidents", with_bot=True)
        upgrade(database["DATABASE_URL"])
        result = watchkeeper(
            "check",
            env={
                **database,
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_API_URL": slack.url,
                "WATCHKEEPER_BROADCAST_CHANNEL": "#incidents",
            },
        )

    assert result.returncode == 0, result.stdout
    assert "[FAIL]" not in result.stdout
    assert "#incidents exists and the bot is in it" in result.stdout
    assert "owners nudged at 10:00 on their own clock (weekends too)" in result.stdout
    assert "digest of overdue ones Mondays at 09:00 UTC in #incidents" in result.stdout
    assert (
        "[ok  ] tidying: resolved incidents' channels are kept (WATCHKEEPER_ARCHIVE_AFTER is off); "
        "commanders asked after 1d without a timeline entry"
    ) in result.stdout
    assert (
        "[ok  ] processes: serve delivers side effects and reminders in its own process"
        " (WATCHKEEPER_DELIVERY_PROCESS=auto: SQLite, one writer anyway)"
    ) in result.stdout


def test_check_over_https_trusts_ssl_cert_file_and_says_so_when_unset(
    database: dict[str, str], tmp_path: Path
) -> None:
    authority = trustme.CA()
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(served)
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    upgrade(database["DATABASE_URL"])
    slack = FakeSlack()
    slack.start(tls=served)
    try:
        env = {**database, "SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.url}
        untrusted = watchkeeper("check", env={**env, "SSL_CERT_FILE": str(tmp_path / "none")})
        trusted = watchkeeper("check", env={**env, "SSL_CERT_FILE": str(bundle)})
    finally:
        slack.stop()

    assert untrusted.returncode == 1
    assert "[FAIL] token: Slack did not answer" in untrusted.stdout
    assert "set SSL_CERT_FILE" in untrusted.stdout
    assert trusted.returncode == 0, trusted.stdout
    assert "[ok  ] token: valid for workspace" in trusted.stdout


def test_check_says_when_the_bot_is_not_in_the_broadcast_channel(database: dict[str, str]) -> None:
    with FakeSlack() as slack:
        slack.create_channel("incidents")
        upgrade(database["DATABASE_URL"])
        result = watchkeeper(
            "check",
            env={
                **database,
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_API_URL": slack.url,
                "WATCHKEEPER_BROADCAST_CHANNEL": "#incidents",
            },
        )

    assert "[FAIL] broadcast channel: the bot is not in #incidents" in result.stdout
    assert "/invite @" in result.stdout


@pytest.mark.slow
def test_demo_plays_an_incident_and_says_where_the_postmortem_is(tmp_path: Path) -> None:
    result = watchkeeper("demo", "--dir", str(tmp_path / "demo"), env={}, timeout=120)

    assert result.returncode == 0, result.stderr
    path = re.search(r"The postmortem draft is at (\S+)", result.stdout)
    assert path is not None, result.stdout
    postmortem = Path(path.group(1)).read_text()
    assert postmortem.startswith("# INC-1: Checkout errors for EU customers\nDuration: ")
    assert ":bell:" in result.stdout  # the reminder fired during the quiet time
    assert "INC-1 resolved" in result.stdout


@pytest.mark.slow
def test_sigterm_lets_a_command_in_flight_finish_and_keeps_it(
    served: tuple[subprocess.Popen[str], str], database: dict[str, str], fake_slack: FakeSlack
) -> None:
    process, url = served
    slack = SignedRequests(url, "cli-secret", fake_slack.team_id)
    wait_until_healthy(url)
    sqlite_file = database["DATABASE_URL"].removeprefix("sqlite:///")
    answers: list[str] = []

    # Hold SQLite's write lock so the command is still being handled when SIGTERM arrives.
    holder = sqlite3.connect(sqlite_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    sender = threading.Thread(
        target=lambda: answers.append(slack.command("declare sev2 Checkout errors").text)
    )
    sender.start()
    time.sleep(0.5)  # the command is now waiting for the lock inside the server
    process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    holder.execute("ROLLBACK")
    holder.close()
    sender.join(30)

    assert process.wait(30) == 0
    assert answers and "INC-1" in answers[0]
    ctx = offline_context(load_settings(database, env_file=None))
    assert [incident.title for incident in all_incidents(ctx)] == ["Checkout errors"]


def wait_until_healthy(url: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5):  # noqa: S310 - loopback
                return
        except OSError:
            assert time.monotonic() < deadline, "healthz never answered"
            time.sleep(0.1)
