"""Slack's error answers and the readers that turn call arguments into typed values or errors."""

from __future__ import annotations

import json
from typing import Any


class SlackError(Exception):
    """An `ok: false` answer: Slack's error code plus any extra fields Slack sends with it."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(*messages: str) -> SlackError:
    """Slack's answer to malformed arguments, each problem as an `[ERROR] …` message."""
    return SlackError(
        "invalid_arguments",
        response_metadata={"messages": [f"[ERROR] {message}" for message in messages]},
    )


def text_arg(args: dict[str, Any], name: str) -> str | None:
    """An argument as Slack reads it from a form: text, `true`/`false`, or JSON for structures."""
    value = args.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def bool_arg(args: dict[str, Any], name: str) -> bool:
    value = args.get(name)
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def int_arg(args: dict[str, Any], name: str, default: int, *, error: str) -> int:
    value = args.get(name)
    if value is None or value == "":
        return default
    try:
        return int(str(value))
    except ValueError:
        raise SlackError(error) from None


def json_arg(args: dict[str, Any], name: str, *, error: str = "invalid_arguments") -> Any:
    """A structured argument, sent either as JSON text (form bodies) or as JSON itself."""
    value = args.get(name)
    if not isinstance(value, str):
        return value
    if value == "":
        return None
    try:
        return json.loads(value)
    except ValueError:
        if error == "invalid_arguments":
            raise invalid_arguments(f"invalid JSON [json-pointer:/{name}]") from None
        raise SlackError(error) from None


def split_ids(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]
