"""The `/incident` slash command: parse, run one use case, answer in the ack."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from watchkeeper.domain.errors import IncidentError, NotPermitted
from watchkeeper.services.context import Actor, Context, DuplicateRequest, Request
from watchkeeper.services.ports import StorageUnavailable
from watchkeeper.slack import commands as cmd
from watchkeeper.slack.answers import Reply, answer, ephemeral
from watchkeeper.slack.markup import clip, escape, mention, to_plain, unescape
from watchkeeper.slack.modals import declare_modal
from watchkeeper.slack.parser import CommandError, parse_command

log = logging.getLogger(__name__)

_NAMED_MENTION = re.compile(r"<@([UW][A-Z0-9]+)\|([^<>|]+)>")
# A person in a permission refusal, `@U012AB3CD`; mentioned, Slack shows their name.
_PERSON = re.compile(r"@([UW][A-Z0-9]+)\b")
#: Free-text fields, kept as the plain words the responder saw.
_TEXT_FIELDS = ("title", "message", "text")
#: Slack's limit on a message's text: a reply echoing 100 KB of typed text is cut to it.
REPLY_LIMIT = 40_000


@dataclass
class Outcome:
    """What became of one command, for the metrics."""

    subcommand: str = "unknown"
    result: str = "ok"
    #: `declare` without a title: the form opens once the ack is on its way.
    opens_form: bool = False


def register(app: App, ctx: Context, count: Callable[[str, str], None]) -> None:
    """Serve `/incident`: the answer goes in the ack; a modal opens after it."""
    # Not Bolt's lazy listeners: they copy every request and start a thread for it, a cost
    # each command's ack paid although only `declare` without a title opens anything.
    forms = ThreadPoolExecutor(2, thread_name_prefix="forms")

    def incident_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        outcome = Outcome()
        ack(**respond(ctx, body, outcome))
        count(outcome.subcommand, outcome.result)
        if outcome.opens_form:
            forms.submit(_open_declare_form, ctx, client, body["trigger_id"])

    app.command("/incident")(incident_command)


def _open_declare_form(ctx: Context, client: WebClient, trigger_id: str) -> None:
    """Open the declaration modal (after the ack: Slack's trigger stays valid 3 seconds)."""
    try:
        client.views_open(trigger_id=trigger_id, view=declare_modal(ctx.scale))
    except Exception:  # nobody waits on this thread: say what happened
        log.exception("could not open the form to declare an incident")


def respond(ctx: Context, body: dict[str, Any], outcome: Outcome | None = None) -> Reply:
    """The reply to one `/incident` request; every refusal says what was wrong and the form."""
    reply = _reply(ctx, body, outcome or Outcome())
    reply["text"] = clip(reply["text"], REPLY_LIMIT)
    return reply


def _reply(ctx: Context, body: dict[str, Any], outcome: Outcome) -> Reply:
    raw = body.get("text") or ""
    request = Request(
        actor=Actor(body.get("user_id", ""), body.get("user_name", "")),
        channel_id=body.get("channel_id", ""),
        key=f"command:{body['trigger_id']}" if body.get("trigger_id") else None,
        mentions=tuple(Actor(uid, name) for uid, name in _NAMED_MENTION.findall(raw)),
    )
    try:
        command = _plain(
            parse_command(
                raw, severities=ctx.scale.names, roles=ctx.roles, now=ctx.now(), zone=ctx.zone
            )
        )
        outcome.subcommand = command.name
        if isinstance(command, cmd.Declare) and not command.title:
            outcome.opens_form = bool(body.get("trigger_id"))
            return ephemeral("Opening the form to declare an incident…")
        return answer(ctx, command, request)
    except CommandError as error:
        outcome.result = "invalid"
        # The problem quotes the text as Slack sent it (`&lt;` for `<`): decode it once, so that
        # escaping shows the responder what they typed, not Slack's encoding of it.
        problem = escape(unescape(error.problem))
        return ephemeral(f":warning: {problem}\nUse: `{escape(error.usage)}`")
    except IncidentError as error:
        outcome.result = "refused"
        refusal = escape(str(error))
        if isinstance(error, NotPermitted):  # names whom to ask, by user ID
            refusal = _PERSON.sub(lambda m: mention(m.group(1)), refusal)
        return ephemeral(f":warning: {refusal}")
    except StorageUnavailable:
        outcome.result = "unavailable"
        log.exception("the database did not answer /incident %s", raw[:40])
        return ephemeral(
            ":warning: Watchkeeper cannot reach its database right now, so nothing was changed. "
            "Try the same command again in a moment."
        )
    except DuplicateRequest:
        outcome.result = "duplicate"
        log.info("request %s was already handled; answering it again without acting", request.key)
        return ephemeral("Already done: Slack sent this command twice.")


def _plain(command: cmd.Command) -> cmd.Command:
    """Free text as the words the responder saw; mentions in it become `@name`."""
    changes: dict[str, Any] = {
        name: to_plain(getattr(command, name))
        for name in _TEXT_FIELDS
        if isinstance(getattr(command, name, None), str)
    }
    if isinstance(command, cmd.SetComponents):
        changes["components"] = tuple(to_plain(c) for c in command.components)
    return dataclasses.replace(command, **changes) if changes else command
