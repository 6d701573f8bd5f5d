"""Each kind of side effect carried out with Slack's Web API; every step safe to repeat."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from watchkeeper.domain.durations import format_compact
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.services import delivery
from watchkeeper.services.context import Context
from watchkeeper.services.effects import EffectKind
from watchkeeper.services.ports import ClaimedEffect
from watchkeeper.services.queries import incident_by_number
from watchkeeper.services.reports import draft_documents, duration_of
from watchkeeper.slack.blocks import (
    entry_message,
    incident_card,
    resolution_summary,
    topic,
    when,
)
from watchkeeper.slack.channels import channel_name
from watchkeeper.slack.failures import PermanentFailure, already_done
from watchkeeper.slack.markup import escape, mention
from watchkeeper.slack.reminder_message import escalation, reminder

log = logging.getLogger(__name__)

#: How many suffixed names to try before giving up on a channel name.
NAME_ATTEMPTS = 50


class ChannelMissing(PermanentFailure):
    """The incident has no channel (its opening was abandoned); nothing can be posted there."""


class SlackDelivery:
    """Carries out one claimed effect; raises on failure so the courier can judge it."""

    def __init__(
        self,
        ctx: Context,
        client: WebClient,
        *,
        channel_prefix: str,
        broadcast_channel: str | None,
        bot_user_id: Callable[[], str | None] = lambda: None,
    ) -> None:
        self._ctx = ctx
        self._client = client
        self._prefix = channel_prefix
        self._broadcast = broadcast_channel
        self._bot_user_id = bot_user_id
        self._handlers: dict[EffectKind, Callable[[int, dict[str, Any]], None]] = {
            EffectKind.OPEN_CHANNEL: self.open_channel,
            EffectKind.REFRESH_CARD: self.refresh_card,
            EffectKind.ANNOUNCE_ENTRY: self.announce_entry,
            EffectKind.INVITE: self.invite,
            EffectKind.PUBLISH_REPORTS: self.publish_reports,
            EffectKind.REMIND: self.remind,
            EffectKind.NOTICE: self.notice,
        }

    def register(self, kind: EffectKind, handler: Callable[[int, dict[str, Any]], None]) -> None:
        """Add the handler of an effect kind delivered elsewhere (reminders)."""
        self._handlers[kind] = handler

    def __call__(self, effect: ClaimedEffect) -> None:
        if effect.incident_number is None:
            raise ValueError(f"effect {effect.id} ({effect.kind}) names no incident")
        self._handlers[EffectKind(effect.kind)](effect.incident_number, effect.payload)

    # --- the incident channel -------------------------------------------------------------

    def open_channel(self, number: int, payload: dict[str, Any]) -> None:
        """Create the channel (once), invite, set the topic, post and pin the card."""
        incident = self._incident(number)
        channel_id = incident.channel_id or self._create_channel(incident)
        self._invite(channel_id, payload.get("invite", []))
        self._client.conversations_setTopic(channel=channel_id, topic=topic(incident))
        card_ts = delivery.card_of(self._ctx, number)
        if card_ts is None:
            fallback, blocks = incident_card(incident, self._ctx.zone)
            posted = self._client.chat_postMessage(channel=channel_id, text=fallback, blocks=blocks)
            card_ts = str(posted["ts"])
            delivery.record_card(self._ctx, number, card_ts)
        self._tolerate(lambda: self._client.pins_add(channel=channel_id, timestamp=card_ts))

    def refresh_card(self, number: int, payload: dict[str, Any]) -> None:
        """Show the current state on the pinned card (and in the topic when it changed)."""
        incident = self._incident(number)
        channel_id = self._channel(incident)
        card_ts = delivery.card_of(self._ctx, number)
        if card_ts is not None:
            fallback, blocks = incident_card(incident, self._ctx.zone)
            self._client.chat_update(channel=channel_id, ts=card_ts, text=fallback, blocks=blocks)
        if payload.get("topic"):
            self._client.conversations_setTopic(channel=channel_id, topic=topic(incident))

    def invite(self, number: int, payload: dict[str, Any]) -> None:
        """Bring more responders into the channel."""
        self._invite(self._channel(self._incident(number)), payload.get("users", []))

    def announce_entry(self, number: int, payload: dict[str, Any]) -> None:
        """Tell the incident channel, or the broadcast channel, about a timeline entry."""
        entry = payload["entry"]
        incident = self._incident(number)
        if payload.get("target") != "broadcast":
            text = entry_message(incident.reference, entry, self._ctx.zone)
            self._client.chat_postMessage(channel=self._channel(incident), text=text)
        elif self._broadcast:
            if entry["kind"] == EntryKind.RESOLVED.value:
                text = resolution_summary(incident)
            else:
                text = entry_message(
                    incident.reference, entry, self._ctx.zone, channel_id=incident.channel_id
                )
            self.post_to_broadcast(text)

    def remind(self, number: int, payload: dict[str, Any]) -> None:
        """Post the update reminder in the channel, or its escalation in the broadcast channel."""
        incident = self._incident(number)
        if not incident.is_open:
            return  # resolved after the reminder was claimed: a reminder now would be noise
        level = int(payload["level"])
        quiet_since = datetime.fromisoformat(payload["quiet_since"])
        now = self._ctx.now()
        if payload.get("target") == "broadcast":
            if self._broadcast:
                self.post_to_broadcast(escalation(incident, level, quiet_since, now))
            return
        text, blocks = reminder(incident, level, quiet_since, now, broadcast=bool(self._broadcast))
        self._client.chat_postMessage(channel=self._channel(incident), text=text, blocks=blocks)

    def notice(self, number: int, payload: dict[str, Any]) -> None:
        """Tell the channel about a change that leaves no timeline entry."""
        incident = self._incident(number)
        by = mention(payload.get("by"))
        if payload.get("next"):
            due = when(datetime.fromisoformat(payload["next"]), self._ctx.zone)
            every = format_compact(timedelta(seconds=int(payload["interval"])))
            text = f":bell: {by} set update reminders: every {every}, next at {due}."
        else:
            text = f":no_bell: {by} switched update reminders off (`/incident remind on` resumes them)."
        self._client.chat_postMessage(channel=self._channel(incident), text=text)

    # --- resolution -------------------------------------------------------------------------

    def publish_reports(self, number: int, payload: dict[str, Any]) -> None:
        """Upload the status-page report and the postmortem draft; summarise the outcome."""
        documents = draft_documents(self._ctx, number)
        incident = documents.incident
        channel_id = self._channel(incident)
        ref = incident.reference
        summary = (
            f":page_facing_up: *{ref}: {escape(incident.title)}* ({incident.status.label}, "
            f"{escape(incident.severity)}, {duration_of(incident)}). Here are the status-page "
            "report and the postmortem draft; edit the draft, then run `/incident postmortem` "
            "to publish it again after late changes."
        )
        self._client.files_upload_v2(
            channel=channel_id,
            initial_comment=summary,
            file_uploads=[
                {
                    "content": documents.statuspage,
                    "filename": f"{ref}-status-page.txt",
                    "title": f"{ref} status-page report",
                },
                {
                    "content": documents.postmortem,
                    "filename": f"{ref}-postmortem.md",
                    "title": f"{ref} postmortem draft",
                },
            ],
        )

    # --- helpers ----------------------------------------------------------------------------

    def post_to_broadcast(self, text: str) -> None:
        """Post in the broadcast channel, joining it first if the bot is not a member."""
        assert self._broadcast is not None
        try:
            self._client.chat_postMessage(channel=self._broadcast, text=text)
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel":
                raise
            self._client.conversations_join(channel=self._broadcast)
            self._client.chat_postMessage(channel=self._broadcast, text=text)

    def _create_channel(self, incident: Incident) -> str:
        for attempt in range(1, NAME_ATTEMPTS + 1):
            name = channel_name(self._prefix, incident.number, incident.title, attempt=attempt)
            try:
                created = self._client.conversations_create(name=name)
            except SlackApiError as error:
                if error.response.get("error") == "name_taken":
                    continue
                raise
            channel_id = str(created["channel"]["id"])
            delivery.record_channel(self._ctx, incident.number, channel_id, name)
            log.info("opened #%s for %s", name, incident.reference)
            return channel_id
        raise RuntimeError(f"every channel name for {incident.reference} is taken")

    def _invite(self, channel_id: str, users: list[str]) -> None:
        bot = self._bot_user_id()
        for user in users:
            if user and user != bot:
                self._tolerate(
                    lambda u=user: self._client.conversations_invite(  # type: ignore[misc]
                        channel=channel_id, users=u
                    )
                )

    def _incident(self, number: int) -> Incident:
        return incident_by_number(self._ctx, number).incident

    def _channel(self, incident: Incident) -> str:
        if incident.channel_id is None:
            raise ChannelMissing(f"{incident.reference} has no channel; its opening failed")
        return incident.channel_id

    @staticmethod
    def _tolerate(call: Callable[[], object]) -> None:
        """Make a call whose 'already so' refusal counts as success."""
        try:
            call()
        except SlackApiError as error:
            if not already_done(error):
                raise
