"""The log formats: one JSON object per line off a terminal, the incident named, no secrets."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from watchkeeper.logs import JsonFormatter, TextFormatter, configure


def record(message: str, *args: object, **extra: Any) -> logging.LogRecord:
    made = logging.LogRecord(
        "watchkeeper.courier.courier", logging.WARNING, __file__, 1, message, args, None
    )
    made.__dict__.update(extra)
    return made


def as_json(made: logging.LogRecord) -> dict[str, Any]:
    line: dict[str, Any] = json.loads(JsonFormatter().format(made))
    return line


def test_a_line_naming_an_incident_carries_its_reference() -> None:
    line = as_json(record("%s for INC-%s failed (%s); retrying in %ss", "remind", 12, "500", 2))

    assert line["incident"] == "INC-12"
    assert line["message"] == "remind for INC-12 failed (500); retrying in 2s"
    assert (line["level"], line["logger"]) == ("warning", "watchkeeper.courier.courier")


def test_an_incident_given_with_the_record_wins_over_the_message() -> None:
    line = as_json(record("moved from INC-1", incident="INC-2"))

    assert line["incident"] == "INC-2"


def test_a_line_about_no_incident_has_no_incident_field() -> None:
    # `INC-None`: the courier's wording for an effect that names no incident.
    line = as_json(record("could not claim side effects for INC-%s", None))

    assert "incident" not in line


def test_slack_tokens_are_redacted_in_json_and_text_lines() -> None:
    made = record("auth failed for xoxb-1234-5678-abcdef and xapp-1-A0-99-ff")

    for formatted in (JsonFormatter().format(made), TextFormatter().format(made)):
        assert "1234-5678" not in formatted and "A0-99" not in formatted
        assert "xoxb-…redacted" in formatted and "xapp-…redacted" in formatted


def test_an_exception_goes_into_the_error_field_redacted() -> None:
    try:
        raise RuntimeError("token xoxb-9999-secret refused")
    except RuntimeError:
        made = record("delivery for INC-3 failed", exc_info=sys.exc_info())

    line = as_json(made)

    assert line["error"].startswith("Traceback")
    assert "RuntimeError: token xoxb-…redacted refused" in line["error"]
    assert "9999" not in line["error"]


@pytest.fixture
def restored_root() -> Iterator[None]:
    """The root logger as it was after the test; `watchkeeper` left to inherit meanwhile.

    Bolt names its app logger after the app (`watchkeeper`) and copies the root's level onto it
    at each request, so an earlier end-to-end test may have left it at WARNING.
    """
    root, package = logging.getLogger(), logging.getLogger("watchkeeper")
    handlers, level, package_level = root.handlers[:], root.level, package.level
    package.setLevel(logging.NOTSET)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    package.setLevel(package_level)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_configure_writes_json_off_a_terminal(restored_root: None) -> None:
    stream = io.StringIO()
    configure("INFO", stream)

    logging.getLogger("watchkeeper.test").info("opened #inc-4-db for INC-4")

    assert json.loads(stream.getvalue())["incident"] == "INC-4"


def test_configure_writes_plain_text_on_a_terminal(restored_root: None) -> None:
    stream = Terminal()
    configure("INFO", stream)

    logging.getLogger("watchkeeper.test").info("opened #inc-4-db for INC-4")

    assert stream.getvalue().rstrip().endswith("INFO watchkeeper.test: opened #inc-4-db for INC-4")
