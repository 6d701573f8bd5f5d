"""Requests to the bot as Slack sends them: signed over HTTP, or as Socket Mode envelopes.

`SignedRequests` posts to the bot's `/slack/events`; `SocketModeRequests` sends the same
payloads as envelopes over the stand-in's Socket Mode links (`standin.socket_mode`). Both answer
with an `Answer`, so one scenario runs over either transport.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from slack_sdk.signature import SignatureVerifier

#: The app ID every payload names (`api_app_id`), and the one Socket Mode's `hello` reports.
APP_ID = "A0WATCH"


@dataclass
class Answer:
    """What the bot answered: over HTTP, or in a Socket Mode ack (200 and the ack's payload)."""

    status: int
    body: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body) if self.body else {}
        return data

    @property
    def text(self) -> str:
        """The reply's text (an ack's `text`), or '' for an empty ack."""
        return str(self.json().get("text", "")) if self.body.startswith("{") else ""


@dataclass
class SignedRequests:
    """Sends slash commands, interactions and events to a bot's `/slack/events`, signed."""

    url: str
    secret: str
    team_id: str
    timeout: float = 10.0

    def post(
        self,
        body: str,
        *,
        content_type: str,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> Answer:
        """POST a raw body with Slack's signature headers (override them to test refusals)."""
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret or self.secret).generate_signature(
            timestamp=stamp, body=body
        )
        request = urllib.request.Request(  # noqa: S310 - the URL is the bot the caller started
            self.url.rstrip("/") + "/slack/events",
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": str(signature),
                **(headers or {}),
            },
        )
        return self._send(request)

    def command(
        self,
        text: str,
        *,
        user: str = "UANA",
        user_name: str = "ana",
        channel: str = "C0GENERAL",
        trigger_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """`/incident <text>` typed by `user` in `channel`."""
        form = command_form(
            text,
            team_id=self.team_id,
            user=user,
            user_name=user_name,
            channel=channel,
            response_url=f"{self.url.rstrip('/')}/response-url-unused",
            trigger_id=trigger_id,
        )
        return self.post(
            urllib.parse.urlencode(form),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )

    def interaction(
        self, payload: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> Answer:
        """An interactivity payload (buttons, modal submissions, shortcuts) as Slack posts it."""
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, content_type="application/x-www-form-urlencoded", headers=headers)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """An Events API callback."""
        body = json.dumps(event_callback(event, team_id=self.team_id, event_id=event_id))
        return self.post(body, content_type="application/json", headers=headers)

    def get(self, path: str) -> Answer:
        """GET a path of the bot's server (`/healthz`, `/metrics`)."""
        request = urllib.request.Request(self.url.rstrip("/") + path)  # noqa: S310 - see post()
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> Answer:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                return Answer(answer.status, answer.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode())


class Deliverer(Protocol):
    """Sends one Socket Mode envelope and waits for its ack (`SocketModeServer.deliver`)."""

    def deliver(
        self,
        type: Literal["slash_commands", "interactive", "events_api"],
        payload: dict[str, Any],
        *,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        accepts_response_payload: bool | None = None,
        envelope_id: str | None = None,
        timeout: float | None = None,
    ) -> Answer: ...


@dataclass
class SocketModeRequests:
    """Sends slash commands, interactions and events to a bot over Socket Mode, as Slack does.

    The same methods as `SignedRequests`, and the same `Answer`: 200 with the ack's payload, or
    503 `dispatch_failed` (no link open) and 504 `operation_timeout` (no ack in time).
    """

    socket: Deliverer
    team_id: str
    #: Where the commands' `response_url` points (the stand-in's `response_url(key)`).
    response_url: str
    #: How long to wait for an ack; None: the server's `ack_timeout` (Slack's 3 seconds).
    timeout: float | None = None

    def command(
        self,
        text: str,
        *,
        user: str = "UANA",
        user_name: str = "ana",
        channel: str = "C0GENERAL",
        trigger_id: str | None = None,
    ) -> Answer:
        """`/incident <text>` typed by `user` in `channel`."""
        form = command_form(
            text,
            team_id=self.team_id,
            user=user,
            user_name=user_name,
            channel=channel,
            response_url=self.response_url,
            trigger_id=trigger_id,
        )
        return self.socket.deliver("slash_commands", dict(form), timeout=self.timeout)

    def interaction(self, payload: dict[str, Any]) -> Answer:
        """An interactivity payload (buttons, modal submissions, shortcuts)."""
        return self.socket.deliver("interactive", payload, timeout=self.timeout)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Answer:
        """An Events API callback; a retry names the attempt and why (`timeout`, …)."""
        return self.socket.deliver(
            "events_api",
            event_callback(event, team_id=self.team_id, event_id=event_id),
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            timeout=self.timeout,
        )

    def deliver(
        self,
        type: Literal["slash_commands", "interactive", "events_api"],
        payload: dict[str, Any],
        *,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        accepts_response_payload: bool | None = None,
        envelope_id: str | None = None,
    ) -> Answer:
        """A raw envelope; an earlier `envelope_id` with `retry_attempt` > 0 redelivers it."""
        return self.socket.deliver(
            type,
            payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            accepts_response_payload=accepts_response_payload,
            envelope_id=envelope_id,
            timeout=self.timeout,
        )


def command_form(
    text: str,
    *,
    team_id: str,
    user: str,
    user_name: str,
    channel: str,
    response_url: str,
    trigger_id: str | None = None,
) -> dict[str, str]:
    """The fields Slack sends for `/incident <text>`: a form over HTTP, a dict in Socket Mode."""
    return {
        "token": "unused-verification-token",
        "team_id": team_id,
        "team_domain": "watch",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": user_name,
        "command": "/incident",
        "text": text,
        "api_app_id": APP_ID,
        "response_url": response_url,
        "trigger_id": trigger_id or f"trigger-{uuid.uuid4().hex}",
    }


def event_callback(
    event: dict[str, Any], *, team_id: str, event_id: str | None = None
) -> dict[str, Any]:
    """The Events API body Slack wraps `event` in (`type: event_callback`)."""
    return {
        "token": "unused",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}",
        "event_time": int(time.time()),
        "event": event,
    }
