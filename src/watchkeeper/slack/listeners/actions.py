"""Buttons on the incident card, the reminder, follow-ups and the quiet incident's question: open
a modal, snooze reminders, mark a follow-up done, resolve or say it is still going."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from watchkeeper.domain.incident import reference
from watchkeeper.services import facts, follow_ups, lifecycle, publishing, tidy
from watchkeeper.services.context import Context
from watchkeeper.services.queries import incident_in_channel
from watchkeeper.services.reminders import snooze_reminders
from watchkeeper.slack.follow_up_messages import done_reply, read_done_value
from watchkeeper.slack.home import show_home
from watchkeeper.slack.ids import Action, Shortcut
from watchkeeper.slack.markup import to_plain
from watchkeeper.slack.modals import (
    View,
    commander_modal,
    declare_modal,
    follow_up_modal,
    loading_modal,
    notice_modal,
    postmortem_modal,
    severity_modal,
    status_modal,
    timeline_choices,
    timeline_modal,
    update_modal,
)
from watchkeeper.slack.payloads import request_of
from watchkeeper.slack.refusals import Refusal, refusals
from watchkeeper.slack.subcommands.publishing import page_address
from watchkeeper.slack.tidy_messages import resolved_reply, still_going_reply

#: How long the reminder's snooze button silences reminders.
SNOOZE = timedelta(minutes=30)

ModalFor = Callable[[Context, str], View]


def _status(ctx: Context, channel_id: str) -> View:
    incident = incident_in_channel(ctx, channel_id, history=False).incident
    return status_modal(channel_id, incident.reference, incident.status)


def _severity(ctx: Context, channel_id: str) -> View:
    incident = incident_in_channel(ctx, channel_id, history=False).incident
    return severity_modal(channel_id, incident.reference, ctx.scale, incident.severity)


def _commander(ctx: Context, channel_id: str) -> View:
    incident = incident_in_channel(ctx, channel_id, history=False).incident
    return commander_modal(channel_id, incident.reference, incident.commander)


def _follow_up(ctx: Context, channel_id: str) -> View:
    incident = incident_in_channel(ctx, channel_id, history=False).incident
    return follow_up_modal(channel_id, incident.reference)


def _postmortem(ctx: Context, channel_id: str) -> View:
    incident = incident_in_channel(ctx, channel_id, history=False).incident
    current = incident.publication.postmortem if incident.publication else ""
    return postmortem_modal(channel_id, incident.reference, current)


def timeline_editor(ctx: Context, channel_id: str) -> View:
    """The timeline editor of the channel's incident (the card's button, `/incident timeline
    edit`)."""
    view = incident_in_channel(ctx, channel_id)
    choices = timeline_choices(view.incident, view.names, ctx.zone)
    return timeline_modal(channel_id, view.incident.reference, choices, ctx.zone)


#: Forms that show the incident's current state, read from the database before they open.
FORMS: dict[Action, ModalFor] = {
    Action.OPEN_STATUS: _status,
    Action.OPEN_SEVERITY: _severity,
    Action.OPEN_COMMANDER: _commander,
    Action.OPEN_POSTMORTEM: _postmortem,
    Action.OPEN_FOLLOW_UP: _follow_up,
    Action.OPEN_TIMELINE_EDITOR: timeline_editor,
}

#: How long a click waits for the database before opening a placeholder form instead: Slack's
#: trigger is valid for 3 seconds, and the form must open within them.
FORM_READ_BUDGET = 1.0


def _form_opener(
    ctx: Context, modal_for: ModalFor, reads: ThreadPoolExecutor
) -> Callable[[dict[str, Any], WebClient], None]:
    # A closure, not default arguments: Bolt passes a listener its arguments by name.
    def open_modal(body: dict[str, Any], client: WebClient) -> None:
        read = reads.submit(modal_for, ctx, request_of(body).channel_id)
        title = _reference(body) or "Incident"
        answered, _ = wait([read], timeout=FORM_READ_BUDGET)
        opened = None
        if not answered:  # the database is slow: open now, fill in once it answers
            opened = client.views_open(trigger_id=body["trigger_id"], view=loading_modal(title))
        with refusals() as caught:
            view = read.result()
        if (refusal := caught.refusal) is not None:
            if opened is None and refusal.outcome == "refused":
                return  # a button outside an incident channel: nothing to open
            view = notice_modal(title, refusal.plain)
        if opened is None:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        else:
            client.views_update(view_id=str(opened["view"]["id"]), view=view)

    return open_modal


def _open_update_form(body: dict[str, Any], client: WebClient) -> None:
    """The update form needs nothing but the incident's number, which the button carries."""
    reference = _reference(body)
    if reference is None:
        return  # not one of our buttons on an incident: nothing to open
    channel_id = body.get("channel", {}).get("id", "")
    client.views_open(trigger_id=body["trigger_id"], view=update_modal(channel_id, reference))


