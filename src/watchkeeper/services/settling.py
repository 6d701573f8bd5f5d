"""How a delivery that failed is settled: tried again after a while, or set aside with a notice.

Each destination judges its own failures (a deliverer knows what Slack's `ratelimited` or a
receiver's 410 means); what no destination can judge is judged here the same for all: a
`PermanentFailure` is set aside at once, a database that does not answer is waited out, and a
failure nobody foresaw (a bug, data no renderer can show) is tried twice more and then set
aside, since such failures repeat and the incident's later effects wait behind it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from watchkeeper.services.effects import EffectKind
from watchkeeper.services.ports import ClaimedEffect, StorageUnavailable

#: The longest wait between tries while a destination is down (before jitter): short, because a
#: message must follow soon after it is back, yet one try per incident per cap is gentle.
BACKOFF_CAP = 16
#: Up to this share of the wait is added at random, so that retries do not arrive together.
JITTER = 0.25
#: Retries of an effect that fails in a way nobody foresaw, before it is set aside.
UNFORESEEN_ATTEMPTS = 2


class PermanentFailure(Exception):
    """A delivery that no retry can make succeed; the message says why and what to fix."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Retry after `delay`, or (delay None) give up; `reason` goes to the log and the outbox."""

    reason: str
    delay: timedelta | None
    #: A failure nobody foresaw: its traceback belongs in the log.
    unforeseen: bool = False
    #: The destination could not answer (down, erroring, unreachable): the first delivery to it
    #: that succeeds afterwards wakes this one, instead of it sitting out its backoff.
    outage: bool = False


class Deliverer(Protocol):
    """Carries out the effects of its kinds at one kind of destination, and judges failures."""

    @property
    def kinds(self) -> Collection[EffectKind]:
        """The effect kinds it delivers; each kind has exactly one deliverer."""

    def deliver(self, effect: ClaimedEffect) -> None:
        """Carry the effect out, safe to repeat; raise on failure."""

    def judge(self, error: Exception, attempts: int) -> Verdict | None:
        """The verdict on a failure of this destination's, or None for one it cannot judge."""


def backoff(attempts: int, *, spread: Callable[[], float] = random.random) -> timedelta:
    """1 s, 2 s, 4 s … capped at 16 s, each plus up to a quarter at random (`spread` in [0, 1))."""
    base = min(BACKOFF_CAP, 2 ** min(attempts, 9))
    return timedelta(seconds=base * (1 + JITTER * spread()))


def verdict(error: Exception, attempts: int, deliverer: Deliverer) -> Verdict:
    """What to do about one failed delivery: its destination's judgement, or the common one."""
    if isinstance(error, PermanentFailure):
        return Verdict(str(error), None)
    if isinstance(error, StorageUnavailable):
        return Verdict(f"could not reach the database: {error}", backoff(attempts))
    judged = deliverer.judge(error, attempts)
    if judged is not None:
        return judged
    if attempts < UNFORESEEN_ATTEMPTS:
        reason = f"unexpected {type(error).__name__}: {error}"
        return Verdict(reason, backoff(attempts), unforeseen=True)
    reason = (
        f"unexpected {type(error).__name__}: {error}. It was set aside after "
        f"{attempts + 1} tries; the log has the details (please report it as a Watchkeeper bug)."
    )
    return Verdict(reason, None, unforeseen=True)
