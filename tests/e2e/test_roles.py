"""One bot split over two processes on one database: `serve --role web` and `--role delivery`.

The web process answers Slack and commits; the delivery process, which nobody can wake from
the other process, finds the side effects and reminders in the database and carries them out.
"""

from __future__ import annotations

import time

import pytest
from tests.e2e.helpers import as_user, general
from tests.e2e.test_reminders import environ, wait_for_reminders
from tests.fixtures.bot import RunningBot, StartBot, signed_slack

from watchkeeper.domain.errors import IncidentNotFound
from watchkeeper.services.outbox import queue_state
from watchkeeper.services.queries import incident_by_number
from watchkeeper.standin import FakeSlack

#: How long the test looks for a channel a process must not open (a delivery takes ~0.1 s).
NOTHING_WITHIN = 1.5


def delivered(bot: RunningBot) -> float:
    """Side effects this process delivered to Slack, as its `/metrics` counts them."""
    return sum(
        sample.value
        for metric in bot.bot.metrics.effects.collect()
        for sample in metric.samples
        if sample.name.endswith("_total") and sample.labels["outcome"] == "delivered"
    )


@pytest.fixture
def web(start_bot: StartBot, database_url: str) -> RunningBot:
    return start_bot(database_url, role="web", WATCHKEEPER_REMINDER_INTERVAL="2s")


@pytest.mark.slow
def test_the_delivery_process_carries_out_what_the_web_process_took(
    web: RunningBot, fake_slack: FakeSlack, database_url: str
) -> None:
    slack = signed_slack(web.url, fake_slack.team_id)
    reply = as_user(slack, "declare sev2 Checkout errors", channel=general(fake_slack))

    # Alone, the web process stores the incident and its effects but posts nothing.
    assert "INC-1" in reply
    assert incident_by_number(web.bot.ctx, 1).incident.title == "Checkout errors"
    time.sleep(NOTHING_WITHIN)
    assert fake_slack.channel_by_name("inc-1-checkout-errors") is None
    assert queue_state(web.bot.ctx)[0] > 0

    delivery = RunningBot(environ(fake_slack, database_url), role="delivery")
    try:
        channel = fake_slack.wait_for(lambda: fake_slack.channel_by_name("inc-1-checkout-errors"))
        fake_slack.wait_for(lambda: fake_slack.pins(channel.id))
        as_user(slack, "update Rolled back the deploy", channel=channel.id)
        fake_slack.wait_for(
            lambda: any("Rolled back the deploy" in m.text for m in fake_slack.messages(channel.id))
        )
        # Reminders are planned from the database: the web process never told this one.
        wait_for_reminders(fake_slack, channel.id, 1)
        fake_slack.wait_for(lambda: queue_state(web.bot.ctx)[0] == 0)
    finally:
        delivery.stop()

    assert delivered(web) == 0
    assert delivered(delivery) >= 4  # channel, card, announcement, update, reminder


def test_each_role_reports_the_parts_it_runs(
    web: RunningBot, fake_slack: FakeSlack, database_url: str
) -> None:
    delivery = RunningBot(environ(fake_slack, database_url), role="delivery")
    try:
        web_health = signed_slack(web.url, fake_slack.team_id).get("/healthz")
        delivery_health = signed_slack(delivery.url, fake_slack.team_id).get("/healthz")
        refused = signed_slack(delivery.url, fake_slack.team_id).command(
            "declare Checkout errors", channel=general(fake_slack), user="UANA", user_name="ana"
        )
    finally:
        delivery.stop()

    assert (web_health.status, web_health.json()) == (200, {"status": "ok", "database": "ok"})
    assert (delivery_health.status, delivery_health.json()) == (
        200,
        {"status": "ok", "database": "ok", "courier": "ok", "scheduler": "ok"},
    )
    # A delivery process takes no requests from Slack: nothing declared through it.
    assert refused.status == 404
    with pytest.raises(IncidentNotFound):
        incident_by_number(web.bot.ctx, 1)
