"""Socket Mode's messages as Slack sends them (hello, disconnect, envelopes) and the acks back."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Literal

from watchkeeper.standin.state import JsonObject

EnvelopeType = Literal["slash_commands", "interactive", "events_api"]
DisconnectReason = Literal["refresh_requested", "warning", "link_disabled"]

#: What `debug_info.host` names in `hello` and `disconnect`, as Slack's `applink-…` hosts do.
HOST_NAME = "applink-watchkeeper-standin"
#: Seconds until Slack's routine refresh, as `hello` announces it (Slack: about five hours).
CONNECTION_TIME_S = 18_060
#: Interactions whose ack may carry a response (errors, a new view, options); Slack marks their
#: envelopes `accepts_response_payload`, as it does every slash command's and no event's.
_ANSWERABLE_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})


@dataclass(frozen=True, slots=True)
class Ack:
    """An acknowledgement a client sent: the envelope it answers and the payload, if any."""

    envelope_id: str
    payload: JsonObject | None
    at: float  # time.monotonic()


def hello(app_id: str, num_connections: int) -> JsonObject:
    """The first message on every link."""
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {
            "host": HOST_NAME,
            "build_number": 1,
            "approximate_connection_time": CONNECTION_TIME_S,
        },
        "connection_info": {"app_id": app_id},
    }


def disconnect(reason: DisconnectReason) -> JsonObject:
    """Slack's notice that it is about to close the link, and why."""
    return {"type": "disconnect", "reason": reason, "debug_info": {"host": HOST_NAME}}


def envelope(
    type: EnvelopeType,
    payload: JsonObject,
    *,
    retry_attempt: int | None = None,
    retry_reason: str | None = None,
    accepts_response_payload: bool | None = None,
    envelope_id: str | None = None,
) -> JsonObject:
    """One event, command or interaction wrapped for a link; events always carry retry fields."""
    wrapped: JsonObject = {
        "envelope_id": envelope_id or str(uuid.uuid4()),
        "payload": payload,
        "type": type,
        "accepts_response_payload": (
            accepts_response_payload
            if accepts_response_payload is not None
            else _accepts_response_payload(type, payload)
        ),
    }
    if type == "events_api" or retry_attempt is not None or retry_reason is not None:
        wrapped["retry_attempt"] = retry_attempt or 0
        wrapped["retry_reason"] = retry_reason or ""
    return wrapped


def read_ack(message: str | bytes) -> Ack | None:
    """The ack in a client's message, or None for anything else."""
    try:
        data = json.loads(message)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("envelope_id"), str):
        return None
    payload = data.get("payload")
    return Ack(
        data["envelope_id"], payload if isinstance(payload, dict) else None, time.monotonic()
    )


def _accepts_response_payload(type: EnvelopeType, payload: JsonObject) -> bool:
    if type == "slash_commands":
        return True
    if type == "interactive":
        return payload.get("type") in _ANSWERABLE_INTERACTIONS
    return False
