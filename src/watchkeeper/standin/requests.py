"""Requests to the bot as Slack sends them: form-encoded or JSON, signed with the signing secret."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from slack_sdk.signature import SignatureVerifier


@dataclass
class Answer:
    """What the bot answered over HTTP."""

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
        form = {
            "token": "unused-verification-token",
            "team_id": self.team_id,
            "team_domain": "watch",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user_name,
            "command": "/incident",
            "text": text,
            "api_app_id": "A0WATCH",
            "response_url": f"{self.url.rstrip('/')}/response-url-unused",
            "trigger_id": trigger_id or f"trigger-{uuid.uuid4().hex}",
        }
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
        body = json.dumps(
            {
                "token": "unused",
                "team_id": self.team_id,
                "api_app_id": "A0WATCH",
                "type": "event_callback",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
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
