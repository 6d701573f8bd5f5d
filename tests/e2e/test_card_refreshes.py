"""Changes that pile up while Slack is slow reach the pinned card as one edit, showing the last."""

from __future__ import annotations

from tests.e2e.helpers import as_user, declare, settle, text_objects
from tests.fixtures.bot import RunningBot, SignedSlack

from watchkeeper.standin import FakeSlack


def test_card_changes_queued_behind_a_slow_post_make_one_edit_with_the_latest_state(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)
    edits_before = len(fake_slack.calls_to("chat.update"))
    # The first announcement holds the incident's queue while three more changes arrive.
    fake_slack.slow("chat.postMessage", 1.5)

    as_user(slack, "update Rolling back the checkout deploy", channel=channel.id)
    as_user(slack, "impact Some card payments fail in the EU", channel=channel.id)
    as_user(slack, "impact Every card payment fails in the EU", channel=channel.id)
    settle(running_bot, fake_slack, timeout=10)

    edits = fake_slack.calls_to("chat.update")[edits_before:]
    assert len(edits) == 1, edits
    card = fake_slack.pins(channel.id)[0]
    shown = "\n".join(text_objects(card.blocks))
    assert "Every card payment fails in the EU" in shown
    assert "Some card payments fail" not in shown
