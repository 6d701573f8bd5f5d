"""What every hook's parser shares: JSON in, a readable refusal out, times and links read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

#: Errors listed in a refusal before "and N more".
SHOWN_ERRORS = 5
#: Annotations that hold a runbook's address, by convention.
RUNBOOK_ANNOTATIONS = ("runbook_url", "runbook")


class MalformedReport(Exception):
    """A body no parser can read; the message says what was wrong, for the 400 answer."""


def read_model(model: type[M], body: bytes) -> M:
    """The body as `model`, or MalformedReport naming each field that is wrong and why."""
    try:
        document: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedReport(f"the body is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise MalformedReport("the body must be a JSON object")
    try:
        return model.model_validate(document)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in detail['loc']) or 'body'}: "
            + str(detail["msg"]).removeprefix("Value error, ")
            for detail in error.errors()
        ]
        more = len(problems) - SHOWN_ERRORS
        shown = "; ".join(problems[:SHOWN_ERRORS]) + (f"; and {more} more" if more > 0 else "")
        raise MalformedReport(shown) from None


def moment(text: str | None) -> datetime | None:
    """An RFC 3339 time as monitors send them; None for none (Go's zero time, year 1)."""
    if not text:
        return None
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return None if parsed.year <= 1 else parsed.astimezone(UTC)


def links(pairs: Mapping[str, str], annotations: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The web links an alert came with, by what they lead to, plus a runbook annotation."""
    found = [(kind, url) for kind, url in pairs.items() if _is_web(url)]
    runbook = next((annotations[k] for k in RUNBOOK_ANNOTATIONS if annotations.get(k)), "")
    if _is_web(runbook):
        found.append(("runbook", runbook))
    return tuple(found)


def _is_web(url: str) -> bool:
    return url.startswith(("https://", "http://")) and not any(c.isspace() for c in url)
