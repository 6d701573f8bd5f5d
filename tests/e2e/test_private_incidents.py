"""Private incidents end to end over signed HTTP, on SQLite and PostgreSQL.

A private incident opens a private channel with only the declarer (and those the form names)
in it; the broadcast channel, the status page and webhooks that did not opt in never hear of
it; `/incident list` and the App Home show it only to its channel's members, as
`conversations.members` says. Making an incident private later stops all of that from then on.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.e2e.helpers import (
    as_user,
    bot_messages,
    general,
    settle,
    stored,
    stored_count,
    text_objects,
)
from tests.fixtures.bot import BROADCAST, RunningBot, StartBot, signed_slack

from watchkeeper.clock import FrozenClock
from watchkeeper.services.queries import open_summaries
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.receiver import FakeReceiver
from watchkeeper.standin.requests import SignedRequests
from watchkeeper.standin.state import Channel

#: SEV1 brings ben into every incident's channel; a private one brings nobody but who is named.
SEVERITIES = """
[[severity]]
name = "SEV1"
responders = ["UBEN"]

[[severity]]
name = "SEV2"
responders = ["UBEN"]

[[severity]]
name = "SECURITY"
private = true
responders = ["UBEN"]
"""
PAGE = {"WATCHKEEPER_STATUS_PAGE_NAME": "Acme Status"}
SECRET = "whsec-test-secret"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC))


def started(
    start_bot: StartBot, database_url: str, clock: FrozenClock, toml: str = "", **settings: str
) -> tuple[RunningBot, SignedRequests]:
    bot = start_bot(database_url, toml=SEVERITIES + toml, clock=clock, **settings)
    return bot, signed_slack(bot.url, "T0WATCH")


def opened(fake_slack: FakeSlack, name: str) -> Channel:
    channel = fake_slack.wait_for(lambda: fake_slack.channel_by_name(name))
    fake_slack.wait_for(lambda: fake_slack.pins(channel.id))
    return fake_slack.channel(channel.id)


def home_of(slack: SignedRequests, fake_slack: FakeSlack, user: str) -> list[str]:
    """The incident lines of `user`'s App Home tab, as freshly published."""
    before = fake_slack.home_view(user)
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}
    slack.event({**event, "event_ts": f"{datetime.now(UTC).timestamp():.6f}"})
    home = fake_slack.wait_for(
        lambda: (view := fake_slack.home_view(user)) is not None and view != before and view
    )
    return [t for t in text_objects(home.payload["blocks"]) if "INC-" in t]


def listed(slack: SignedRequests, fake_slack: FakeSlack, user: str) -> str:
    names = {"UANA": "ana", "UBEN": "ben", "UCARA": "cara"}
    reply = slack.command("list", channel=general(fake_slack), user=user, user_name=names[user])
    assert reply.status == 200, reply.body
    return reply.text


def broadcast_texts(fake_slack: FakeSlack) -> list[str]:
    return [m.text for m in bot_messages(fake_slack, BROADCAST)]


# --- declaring ----------------------------------------------------------------------------------


def test_declare_private_opens_a_private_channel_with_the_declarer_alone_and_no_announcement(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str, clock: FrozenClock
) -> None:
    bot, slack = started(start_bot, database_url, clock)
    as_user(slack, "declare sev2 Checkout errors", channel=general(fake_slack))
    public = opened(fake_slack, "inc-1-checkout-errors")

    reply = as_user(slack, "declare --private sev1 Leaked API key", channel=general(fake_slack))

    assert "INC-2" in reply and "private" in reply
    private = opened(fake_slack, "inc-2-leaked-api-key")
    assert private.is_private and not public.is_private
    # Ben is SEV1's named responder: a public SEV1 would bring him in, a private one does not.
    assert private.members == {"UANA", fake_slack.bot_user_id}
    assert "UBEN" in fake_slack.channel(public.id).members
    settle(bot, fake_slack)
    announced = broadcast_texts(fake_slack)
    assert any("INC-1" in text for text in announced)
    assert not any("INC-2" in text or "Leaked" in text for text in announced)
    incident = stored(bot, 2)
    assert (incident.number, incident.private, incident.severity) == (2, True, "SEV1")
    card = fake_slack.pins(private.id)[0]
    assert any(":lock: Private" in text for text in text_objects(card.blocks))


