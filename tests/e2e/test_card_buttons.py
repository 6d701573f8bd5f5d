"""The pinned card's buttons over signed interactivity: each opens its modal, which then acts."""

from __future__ import annotations

from typing import Any

import pytest
from tests.e2e.helpers import bot_messages, declare, settle, stored
from tests.fixtures.bot import BOTH_TRANSPORTS, RunningBot, SignedSlack

from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.standin import FakeSlack

pytestmark = BOTH_TRANSPORTS


def click(channel_id: str, card_ts: str, action_id: str, trigger_id: str) -> dict[str, Any]:
    """A `block_actions` payload: ben clicks a button on the card in the incident channel."""
    return {
        "type": "block_actions",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "token": "unused-verification-token",
        "trigger_id": trigger_id,
        "container": {"type": "message", "message_ts": card_ts, "channel_id": channel_id},
        "channel": {"id": channel_id, "name": "inc-1-checkout-errors"},
        "message": {"type": "message", "ts": card_ts, "text": "INC-1"},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "card-actions",
                "value": "1",
                "action_ts": "1700000000.000001",
            }
        ],
    }


def submit(view: dict[str, Any], view_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """A `view_submission` of a modal the bot opened, with the user's input."""
    return {
        "type": "view_submission",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "token": "unused-verification-token",
        "trigger_id": "trigger-submit",
        "view": {**view, "id": view_id, "state": {"values": values}},
    }


@pytest.mark.parametrize(
    ("action_id", "callback_id"),
    [
        ("open_update_modal", "post_update"),
        ("open_status_modal", "change_status"),
        ("open_severity_modal", "change_severity"),
        ("open_commander_modal", "assign_commander"),
    ],
)
def test_each_card_button_opens_its_modal(
    slack: SignedSlack, fake_slack: FakeSlack, action_id: str, callback_id: str
) -> None:
    channel = declare(slack, fake_slack)
    card = fake_slack.pins(channel.id)[0]

    reply = slack.interaction(click(channel.id, card.ts, action_id, "trigger-button-1"))

    assert reply.status == 200
    view = fake_slack.wait_for(lambda: fake_slack.views, timeout=5)[0]
    assert view.trigger_id == "trigger-button-1"
    assert view.payload["callback_id"] == callback_id


def test_the_update_button_posts_a_formal_update(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    card = fake_slack.pins(channel.id)[0]
    slack.interaction(click(channel.id, card.ts, "open_update_modal", "trigger-button-2"))
    view = fake_slack.wait_for(lambda: fake_slack.views)[0]

    reply = slack.interaction(
        submit(
            view.payload,
            view.id,
            {"message": {"message": {"type": "plain_text_input", "value": "Rolling back"}}},
        )
    )
    settle(running_bot, fake_slack)

    assert reply.status == 200
    last = stored(running_bot).timeline[-1]
    assert (last.kind, last.author, last.text, last.status) == (
        EntryKind.UPDATE,
        "UBEN",
        "Rolling back",
        Status.INVESTIGATING,
    )
    assert "Rolling back" in bot_messages(fake_slack, channel.id)[-1].text
