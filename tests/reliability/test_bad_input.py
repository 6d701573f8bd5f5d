"""Hostile text in every `/incident` subcommand and every free-text field, over signed HTTP.

Each bad input (empty, 100 KB, right-to-left and combined Unicode, control characters, Slack
markup, Markdown, SQL-looking text) goes after every subcommand and into every modal field. The
bot must answer each with a clear message or do the right thing, never a 500; what it posts in
Slack must ping nobody and stay within Slack's limits; what it stores must be what was meant.
A Hypothesis test then drives the listener's `respond()` directly with arbitrary text.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from tests.e2e.helpers import general, settle, stored, stored_count
from tests.fixtures.bot import BROADCAST, RunningBot, SignedSlack, bot_environ, signed_slack
from tests.fixtures.slack import start_fake_slack

from watchkeeper.bootstrap import offline_context
from watchkeeper.config import load_settings
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.services import outbox as delivery
from watchkeeper.services.context import Actor, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.slack.listeners.commands import respond
from watchkeeper.slack.subcommands import USAGE
from watchkeeper.standin import FakeSlack
from watchkeeper.store.migrate import upgrade

#: Slack's limits on what the bot posts: a message's text, and a section block's text.
MESSAGE_TEXT_LIMIT = 40_000
SECTION_TEXT_LIMIT = 3_000

HUGE = ("incident " * 12_000)[: 100 * 1024].strip()

#: Each bad input, by name. Slack sends typed `&`, `<`, `>` as entities and real mentions and
#: links as markup; both forms are here, the markup raw as a hostile client would send it.
BAD_INPUTS: dict[str, str] = {
    "empty": "",
    "blank": " \t \n ",
    "huge": HUGE,
    "rtl": "عطل في الدفع \u202eevil\u202c שגיאה בתשלום",
    "emoji-zwj": "👩\u200d💻 on call 👨\u200d👩\u200d👧\u200d👦 🏳️\u200d🌈",
    "combining": "Z\u0324\u0354\u0367\u0311a\u0308\u0356 e\u0301\u0301\u0301",
    "controls": "a\x00b\x07c\x1bd\x7fe\x85f\u2028g\rh",
    "channel": "<!channel> wake up",
    "here": "<!here> now",
    "subteam": "<!subteam^S123> page them",
    "user": "<@U123> did it",
    "link": "<https://x|y>",
    "channel-link": "<#C123|general>",
    "entities": "&lt;!channel&gt; &amp; &lt;@U123&gt;",
    "markdown": "# heading\n```code```\n`tick` *bold* _it_ ~strike~\n> quote",
    "sql": "'; DROP TABLE incidents; --",
}

#: Every subcommand (and alias) with where the bad input goes; `{}` is replaced by the input.
CHANNEL_FORMS = [
    "status {}",
    "status identified {}",
    "update {}",
    "severity {}",
    "sev {}",
    "commander {}",
    "lead {}",
    "role {}",
    "role scribe {}",
    "impact {}",
    "components {}",
    "note {}",
    "cause {}",
    "action {}",
    "action {} <@UBEN|ben>",
    "action Alert on depth due {}",
    "action 1 {}",
    "action 1 due {}",
    "action 1 owner {}",
    "action 1 drop {}",
    "actions {}",
    "set {}",
    "set started {}",
    "resolve {}",
    "reopen {}",
    "keep {}",
    "timeline {}",
    "timeline edit {}",
    "summary {}",
    "postmortem {}",
    "remind {}",
    "snooze {}",
    "publish {}",
    "unpublish {}",
    "private {}",
    "help {}",
    "list {}",
    "{}",
]
ANYWHERE_FORMS = ["declare {}", "new sev2 {}", "declare --private {}"]

#: Markup that came from user text and must reach Slack inert (never as live markup).
LIVE_MARKUP = ("<!channel", "<!here", "<!subteam", "<!everyone", "<@U123", "<#C123", "<https://x")

#: What each input is stored as: the words the responder saw, control characters dropped.
STORED_AS = {
    "rtl": BAD_INPUTS["rtl"],
    "emoji-zwj": BAD_INPUTS["emoji-zwj"],
    "combining": BAD_INPUTS["combining"],
    "controls": "abcdef\u2028gh",
    "channel": "@channel wake up",
    "here": "@here now",
    "subteam": "@group page them",
    "user": "@U123 did it",
    "link": "y (https://x)",
    "channel-link": "#general",
    "entities": "<!channel> & <@U123>",
    "markdown": BAD_INPUTS["markdown"],
    "sql": BAD_INPUTS["sql"],
    "huge": HUGE,
}

TRIED: dict[str, int] = {}


def tried(surface: str, count: int = 1) -> None:
    """Count bad inputs sent, for the report at the end of the session."""
    TRIED[surface] = TRIED.get(surface, 0) + count


@pytest.fixture(scope="module", autouse=True)
def report_count() -> Iterator[None]:
    yield
    total = sum(TRIED.values())
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(TRIED.items()))
    print(f"\nbad inputs tried: {total} ({detail})")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    fake = start_fake_slack()
    fake.create_channel(BROADCAST, with_bot=True)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def bot(fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    database = tmp_path_factory.mktemp("bad-input") / "watchkeeper.db"
    running = RunningBot(bot_environ(fake, f"sqlite:///{database}"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def slack(bot: RunningBot, fake: FakeSlack) -> SignedSlack:
    return signed_slack(bot.url, fake.team_id)


@pytest.fixture(scope="module")
def channel(slack: SignedSlack, fake: FakeSlack, bot: RunningBot) -> str:
    """The incident channel every in-channel form is typed in, with ben as commander."""
    slack.command("declare sev2 Checkout errors", channel=general(fake))
    found = fake.wait_for(lambda: fake.channel_by_name("inc-1-checkout-errors"))
    slack.command("commander <@UBEN|ben>", channel=found.id)
    settle(bot, fake)
    return found.id


def assert_clear_reply(reply: Any, sent: str) -> None:
    """HTTP 200 with an ephemeral text that says something, within Slack's limit."""
    assert reply.status == 200, f"{sent[:80]!r} got {reply.status}: {reply.body[:300]}"
    answer = reply.json()
    assert answer.get("response_type") == "ephemeral", answer
    assert answer["text"].strip(), f"{sent[:80]!r} got an empty reply"
    assert len(answer["text"]) <= MESSAGE_TEXT_LIMIT, f"{sent[:80]!r}: reply too long"