def test_a_severity_marked_private_declares_private_incidents(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str, clock: FrozenClock
) -> None:
    bot, slack = started(start_bot, database_url, clock)

    as_user(slack, "declare security Phishing wave", channel=general(fake_slack))

    channel = opened(fake_slack, "inc-1-phishing-wave")
    assert channel.is_private
    assert "UBEN" not in channel.members
    assert stored(bot).private


def test_the_declare_forms_private_box_and_invite_field(
    start_bot: StartBot, fake_slack: FakeSlack, clock: FrozenClock, sqlite_url: str
) -> None:
    bot, slack = started(start_bot, sqlite_url, clock)
    slack.command("declare --private", channel=general(fake_slack), trigger_id="trigger-private")
    view = fake_slack.wait_for(lambda: fake_slack.views)[0]
    box = next(b for b in view.payload["blocks"] if b.get("block_id") == "private")
    assert box["element"]["initial_options"][0]["value"] == "private", "--private ticks the box"

    values: dict[str, Any] = {
        "title": {"title": {"type": "plain_text_input", "value": "Customer data in logs"}},
        "severity": {"severity": {"type": "static_select", "selected_option": {"value": "SEV2"}}},
        "invite": {"invite": {"type": "multi_users_select", "selected_users": ["UCARA"]}},
        "private": {"private": {"type": "checkboxes", "selected_options": [{"value": "private"}]}},
    }
    submission = {
        "type": "view_submission",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": "UANA", "username": "ana", "name": "ana", "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "token": "unused-verification-token",
        "trigger_id": "trigger-submit",
        "view": {**view.payload, "id": view.id, "state": {"values": values}},
    }

    answer = slack.interaction(submission)

    assert answer.status == 200 and answer.body == ""
    channel = opened(fake_slack, "inc-1-customer-data-in-logs")
    fake_slack.wait_for(lambda: "UCARA" in fake_slack.channel(channel.id).members)
    assert channel.is_private
    assert fake_slack.channel(channel.id).members == {"UANA", "UCARA", fake_slack.bot_user_id}
    assert stored(bot).private


def test_a_mistyped_flag_declares_nothing_and_shows_the_form(
    start_bot: StartBot, fake_slack: FakeSlack, clock: FrozenClock, sqlite_url: str
) -> None:
    bot, slack = started(start_bot, sqlite_url, clock)

    reply = as_user(slack, "declare --privte Leaked API key", channel=general(fake_slack))

    assert "`--privte` is not a flag" in reply
    assert "/incident declare [--private] [SEVERITY] &lt;title&gt;" in reply
    assert stored_count(bot) == 0
    assert [c.name for c in fake_slack.channels if c.name.startswith("inc-")] == []


# --- who sees it ---------------------------------------------------------------------------------


def test_list_and_home_show_a_private_incident_to_its_channels_members_only(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str, clock: FrozenClock
) -> None:
    _bot, slack = started(start_bot, database_url, clock)
    as_user(slack, "declare sev2 Checkout errors", channel=general(fake_slack))
    opened(fake_slack, "inc-1-checkout-errors")
    as_user(slack, "declare --private sev2 Leaked API key", channel=general(fake_slack))
    private = opened(fake_slack, "inc-2-leaked-api-key")

    for_ana = listed(slack, fake_slack, "UANA")
    for_ben = listed(slack, fake_slack, "UBEN")

    assert "INC-1" in for_ana and ":lock: *INC-2* Leaked API key" in for_ana
    assert "INC-1" in for_ben
    assert "INC-2" not in for_ben and "Leaked" not in for_ben
    assert "Open incidents (1)" in for_ben, "the count leaves it out too"
    assert any("INC-2" in line for line in home_of(slack, fake_slack, "UANA"))
    assert not any("INC-2" in line for line in home_of(slack, fake_slack, "UBEN"))

    # Ben is added to the channel; once the bot's short memory of its members lapses, he sees it.
    fake_slack.add_member(private.id, "UBEN")
    clock.advance(timedelta(minutes=2))
    assert "INC-2" in listed(slack, fake_slack, "UBEN")
    assert any("INC-2" in line for line in home_of(slack, fake_slack, "UBEN"))


