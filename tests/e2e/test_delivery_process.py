"""`watchkeeper serve` as operators run it: acks here, side effects from the process it starts.

The real command runs as a subprocess against the Slack stand-in, on SQLite and PostgreSQL.
What an operator sees: one command to start, both processes stopped by one SIGTERM, a dead
delivery process started again, and one `/healthz` and one `/metrics` for the whole bot.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.e2e.helpers import bot_messages, general
from tests.fixtures.bot import BROADCAST, bot_environ, signed_slack
from tests.fixtures.served import Served, running_pid

from watchkeeper.standin import FakeSlack
from watchkeeper.standin.requests import Answer, SignedRequests

pytestmark = pytest.mark.slow


class Serving(Served):
    """`serve`, with a look at its delivery process."""

    def delivery_pid(self, other_than: int | None = None, timeout: float = 60) -> int:
        """The delivery process's pid (a new one, when `other_than` died)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            running = [pid for pid in self.children() if pid != other_than and running_pid(pid)]
            if running:
                return running[0]
            time.sleep(0.05)
        raise AssertionError(f"no delivery process:\n{self.log.read_text()}")


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_text().split("\0")[:-1]


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def served(fake_slack: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[Serving]:
    fake_slack.create_channel(BROADCAST, with_bot=True)
    # On with SQLite too (auto is off there): the same process layout on both databases.
    settings = bot_environ(fake_slack, database_url, WATCHKEEPER_DELIVERY_PROCESS="on")
    running = Serving({**os.environ, **settings}, tmp_path, tmp_path / "serve.log")
    yield running
    running.stop()


def declare(slack: SignedRequests, fake_slack: FakeSlack, title: str, channel_name: str) -> None:
    reply = slack.command(f"declare sev2 {title}", channel=general(fake_slack))
    assert reply.status == 200, reply.body
    channel = fake_slack.wait_for(lambda: fake_slack.channel_by_name(channel_name), timeout=30)
    fake_slack.wait_for(lambda: fake_slack.pins(channel.id), timeout=30)


def test_serve_answers_slack_and_a_second_process_delivers_what_it_owes(
    served: Serving, fake_slack: FakeSlack
) -> None:
    slack = signed_slack(served.url, fake_slack.team_id)
    delivery = served.delivery_pid()

    declare(slack, fake_slack, "Checkout errors", "inc-1-checkout-errors")
    health = slack.get("/healthz")

    assert command_line(delivery)[-10:-6] == ["serve", "--role", "delivery", "--no-migrate"]
    assert health.status == 200, health.body
    assert health.json() == {"status": "ok", "database": "ok", "delivery": "ok"}


def test_metrics_count_the_commands_here_and_the_deliveries_there_once_each(
    served: Serving, fake_slack: FakeSlack
) -> None:
    slack = signed_slack(served.url, fake_slack.team_id)

    declare(slack, fake_slack, "Checkout errors", "inc-1-checkout-errors")
    text = slack.get("/metrics").body

    types = [line for line in text.splitlines() if line.startswith("# TYPE ")]
    assert len(types) == len(set(types)), "a metric family appears twice: Prometheus refuses it"
    assert 'watchkeeper_commands_total{outcome="ok",subcommand="declare"} 1.0' in text
    delivered = re.search(
        r'^watchkeeper_deliveries_total\{destination="slack",outcome="delivered"\} (\S+)$',
        text,
        re.MULTILINE,
    )
    assert delivered is not None and float(delivered.group(1)) >= 1, text
    assert re.search(r"^watchkeeper_open_incidents 1\.0$", text, re.MULTILINE), text


def test_a_delivery_process_that_dies_is_started_again_and_delivers_what_waited(
    served: Serving, fake_slack: FakeSlack
) -> None:
    slack = signed_slack(served.url, fake_slack.team_id)
    first = served.delivery_pid()

    os.kill(first, signal.SIGKILL)
    answers: list[Answer] = []
    # The body of the 503 itself: the child may be back by the next probe.
    wait_for(
        lambda: answers.append(slack.get("/healthz")) or answers[-1].status == 503,
        10,
        "/healthz to tell",
    )
    told = answers[-1].json()["delivery"]
    declare(slack, fake_slack, "Search is slow", "inc-1-search-is-slow")  # while it restarts
    second = served.delivery_pid(other_than=first)
    wait_for(lambda: slack.get("/healthz").status == 200, 30, "/healthz to recover")

    assert second != first
    assert told.startswith(("restarting (exited with -9)", "not answering")), told
    assert "the delivery process exited with -9" in served.log.read_text()


def test_sigterm_stops_both_processes_and_the_next_start_delivers_what_waited(
    served: Serving, fake_slack: FakeSlack
) -> None:
    slack = signed_slack(served.url, fake_slack.team_id)
    delivery = served.delivery_pid()
    declare(slack, fake_slack, "Checkout errors", "inc-1-checkout-errors")
    channel = fake_slack.channel_by_name("inc-1-checkout-errors")
    assert channel is not None

    fake_slack.slow("chat.postMessage", 1.0, times=10)  # still posting when SIGTERM comes
    reply = slack.command("update Rolled back the deploy", channel=channel.id)
    served.process.send_signal(signal.SIGTERM)
    code = served.process.wait(60)
    stopped = not running_pid(delivery)
    again = Served(served.environment, served.workdir, served.workdir / "again.log")
    try:
        posted = fake_slack.wait_for(
            lambda: [
                m
                for m in bot_messages(fake_slack, channel.id)
                if "Rolled back the deploy" in m.text
            ],
            timeout=30,
        )
    finally:
        again.stop()

    assert reply.status == 200, reply.body
    assert code == 0
    assert stopped, "the delivery process outlived serve"
    assert len(posted) == 1


def test_the_delivery_process_stops_when_serve_is_killed(
    served: Serving, fake_slack: FakeSlack
) -> None:
    delivery = served.delivery_pid()

    served.process.send_signal(signal.SIGKILL)
    served.process.wait(10)

    wait_for(lambda: not running_pid(delivery), 30, "the orphaned delivery process to stop")


def test_by_default_only_postgresql_gets_a_delivery_process(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    settings = bot_environ(fake_slack, database_url)
    running = Served({**os.environ, **settings}, tmp_path, tmp_path / "serve.log")
    try:
        children = running.children()
        health = signed_slack(running.url, fake_slack.team_id).get("/healthz").json()
    finally:
        running.stop()

    if database_url.startswith("sqlite"):
        assert children == []
        assert "delivery" not in health and health["courier"] == "ok"
    else:
        assert len(children) == 1
        assert health["delivery"] == "ok"
