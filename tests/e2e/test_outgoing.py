"""Incidents out: webhooks and paging services hear of every event, signed, in order, once.

The receivers are the stand-in (`watchkeeper.standin.receiver`): webhook endpoints, PagerDuty's
Events API v2 and Opsgenie's Alerts API on loopback, which keep what they got and fail on cue.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from tests.e2e.helpers import as_user, declare, general, settle, stored
from tests.fixtures.bot import RunningBot, StartBot, signed_slack
from tests.fixtures.databases import throwaway_postgres
from tests.fixtures.outside import HOOK_TOKENS, payload, post_hook

from watchkeeper.clock import FrozenClock
from watchkeeper.outgoing.webhooks import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, verify
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.receiver import OPSGENIE, PAGERDUTY, FakeReceiver

SECRET = "whsec-test-secret"
ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"
GENIE_KEY = "eb243592-faa2-4ba2-a551q-1afdf565c889"
OPS = "webhook:ops"

SEVERITIES = """
[[severity]]
name = "SEV1"
page = true

[[severity]]
name = "SEV2"

[[severity]]
name = "SEV3"
"""


def webhook(receiver: FakeReceiver, name: str = "ops", **options: str) -> str:
    lines = [f'url = "{receiver.webhook_url(name)}"', f'secret = "{SECRET}"', f'name = "{name}"']
    lines += [f"{key} = {value}" for key, value in options.items()]
    return "\n[[webhooks]]\n" + "\n".join(lines) + "\n"


def paging(receiver: FakeReceiver) -> dict[str, str]:
    return {
        "WATCHKEEPER_PAGERDUTY_ROUTING_KEY": ROUTING_KEY,
        "WATCHKEEPER_PAGERDUTY_URL": receiver.pagerduty_url,
        "WATCHKEEPER_OPSGENIE_API_KEY": GENIE_KEY,
        "WATCHKEEPER_OPSGENIE_URL": receiver.opsgenie_url,
    }


def wait_for_events(
    receiver: FakeReceiver, count: int, target: str = OPS, timeout: float = 8
) -> list[dict[str, Any]]:
    receiver.wait_for(lambda: len(receiver.events(target)) >= count, timeout=timeout)
    return receiver.events(target)


def readme_verify() -> Callable[[str, str, bytes], bool]:
    """The `verify` function of the README's webhook section, as an operator would paste it."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Webhooks and paging", 1)[1].split("\n## ", 1)[0]
    snippet = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert snippet is not None, "the README shows how to verify a signature"
    namespace: dict[str, Any] = {}
    exec(snippet.group(1), namespace)  # noqa: S102 - our own README's snippet, under test
    verify_snippet: Callable[[str, str, bytes], bool] = namespace["verify"]
    return verify_snippet


def tried(receiver: FakeReceiver, target: str) -> int:
    return len(receiver.received(target, accepted=False))


def wait_retried(bot: RunningBot, times: int, target: str = OPS) -> None:
    """Wait until the bot has settled `times` failed deliveries to `target` as retries: only
    then has it chosen when to try again, so moving its clock makes the next try due."""
    counter = bot.bot.metrics.deliveries.labels(target, "retried")
    deadline = time.monotonic() + 8
    while counter._value.get() < times:
        assert time.monotonic() < deadline, f"{target} was not retried {times} times"
        time.sleep(0.01)


LIFECYCLE = [
    "status identified Bad deploy found",
    "update Rolling back",
    "severity sev1",
    "commander <@UBEN|ben>",
    "action Add a canary stage <@UCARA|cara>",
    "note Not an event: notes stay in Slack",
    "resolve Rolled back",
    "reopen Errors are back",
]
LIFECYCLE_EVENTS = [
    "incident.declared",
    "incident.status_changed",
    "incident.updated",
    "incident.severity_changed",
    "incident.role_assigned",
    "incident.action_added",
    "incident.resolved",
    "incident.reopened",
]


