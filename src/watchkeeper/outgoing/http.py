"""POSTing to receivers outside Slack, and judging how they failed.

One pooled client (urllib3) for every receiver, with timeouts, no redirects followed and no
retries of its own: the courier retries, in order, with the outbox's backoff. How a failure is
judged is the same for every receiver; what to do about it is each receiver's own advice:

- unreachable, a timeout, 408 or 5xx: the receiver is down; retried with the jittered backoff
  (capped at about 20 s), and woken as soon as a delivery to it succeeds again
- 429: retried after its `Retry-After` (or the backoff)
- a status the receiver's deliverer says no retry can fix (410 for a webhook; a refused key
  for a paging service): set aside at once, with a notice in the incident channel
- any other 4xx: tried `CLIENT_ERROR_TRIES` times, then set aside the same way
- still failing after `GIVE_UP_AFTER` (a day): set aside, so a receiver gone for good does not
  keep an incident's later events waiting forever
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus

import urllib3

from watchkeeper.services.ports import ClaimedEffect
from watchkeeper.services.settling import PermanentFailure, Verdict, backoff

#: Seconds to connect, and to wait for the answer, before a try counts as failed.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
#: Tries of a delivery a receiver refuses with a 4xx, before it is set aside.
CLIENT_ERROR_TRIES = 3
#: How long a delivery is retried while its receiver fails, before it is set aside.
GIVE_UP_AFTER = timedelta(hours=24)
#: The longest `Retry-After` honoured; a longer one is waited out in steps of this.
LONGEST_RETRY_AFTER = 3600
#: How much of a receiver's answer a notice quotes.
QUOTED = 200


class ReceiverFailed(Exception):
    """A delivery a receiver did not accept: `status` None when it could not be reached.

    The message says what happened; `advice` what the operator can do when no retry helps.
    """

    def __init__(
        self,
        reason: str,
        *,
        advice: str,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.advice = advice
        self.status = status
        self.retry_after = retry_after

    @property
    def down(self) -> bool:
        """The receiver could not answer: unreachable, timed out, or its own trouble."""
        return self.status is None or self.status == 408 or self.status >= 500


@dataclass(frozen=True, slots=True)
class Answer:
    """What a receiver answered."""

    status: int
    body: bytes
    headers: Mapping[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def quoted(self) -> str:
        """The start of the answer's body, on one line, for a notice."""
        text = " ".join(self.body[: QUOTED * 2].decode("utf-8", "replace").split())
        return text if len(text) <= QUOTED else text[: QUOTED - 1] + "…"


class Receivers:
    """One HTTP client for every receiver, safe to share between the courier's workers."""

    def __init__(
        self, *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT
    ) -> None:
        self._pool = urllib3.PoolManager(
            num_pools=32,
            # As many connections to one receiver as the courier has workers (its default).
            maxsize=32,
            retries=False,
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        )

    def post(self, url: str, body: bytes, headers: Mapping[str, str], *, who: str) -> Answer:
        """POST `body`; an answer of any status, or ReceiverFailed when `who` cannot be reached."""
        try:
            response = self._pool.request(
                "POST", url, body=body, headers=dict(headers), redirect=False
            )
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise ReceiverFailed(
                f"could not reach {who}: {type(error).__name__}", advice=""
            ) from error
        return Answer(response.status, response.data, dict(response.headers))

    def close(self) -> None:
        self._pool.clear()


def refused(who: str, answer: Answer, advice: str) -> ReceiverFailed:
    """The failure of an answer that is not 2xx, with what the receiver said."""
    try:
        phrase = HTTPStatus(answer.status).phrase
    except ValueError:
        phrase = ""
    said = answer.quoted()
    reason = f"{who} answered {answer.status} {phrase}".rstrip() + (f": {said}" if said else "")
    return ReceiverFailed(
        reason, advice=advice, status=answer.status, retry_after=_seconds(answer.headers)
    )


def judge_receiver(error: Exception, attempts: int, *, at_once: Collection[int]) -> Verdict | None:
    """The verdict on a receiver's failure; None for an error that is not a receiver's."""
    if not isinstance(error, ReceiverFailed):
        return None
    reason = str(error)
    if error.down:
        return Verdict(reason, backoff(attempts), outage=True)
    if error.status == 429:
        wait = timedelta(seconds=error.retry_after) if error.retry_after else backoff(attempts)
        return Verdict(f"{reason}; rate limited", wait)
    if error.status in at_once or attempts + 1 >= CLIENT_ERROR_TRIES:
        tried = "" if error.status in at_once else f" (refused {attempts + 1} times)"
        return Verdict(f"{reason}{tried}. {error.advice}".strip(), None)
    return Verdict(reason, backoff(attempts))


def give_up_if_stale(effect: ClaimedEffect, failure: ReceiverFailed, now: datetime) -> None:
    """Turn a failure that would be retried into a permanent one once the effect has waited
    `GIVE_UP_AFTER`: a receiver gone for good must not hold its events back forever."""
    created = effect.created_at
    waiting = failure.down or failure.status == 429
    if not waiting or created is None or now - created < GIVE_UP_AFTER:
        return
    hours = int(GIVE_UP_AFTER.total_seconds() // 3600)
    raise PermanentFailure(
        f"{failure}; it has not been accepted for {hours} hours, so it was set aside. "
        f"{failure.advice}".strip()
    ) from failure


def _seconds(headers: Mapping[str, str]) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return min(LONGEST_RETRY_AFTER, max(1, int(str(value)))) if value is not None else None
    except ValueError:
        return None
