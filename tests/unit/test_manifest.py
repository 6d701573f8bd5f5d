"""manifest.yml is a manifest Slack accepts and asks for exactly what the app uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from watchkeeper.slack.methods import EVENT_SCOPES, required_bot_scopes

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "slack-api" / "manifest-schema" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    return loaded


@pytest.mark.skipif(not SCHEMA.is_file(), reason=f"Slack's manifest schema is absent ({SCHEMA})")
def test_manifest_validates_against_slacks_schema(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))

    jsonschema.Draft7Validator(schema).validate(manifest)


def test_bot_scopes_are_exactly_the_ones_the_app_needs(manifest: dict[str, Any]) -> None:
    requested = manifest["oauth_config"]["scopes"]["bot"]

    assert len(requested) == len(set(requested)), "a scope is listed twice"
    assert set(requested) - required_bot_scopes() == set(), "requested but never used"
    assert required_bot_scopes() - set(requested) == set(), "used but never requested"


def test_incident_command_receives_escaped_mentions(manifest: dict[str, Any]) -> None:
    commands = {entry["command"]: entry for entry in manifest["features"]["slash_commands"]}

    assert commands["/incident"]["should_escape"] is True
    assert commands["/incident"]["usage_hint"]


def test_bot_subscribes_to_exactly_the_events_it_handles(manifest: dict[str, Any]) -> None:
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(EVENT_SCOPES)


def test_message_shortcut_adds_a_message_to_the_timeline(manifest: dict[str, Any]) -> None:
    shortcuts = {entry["callback_id"]: entry for entry in manifest["features"]["shortcuts"]}

    assert shortcuts["add_to_timeline"]["type"] == "message"
    assert shortcuts["add_to_timeline"]["name"] == "Add to incident timeline"


def test_home_tab_and_interactivity_are_on(manifest: dict[str, Any]) -> None:
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_the_messages_tab_is_on_so_nudges_reach_owners_by_direct_message(
    manifest: dict[str, Any],
) -> None:
    # Without it Slack refuses the bot's direct messages (messages_tab_disabled).
    app_home = manifest["features"]["app_home"]
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is True