def test_every_incident_event_reaches_the_webhook_signed_and_in_order(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver
) -> None:
    bot = start_bot(toml=SEVERITIES + webhook(receiver))
    slack = signed_slack(bot.url, fake_slack.team_id)
    channel = declare(slack, fake_slack, "declare sev2 Checkout errors")
    for command in LIFECYCLE:
        as_user(slack, command, channel=channel.id)

    events = wait_for_events(receiver, len(LIFECYCLE_EVENTS))
    requests = receiver.received(OPS)

    assert [e["event"] for e in events] == LIFECYCLE_EVENTS
    documented = readme_verify()
    for request in requests:
        signature = request.headers[SIGNATURE_HEADER.lower()]
        # The receiver's check, exactly as the README shows it, and the module's own.
        assert documented(SECRET, signature, request.body)
        assert not documented("another-secret", signature, request.body)
        assert not documented(SECRET, signature, request.body.replace(b"INC-1", b"INC-2"))
        assert verify(SECRET, signature, request.body, now=time.time())
        assert request.headers[EVENT_HEADER.lower()] == request.json()["event"]
        assert request.headers[DELIVERY_HEADER.lower()] == request.json()["id"]
        assert request.headers["content-type"] == "application/json"
    assert len({e["id"] for e in events}) == len(events)
    declared = events[0]
    assert set(declared) == {"event", "id", "occurred_at", "incident", "entry"}
    assert declared["occurred_at"].endswith("Z")
    # The event does not wait for Slack: the channel may not exist yet when it goes out.
    assert declared["incident"].pop("channel_id") in (None, channel.id)
    assert declared["incident"] == {
        "reference": "INC-1",
        "number": 1,
        "title": "Checkout errors",
        "status": "investigating",
        "severity": "SEV2",
        "commander": None,
        "components": [],
        "private": False,
    }
    assert events[1]["incident"]["channel_id"] == channel.id
    assert declared["entry"]["kind"] == "declared"
    assert declared["entry"]["author"] == "UANA"
    assert events[4]["incident"]["commander"] == "UBEN"
    assert events[4]["entry"]["detail"]["role"] == "commander"
    assert events[6]["incident"]["status"] == "resolved"
    assert events[6]["entry"]["text"] == "Rolled back"


def test_a_webhook_hears_only_the_events_and_levels_it_asks_for(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver
) -> None:
    hooks = webhook(receiver, "ends", events='["incident.resolved", "reopened"]')
    hooks += webhook(receiver, "sev1", severities='["SEV1"]')
    bot = start_bot(toml=SEVERITIES + hooks)
    slack = signed_slack(bot.url, fake_slack.team_id)
    minor = declare(slack, fake_slack, "declare sev3 Slow search", channel_name="inc-1-slow-search")
    as_user(slack, "resolve Fine again", channel=minor.id)
    major = declare(
        slack, fake_slack, "declare sev1 Payments down", channel_name="inc-2-payments-down"
    )
    as_user(slack, "update Card payments fail", channel=major.id)
    settle(bot, fake_slack)

    ends = [(e["event"], e["incident"]["reference"]) for e in receiver.events("webhook:ends")]
    sev1 = [(e["event"], e["incident"]["reference"]) for e in receiver.events("webhook:sev1")]
    assert ends == [("incident.resolved", "INC-1")]
    assert sev1 == [("incident.declared", "INC-2"), ("incident.updated", "INC-2")]