def strings_sent(value: Any) -> Iterator[str]:
    """Every string Slack reads as markup in a call's arguments, JSON-encoded blocks included.

    Plain-text objects (headers, modal labels) are shown as typed and never ping: left out.
    """
    if isinstance(value, str):
        if value[:1] in "[{":
            try:
                yield from strings_sent(json.loads(value))
                return
            except ValueError:
                pass
        yield value
    elif isinstance(value, dict) and value.get("type") != "plain_text":
        for item in value.values():
            yield from strings_sent(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_sent(item)


def section_texts(value: Any) -> Iterator[str]:
    """The text of every section block in a block structure."""
    if isinstance(value, dict):
        if value.get("type") == "section" and isinstance(value.get("text"), dict):
            yield value["text"]["text"]
        for item in value.values():
            yield from section_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from section_texts(item)


def failed_effects(bot: RunningBot) -> list[tuple[str, str]]:
    """Side effects that Slack refused at least once (kind, last error)."""
    with bot.bot.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT kind, last_error FROM outbox WHERE last_error IS NOT NULL")
        )
        return [(str(kind), str(error)) for kind, error in rows]


# --- every subcommand -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("form", CHANNEL_FORMS)
def test_every_bad_input_after_a_channel_subcommand_gets_a_clear_reply(
    slack: SignedSlack, channel: str, form: str
) -> None:
    for value in BAD_INPUTS.values():
        sent = form.format(value)
        assert_clear_reply(slack.command(sent, channel=channel, user="UBEN", user_name="ben"), sent)
        tried("slash command")


@pytest.mark.slow
@pytest.mark.parametrize("form", ANYWHERE_FORMS)
def test_every_bad_input_as_a_title_gets_a_clear_reply(
    slack: SignedSlack, fake: FakeSlack, form: str
) -> None:
    for value in BAD_INPUTS.values():
        sent = form.format(value)
        assert_clear_reply(slack.command(sent, channel=general(fake)), sent)
        tried("slash command")


# --- modal fields -----------------------------------------------------------------------------


