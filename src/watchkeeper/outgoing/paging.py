"""Paging the on-call: PagerDuty's Events API v2 and Opsgenie's Alerts API, keyed by reference.

Each service gets the incident's reference as its key (PagerDuty's `dedup_key`, Opsgenie's
`alias`), so a retry, or a second trigger when the severity is raised again, updates the one
alert instead of paging twice; resolving the incident resolves (closes) it. The key or routing
key comes from the settings at delivery and is never stored with the effect.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any
from urllib.parse import quote

from pydantic import SecretStr

from watchkeeper import __version__
from watchkeeper.domain.incident import Incident
from watchkeeper.outgoing.http import (
    ReceiverFailed,
    Receivers,
    give_up_if_stale,
    judge_receiver,
    refused,
)
from watchkeeper.services.context import Context
from watchkeeper.services.effects import EffectKind
from watchkeeper.services.ports import ClaimedEffect
from watchkeeper.services.settling import PermanentFailure, Verdict

#: Statuses that no retry changes: the event, the key or the address is wrong.
REFUSED_AT_ONCE = frozenset({400, 401, 403, 404, 410, 422})


def channel_link(incident: Incident | None) -> str | None:
    """A link that opens the incident channel in Slack, once the channel exists."""
    if incident is None or not incident.channel_id:
        return None
    return f"https://slack.com/app_redirect?channel={quote(incident.channel_id)}"


class _Pager:
    """What both services' deliverers share: the key check, the POST, the failures."""

    service = ""
    key_setting = ""
    url_setting = ""

    def __init__(self, ctx: Context, url: str, key: SecretStr | None, receivers: Receivers) -> None:
        self._ctx = ctx
        self._url = url
        self._key = key
        self._receivers = receivers

    def judge(self, error: Exception, attempts: int) -> Verdict | None:
        return judge_receiver(error, attempts, at_once=REFUSED_AT_ONCE)

    def _secret(self) -> str:
        if self._key is None:
            raise PermanentFailure(
                f"{self.key_setting} is not set (any more), so {self.service} was not told; "
                f"set it and restart Watchkeeper to page through {self.service}."
            )
        return self._key.get_secret_value()

    def _post(
        self, effect: ClaimedEffect, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> None:
        raw = json.dumps(body, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"Watchkeeper/{__version__}",
            **headers,
        }
        try:
            answer = self._receivers.post(url, raw, headers, who=self.service)
            if not answer.ok:
                raise refused(self.service, answer, self._advice(answer.status))
        except ReceiverFailed as failure:
            give_up_if_stale(effect, failure, self._ctx.now())
            raise

    def _advice(self, status: int) -> str:
        if status in (401, 403):
            return f"{self.service} refused the key: set {self.key_setting} to a valid one."
        if status in (404, 405):
            return f"{self.url_setting} is wrong: unset it for {self.service}'s own endpoint."
        return (
            f"{self.service} refused the request as invalid: check {self.key_setting} "
            "(and report it as a Watchkeeper bug if the key is right)."
        )


class PagerDutyDeliverer(_Pager):
    """Delivers `pagerduty_event` effects: an Events API v2 trigger or resolve."""

    service = "PagerDuty"
    key_setting = "WATCHKEEPER_PAGERDUTY_ROUTING_KEY"
    url_setting = "WATCHKEEPER_PAGERDUTY_URL"

    @property
    def kinds(self) -> Collection[EffectKind]:
        return (EffectKind.PAGERDUTY_EVENT,)

    def deliver(self, effect: ClaimedEffect) -> None:
        event: dict[str, Any] = {"routing_key": self._secret(), **effect.payload}
        link = channel_link(effect.incident)
        if event.get("event_action") == "trigger":
            event["client"] = "Watchkeeper"
            if link is not None:
                channel = effect.incident.channel_name if effect.incident else None
                event["client_url"] = link
                event["links"] = [{"href": link, "text": f"#{channel}" if channel else "Slack"}]
        self._post(effect, self._url, event, {})


class OpsgenieDeliverer(_Pager):
    """Delivers `opsgenie_alert` effects: create the incident's alert, or close it."""

    service = "Opsgenie"
    key_setting = "WATCHKEEPER_OPSGENIE_API_KEY"
    url_setting = "WATCHKEEPER_OPSGENIE_URL"

    @property
    def kinds(self) -> Collection[EffectKind]:
        return (EffectKind.OPSGENIE_ALERT,)

    def deliver(self, effect: ClaimedEffect) -> None:
        payload = dict(effect.payload)
        action = payload.pop("action")
        headers = {"Authorization": f"GenieKey {self._secret()}"}
        if action == "close":
            alias = quote(str(payload.pop("alias")), safe="")
            url = f"{self._url.rstrip('/')}/{alias}/close?identifierType=alias"
            self._post(effect, url, {"source": "watchkeeper", **payload}, headers)
            return
        link = channel_link(effect.incident)
        if link is not None:
            payload["details"] = {**payload.get("details", {}), "slack": link}
        self._post(effect, self._url, payload, headers)