def test_when_slack_cannot_say_who_is_in_the_channel_nobody_else_is_shown_it(
    start_bot: StartBot, fake_slack: FakeSlack, clock: FrozenClock, sqlite_url: str
) -> None:
    _bot, slack = started(start_bot, sqlite_url, clock)
    as_user(slack, "declare --private sev2 Leaked API key", channel=general(fake_slack))
    private = opened(fake_slack, "inc-1-leaked-api-key")
    fake_slack.add_member(private.id, "UBEN")
    fake_slack.fail("conversations.members", status=503, times=5)

    assert "INC-1" not in listed(slack, fake_slack, "UBEN")
    assert "INC-1" in listed(slack, fake_slack, "UANA"), "its declarer still sees it"
    # Slack answers again: the refusal was not remembered.
    fake_slack.wait_for(lambda: "INC-1" in listed(slack, fake_slack, "UBEN"), timeout=10)


def test_a_page_of_the_list_stays_full_when_private_incidents_are_hidden_from_it(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str, clock: FrozenClock
) -> None:
    bot, slack = started(start_bot, database_url, clock)
    as_user(slack, "declare --private sev2 Leaked API key", channel=general(fake_slack))
    opened(fake_slack, "inc-1-leaked-api-key")
    for title in ("Checkout errors", "Slow search", "Login failures"):
        as_user(slack, f"declare sev2 {title}", channel=general(fake_slack))

    def page(viewer: str) -> tuple[int, list[str]]:
        total, shown = open_summaries(bot.bot.ctx, 2, viewer=viewer)
        return total, [summary.reference for summary in shown]

    assert page("UBEN") == (3, ["INC-2", "INC-3"])
    assert page("UANA") == (4, ["INC-1", "INC-2"])


def test_watchkeeper_list_for_an_operator_shows_private_incidents(
    start_bot: StartBot, fake_slack: FakeSlack, clock: FrozenClock, sqlite_url: str
) -> None:
    bot, slack = started(start_bot, sqlite_url, clock)
    as_user(slack, "declare --private sev2 Leaked API key", channel=general(fake_slack))
    opened(fake_slack, "inc-1-leaked-api-key")

    from watchkeeper.services.queries import open_incidents

    assert [i.reference for i in open_incidents(bot.bot.ctx)] == ["INC-1"]


# --- what it never tells -------------------------------------------------------------------------


def status_json(bot: RunningBot) -> dict[str, Any]:
    with urllib.request.urlopen(f"{bot.url}/status/api/v2/incidents.json", timeout=10) as answer:  # noqa: S310 - loopback
        return dict(json.loads(answer.read()))


def webhook(receiver: FakeReceiver, name: str, *, private: bool) -> str:
    return (
        f'\n[[webhooks]]\nname = "{name}"\nurl = "{receiver.webhook_url(name)}"\n'
        f'secret = "{SECRET}"\nprivate = {str(private).lower()}\n'
    )


