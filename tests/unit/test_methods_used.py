"""The method table lists exactly what the bot calls, so the manifest asks for no unused scope."""

from __future__ import annotations

import re
from pathlib import Path

import watchkeeper
from watchkeeper.slack.methods import APP_LEVEL_METHODS, METHODS

PACKAGE = Path(watchkeeper.__file__).parent


def bot_source() -> str:
    """The bot's own code: everything but the Slack stand-in and the table itself."""
    return "\n".join(
        path.read_text()
        for path in PACKAGE.rglob("*.py")
        if "standin" not in path.parts and path.name != "methods.py"
    )


def test_every_method_in_the_table_is_called_by_the_bot() -> None:
    source = bot_source()

    unused = [
        name
        for name in METHODS
        if not re.search(rf"\b{re.escape(name.replace('.', '_'))}\(|\"{re.escape(name)}\"", source)
    ]

    assert unused == []


def test_every_web_api_call_in_the_bot_is_in_the_table() -> None:
    called = set(re.findall(r"client\.([a-z]+_[a-zA-Z_]+)\(", bot_source()))
    known = {name.replace(".", "_") for name in [*METHODS, *APP_LEVEL_METHODS]}

    assert called - known == set()
