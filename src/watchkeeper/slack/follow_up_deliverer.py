"""The effects of follow-ups carried out with Slack: nudges by direct message, the weekly digest,
and learning an owner's time zone; each safe to repeat, as `SlackDeliverer`'s are."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from datetime import date

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from watchkeeper.domain.errors import IncidentError
from watchkeeper.services import follow_ups
from watchkeeper.services.context import Context
from watchkeeper.services.effects import EffectKind
from watchkeeper.services.ports import ClaimedEffect
from watchkeeper.services.queries import incident_state
from watchkeeper.services.settling import PermanentFailure, Verdict
from watchkeeper.slack.deliverer import SlackDeliverer
from watchkeeper.slack.failures import is_transient, judge
from watchkeeper.slack.follow_up_messages import digest, nudge

log = logging.getLogger(__name__)


class FollowUpDeliverer:
    """Carries out the follow-up effects Slack is the destination of; judged as Slack's are."""

    def __init__(self, ctx: Context, client: WebClient, slack: SlackDeliverer) -> None:
        self._ctx = ctx
        self._client = client
        self._slack = slack
        # A person's direct-message channel never changes: opened once per process.
        self._ims: dict[str, str] = {}
        self._ims_lock = threading.Lock()
        self._handlers: dict[EffectKind, Callable[[ClaimedEffect], None]] = {
            EffectKind.DIRECT_MESSAGE: self.direct_message,
            EffectKind.DIGEST: self.digest,
            EffectKind.LEARN_OWNER_ZONE: self.learn_owner_zone,
        }

    @property
    def kinds(self) -> Collection[EffectKind]:
        return self._handlers.keys()

    def deliver(self, effect: ClaimedEffect) -> None:
        self._handlers[EffectKind(effect.kind)](effect)

    def judge(self, error: Exception, attempts: int) -> Verdict | None:
        return judge(error, attempts)

    def direct_message(self, effect: ClaimedEffect) -> None:
        """Nudge a follow-up's owner (or the commander of one without an owner) in private."""
        number = self._number(effect)
        incident = effect.incident or incident_state(self._ctx, number)
        try:
            action = incident.action(int(effect.payload["action"]))
        except IncidentError as error:
            raise PermanentFailure(str(error)) from None
        if not action.is_open:
            return  # done or dropped after the nudge was queued: nothing to nudge about
        user = str(effect.payload["user"])
        today = self._ctx.now().astimezone(self._ctx.zone).date()
        text, blocks = nudge(incident, action, today, to_commander=user != action.owner_id)
        self._slack.post(effect, self._im(user), text=text, blocks=blocks)

    def digest(self, effect: ClaimedEffect) -> None:
        """The weekly digest of overdue follow-ups, in the broadcast channel."""
        if not self._slack.has_broadcast:
            return  # the setting was removed since: nowhere to post it
        on = date.fromisoformat(str(effect.payload["on"]))
        self._slack.post_to_broadcast(effect, digest(effect.payload["overdue"], on))

    def learn_owner_zone(self, effect: ClaimedEffect) -> None:
        """Ask Slack for the owner's time zone, so that their nudges come in their working day."""
        user = str(effect.payload["user"])
        try:
            answer = self._client.users_info(user=user)
        except SlackApiError as error:
            if is_transient(error):
                raise
            # Gone, or not visible to the bot: nudges come at the workspace's hour instead.
            log.warning("cannot read %s's time zone (%s)", user, error.response.get("error"))
            return
        zone = str((answer.get("user") or {}).get("tz") or "")
        if zone:
            action = int(effect.payload["action"])
            follow_ups.learn_owner_zone(self._ctx, self._number(effect), action, user, zone)

    def _im(self, user: str) -> str:
        """The bot's direct-message channel with `user`, opened if need be."""
        with self._ims_lock:
            known = self._ims.get(user)
        if known is not None:
            return known
        opened = self._client.conversations_open(users=user)
        channel_id = str(opened["channel"]["id"])
        with self._ims_lock:
            self._ims[user] = channel_id
        return channel_id

    @staticmethod
    def _number(effect: ClaimedEffect) -> int:
        if effect.incident_number is None:
            raise PermanentFailure(f"effect {effect.id} ({effect.kind}) names no incident")
        return effect.incident_number