def test_a_private_incident_never_reaches_the_status_page_or_webhooks_that_did_not_opt_in(
    start_bot: StartBot,
    fake_slack: FakeSlack,
    database_url: str,
    clock: FrozenClock,
    receiver: FakeReceiver,
) -> None:
    hooks = webhook(receiver, "everyone", private=False) + webhook(receiver, "sec", private=True)
    bot, slack = started(start_bot, database_url, clock, hooks, **PAGE)
    as_user(slack, "declare --private sev2 Leaked API key", channel=general(fake_slack))
    channel = opened(fake_slack, "inc-1-leaked-api-key")

    refused = as_user(slack, "publish Service notice", channel=channel.id)
    as_user(slack, "update Key rotated", channel=channel.id)
    as_user(slack, "resolve Contained", channel=channel.id)
    settle(bot, fake_slack, timeout=15)

    assert "private incidents never go on the status page" in refused
    assert status_json(bot)["incidents"] == []
    receiver.wait_for(lambda: len(receiver.events("webhook:sec")) >= 3, timeout=8)
    events = [e["event"] for e in receiver.events("webhook:sec")]
    assert events[0] == "incident.declared" and "incident.resolved" in events
    assert all(e["incident"]["private"] is True for e in receiver.events("webhook:sec"))
    assert receiver.events("webhook:everyone") == []
    assert not any("INC-1" in text for text in broadcast_texts(fake_slack))
    card = fake_slack.pins(channel.id)[0]
    assert "publish_on_status_page" not in json.dumps(card.blocks)


def test_making_an_incident_private_later_stops_broadcasts_page_and_webhooks_from_then_on(
    start_bot: StartBot,
    fake_slack: FakeSlack,
    database_url: str,
    clock: FrozenClock,
    receiver: FakeReceiver,
) -> None:
    bot, slack = started(
        start_bot, database_url, clock, webhook(receiver, "ops", private=False), **PAGE
    )
    as_user(slack, "declare sev2 Checkout errors", channel=general(fake_slack))
    channel = opened(fake_slack, "inc-1-checkout-errors")
    as_user(slack, "publish Checkout problems", channel=channel.id)
    as_user(slack, "update Looking into it", channel=channel.id)
    settle(bot, fake_slack)
    assert len(status_json(bot)["incidents"]) == 1
    receiver.wait_for(lambda: len(receiver.events("webhook:ops")) >= 3, timeout=8)
    heard = len(receiver.events("webhook:ops"))
    announced = len(broadcast_texts(fake_slack))

    clock.advance(timedelta(minutes=1))  # the page knows a change by its time
    reply = as_user(slack, "private", channel=channel.id)
    as_user(slack, "update Turns out it is a customer's data", channel=channel.id)
    as_user(slack, "resolve Fixed", channel=channel.id)
    settle(bot, fake_slack, timeout=15)

    assert "private from now on" in reply and "off the status page" in reply
    assert status_json(bot)["incidents"] == []
    assert len(receiver.events("webhook:ops")) == heard
    assert len(broadcast_texts(fake_slack)) == announced
    assert "cannot be made public again" in as_user(slack, "private", channel=channel.id)
    assert any(
        ":lock:" in m.text and "private" in m.text for m in bot_messages(fake_slack, channel.id)
    )
    # The channel itself is left as it was: nothing archived, nothing moved.
    assert not fake_slack.channel(channel.id).is_archived
    assert stored(bot).private


def test_without_the_private_channel_scope_the_failure_names_the_fix_and_keeps_the_title_quiet(
    start_bot: StartBot, fake_slack: FakeSlack, clock: FrozenClock, sqlite_url: str
) -> None:
    fake_slack.scopes = fake_slack.scopes - {"groups:write"}
    _bot, slack = started(start_bot, sqlite_url, clock)

    as_user(slack, "declare --private sev2 Leaked API key", channel=general(fake_slack))

    told = fake_slack.wait_for(
        lambda: [t for t in broadcast_texts(fake_slack) if "groups:write" in t], timeout=10
    )
    assert "INC-1" in told[0]
    assert "Leaked" not in told[0]
    assert not [c for c in fake_slack.channels if c.name.startswith("inc-1")]
