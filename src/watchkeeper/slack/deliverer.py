"""Each kind of side effect carried out with Slack's Web API; every step safe to repeat.

Steps that Slack cannot make idempotent are made so here: a message is posted with a marker and
looked for before a retry posts it again (`receipts`), a channel whose creation answer was lost is
found and adopted (`channels`), and the uploaded files' IDs are kept before they are shared.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from watchkeeper.domain.durations import format_compact
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.services import outbox, publishing
from watchkeeper.services.context import Actor, Context, Request
from watchkeeper.services.effects import EffectKind
from watchkeeper.services.ports import ClaimedEffect, StorageUnavailable
from watchkeeper.services.queries import incident_state
from watchkeeper.services.reports import draft_documents, duration_of
from watchkeeper.services.settling import PermanentFailure, Verdict
from watchkeeper.slack.alert_message import alerts_message
from watchkeeper.slack.blocks import (
    entry_message,
    incident_card,
    resolution_summary,
    topic,
    when,
)
from watchkeeper.slack.channels import channel_name, find_by_name, is_channel_id, is_incidents_own
from watchkeeper.slack.failures import (
    ALREADY_DONE,
    already_done,
    is_transient,
    judge,
    problem_notice,
)
from watchkeeper.slack.markup import escape, mention
from watchkeeper.slack.receipts import find_posted, marker, may_have_reached_slack
from watchkeeper.slack.refusals import refusals
from watchkeeper.slack.reminder_message import escalation, left_out_notice, reminder
from watchkeeper.slack.tidy_messages import archive_cancelled, archive_notice, still_going_question
from watchkeeper.slack.uploads import (
    Document,
    latest_postmortem_file,
    read_text,
    share_documents,
)

log = logging.getLogger(__name__)

#: How many suffixed names to try before giving up on a channel name.
NAME_ATTEMPTS = 50


Handler = Callable[[ClaimedEffect], None]


class ChannelMissing(PermanentFailure):
    """The incident has no channel (its opening was abandoned); nothing can be posted there."""


class SlackDeliverer:
    """Carries out the effects Slack is the destination of; raises on failure, judges failures."""

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
        self._broadcast_id = (
            broadcast_channel if broadcast_channel and is_channel_id(broadcast_channel) else None
        )
        self._bot_user_id = bot_user_id
        self._handlers: dict[EffectKind, Handler] = {
            EffectKind.OPEN_CHANNEL: self.open_channel,
            EffectKind.REFRESH_CARD: self.refresh_card,
            EffectKind.ANNOUNCE_ENTRY: self.announce_entry,
            EffectKind.INVITE: self.invite,
            EffectKind.PUBLISH_REPORTS: self.publish_reports,
            EffectKind.REMIND: self.remind,
            EffectKind.NOTICE: self.notice,
            EffectKind.POST_ALERTS: self.post_alerts,
            EffectKind.FETCH_POSTMORTEM: self.fetch_postmortem,
            EffectKind.ASK_IF_STILL_GOING: self.ask_if_still_going,
            EffectKind.ARCHIVE_CHANNEL: self.archive_channel,
        }

    @property
    def kinds(self) -> Collection[EffectKind]:
        return self._handlers.keys()

    @property
    def has_broadcast(self) -> bool:
        """True when a broadcast channel is set."""
        return bool(self._broadcast)

    def deliver(self, effect: ClaimedEffect) -> None:
        if effect.incident_number is None:
            raise PermanentFailure(f"effect {effect.id} ({effect.kind}) names no incident")
        try:
            self._handlers[EffectKind(effect.kind)](effect)
        except SlackApiError as error:
            if not self._archived_by_us(effect, error):
                raise
            # Said after the channel was archived (a follow-up done from the App Home, say):
            # the timeline has it, and nobody reads an archived channel.
            log.info("effect %s was for an archived incident channel; skipped", effect.id)

    def judge(self, error: Exception, attempts: int) -> Verdict | None:
        return judge(error, attempts)

    # --- the incident channel -------------------------------------------------------------

    def open_channel(self, effect: ClaimedEffect) -> None:
        """Create the channel (once), invite, set the topic, post and pin the card."""
        incident = self._incident(effect)
        channel_id = incident.channel_id or self._create_channel(incident)
        self._invite(effect, channel_id, effect.payload.get("invite", []), incident.declared_by)
        self._client.conversations_setTopic(channel=channel_id, topic=topic(incident))
        card_ts = outbox.card_of(self._ctx, incident.number)
        if card_ts is None:
            fallback, blocks = incident_card(
                incident, self._ctx.zone, status_page=self._ctx.status_page
            )
            card_ts = self.post(effect, channel_id, text=fallback, blocks=blocks)
            outbox.record_card(self._ctx, incident.number, card_ts)
        self._tolerate(lambda: self._client.pins_add(channel=channel_id, timestamp=card_ts))

    def refresh_card(self, effect: ClaimedEffect) -> None:
        """Show the current state on the pinned card (and in the topic when it changed)."""
        payload = effect.payload
        incident = self._incident(effect)
        channel_id = self._channel(incident)
        # Read with the claim, beside the incident: its channel's earlier effects (the card's
        # posting among them) were done by then. Only an effect claimed without it asks.
        card_ts = (
            effect.card_ts
            if effect.incident is not None
            else outbox.card_of(self._ctx, incident.number)
        )
        if card_ts is not None:
            fallback, blocks = incident_card(
                incident, self._ctx.zone, status_page=self._ctx.status_page
            )
            self._client.chat_update(channel=channel_id, ts=card_ts, text=fallback, blocks=blocks)
        if payload.get("topic"):
            self._client.conversations_setTopic(channel=channel_id, topic=topic(incident))

    def invite(self, effect: ClaimedEffect) -> None:
        """Bring more responders into the channel."""
        incident = self._incident(effect)
        by = effect.payload.get("by") or incident.declared_by
        self._invite(effect, self._channel(incident), effect.payload.get("users", []), by)

    def announce_entry(self, effect: ClaimedEffect) -> None:
        """Tell the incident channel, or the broadcast channel, about a timeline entry."""
        payload = effect.payload
        entry = payload["entry"]
        incident = self._incident(effect)
        if payload.get("target") != "broadcast":
            text = entry_message(incident.reference, entry, self._ctx.zone)
            self.post(effect, self._channel(incident), text=text)
        elif self._broadcast and not incident.private:  # made private after it was queued
            if entry["kind"] == EntryKind.RESOLVED.value:
                text = resolution_summary(incident)
            else:
                text = entry_message(
                    incident.reference, entry, self._ctx.zone, channel_id=incident.channel_id
                )
            self.post_to_broadcast(effect, text)

    def remind(self, effect: ClaimedEffect) -> None:
        """Post the update reminder in the channel, or its escalation in the broadcast channel."""
        payload = effect.payload
        incident = self._incident(effect)
        if not incident.is_open:
            return  # resolved after the reminder was claimed: a reminder now would be noise
        level = int(payload["level"])
        quiet_since = datetime.fromisoformat(payload["quiet_since"])
        now = self._ctx.now()
        if payload.get("target") == "broadcast":
            if self._broadcast and not incident.private:
                self.post_to_broadcast(effect, escalation(incident, level, quiet_since, now))
            return
        text, blocks = reminder(incident, level, quiet_since, now, broadcast=bool(self._broadcast))
        self.post(effect, self._channel(incident), text=text, blocks=blocks)

    def post_alerts(self, effect: ClaimedEffect) -> None:
        """Show the channel what a monitor reported, alert by alert."""
        incident = self._incident(effect)
        text, blocks = alerts_message(incident.reference, effect.payload, self._ctx.zone)
        self.post(effect, self._channel(incident), text=text, blocks=blocks)

    def notice(self, effect: ClaimedEffect) -> None:
        """Tell the channel about a change that leaves no timeline entry, or a failed delivery."""
        payload = effect.payload
        incident = self._incident(effect)
        if outbox.is_problem_notice(effect):
            self._tell_problem(effect, incident)
            return
        if payload.get("notice") == "archive":
            text = archive_notice(incident, datetime.fromisoformat(payload["at"]), self._ctx.zone)
            self.post(effect, self._channel(incident), text=text)
            return
        if payload.get("notice") == "archive_cancelled":
            self.post(effect, self._channel(incident), text=archive_cancelled(incident))
            return
        if payload.get("notice") == "left_out":
            text = left_out_notice(payload["tell"], [(u, code) for u, code in payload["left_out"]])
            self.post(effect, self._channel(incident), text=text)
            return
        by = mention(payload.get("by"))
        if payload.get("next"):
            due = when(datetime.fromisoformat(payload["next"]), self._ctx.zone)
            every = format_compact(timedelta(seconds=int(payload["interval"])))
            text = f":bell: {by} set update reminders: every {every}, next at {due}."
        else:
            text = f":no_bell: {by} switched update reminders off (`/incident remind on` resumes them)."
        self.post(effect, self._channel(incident), text=text)

    def _tell_problem(self, effect: ClaimedEffect, incident: Incident) -> None:
        """Say what failed for good, in the incident channel or (none yet) the broadcast one."""
        payload = effect.payload
        text = problem_notice(
            payload["failed"], payload.get("target"), payload["problem"], incident.reference
        )
        if incident.channel_id is not None:
            self.post(effect, incident.channel_id, text=text)
        elif self._broadcast:
            self.post_to_broadcast(effect, text)

    # --- tidying -----------------------------------------------------------------------------

    def ask_if_still_going(self, effect: ClaimedEffect) -> None:
        """Ask the quiet incident's commander, in its channel, whether it is still going."""
        incident = self._incident(effect)
        stale_after = self._ctx.tidy.stale_after
        asked_at = datetime.fromisoformat(effect.payload["asked_at"])
        if not incident.is_open or stale_after is None or incident.quiet_since > asked_at:
            return  # resolved, or the timeline moved, since it fell due: no longer quiet
        quiet_since = datetime.fromisoformat(effect.payload["quiet_since"])
        text, blocks = still_going_question(incident, quiet_since, self._ctx.now(), stale_after)
        self.post(effect, self._channel(incident), text=text, blocks=blocks)

    def archive_channel(self, effect: ClaimedEffect) -> None:
        """Archive the resolved incident's channel; one archived already counts as done."""
        incident = self._incident(effect)
        if incident.is_open or incident.archive_kept or incident.archived_at is None:
            return  # reopened or kept in the moment since it fell due
        if incident.channel_id is None:
            log.info("%s has no channel to archive", incident.reference)
            return
        channel_id = incident.channel_id
        try:
            self._archive(channel_id)
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel":
                raise
            # Someone removed the bot from the channel: it joins (public channels) to archive it.
            self._client.conversations_join(channel=channel_id)
            self._archive(channel_id)
        log.info("archived the channel of %s", incident.reference)

    def _archive(self, channel_id: str) -> None:
        try:
            self._client.conversations_archive(channel=channel_id)
        except SlackApiError as error:
            if error.response.get("error") != "already_archived":
                raise

    def _archived_by_us(self, effect: ClaimedEffect, error: SlackApiError) -> bool:
        """Whether Slack refused because the incident's channel is archived, as it should be."""
        if (
            error.response.get("error") != "is_archived"
            or effect.payload.get("target") == "broadcast"
        ):
            return False
        incident = incident_state(self._ctx, self._number(effect))
        return incident.archived_at is not None

    # --- resolution -------------------------------------------------------------------------

    def publish_reports(self, effect: ClaimedEffect) -> None:
        """Upload the status-page report and the postmortem draft; summarise the outcome."""
        documents = draft_documents(self._ctx, self._number(effect))
        incident = documents.incident
        channel_id = self._channel(incident)
        ref = incident.reference
        summary = (
            f":page_facing_up: *{ref}: {escape(incident.title)}* ({incident.status.label}, "
            f"{escape(incident.severity)}, {duration_of(incident)}). Here are the status-page "
            "report and the postmortem draft; edit the draft, then run `/incident postmortem` "
            "to publish it again after late changes."
        )
        share_documents(
            self._client,
            effect,
            channel_id,
            summary,
            [
                Document(
                    f"{ref}-status-page.txt", f"{ref} status-page report", documents.statuspage
                ),
                Document(f"{ref}-postmortem.md", f"{ref} postmortem draft", documents.postmortem),
            ],
            remember=lambda payload: outbox.remember_progress(self._ctx, effect.id, payload),
        )

    def fetch_postmortem(self, effect: ClaimedEffect) -> None:
        """Publish the channel's latest postmortem file (a responder's edit of the draft)."""
        incident = self._incident(effect)
        channel_id = self._channel(incident)
        by = str(effect.payload.get("by", ""))
        found = latest_postmortem_file(self._client, channel_id)
        if found is None:
            text = (
                f":warning: {mention(by)}, there is no postmortem file in this channel to publish. "
                "`/incident postmortem` drafts one; edit it, upload it here as "
                "`…postmortem.md`, then `/incident postmortem publish`."
            )
            self.post(effect, channel_id, text=text)
            return
        text = read_text(self._client, found)
        # Keyed by the effect: a retry after the publication committed publishes nothing twice.
        request = Request(Actor(by), channel_id, key=f"postmortem-file:{effect.id}")
        with refusals() as caught:
            publishing.publish_postmortem(self._ctx, request, text)
        refusal = caught.refusal
        if refusal is not None and refusal.outcome == "refused":
            self.post(effect, channel_id, text=f":warning: {mention(by)}, {refusal.text}")
        elif refusal is not None and refusal.outcome == "unavailable":
            raise StorageUnavailable(refusal.plain)

    # --- helpers ----------------------------------------------------------------------------

    def post_to_broadcast(self, effect: ClaimedEffect, text: str) -> None:
        """Post in the broadcast channel, joining it first if the bot is not a member."""
        assert self._broadcast is not None
        try:
            self.post(effect, self._broadcast, text=text)
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel":
                raise
            self._client.conversations_join(channel=self._broadcast)
            self.post(effect, self._broadcast, text=text)

    def post(self, effect: ClaimedEffect, channel: str, **content: Any) -> str:
        """Post a message marked with its effect, unless an earlier try already posted it."""
        if may_have_reached_slack(effect):
            channel_id = channel if is_channel_id(channel) else self._broadcast_channel_id()
            posted_ts = find_posted(self._client, channel_id, effect) if channel_id else None
            if posted_ts is not None:
                log.info("effect %s had reached Slack before; not posting it again", effect.id)
                return posted_ts
        posted = self._client.chat_postMessage(channel=channel, metadata=marker(effect), **content)
        if channel == self._broadcast and posted.get("channel"):
            self._broadcast_id = str(posted["channel"])
        return str(posted["ts"])

    def _broadcast_channel_id(self) -> str | None:
        """The broadcast channel's ID, looked up once when the setting gives its name."""
        if self._broadcast_id is None and self._broadcast:
            try:
                found = find_by_name(self._client, self._broadcast)
            except SlackApiError as error:
                if is_transient(error):
                    raise
                return None  # the post says what is wrong, if anything is
            self._broadcast_id = str(found["id"]) if found else None
        return self._broadcast_id

    def _create_channel(self, incident: Incident) -> str:
        for attempt in range(1, NAME_ATTEMPTS + 1):
            name = channel_name(self._prefix, incident.number, incident.title, attempt=attempt)
            try:
                created = self._client.conversations_create(name=name, is_private=incident.private)
            except SlackApiError as error:
                if error.response.get("error") != "name_taken":
                    raise
                channel_id = self._adoptable(incident, name)
                if channel_id is None:
                    continue
                log.info(
                    "#%s was made for %s before its answer was lost; using it",
                    name,
                    incident.reference,
                )
            else:
                channel_id = str(created["channel"]["id"])
            outbox.record_channel(self._ctx, incident.number, channel_id, name)
            log.info("opened #%s for %s", name, incident.reference)
            return channel_id
        raise RuntimeError(f"every channel name for {incident.reference} is taken")

    def _adoptable(self, incident: Incident, name: str) -> str | None:
        """The ID of the taken channel `name` if the bot made it for this incident, else None."""
        try:
            found = find_by_name(self._client, name)
        except SlackApiError as error:
            if is_transient(error):
                raise
            log.warning("cannot look #%s up (%s); taking another name", name, error)
            return None
        if found is None:
            return None
        owner = outbox.channel_owner(self._ctx, str(found["id"]))
        ours = owner in (None, incident.number) and is_incidents_own(
            found,
            bot_user_id=self._whoami(),
            reference=incident.reference,
            declared_at=incident.declared_at,
        )
        return str(found["id"]) if ours else None

    def _whoami(self) -> str:
        """The bot's user ID, asked of Slack if it was not learned yet."""
        return self._bot_user_id() or str(self._client.auth_test()["user_id"])

    def _invite(self, effect: ClaimedEffect, channel_id: str, users: list[str], tell: str) -> None:
        """Invite everyone who can be invited; name those who cannot, and why, to `tell`."""
        bot = self._bot_user_id()
        wanted = [user for user in dict.fromkeys(users) if user and user != bot]
        if not wanted:
            return
        try:
            # `force`: a guest or a deactivated account among them must not keep out the rest.
            answer = self._client.conversations_invite(
                channel=channel_id, users=",".join(wanted), force=True
            )
            refused = answer.get("errors") or []
        except SlackApiError as error:
            refused = error.response.get("errors") or []
            if not refused and already_done(error):
                return  # everyone asked for is in the channel already
            if not refused:
                raise  # about the call, not a person: not_in_channel, rate limits, outages
        left_out = [
            (str(each.get("user", "")), str(each.get("error", "")))
            for each in refused
            if each.get("error") not in ALREADY_DONE
        ]
        if left_out:
            log.warning("could not invite %s to %s", left_out, channel_id)
            outbox.tell_left_out(self._ctx, effect, left_out, tell)

    def _incident(self, effect: ClaimedEffect) -> Incident:
        # No message here shows the timeline; the reports read it whole themselves.
        return effect.incident or incident_state(self._ctx, self._number(effect))

    @staticmethod
    def _number(effect: ClaimedEffect) -> int:
        assert effect.incident_number is not None  # __call__ refuses effects without one
        return effect.incident_number

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
