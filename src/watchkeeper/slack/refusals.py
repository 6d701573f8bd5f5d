"""The one boundary where a refusal becomes what the responder reads, on every surface.

A use case refuses by raising: the incident's rules (`IncidentError`, `NotPermitted`), a
mistyped command (`CommandError`), a database that does not answer (`StorageUnavailable`),
or a request Slack sent twice (`DuplicateRequest`). `refusals()` catches exactly those and
words them once; each listener shows the words where its surface can (an ephemeral reply, an
error under a form's field). Anything else is a bug and propagates, to be logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from watchkeeper.domain.errors import IncidentError, NotPermitted
from watchkeeper.services.context import DuplicateRequest
from watchkeeper.services.ports import StorageUnavailable
from watchkeeper.slack.markup import escape, mention, unescape
from watchkeeper.slack.subcommands import CommandError

log = logging.getLogger(__name__)

# A person in a permission refusal, `@U012AB3CD`; mentioned, Slack shows their name.
_PERSON = re.compile(r"@([UW][A-Z0-9]+)\b")

#: What became of a request that was refused, for the metrics.
Outcome = Literal["invalid", "refused", "unavailable", "duplicate"]

#: Said when the database does not answer; nothing was changed and the same may be tried again.
UNAVAILABLE = (
    "Watchkeeper cannot reach its database right now, so nothing was changed. "
    "Try again in a moment."
)
#: Said when Slack sent the same request twice; the first one did the work.
ALREADY_DONE = "Already done: Slack sent this twice."


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused request: what the responder reads, and why it was refused.

    `text` is mrkdwn (escaped, people mentioned) for messages; `plain` the same words as plain
    text, for the surfaces that show text as typed (a form's error under a field).
    """

    text: str
    plain: str
    outcome: Outcome
    #: The form that would have worked, for a mistyped command.
    usage: str | None = None


@dataclass(slots=True)
class Caught:
    """What `refusals()` caught, if anything."""

    refusal: Refusal | None = None


@contextmanager
def refusals() -> Iterator[Caught]:
    """Run a listener's work; a refusal is caught and worded, anything else propagates."""
    caught = Caught()
    try:
        yield caught
    except CommandError as error:
        # The problem quotes text as Slack sent it (`&lt;` for `<`): decode it once, so that
        # escaping shows the responder what they typed, not Slack's encoding of it.
        plain = unescape(error.problem)
        caught.refusal = Refusal(escape(plain), plain, "invalid", error.usage)
    except IncidentError as error:
        text = escape(str(error))
        if isinstance(error, NotPermitted):  # names whom to ask, by user ID
            text = _PERSON.sub(lambda found: mention(found.group(1)), text)
        caught.refusal = Refusal(text, str(error), "refused")
    except StorageUnavailable:
        log.exception("the database did not answer; nothing was changed")
        caught.refusal = Refusal(UNAVAILABLE, UNAVAILABLE, "unavailable")
    except DuplicateRequest as error:
        log.info("request %s was already handled; answering it again without acting", error)
        caught.refusal = Refusal(ALREADY_DONE, ALREADY_DONE, "duplicate")