def submission(callback_id: str, channel: str, values: dict[str, str]) -> dict[str, Any]:
    """A modal submission whose text inputs hold `values` (block ID = action ID = key)."""
    state: dict[str, Any] = {
        block: {block: {"type": "plain_text_input", "value": value}}
        for block, value in values.items()
    }
    if callback_id == "change_status":
        state["status"] = {
            "status": {"type": "static_select", "selected_option": {"value": "monitoring"}}
        }
    if callback_id == "correct_timeline":  # the first entry: the declaration
        state["entry"] = {"entry": {"type": "static_select", "selected_option": {"value": "1"}}}
    if callback_id == "declare_incident":
        state["severity"] = {
            "severity": {"type": "static_select", "selected_option": {"value": "SEV3"}}
        }
    return {
        "type": "view_submission",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "trigger_id": f"trigger-{uuid.uuid4().hex}",
        "view": {
            "id": f"V{uuid.uuid4().hex[:10].upper()}",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": channel,
            "state": {"values": state},
        },
    }


MODAL_FIELDS = [
    ("declare_incident", "title"),
    ("declare_incident", "description"),
    ("post_update", "message"),
    ("change_status", "message"),
    ("correct_timeline", "text"),
    ("correct_timeline", "time"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("callback_id", "field"), MODAL_FIELDS)
def test_every_bad_input_in_a_modal_field_is_accepted_or_refused_under_the_field(
    slack: SignedSlack, channel: str, callback_id: str, field: str
) -> None:
    for value in BAD_INPUTS.values():
        values = {field: value}
        if field == "description":
            values["title"] = "Search is slow"
        reply = slack.interaction(submission(callback_id, channel, values))
        tried("modal field")

        assert reply.status == 200, f"{value[:80]!r} got {reply.status}: {reply.body[:300]}"
        if reply.body:  # an empty ack closes the modal: the change was made
            answer = reply.json()
            assert answer["response_action"] == "errors", answer
            assert all(message.strip() for message in answer["errors"].values()), answer


def pinned(channel: str, text: str) -> dict[str, Any]:
    """A `pin_added` event: ben pins dev's message, whose text is `text`."""
    ts = f"{int(time.time()) - 60}.{uuid.uuid4().int % 1_000_000:06d}"
    message = {"type": "message", "user": "UDEV", "text": text, "ts": ts}
    return {
        "type": "pin_added",
        "user": "UBEN",
        "channel_id": channel,
        "item": {"type": "message", "channel": channel, "message": message},
        "event_ts": f"{time.time():.6f}",
    }


@pytest.mark.slow
def test_every_bad_input_in_a_pinned_message_is_acknowledged(
    slack: SignedSlack, channel: str
) -> None:
    for value in BAD_INPUTS.values():
        reply = slack.event(pinned(channel, value))
        tried("pinned message")

        assert reply.status == 200, f"{value[:80]!r} got {reply.status}: {reply.body[:300]}"


# --- what reaches Slack, and what is stored ---------------------------------------------------


@pytest.mark.slow
def test_a_100_kb_note_update_and_impact_are_stored_whole(
    slack: SignedSlack, bot: RunningBot, channel: str
) -> None:
    note = slack.command(f"note {HUGE}", channel=channel, user="UBEN", user_name="ben")
    update = slack.command(f"update {HUGE}", channel=channel, user="UBEN", user_name="ben")
    impact = slack.command(f"impact {HUGE}", channel=channel, user="UBEN", user_name="ben")
    tried("huge", 3)

    assert "Note added" in note.text
    assert "Update posted" in update.text
    assert "Impact recorded" in impact.text
    incident = stored(bot)
    latest = {entry.kind: entry.text for entry in incident.timeline}
    assert latest[EntryKind.NOTE] == HUGE
    assert latest[EntryKind.UPDATE] == HUGE
    assert incident.impact == HUGE


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(STORED_AS))
def test_a_note_is_stored_as_the_words_the_responder_saw(
    slack: SignedSlack, bot: RunningBot, channel: str, name: str
) -> None:
    reply = slack.command(f"note {BAD_INPUTS[name]}", channel=channel, user="UBEN")
    tried("round trip")

    assert "Note added" in reply.text
    assert stored(bot).timeline[-1].text == STORED_AS[name]


