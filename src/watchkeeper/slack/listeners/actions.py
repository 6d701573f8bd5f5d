"""Buttons on the incident card and the reminder: open a modal, or snooze reminders."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from watchkeeper.domain.errors import IncidentError
from watchkeeper.services import facts
from watchkeeper.services.context import Actor, Context, DuplicateRequest, Request
from watchkeeper.services.queries import incident_in_channel
from watchkeeper.services.reminders import snooze_reminders
from watchkeeper.slack.ids import Action, Shortcut
from watchkeeper.slack.markup import escape, to_plain
from watchkeeper.slack.modals import (
    View,
    commander_modal,
    declare_modal,
    severity_modal,
    status_modal,
    update_modal,
)

#: How long the reminder's snooze button silences reminders.
SNOOZE = timedelta(minutes=30)

ModalFor = Callable[[Context, str], View]


def _update(ctx: Context, channel_id: str) -> View:
    incident = incident_in_channel(ctx, channel_id, history=False).incident
    return update_modal(channel_id, incident.reference)


def _status(ctx: Context, channel_id: str) -> View:
    incident = incident_in_channel(ctx, channel_id, history=False).incident
    return status_modal(channel_id, incident.reference, incident.status)


def _severity(ctx: Context, channel_id: str) -> View:
    incident = incident_in_channel(ctx, channel_id, history=False).incident
    return severity_modal(channel_id, incident.reference, ctx.scale, incident.severity)


def _commander(ctx: Context, channel_id: str) -> View:
    incident = incident_in_channel(ctx, channel_id, history=False).incident
    return commander_modal(channel_id, incident.reference, incident.commander)


MODALS: dict[Action, ModalFor] = {
    Action.OPEN_UPDATE: _update,
    Action.OPEN_STATUS: _status,
    Action.OPEN_SEVERITY: _severity,
    Action.OPEN_COMMANDER: _commander,
}


def _modal_opener(ctx: Context, modal_for: ModalFor) -> Callable[[dict[str, Any], WebClient], None]:
    # A closure, not default arguments: Bolt passes a listener its arguments by name.
    def open_modal(body: dict[str, Any], client: WebClient) -> None:
        channel_id = body.get("channel", {}).get("id", "")
        try:
            view = modal_for(ctx, channel_id)
        except IncidentError:
            return  # the button is on a message outside an incident channel: nothing to open
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return open_modal


def actor_of(body: dict[str, Any]) -> Actor:
    """The person who clicked or submitted."""
    user = body.get("user", {})
    return Actor(user.get("id", ""), user.get("username") or user.get("name", ""))


def register(app: App, ctx: Context) -> None:
    """Each button acks at once; the modal opens right after the ack."""

    def acknowledge(ack: Ack) -> None:
        ack()

    for action, modal_for in MODALS.items():
        app.action(action.value)(ack=acknowledge, lazy=[_modal_opener(ctx, modal_for)])

    def snooze(ack: Ack, body: dict[str, Any]) -> None:
        request = Request(
            actor=actor_of(body),
            channel_id=body.get("channel", {}).get("id", ""),
            key=f"action:{body.get('trigger_id', '')}",
        )
        # Resolved meanwhile, or a double click: nothing more to do.
        with contextlib.suppress(IncidentError, DuplicateRequest):
            snooze_reminders(ctx, request, SNOOZE)
        ack()

    app.action(Action.SNOOZE.value)(snooze)

    def open_declare_modal(body: dict[str, Any], client: WebClient) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=declare_modal(ctx.scale))

    app.action(Action.DECLARE.value)(ack=acknowledge, lazy=[open_declare_modal])

    def add_to_timeline(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        channel_id = body.get("channel", {}).get("id", "")
        message = body.get("message", {})
        request = Request(
            actor=actor_of(body),
            channel_id=channel_id,
            key=f"shortcut:{body.get('trigger_id', '')}",
        )
        try:
            # Refuse outside an incident channel before asking Slack for anything.
            incident_in_channel(ctx, channel_id)
            permalink = client.chat_getPermalink(channel=channel_id, message_ts=message["ts"])
            incident = facts.add_pinned_message(
                ctx,
                request,
                message_ts=str(message["ts"]),
                text=to_plain(message.get("text", "")),
                author=message.get("user", ""),
                permalink=str(permalink.get("permalink", "")),
            )
        except IncidentError as error:
            respond(text=f":warning: {escape(str(error))}", response_type="ephemeral")
            return
        except DuplicateRequest:
            return
        respond(text=f"Added to the {incident.reference} timeline.", response_type="ephemeral")

    app.shortcut(Shortcut.ADD_TO_TIMELINE.value)(ack=acknowledge, lazy=[add_to_timeline])
