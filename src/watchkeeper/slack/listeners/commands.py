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

from watchkeeper.services.context import Context, Request
from watchkeeper.slack.listeners.actions import timeline_editor
from watchkeeper.slack.markup import clip, escape, to_plain
from watchkeeper.slack.modals import View, declare_modal
from watchkeeper.slack.payloads import request_of
from watchkeeper.slack.refusals import refusals
from watchkeeper.slack.subcommands import (
    Declare,
    Read,
    Reply,
    SetComponents,
    ShowTimeline,
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
    #: The form to open once the ack is on its way (`declare` without a title, `timeline
    #: edit`), given the context and the channel.
    form: Callable[[Context, str], View] | None = None


def register(app: App, ctx: Context, count: Callable[[str, str], None]) -> None:
    """Serve `/incident`: the answer goes in the ack; a modal opens after it."""
    # Not Bolt's lazy listeners: they copy every request and start a thread for it, a cost
    # each command's ack paid although only `declare` without a title opens anything.
    forms = ThreadPoolExecutor(2, thread_name_prefix="forms")

    def incident_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        outcome = Outcome()
        ack(**respond(ctx, body, outcome))
        count(outcome.subcommand, outcome.result)
        if outcome.form is not None:
            forms.submit(
                _open_form, ctx, client, outcome.form, body["trigger_id"], request_of(body)
            )

    app.command("/incident")(incident_command)


def _declare_form(ctx: Context, channel_id: str) -> View:
    return declare_modal(ctx.scale, status_page=ctx.status_page)


def _private_declare_form(ctx: Context, channel_id: str) -> View:
    """The declare form with its Private box ticked (`declare --private` without a title)."""
    return declare_modal(ctx.scale, status_page=ctx.status_page, private=True)


def _open_form(
    ctx: Context,
    client: WebClient,
    form: Callable[[Context, str], View],
    trigger_id: str,
    request: Request,
) -> None:
    """Open a command's modal (after the ack: Slack's trigger stays valid 3 seconds)."""
    try:
        with refusals() as caught:
            view = form(ctx, request.channel_id)
        if caught.refusal is not None:
            return  # the reply in the ack already said why
        client.views_open(trigger_id=trigger_id, view=view)
    except Exception:  # nobody waits on this thread: say what happened
        log.exception("could not open the form of an /incident command")


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
        reply = read.answer(ctx, request_of(body))
        if body.get("trigger_id"):
            outcome.form = _form_of(read.command)
    if (refusal := caught.refusal) is not None:
        outcome.result = refusal.outcome
        shown = f":warning: {refusal.text}"
        if refusal.usage is not None:
            shown += f"\nUse: `{escape(refusal.usage)}`"
        reply = ephemeral(shown)
    reply["text"] = clip(reply["text"], REPLY_LIMIT)
    return reply


def _form_of(command: object) -> Callable[[Context, str], View] | None:
    """The modal a command opens after its reply, if any."""
    if isinstance(command, Declare) and not command.title:
        return _private_declare_form if command.private else _declare_form
    if isinstance(command, ShowTimeline) and command.edit:
        return timeline_editor
    return None


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
