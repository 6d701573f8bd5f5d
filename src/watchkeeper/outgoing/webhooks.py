"""Incident events POSTed as JSON to each configured webhook, signed so receivers can trust them.

The signature follows Stripe's scheme: `Watchkeeper-Signature: t=<unix time>,v1=<hex>`, where
the hex is HMAC-SHA256, keyed with the webhook's secret, of `<t>.<raw body>`. A receiver
recomputes it over the body exactly as received, compares in constant time, and refuses a `t`
more than five minutes from its own clock (a replay). `verify` is that check, as the README
shows it. `Watchkeeper-Event` names the event and `Watchkeeper-Delivery` is the event's `id`,
the same on every retry: a receiver that sees an id twice has seen that event already.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from watchkeeper import __version__
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

SIGNATURE_HEADER = "Watchkeeper-Signature"
EVENT_HEADER = "Watchkeeper-Event"
DELIVERY_HEADER = "Watchkeeper-Delivery"
#: How far a signature's time may be from the receiver's clock.
TOLERANCE_SECONDS = 300
#: Statuses no retry can change for a webhook: the receiver says it is gone.
GONE = frozenset({410})


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Watchkeeper-Signature` value of `body` sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, *, now: float, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """A receiver's check: the signature is the secret's, over this body, and recent."""
    fields = [part.strip().partition("=") for part in header.split(",")]
    stamps = [value for key, _, value in fields if key == "t"]
    signatures = [value for key, _, value in fields if key == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit() or not signatures:
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).partition(",v1=")[2]
    return any(hmac.compare_digest(expected, given) for given in signatures)


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """Where one webhook's events go, and the secret they are signed with."""

    name: str
    url: str
    secret: SecretStr


class WebhookDeliverer:
    """Delivers `webhook` effects: each to the webhook its destination names."""

    def __init__(
        self, ctx: Context, targets: Mapping[str, WebhookTarget], receivers: Receivers
    ) -> None:
        # Keyed by outbox destination (`webhook:<name>`).
        self._ctx = ctx
        self._targets = dict(targets)
        self._receivers = receivers

    @property
    def kinds(self) -> Collection[EffectKind]:
        return (EffectKind.WEBHOOK,)

    def deliver(self, effect: ClaimedEffect) -> None:
        target = self._targets.get(effect.destination)
        if target is None:
            name = effect.destination.removeprefix("webhook:")
            raise PermanentFailure(
                f"the webhook {name} is no longer in the settings (its [[webhooks]] table was "
                "removed or renamed), so its event was not sent."
            )
        body = _with_channel(effect.payload["body"], effect)
        raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        now = self._ctx.now()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"Watchkeeper/{__version__}",
            SIGNATURE_HEADER: sign(target.secret.get_secret_value(), int(now.timestamp()), raw),
            EVENT_HEADER: str(body.get("event", "")),
            DELIVERY_HEADER: str(body.get("id", "")),
        }
        who = f"the webhook {target.name}"
        try:
            answer = self._receivers.post(target.url, raw, headers, who=who)
            if not answer.ok:
                raise refused(who, answer, _advice(target, answer.status))
        except ReceiverFailed as failure:
            give_up_if_stale(effect, failure, now)
            raise

    def judge(self, error: Exception, attempts: int) -> Verdict | None:
        return judge_receiver(error, attempts, at_once=GONE)


def _with_channel(body: Mapping[str, Any], effect: ClaimedEffect) -> dict[str, Any]:
    """The event's body; an incident declared before its channel existed gets the channel's ID
    once Slack has made it (the rest is as the change left it)."""
    shown = dict(body)
    incident = dict(shown.get("incident") or {})
    if incident.get("channel_id") is None and effect.incident is not None:
        incident["channel_id"] = effect.incident.channel_id
        shown["incident"] = incident
    return shown


def _advice(target: WebhookTarget, status: int) -> str:
    where = f"its [[webhooks]] table (name or url {target.name!r}) in the TOML file"
    if status in GONE:
        return f"The receiver says this webhook is gone: remove {where}, or give it its new url."
    if status in (401, 403):
        return (
            f"The receiver refuses the request: check it expects this webhook's secret ({where})."
        )
    if status == 404:
        return f"The receiver has no such address: correct the url in {where}."
    if 300 <= status < 400:
        return f"The receiver redirects elsewhere: put the address it names as the url in {where}."
    return f"The receiver refuses the event: check its logs, and the url in {where}."