@pytest.mark.slow
def test_sql_looking_text_is_stored_as_text_and_the_tables_stay(
    slack: SignedSlack, fake: FakeSlack, bot: RunningBot, channel: str
) -> None:
    before = stored_count(bot)
    reply = slack.command(f"declare {BAD_INPUTS['sql']}", channel=general(fake))
    slack.command(f"cause {BAD_INPUTS['sql']}", channel=channel, user="UBEN")
    tried("sql", 2)

    assert "declared" in reply.text
    assert stored_count(bot) == before + 1
    assert stored(bot, before + 1).title == BAD_INPUTS["sql"]
    assert stored(bot).cause == BAD_INPUTS["sql"]


# --- what all of the above made the bot post -------------------------------------------------


@pytest.mark.slow
def test_nothing_the_bot_posted_pings_anyone_from_user_text(
    bot: RunningBot, fake: FakeSlack
) -> None:
    settle(bot, fake, timeout=30)

    for call in fake.calls:
        for sent in strings_sent(call.args):
            for live in LIVE_MARKUP:
                assert live not in sent, f"{call.method} posted user markup {live!r}: {sent[:200]}"


@pytest.mark.slow
def test_everything_the_bot_posted_is_within_slacks_limits(
    bot: RunningBot, fake: FakeSlack
) -> None:
    settle(bot, fake, timeout=30)

    for call in fake.calls:
        posted = call.args.get("text")
        if isinstance(posted, str):
            assert len(posted) <= MESSAGE_TEXT_LIMIT, f"{call.method} text of {len(posted)}"
        for section in section_texts(call.args):
            assert len(section) <= SECTION_TEXT_LIMIT, f"{call.method} section of {len(section)}"
    assert failed_effects(bot) == [], "Slack refused nothing the bot posted"


# --- control characters on both databases ---------------------------------------------------


@pytest.mark.slow
def test_control_characters_from_a_modal_are_dropped_before_they_are_stored(
    fake_slack: FakeSlack, database_url: str
) -> None:
    # PostgreSQL refuses NUL in text; Slack's modals and events do not strip it for us.
    fake_slack.create_channel(BROADCAST, with_bot=True)
    running = RunningBot(bot_environ(fake_slack, database_url))
    try:
        slack = signed_slack(running.url, fake_slack.team_id)
        values = {"title": BAD_INPUTS["controls"], "description": BAD_INPUTS["controls"]}
        reply = slack.interaction(submission("declare_incident", "", values))
        tried("controls", 2)

        assert (reply.status, reply.body) == (200, "")
        incident = stored(running)
        assert (incident.title, incident.description) == ("abcdef\u2028gh", "abcdef\u2028gh")
    finally:
        running.stop()


# --- the listener itself, with arbitrary text -------------------------------------------------


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The use cases' context on a SQLite file, with INC-1 open in channel C0INC."""
    database = tmp_path_factory.mktemp("respond") / "watchkeeper.db"
    environ = {"DATABASE_URL": f"sqlite:///{database}"}
    upgrade(environ["DATABASE_URL"])
    ctx = offline_context(load_settings(environ, env_file=None))
    declare_incident(ctx, Request(Actor("UANA", "ana")), title="Checkout errors")
    delivery.record_channel(ctx, 1, "C0INC", "inc-1-checkout-errors")
    return ctx


@pytest.mark.slow
@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    subcommand=st.sampled_from([*USAGE, "new", "sev", "lead"]),
    rest=st.text(max_size=300),
    channel=st.sampled_from(["C0INC", "C0GENERAL"]),
)
def test_respond_answers_any_text_after_any_subcommand(
    offline: Any, subcommand: str, rest: str, channel: str
) -> None:
    body = {
        "text": f"{subcommand} {rest}",
        "user_id": "UANA",
        "user_name": "ana",
        "channel_id": channel,
        "trigger_id": f"trigger-{time.monotonic_ns()}",
    }
    reply = respond(offline, body)
    tried("hypothesis")

    assert isinstance(reply, dict)
    assert isinstance(reply.get("text"), str)
    assert reply["text"].strip()


def test_the_bad_inputs_cover_every_subcommand() -> None:
    # A new subcommand without a bad-input form here would go untested.
    typed = {form.split()[0] for form in CHANNEL_FORMS + ANYWHERE_FORMS if form != "{}"}
    assert set(USAGE) <= typed
