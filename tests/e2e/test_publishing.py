"""Publishing the reports, over signed HTTP against the fake Slack: again after late edits, with
the operator's own template, and for incidents too long for one Slack message.

Slack's limits checked here: a message's `text` is cut at 40,000 characters, a section's text
may hold 3,000. Long incidents are seeded through the unit of work in one transaction (thousands
of commands over HTTP would only make the test slow), then resolved through `/incident`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from tests.e2e.helpers import as_user, declare, settle, stored, text_objects
from tests.fixtures.bot import BROADCAST, RunningBot, SignedSlack, bot_environ, signed_slack

from watchkeeper.standin import FakeSlack

#: Slack cuts a message's text here; a section block's text may hold 3,000 characters.
SLACK_TEXT_LIMIT = 40_000
SLACK_SECTION_LIMIT = 3_000
CUT = "(… cut; the full text is on the timeline)"
#: 100 KB of text a responder pasted (a log excerpt), as one line.
PASTED = ("GET /checkout 502 upstream timed out " * 2703)[:100_000]

OPERATOR_TEMPLATE = """\
ACME incident review {{ reference }}
What happened: {{ title }}
Why: {{ cause or to_fill("the cause") }}
{% for line in timeline %}
{{ line }}
{% endfor %}
"""


def postmortems(fake_slack: FakeSlack) -> list[str]:
    """The postmortem drafts uploaded so far, oldest first."""
    return [f.text for f in fake_slack.files.values() if f.filename.endswith("-postmortem.md")]


def wait_for_uploads(fake_slack: FakeSlack, count: int, timeout: float = 10) -> None:
    """Wait until `count` files have been uploaded and shared (their content has arrived)."""
    fake_slack.wait_for(
        lambda: sum(f.completed for f in fake_slack.files.values()) == count, timeout=timeout
    )


def resolve_and_wait(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot, channel_id: str
) -> None:
    as_user(slack, "resolve Payments are flowing again", channel=channel_id)
    wait_for_uploads(fake_slack, 2, timeout=30)
    settle(running_bot, fake_slack, timeout=30)


def seed_notes(running_bot: RunningBot, count: int, text: str) -> None:
    """Give INC-1 `count` notes by dev, a millisecond apart, in one transaction."""
    ctx = running_bot.bot.ctx
    with ctx.uow() as uow:
        incident = uow.incidents.get(1)
        for i in range(count):
            at = incident.declared_at + timedelta(milliseconds=i + 1)
            incident.add_note(f"{text} {i + 1:04d}", by="UDEV", at=at)
        uow.incidents.save(incident)
        uow.commit()


# --- publishing again --------------------------------------------------------------------


def test_postmortem_publishes_new_files_from_the_current_data(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "cause A bad deploy", channel=channel.id)
    resolve_and_wait(slack, fake_slack, running_bot, channel.id)
    as_user(slack, "cause A config flag disabled payment retries", channel=channel.id)

    reply = as_user(slack, "postmortem", channel=channel.id)
    wait_for_uploads(fake_slack, 4)

    assert reply == "Publishing the INC-1 reports from the current data."
    first, again = postmortems(fake_slack)
    assert "## Root cause\n\nA bad deploy\n" in first
    assert "## Root cause\n\nA config flag disabled payment retries\n" in again


def test_postmortem_outside_an_incident_channel_publishes_nothing(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    declare(slack, fake_slack)

    reply = as_user(slack, "postmortem", channel="C0GENERAL")
    settle(running_bot, fake_slack)

    assert "works in an incident channel" in reply
    assert fake_slack.files == {}


# --- the operator's template ---------------------------------------------------------------


@pytest.fixture
def templated_bot(
    fake_slack: FakeSlack, tmp_path: Path
) -> Iterator[tuple[RunningBot, dict[str, str]]]:
    """The bot with WATCHKEEPER_POSTMORTEM_TEMPLATE pointing at the operator's own file."""
    template = tmp_path / "acme-postmortem.md.j2"
    template.write_text(OPERATOR_TEMPLATE)
    fake_slack.create_channel(BROADCAST, with_bot=True)
    environ = bot_environ(
        fake_slack,
        f"sqlite:///{tmp_path / 'watchkeeper.db'}",
        WATCHKEEPER_POSTMORTEM_TEMPLATE=str(template),
    )
    bot = RunningBot(environ)
    try:
        yield bot, environ
    finally:
        bot.stop()


def resolved_with_template(
    fake_slack: FakeSlack, templated: tuple[RunningBot, dict[str, str]]
) -> str:
    """Declare, record a cause, resolve; return the channel's ID."""
    running_bot, _ = templated
    slack = signed_slack(running_bot.url, fake_slack.team_id)
    channel = declare(slack, fake_slack)
    as_user(slack, "cause Expired certificate", channel=channel.id)
    resolve_and_wait(slack, fake_slack, running_bot, channel.id)
    return channel.id


