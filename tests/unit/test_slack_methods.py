"""Watchkeeper's table of Slack methods agrees with Slack's own method reference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from watchkeeper.slack.methods import EVENT_SCOPES, METHODS

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "slack-api"

pytestmark = pytest.mark.skipif(
    not (REFERENCE / "methods").is_dir(),
    reason=f"Slack's method reference is not in this checkout ({REFERENCE} is absent)",
)


def reference(method: str) -> dict[str, Any]:
    path = REFERENCE / "methods" / f"{method}.json"
    assert path.is_file(), f"Slack has no method {method}"
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@pytest.mark.parametrize("method", sorted(METHODS))
def test_each_method_asks_for_a_bot_scope_slack_accepts_for_it(method: str) -> None:
    slack_scopes = set((reference(method).get("scope") or {}).get("bot") or ())

    ours = set(METHODS[method].bot_scopes)

    assert ours <= slack_scopes
    assert bool(ours) == bool(slack_scopes), "a scope Slack needs is missing, or one it does not"


@pytest.mark.parametrize("method", sorted(METHODS))
def test_each_method_lists_exactly_the_arguments_slack_requires(method: str) -> None:
    required = set(reference(method)["args"].get("required", [])) - {"token"}

    assert set(METHODS[method].required_args) == required


@pytest.mark.parametrize("method", sorted(METHODS))
def test_no_method_the_bot_calls_is_deprecated(method: str) -> None:
    doc = reference(method)

    assert doc.get("deprecated") is not True
    assert "method_deprecated" not in (doc.get("errors") or {})


def test_each_subscribed_event_needs_exactly_the_scopes_listed() -> None:
    events = {
        event["name"]: set(event.get("scopes") or ())
        for event in json.loads((REFERENCE / "events.json").read_text(encoding="utf-8"))
    }

    assert {name: events.get(name) for name in EVENT_SCOPES} == {
        name: set(scopes) for name, scopes in EVENT_SCOPES.items()
    }
