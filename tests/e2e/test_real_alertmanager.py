"""Against the real Alertmanager: its notifications declare one incident, and its repeats,
its group changes and its resolutions land on that incident.

The test starts Debian's `prometheus-alertmanager` on loopback with a webhook receiver that
points at the bot (bearer credentials in `http_config.authorization`) and, beside it, at the
receiver stand-in, which keeps what Alertmanager sent and when. Alerts are posted to
Alertmanager's own API (`POST /api/v2/alerts`), as Prometheus does. Short group and repeat
intervals make a repeat come every couple of seconds. Skipped when the binary is absent,
except in CI (`CI=true`), where `.ci/run` installs it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from tests.e2e.helpers import stored, stored_count
from tests.fixtures.bot import RunningBot, StartBot
from tests.fixtures.outside import HOOK_TOKENS, TOKENS

from watchkeeper.domain.timeline import EntryKind
from watchkeeper.reports.timeline import describe
from watchkeeper.standin.receiver import FakeReceiver

pytestmark = pytest.mark.slow

BINARIES = ("prometheus-alertmanager", "alertmanager")
#: Where the test writes the timeline of what Alertmanager sent and what the bot did.
TIMELINE_FILE = "alertmanager-timeline.txt"
UTC_ZONE = ZoneInfo("UTC")


class Alertmanager:
    """A running Alertmanager on loopback."""

    def __init__(self, binary: str, config: dict[str, Any], scratch: Path) -> None:
        (scratch / "data").mkdir()
        config_file = scratch / "alertmanager.yml"
        config_file.write_text(yaml.safe_dump(config))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = scratch / "alertmanager.log"
        self._log = self.log.open("w")
        self._process = subprocess.Popen(  # noqa: S603 - a fixed binary with our own arguments
            [
                binary,
                f"--config.file={config_file}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
                f"--storage.path={scratch / 'data'}",
                "--log.level=debug",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while not self._ready():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"Alertmanager did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """What Prometheus does: POST the alerts to Alertmanager's API."""
        request = urllib.request.Request(  # noqa: S310 - Alertmanager on loopback
            f"{self.url}/api/v2/alerts",
            data=json.dumps(alerts).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            assert response.status == 200

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._log.close()

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:  # noqa: S310 - loopback
                return bool(response.status == 200)
        except OSError:
            return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def alertmanager_binary() -> str:
    found = next((path for name in BINARIES if (path := shutil.which(name))), None)
    if found is None:
        reason = "Alertmanager is not installed (apt-get install prometheus-alertmanager)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture
def captured() -> Iterator[FakeReceiver]:
    """A second webhook of the same receiver: it keeps what Alertmanager sent, and when."""
    with FakeReceiver() as receiver:
        yield receiver


@pytest.fixture
def alertmanager(
    alertmanager_binary: str, start_bot: StartBot, captured: FakeReceiver, tmp_path: Path
) -> Iterator[tuple[Alertmanager, RunningBot]]:
    bot = start_bot(
        toml='[alerts.alertmanager]\nseverity_map = { critical = "SEV1" }\ncomponents_label = "service"\n',
        WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS,
    )
    bearer = {"authorization": {"type": "Bearer", "credentials": TOKENS["alertmanager"]}}
    config = {
        "route": {
            "receiver": "watchkeeper",
            "group_by": ["alertname", "service"],
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": "1s",
        },
        "receivers": [
            {
                "name": "watchkeeper",
                "webhook_configs": [
                    {
                        "url": f"{bot.url}/hooks/alertmanager",
                        "send_resolved": True,
                        "http_config": bearer,
                    },
                    {"url": captured.webhook_url("capture"), "send_resolved": True},
                ],
            }
        ],
    }
    running = Alertmanager(alertmanager_binary, config, tmp_path)
    try:
        yield running, bot
    finally:
        running.stop()


def alert(instance: str, *, ended: bool = False) -> dict[str, Any]:
    now = datetime.now(UTC)
    posted: dict[str, Any] = {
        "labels": {
            "alertname": "CheckoutErrorRate",
            "service": "checkout",
            "severity": "critical",
            "instance": instance,
        },
        "annotations": {"summary": "Checkout error rate above 1%"},
        "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=checkout_errors",
        "startsAt": (now - timedelta(minutes=3)).isoformat(),
    }
    if ended:
        posted["endsAt"] = (now - timedelta(seconds=1)).isoformat()
    return posted


def wait_until(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "Alertmanager's notifications did not get there"
        time.sleep(0.05)
    return found


def test_alertmanager_declares_once_and_its_repeats_changes_and_resolutions_land_on_it(
    alertmanager: tuple[Alertmanager, RunningBot], captured: FakeReceiver, tmp_path: Path
) -> None:
    manager, bot = alertmanager
    started = time.time()
    notes: list[str] = []

    def note(what: str) -> None:
        notes.append(f"{time.time() - started:6.2f}s  test: {what}")

    def entries() -> list[str]:
        return [e.text for e in stored(bot).timeline if e.kind is EntryKind.ALERT]

    note("POST /api/v2/alerts: CheckoutErrorRate on checkout-1")
    manager.post_alerts([alert("checkout-1")])
    wait_until(lambda: stored_count(bot) == 1)
    note("INC-1 declared")
    wait_until(lambda: len(captured.received("webhook:capture")) >= 3)  # two repeats at least
    note("two repeats seen")
    assert stored_count(bot) == 1
    assert len(entries()) == 1

    note("POST /api/v2/alerts: CheckoutErrorRate on checkout-2 joins the group")
    manager.post_alerts([alert("checkout-1"), alert("checkout-2")])
    wait_until(lambda: len(entries()) == 2)
    note("INC-1 has the new alert")

    note("POST /api/v2/alerts: checkout-1 again, endsAt in the past")
    manager.post_alerts([alert("checkout-1", ended=True), alert("checkout-2")])
    wait_until(lambda: len(entries()) == 3)
    note("INC-1 has the resolution")
    seen = len(captured.received("webhook:capture"))
    wait_until(lambda: len(captured.received("webhook:capture")) > seen)
    note("a repeat without checkout-1 seen")

    incident = stored(bot)
    assert stored_count(bot) == 1
    assert incident.title == "CheckoutErrorRate: Checkout error rate above 1%"
    assert incident.severity == "SEV1"
    assert incident.components == ("checkout",)
    assert entries() == [
        "Alert firing: CheckoutErrorRate: Checkout error rate above 1%",
        "Alert firing: CheckoutErrorRate: Checkout error rate above 1% (instance=checkout-2)",
        "Alert resolved: CheckoutErrorRate: Checkout error rate above 1% (instance=checkout-1)",
    ]

    def answered() -> dict[str, int]:
        return {
            sample.labels["outcome"]: int(sample.value)
            for metric in bot.bot.metrics.alert_reports.collect()
            for sample in metric.samples
            if sample.name.endswith("_total")
        }

    # Alertmanager posts to the capture and to the bot side by side: the bot may answer the
    # last repeat a moment after the capture has it.
    wait_until(lambda: answered().get("unchanged", 0) >= 3)
    # Every notification the bot got was one of these; the repeats changed nothing.
    assert answered()["declared"] == 1
    assert answered()["recorded"] == 2
    notes.append(f"{time.time() - started:6.2f}s  bot answered, in all: {answered()}")
    _write_timeline(captured, bot, notes, started, tmp_path)


def _write_timeline(
    captured: FakeReceiver, bot: RunningBot, notes: list[str], started: float, where: Path
) -> None:
    """What Alertmanager sent when, beside what the test did and the bot recorded."""
    lines = list(notes)
    for request in captured.received("webhook:capture"):
        body = request.json()
        alerts = ", ".join(f"{a['labels'].get('instance')}={a['status']}" for a in body["alerts"])
        lines.append(f"{request.at - started:6.2f}s  alertmanager: {body['status']} [{alerts}]")
    for entry in stored(bot).timeline:
        said = describe(entry, names={}, zone=UTC_ZONE)
        lines.append(f"{entry.at.timestamp() - started:6.2f}s  bot: INC-1 {said}")
    if os.environ.get("WATCHKEEPER_KEEP_PAYLOADS"):
        for number, request in enumerate(captured.received("webhook:capture")):
            (where / f"sent-{number}.json").write_bytes(request.body)
    text = "\n".join(sorted(lines, key=lambda line: float(line.split("s", 1)[0])))
    (where / TIMELINE_FILE).write_text(text + "\n")
    print(f"\n{text}")  # shown with `pytest -s`