def expected_review(running_bot: RunningBot) -> str:
    """The operator's template filled in by hand from the stored times."""
    timeline = stored(running_bot).timeline
    declared, cause, resolved = (e.at for e in timeline)
    day = f"{declared:%b} {declared.day}, {declared.year}"
    return (
        "ACME incident review INC-1\n"
        "What happened: Checkout errors\n"
        "Why: Expired certificate\n"
        f"- {day} {declared:%H:%M} UTC — Declared by @ana at SEV2: Checkout errors\n"
        f"- {cause:%H:%M} UTC — Root cause: Expired certificate (by @ana)\n"
        f"- {resolved:%H:%M} UTC — Resolved: Payments are flowing again (by @ana)\n"
    )


def test_resolving_publishes_the_postmortem_from_the_operators_template(
    fake_slack: FakeSlack, templated_bot: tuple[RunningBot, dict[str, str]]
) -> None:
    resolved_with_template(fake_slack, templated_bot)

    assert postmortems(fake_slack) == [expected_review(templated_bot[0])]


def test_export_writes_the_postmortem_from_the_operators_template(
    fake_slack: FakeSlack, templated_bot: tuple[RunningBot, dict[str, str]]
) -> None:
    resolved_with_template(fake_slack, templated_bot)
    running_bot, environ = templated_bot

    exported = subprocess.run(
        [sys.executable, "-m", "watchkeeper.cli", "export", "INC-1", "--format", "postmortem"],
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == expected_review(running_bot)


# --- long incidents --------------------------------------------------------------------------


def posted_texts(fake_slack: FakeSlack) -> list[str]:
    return [str(args.get("text", "")) for args in fake_slack.calls_to("chat.postMessage")]


def test_a_100_kb_note_is_told_in_the_channel_shortened_and_kept_whole(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)

    as_user(slack, f"note {PASTED}", channel=channel.id)
    settle(running_bot, fake_slack)

    told = posted_texts(fake_slack)[-1]
    assert told.startswith(":memo: Note from <@UANA>\n>GET /checkout 502")
    assert told.endswith(CUT)
    assert len(told) <= SLACK_TEXT_LIMIT
    assert stored(running_bot).timeline[-1].text == PASTED


def test_a_100_kb_update_is_broadcast_shortened(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)

    as_user(slack, f"update {PASTED}", channel=channel.id)
    settle(running_bot, fake_slack)

    [broadcast] = [m.text for m in fake_slack.messages(BROADCAST) if "update" in m.text]
    assert broadcast.startswith(
        f":mega: *INC-1 update* (Investigating) from <@UANA> in <#{channel.id}>"
    )
    assert broadcast.endswith(CUT)
    assert len(broadcast) <= SLACK_TEXT_LIMIT


def test_a_100_kb_resolution_is_summarised_shortened_in_the_broadcast_channel(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)

    as_user(slack, f"resolve {PASTED}", channel=channel.id)
    wait_for_uploads(fake_slack, 2)
    settle(running_bot, fake_slack)

    [summary] = [m.text for m in fake_slack.messages(BROADCAST) if "resolved" in m.text]
    assert summary.startswith(":white_check_mark: *INC-1 resolved*")
    assert summary.endswith(CUT)
    assert len(summary) <= SLACK_TEXT_LIMIT


def test_a_100_kb_impact_fits_the_cards_section_and_leaves_room_for_the_cause(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, f"impact {PASTED}", channel=channel.id)

    as_user(slack, "cause Expired certificate", channel=channel.id)
    settle(running_bot, fake_slack)

    card = fake_slack.pins(channel.id)[0]
    [facts] = [t for t in text_objects(card.blocks) if t.startswith("*Impact:*")]
    impact, components, cause = facts.split("\n")
    assert impact.startswith("*Impact:* GET /checkout 502")
    assert impact.endswith(CUT)
    assert (components, cause) == ("*Components:* _none named_", "*Cause:* Expired certificate")
    assert all(len(text) <= SLACK_SECTION_LIMIT for text in text_objects(card.blocks))


def test_the_timeline_reply_for_thousands_of_long_entries_shows_the_last_40_within_limits(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    seed_notes(running_bot, 3000, "Checked a shard; nothing unusual. " * 60)

    reply = as_user(slack, "timeline", channel=channel.id)

    head, *lines = reply.splitlines()
    assert head.startswith("*INC-1 timeline* (3001 entries), the last 40;")
    assert len(lines) == 40
    assert lines[-1].endswith(CUT)
    assert len(reply) <= SLACK_TEXT_LIMIT


def test_an_incident_with_3000_entries_resolves_and_its_files_arrive_whole(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    seed_notes(running_bot, 3000, "Checked shard")

    resolve_and_wait(slack, fake_slack, running_bot, channel.id)

    [draft] = postmortems(fake_slack)
    notes = [line for line in draft.splitlines() if "— Note: Checked shard " in line]
    assert len(notes) == 3000
    assert notes[0].endswith("Note: Checked shard 0001 (by @UDEV)")
    assert notes[-1].endswith("Note: Checked shard 3000 (by @UDEV)")
    assert draft.rstrip().endswith(
        "_[To fill: what went well, what went badly, and where we got lucky]_"
    )