def _reference(body: dict[str, Any]) -> str | None:
    """`INC-7` from the clicked button's value (the incident's number), if it is one."""
    value = str(((body.get("actions") or [{}])[0]).get("value", ""))
    return reference(int(value)) if value.isdigit() else None


def _say(respond: Respond, refusal: Refusal | None) -> None:
    """Tell the person who clicked why nothing happened (a repeated click needs no word)."""
    if refusal is not None and refusal.outcome != "duplicate":
        respond(text=f":warning: {refusal.text}", response_type="ephemeral")


def register(app: App, ctx: Context) -> None:
    """Each button acks at once; the modal opens right after the ack."""

    def acknowledge(ack: Ack) -> None:
        ack()

    app.action(Action.OPEN_UPDATE.value)(ack=acknowledge, lazy=[_open_update_form])
    reads = ThreadPoolExecutor(4, thread_name_prefix="form-reads")
    for action, modal_for in FORMS.items():
        app.action(action.value)(ack=acknowledge, lazy=[_form_opener(ctx, modal_for, reads)])

    def snooze(ack: Ack, body: dict[str, Any]) -> None:
        # Resolved meanwhile, or a double click: the reminder said all there is to say.
        with refusals():
            snooze_reminders(ctx, request_of(body), SNOOZE)
        ack()

    app.action(Action.SNOOZE.value)(snooze)

    def publish(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        with refusals() as caught:
            incident = publishing.publish(ctx, request_of(body))
            respond(
                text=f"{incident.reference} is on the status page: {page_address(ctx, incident)}",
                response_type="ephemeral",
            )
        _say(respond, caught.refusal)

    def unpublish(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        with refusals() as caught:
            publishing.unpublish(ctx, request_of(body))
        _say(respond, caught.refusal)

    app.action(Action.PUBLISH.value)(publish)
    app.action(Action.UNPUBLISH.value)(unpublish)

    def follow_up_done(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        value = str(((body.get("actions") or [{}])[0]).get("value", ""))
        named = read_done_value(value)
        if named is None:
            return  # not one of our buttons
        number, action = named
        with refusals() as caught:
            incident = follow_ups.complete(ctx, request_of(body), action, number=number)
        refusal = caught.refusal
        if (body.get("view") or {}).get("type") == "home":
            # Done now or already: either way it leaves the list, which is what the click asked.
            show_home(ctx, client, body["user"]["id"])
        elif refusal is None:
            respond(text=done_reply(incident, incident.action(action)), replace_original=True)
        else:
            _say(respond, refusal)

    app.action(Action.FOLLOW_UP_DONE.value)(follow_up_done)

    def quiet_resolve(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        # The normal resolution, with its permission check, from the question's button.
        ack()
        request = request_of(body)
        with refusals() as caught:
            incident = lifecycle.resolve(ctx, request)
            respond(text=resolved_reply(incident, request.actor.user_id), replace_original=True)
        _say(respond, caught.refusal)

    def still_going(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        value = str(((body.get("actions") or [{}])[0]).get("value", ""))
        if not value.isdigit():
            return  # not one of our buttons
        request = request_of(body)
        with refusals() as caught:
            incident = tidy.still_going(ctx, request, int(value))
            ask_again = ctx.tidy.stale_due(incident)
            if ask_again is not None:
                text = still_going_reply(incident, request.actor.user_id, ask_again, ctx.zone)
                respond(text=text, replace_original=True)
        _say(respond, caught.refusal)

    app.action(Action.STALE_RESOLVE.value)(quiet_resolve)
    app.action(Action.STILL_GOING.value)(still_going)

    def open_declare_modal(body: dict[str, Any], client: WebClient) -> None:
        view = declare_modal(ctx.scale, status_page=ctx.status_page)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    app.action(Action.DECLARE.value)(ack=acknowledge, lazy=[open_declare_modal])

    def add_to_timeline(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        request = request_of(body)
        message = body.get("message", {})
        with refusals() as caught:
            # Refuse outside an incident channel before asking Slack for anything.
            incident_in_channel(ctx, request.channel_id)
            permalink = client.chat_getPermalink(
                channel=request.channel_id, message_ts=message["ts"]
            )
            incident = facts.add_pinned_message(
                ctx,
                request,
                message_ts=str(message["ts"]),
                text=to_plain(message.get("text", "")),
                author=message.get("user", ""),
                permalink=str(permalink.get("permalink", "")),
                # Added on purpose, not pinned: unpinning the message leaves it on the timeline.
                holder=f"shortcut:{request.actor.user_id}",
            )
            respond(text=f"Added to the {incident.reference} timeline.", response_type="ephemeral")
        refusal = caught.refusal
        if refusal is not None and refusal.outcome != "duplicate":
            respond(text=f":warning: {refusal.text}", response_type="ephemeral")

    app.shortcut(Shortcut.ADD_TO_TIMELINE.value)(ack=acknowledge, lazy=[add_to_timeline])
