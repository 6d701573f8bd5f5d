"""The `/incident` slash command: read it, run its one use case, answer in the ack."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from watchkeeper.services.context import Context
from watchkeeper.slack.markup import clip, escape, to_plain
from watchkeeper.slack.modals import declare_modal
from watchkeeper.slack.payloads import request_of
from watchkeeper.slack.refusals import refusals
from watchkeeper.slack.subcommands import (
    Declare,
    Read,
    Reply,
    SetComponents,
    ephemeral,
    read_command,
)

log = logging.getLogger(__name__)

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
    #: The form opens with its Private box ticked (`declare --private`).
    private_form: bool = False


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
            forms.submit(_open_declare_form, ctx, client, body["trigger_id"], outcome.private_form)

    app.command("/incident")(incident_command)


def _open_declare_form(ctx: Context, client: WebClient, trigger_id: str, private: bool) -> None:
    """Open the declaration modal (after the ack: Slack's trigger stays valid 3 seconds)."""
    try:
        view = declare_modal(ctx.scale, status_page=ctx.status_page, private=private)
        client.views_open(trigger_id=trigger_id, view=view)
    except Exception:  # nobody waits on this thread: say what happened
        log.exception("could not open the form to declare an incident")


def respond(ctx: Context, body: dict[str, Any], outcome: Outcome | None = None) -> Reply:
    """The reply to one `/incident` request; every refusal says what was wrong and the form."""
    outcome = outcome or Outcome()
    reply = ephemeral("")
    with refusals() as caught:
        read = _plain(
            read_command(
                body.get("text") or "",
                severities=ctx.scale.names,
                roles=ctx.roles,
                now=ctx.now(),
                zone=ctx.zone,
            )
        )
        outcome.subcommand = read.subcommand.name
        if isinstance(read.command, Declare) and not read.command.title:
            outcome.opens_form = bool(body.get("trigger_id"))
            outcome.private_form = read.command.private
        reply = read.answer(ctx, request_of(body))
    if (refusal := caught.refusal) is not None:
        outcome.result = refusal.outcome
        shown = f":warning: {refusal.text}"
        if refusal.usage is not None:
            shown += f"\nUse: `{escape(refusal.usage)}`"
        reply = ephemeral(shown)
    reply["text"] = clip(reply["text"], REPLY_LIMIT)
    return reply


def _plain(read: Read) -> Read:
    """Free text as the words the responder saw; mentions in it become `@name`."""
    command = read.command
    changes: dict[str, Any] = {
        name: to_plain(getattr(command, name))
        for name in _TEXT_FIELDS
        if isinstance(getattr(command, name, None), str)
    }
    if isinstance(command, SetComponents):
        changes["components"] = tuple(to_plain(c) for c in command.components)
    if not changes:
        return read
    return dataclasses.replace(read, command=dataclasses.replace(command, **changes))  # type: ignore[type-var]  # every command is a dataclass
