"""The courier: delivers committed side effects to their destinations in the background.

A use case commits its state change and the effects it implies in one transaction, then
wakes the courier. Worker threads claim ready effects (one per incident and destination at a
time, so an incident's channel exists before anything is posted in it), hand each to the
deliverer of its kind, and settle it: done, retried after `Retry-After` or a backoff, or set
aside with a reason when no retry can help (the deliverer judges its own failures). Claims are leases in the database, renewed while the delivery runs, so a crash or a second
replica never loses an effect: a lease left to run out (its holder died) makes it claimable again
within seconds, and the handlers look for what the dead holder may have done before redoing it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from watchkeeper.courier.deliverers import Deliverers
from watchkeeper.services import outbox
from watchkeeper.services.context import Context
from watchkeeper.services.ports import ClaimedEffect
from watchkeeper.services.settling import PermanentFailure, Verdict, verdict

log = logging.getLogger(__name__)

#: Told of every attempt's outcome (`delivered`, `retried`, `abandoned`), for the metrics.
Settled = Callable[[ClaimedEffect, str], None]

#: Longest sleep between looks at the outbox when nobody wakes the courier.
IDLE_POLL = 1.0

#: How long a claim holds without renewal: a dead courier's effects wait this long at most.
LEASE = timedelta(seconds=10)


class Courier:
    """Background delivery of the outbox with a few worker threads."""

    def __init__(
        self,
        ctx: Context,
        deliverers: Deliverers,
        *,
        workers: int = 4,
        lease: timedelta = LEASE,
        poll: float = IDLE_POLL,
        on_settled: Settled = lambda effect, outcome: None,
    ) -> None:
        self._ctx = ctx
        self._deliverers = deliverers
        self._workers = workers
        self._batch = max(1, workers // 4)
        self._lease = lease
        self._poll = poll
        self._on_settled = on_settled
        self._id = f"courier-{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._in_flight: dict[Future[None], int] = {}
        # Delivered effects waiting to be marked done, together, by the next turn of the loop.
        self._delivered: list[int] = []
        self._renewed_at = 0.0
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="courier")
        self._thread = threading.Thread(target=self._run, name="courier", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the outbox now: a use case just committed effects."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the deliveries under way, then stop; unclaimed effects wait for the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        try:
            self._settle_delivered()
        except Exception:  # their leases run out and the next start finds them posted
            log.exception("could not mark the last deliveries done")

    @property
    def deliverers(self) -> Deliverers:
        """Who delivers each kind of effect."""
        return self._deliverers

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        woken = True
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self._renew()
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("could not renew the leases of deliveries under way")
            try:
                # Unwoken, the courier looks before it claims: a look is a read, and a process
                # that only delivers (nobody here wakes it) looks many times a second.
                ready = woken or outbox.effects_ready(self._ctx)
                claimed = self._claim() if ready else []
            except Exception:
                log.exception("could not claim side effects; trying again shortly")
                claimed = []
            try:
                self._settle_delivered()  # those the claim did not take along
            except Exception:  # kept for the next turn; the leases cover the wait
                log.exception("could not mark deliveries done; trying again shortly")
            woken = bool(claimed) or self._wake.wait(
                min(self._poll, self._lease.total_seconds() / 3)
            )

    def _settle_delivered(self) -> None:
        """Mark every effect delivered since the last turn done, in one transaction."""
        with self._taken_delivered() as delivered:
            if delivered:
                outbox.effects_delivered(self._ctx, delivered)

    @contextlib.contextmanager
    def _taken_delivered(self) -> Iterator[list[int]]:
        """The effects delivered since they were last marked done; given back on failure."""
        with self._lock:
            delivered, self._delivered = self._delivered, []
        try:
            yield delivered
        except Exception:
            with self._lock:
                self._delivered[:0] = delivered
            raise

    def _renew(self) -> None:
        """Extend the leases of deliveries under way, a third of a lease before they run out."""
        now = time.monotonic()
        if now - self._renewed_at < self._lease.total_seconds() / 3:
            return
        self._renewed_at = now
        with self._lock:
            ids = set(self._in_flight.values())
        if ids and outbox.renew_claims(self._ctx, self._id, ids, self._lease) < len(ids):
            log.warning("a delivery outlived its lease; another worker may have taken it over")

    def _claim(self) -> list[ClaimedEffect]:
        with self._lock:
            free = self._workers - len(self._in_flight)
            busy = set(self._in_flight.values())
        if free <= 0 or (busy and free < self._batch):
            # While deliveries are under way, claim when a batch of workers is free: one
            # claim (and one read of the incidents) serves many, instead of one each.
            return []
        # What was delivered since the last turn is marked done in the claim's transaction.
        with self._taken_delivered() as delivered:
            claimed = list(outbox.claim_effects(self._ctx, self._id, self._lease, free, delivered))
        assert self._pool is not None
        for effect in claimed:
            if effect.id in busy:
                continue  # our own lease ran out mid-delivery: the claim renewed it, no rerun
            future = self._pool.submit(self._settle, effect)
            with self._lock:
                self._in_flight[future] = effect.id
            future.add_done_callback(self._done)
        return claimed

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._in_flight.pop(future, None)
            # The loop marks deliveries done and claims more a batch at a time, or at once
            # when nothing else is under way (an effect waits for its incident's previous one).
            turn = not self._in_flight or self._workers - len(self._in_flight) >= self._batch
        if turn:
            self._wake.set()

    def _settle(self, effect: ClaimedEffect) -> None:
        try:
            deliverer = self._deliverers.for_kind(effect.kind)
        except PermanentFailure as unknown:
            self._failed(effect, Verdict(str(unknown), None))
            return
        try:
            deliverer.deliver(effect)
        except Exception as error:
            self._failed(effect, verdict(error, effect.attempts, deliverer))
            return
        with self._lock:
            self._delivered.append(effect.id)
        self._on_settled(effect, "delivered")

    def _failed(self, effect: ClaimedEffect, judged: Verdict) -> None:
        if judged.delay is None:
            log.error(
                "gave up on %s for INC-%s: %s",
                effect.kind,
                effect.incident_number,
                judged.reason,
                exc_info=judged.unforeseen,
            )
            outbox.effect_abandoned(self._ctx, effect, judged.reason)
            self._on_settled(effect, "abandoned")
            return
        log.warning(
            "%s for INC-%s failed (%s); retrying in %ss",
            effect.kind,
            effect.incident_number,
            judged.reason,
            int(judged.delay.total_seconds()),
        )
        outbox.effect_delayed(
            self._ctx, effect.id, judged.reason, judged.delay, outage=judged.outage
        )
        self._on_settled(effect, "retried")