def test_a_severity_that_pages_triggers_pagerduty_and_opsgenie_and_resolving_withdraws_it(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver
) -> None:
    bot = start_bot(toml=SEVERITIES, **paging(receiver))
    slack = signed_slack(bot.url, fake_slack.team_id)
    channel = declare(slack, fake_slack, "declare sev2 Checkout errors")
    settle(bot, fake_slack)
    assert receiver.received() == []  # SEV2 does not page

    as_user(slack, "severity sev1", channel=channel.id)
    receiver.wait_for(lambda: receiver.pages() and receiver.opsgenie_alerts())
    as_user(slack, "severity sev2", channel=channel.id)
    as_user(slack, "resolve Rolled back", channel=channel.id)
    receiver.wait_for(lambda: receiver.pages() == {"INC-1": "resolved"})
    receiver.wait_for(lambda: receiver.opsgenie_alerts()["INC-1"]["status"] == "closed")

    trigger, resolve = [r.json() for r in receiver.received(PAGERDUTY)]
    assert trigger["routing_key"] == ROUTING_KEY
    assert trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == "INC-1"
    assert trigger["payload"]["summary"] == "INC-1: Checkout errors"
    assert trigger["payload"]["severity"] == "critical"
    assert trigger["payload"]["source"] == "watchkeeper"
    assert trigger["links"] == [
        {
            "href": f"https://slack.com/app_redirect?channel={channel.id}",
            "text": "#inc-1-checkout-errors",
        }
    ]
    assert resolve == {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": "INC-1"}
    create, close = receiver.received(OPSGENIE)
    assert create.headers["authorization"] == f"GenieKey {GENIE_KEY}"
    assert create.json()["alias"] == "INC-1"
    assert create.json()["priority"] == "P1"
    assert close.path == "/opsgenie/v2/alerts/INC-1/close"
    assert close.query == "identifierType=alias"


def test_a_slack_outage_holds_back_neither_pages_nor_webhooks(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver
) -> None:
    bot = start_bot(toml=SEVERITIES + webhook(receiver), **paging(receiver))
    slack = signed_slack(bot.url, fake_slack.team_id)
    fake_slack.go_down()

    as_user(slack, "declare sev1 Payments down", channel=general(fake_slack))
    events = wait_for_events(receiver, 1)
    receiver.wait_for(lambda: receiver.pages() == {"INC-1": "triggered"})

    assert events[0]["event"] == "incident.declared"
    assert events[0]["incident"]["channel_id"] is None  # Slack has not made it yet
    assert "links" not in receiver.received(PAGERDUTY)[0].json()
    assert fake_slack.channel_by_name("inc-1-payments-down") is None
    fake_slack.come_back()
    fake_slack.wait_for(lambda: fake_slack.channel_by_name("inc-1-payments-down"), timeout=25)


def test_a_receiver_down_for_a_minute_gets_every_event_in_order_once_back_and_slack_never_waits(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver
) -> None:
    clock = FrozenClock(datetime.now(UTC))
    bot = start_bot(toml=SEVERITIES + webhook(receiver), clock=clock)
    slack = signed_slack(bot.url, fake_slack.team_id)
    receiver.go_down(OPS)  # hangs up on every request

    channel = declare(slack, fake_slack, "declare sev2 Checkout errors")
    for command in LIFECYCLE[:3]:
        as_user(slack, command, channel=channel.id)
    settle_slack = lambda: fake_slack.wait_for(  # noqa: E731 - a named wait reads better inline
        lambda: sum("Rolling back" in m.text for m in fake_slack.messages(channel.id))
    )
    settle_slack()  # Slack heard everything while the receiver was down
    wait_retried(bot, 1)
    clock.advance(timedelta(seconds=60))  # a minute down: the retry fails again
    wait_retried(bot, 2)
    receiver.come_back(OPS)
    clock.advance(timedelta(seconds=30))

    events = wait_for_events(receiver, 4)

    assert [e["event"] for e in events] == LIFECYCLE_EVENTS[:4]
    assert len({e["id"] for e in events}) == 4
    assert all(not r.accepted for r in receiver.received(OPS, accepted=False)[:2])
    metrics = _metrics(bot)
    assert 'watchkeeper_deliveries_total{destination="webhook:ops",outcome="retried"}' in metrics


def test_a_webhook_that_is_gone_is_set_aside_and_the_channel_told_the_fix(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver
) -> None:
    bot = start_bot(toml=SEVERITIES + webhook(receiver))
    slack = signed_slack(bot.url, fake_slack.team_id)
    receiver.fail(OPS, 410)

    channel = declare(slack, fake_slack, "declare sev2 Checkout errors")
    notice = fake_slack.wait_for(
        lambda: [m.text for m in fake_slack.messages(channel.id) if ":warning:" in m.text]
    )
    as_user(slack, "update Rolling back", channel=channel.id)

    assert "could not tell a webhook receiver about this incident" in notice[0]
    assert "answered 410 Gone" in notice[0]
    assert "remove its [[webhooks]] table" in notice[0]
    assert wait_for_events(receiver, 1)[0]["event"] == "incident.updated"  # the queue moved on
    assert tried(receiver, OPS) == 2
    metrics = _metrics(bot)
    assert (
        'watchkeeper_deliveries_total{destination="webhook:ops",outcome="abandoned"} 1.0' in metrics
    )


def test_a_webhook_refusing_with_a_4xx_is_tried_three_times_then_set_aside(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver
) -> None:
    clock = FrozenClock(datetime.now(UTC))
    bot = start_bot(toml=SEVERITIES + webhook(receiver), clock=clock)
    slack = signed_slack(bot.url, fake_slack.team_id)
    receiver.fail(OPS, 400, times=5)

    channel = declare(slack, fake_slack, "declare sev2 Checkout errors")
    for attempt in (1, 2):
        wait_retried(bot, attempt)
        clock.advance(timedelta(seconds=30))
    notice = fake_slack.wait_for(
        lambda: [m.text for m in fake_slack.messages(channel.id) if ":warning:" in m.text]
    )

    assert tried(receiver, OPS) == 3
    assert "answered 400 Bad Request" in notice[0]
    assert "(refused 3 times)" in notice[0]


def test_paging_services_that_refuse_the_key_name_the_setting_in_the_channel(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver
) -> None:
    receiver.fail(PAGERDUTY, 400)  # PagerDuty's answer to an unknown routing key
    settings = {**paging(receiver), "WATCHKEEPER_OPSGENIE_API_KEY": "not-the-key"}
    strict = FakeReceiver(genie_key=GENIE_KEY)
    strict.start()
    try:
        settings["WATCHKEEPER_OPSGENIE_URL"] = strict.opsgenie_url
        bot = start_bot(toml=SEVERITIES, **settings)
        slack = signed_slack(bot.url, fake_slack.team_id)
        channel = declare(
            slack, fake_slack, "declare sev1 Payments down", channel_name="inc-1-payments-down"
        )
        notices = fake_slack.wait_for(
            lambda: (
                found
                if len(
                    found := [
                        m.text for m in fake_slack.messages(channel.id) if ":warning:" in m.text
                    ]
                )
                == 2
                else None
            )
        )
    finally:
        strict.stop()

    told = "\n".join(notices)
    assert "could not page the on-call through PagerDuty" in told
    assert "WATCHKEEPER_PAGERDUTY_ROUTING_KEY" in told
    assert "could not alert the on-call through Opsgenie" in told
    assert "set WATCHKEEPER_OPSGENIE_API_KEY to a valid one" in told
    assert "not-the-key" not in told
    metrics = _metrics(bot)
    assert (
        'watchkeeper_deliveries_total{destination="pagerduty",outcome="abandoned"} 1.0' in metrics
    )
    assert 'watchkeeper_deliveries_total{destination="opsgenie",outcome="abandoned"} 1.0' in metrics


def test_an_incident_declared_from_alerts_pages_at_its_level(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver
) -> None:
    rules = '[alerts.alertmanager]\nseverity_map = { critical = "SEV1" }\n'
    bot = start_bot(
        toml=SEVERITIES + rules + webhook(receiver),
        WATCHKEEPER_HOOK_TOKENS=HOOK_TOKENS,
        **paging(receiver),
    )

    answer = post_hook(bot.url, "alertmanager", payload("alertmanager-firing"))
    receiver.wait_for(lambda: receiver.pages() == {"INC-1": "triggered"})
    events = wait_for_events(receiver, 1)

    assert answer.body["outcome"] == "declared"
    assert events[0]["entry"]["author"] == "alertmanager"
    assert events[0]["incident"]["severity"] == "SEV1"
    assert stored(bot).severity == "SEV1"


@pytest.mark.postgres
def test_two_replicas_deliver_each_event_exactly_once_in_order(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver, postgres_url: str
) -> None:
    hooks = webhook(receiver)
    first = start_bot(postgres_url, toml=SEVERITIES + hooks)
    second = start_bot(postgres_url, toml=SEVERITIES + hooks)
    slacks = [signed_slack(bot.url, fake_slack.team_id) for bot in (first, second)]
    channels = [
        declare(
            slacks[n % 2],
            fake_slack,
            f"declare sev2 Outage {n}",
            channel_name=f"inc-{n + 1}-outage-{n}",
        )
        for n in range(3)
    ]
    for step, command in enumerate(LIFECYCLE):
        for n, channel in enumerate(channels):
            as_user(slacks[(step + n) % 2], command, channel=channel.id)

    events = wait_for_events(receiver, 3 * len(LIFECYCLE_EVENTS), timeout=20)
    settle(first, fake_slack, timeout=20)
    time.sleep(0.5)  # a double delivery would arrive now

    assert len(receiver.events(OPS)) == 3 * len(LIFECYCLE_EVENTS)
    assert max(Counter(e["id"] for e in events).values()) == 1
    for reference in ("INC-1", "INC-2", "INC-3"):
        own = [e["event"] for e in events if e["incident"]["reference"] == reference]
        assert own == LIFECYCLE_EVENTS, reference
    assert tried(receiver, OPS) == len(events)
    delivered = [
        bot.bot.metrics.deliveries.labels(OPS, "delivered")._value.get() for bot in (first, second)
    ]
    assert sum(delivered) == len(events)


@pytest.fixture
def postgres_url(postgres_admin: Engine) -> Iterator[str]:
    """A PostgreSQL database for the replicas of one test (PostgreSQL only: they are replicas)."""
    with throwaway_postgres(postgres_admin) as url:
        yield url


def _metrics(bot: RunningBot) -> str:
    import urllib.request

    with urllib.request.urlopen(f"{bot.url}/metrics", timeout=10) as response:  # noqa: S310 - loopback
        return str(response.read().decode())


def test_a_wrong_paging_address_names_its_setting_in_the_channel(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver
) -> None:
    wrong = {**paging(receiver), "WATCHKEEPER_PAGERDUTY_URL": f"{receiver.root}/v2/enqueue"}
    bot = start_bot(toml=SEVERITIES, **wrong)
    slack = signed_slack(bot.url, fake_slack.team_id)

    channel = declare(
        slack, fake_slack, "declare sev1 Payments down", channel_name="inc-1-payments-down"
    )
    notice = fake_slack.wait_for(
        lambda: [m.text for m in fake_slack.messages(channel.id) if "PagerDuty" in m.text]
    )
    receiver.wait_for(lambda: receiver.opsgenie_alerts())  # Opsgenie is not held back

    assert "PagerDuty answered 404 Not Found" in notice[0]
    assert "WATCHKEEPER_PAGERDUTY_URL is wrong" in notice[0]


def test_publishing_on_the_status_page_is_an_event(
    start_bot: StartBot, fake_slack: FakeSlack, receiver: FakeReceiver
) -> None:
    bot = start_bot(
        toml=SEVERITIES + webhook(receiver, events='["incident.published"]'),
        WATCHKEEPER_STATUS_PAGE_NAME="Acme Status",
    )
    slack = signed_slack(bot.url, fake_slack.team_id)
    channel = declare(slack, fake_slack, "declare sev2 Checkout errors")

    as_user(slack, "publish Payments are slow for some customers", channel=channel.id)
    [published] = wait_for_events(receiver, 1)

    assert published["event"] == "incident.published"
    assert published["entry"]["text"] == "Payments are slow for some customers"
    assert published["incident"]["reference"] == "INC-1"
