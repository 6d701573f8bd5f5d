"""FakeReceiver: the receivers outside Slack, on loopback, for the tests and the benchmarks.

One server plays every receiver an operator may configure: webhook endpoints
(`/hooks/<name>`, answering 200), PagerDuty's Events API v2 (`/pagerduty/v2/enqueue`, 202 with
`{"status": "success", "message": "Event processed", "dedup_key": …}`, 400 `invalid event` for
what PagerDuty refuses) and Opsgenie's Alerts API (`/opsgenie/v2/alerts`, 202 with
`{"result": "Request will be processed", "took": …, "requestId": …}`, 401 without a `GenieKey`,
422 for an alert it cannot process). It keeps every request it got, with what it answered, and
can be told to fail: a status for the next calls, hang-ups, slowness, or down until told back.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from watchkeeper.standin.faults import Fault, FaultKind, FaultQueue
from watchkeeper.standin.transport import Reply, Request, StandInServer

T = TypeVar("T")

WEBHOOK_PATH = "/hooks/"
PAGERDUTY_PATH = "/pagerduty/v2/enqueue"
OPSGENIE_PATH = "/opsgenie/v2/alerts"
#: The targets besides webhooks (`webhook:<name>`), for faults and inspection.
PAGERDUTY = "pagerduty"
OPSGENIE = "opsgenie"
#: What every PagerDuty routing key (an integration key) looks like.
ROUTING_KEY_LENGTH = 32
_PAGERDUTY_SEVERITIES = ("critical", "error", "warning", "info")
_PAGERDUTY_ACTIONS = ("trigger", "acknowledge", "resolve")
#: A status that means "hang up without answering" (a connection cut, a dead host).
HANG_UP = 0


@dataclass(frozen=True, slots=True)
class Received:
    """One request as the receiver got it, and the status it answered (0: it hung up)."""

    target: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.body)


class FakeReceiver:
    """Webhook endpoints, PagerDuty and Opsgenie on one loopback server; thread-safe."""

    def __init__(self, *, genie_key: str | None = None) -> None:
        # `genie_key`: the Opsgenie API key it accepts (None: any key in the right form).
        self._genie_key = genie_key
        self._lock = threading.Lock()
        self._got: list[Received] = []
        self._faults = FaultQueue()
        self._down: dict[str, int] = {}
        self._pages: dict[str, str] = {}  # PagerDuty dedup_key → triggered / resolved
        self._alerts: dict[str, dict[str, Any]] = {}  # Opsgenie alias → the alert
        self._server: StandInServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._server is not None:
            raise RuntimeError("the receiver stand-in is already running")
        self._server = StandInServer((host, port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name="fake-receiver",
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeReceiver:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------

    @property
    def root(self) -> str:
        if self._server is None:
            raise RuntimeError("start the receiver stand-in first")
        return self._server.root_url.rstrip("/")

    def webhook_url(self, name: str) -> str:
        return f"{self.root}{WEBHOOK_PATH}{name}"

    @property
    def pagerduty_url(self) -> str:
        return f"{self.root}{PAGERDUTY_PATH}"

    @property
    def opsgenie_url(self) -> str:
        return f"{self.root}{OPSGENIE_PATH}"

    # -- faults ----------------------------------------------------------------------------

    def fail(
        self, target: str, status: int = 500, *, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Answer the next `times` requests to `target` with `status` (HANG_UP: no answer)."""
        kind = FaultKind.DROP if status == HANG_UP else FaultKind.FAIL
        with self._lock:
            self._faults.add(target, Fault(kind, times, status=status, retry_after=retry_after))

    def slow(self, target: str, seconds: float, *, times: int = 1) -> None:
        """Wait `seconds` before answering the next `times` requests to `target`."""
        with self._lock:
            self._faults.add(target, Fault(FaultKind.SLOW, times, seconds=seconds))

    def go_down(self, target: str, status: int = HANG_UP) -> None:
        """Every request to `target` fails with `status` (default: hung up) until `come_back`."""
        with self._lock:
            self._down[target] = status

    def come_back(self, target: str) -> None:
        with self._lock:
            self._down.pop(target, None)

    # -- inspection ------------------------------------------------------------------------

    def received(self, target: str | None = None, *, accepted: bool = True) -> list[Received]:
        """The requests `target` got (all targets: None), oldest first; only those it accepted
        unless `accepted=False`."""
        with self._lock:
            return [
                r
                for r in self._got
                if (target is None or r.target == target) and (r.accepted or not accepted)
            ]

    def events(self, target: str) -> list[dict[str, Any]]:
        """The JSON bodies `target` accepted, oldest first."""
        return [r.json() for r in self.received(target)]

    def pages(self) -> dict[str, str]:
        """PagerDuty's alerts by dedup key: `triggered` or `resolved`."""
        with self._lock:
            return dict(self._pages)

    def opsgenie_alerts(self) -> dict[str, dict[str, Any]]:
        """Opsgenie's alerts by alias, with `status` (`open`, `closed`) and `count`."""
        with self._lock:
            return copy.deepcopy(self._alerts)

    def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 5.0, interval: float = 0.01
    ) -> T:
        """Poll `predicate` until it returns something truthy, and return that (or time out)."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the receiver stand-in did not get there within {timeout}s")
            time.sleep(interval)

    # -- serving (from the server's handler threads) ----------------------------------------

    def respond(self, request: Request) -> Reply | None:
        target = _target(request.path)
        if target is None or request.verb != "POST":
            return Reply.text("not found", status=404)
        with self._lock:
            fault = self._faults.take(target)
            down = self._down.get(target)
        if down is not None:
            fault = Fault(FaultKind.DROP if down == HANG_UP else FaultKind.FAIL, 1, status=down)
        if fault is not None and fault.kind is FaultKind.SLOW:
            time.sleep(fault.seconds)
            fault = None
        if fault is not None and fault.kind is FaultKind.DROP:
            reply = None
        elif fault is not None:
            reply = _failure(target, fault)
        elif target == PAGERDUTY:
            reply = self._pagerduty(request)
        elif target == OPSGENIE:
            reply = self._opsgenie(request)
        else:
            reply = Reply.json({"ok": True})
        with self._lock:
            self._got.append(
                Received(
                    target,
                    request.path,
                    request.query,
                    dict(request.headers),
                    request.body,
                    time.time(),
                    reply.status if reply is not None else HANG_UP,
                )
            )
        return reply

    def _pagerduty(self, request: Request) -> Reply:
        try:
            event = json.loads(request.body)
        except ValueError:
            return _invalid_event(["Event object is not valid JSON"])
        if not isinstance(event, dict):
            return _invalid_event(["Event object is not a JSON object"])
        errors = []
        key = event.get("routing_key")
        if not isinstance(key, str) or len(key) != ROUTING_KEY_LENGTH:
            errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
        action = event.get("event_action")
        if action not in _PAGERDUTY_ACTIONS:
            errors.append(
                "'event_action' is invalid (must be one of the following: 'trigger', "
                "'acknowledge' or 'resolve')"
            )
        dedup_key = event.get("dedup_key")
        if action == "trigger":
            payload = event.get("payload")
            if not isinstance(payload, dict):
                errors.append("'payload' is missing or not an object")
            else:
                for field in ("summary", "source"):
                    if not str(payload.get(field) or "").strip():
                        errors.append(f"'payload.{field}' is missing or blank")
                if payload.get("severity") not in _PAGERDUTY_SEVERITIES:
                    errors.append("'payload.severity' is invalid")
        elif not dedup_key:
            errors.append("'dedup_key' is required for acknowledge and resolve")
        if errors:
            return _invalid_event(errors)
        dedup_key = str(dedup_key or uuid.uuid4().hex)
        with self._lock:
            if action == "trigger":
                self._pages[dedup_key] = "triggered"
            elif action == "resolve" and dedup_key in self._pages:
                self._pages[dedup_key] = "resolved"
        body = {"status": "success", "message": "Event processed", "dedup_key": dedup_key}
        return Reply.json(body, status=202)

    def _opsgenie(self, request: Request) -> Reply:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme != "GenieKey" or not key.strip():
            return _opsgenie_answer({"message": "Could not authenticate"}, 401)
        if self._genie_key is not None and key.strip() != self._genie_key:
            return _opsgenie_answer({"message": "Key format is not valid!"}, 401)
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return _opsgenie_answer({"message": "Request body is not valid JSON"}, 400)
        rest = request.path.removeprefix(OPSGENIE_PATH).strip("/")
        if rest.endswith("/close"):
            alias = rest.removesuffix("/close")
            if "identifierType=alias" not in request.query:
                return _opsgenie_answer({"message": "Alert not found"}, 404)
            with self._lock:
                if alias in self._alerts:
                    self._alerts[alias]["status"] = "closed"
            return _opsgenie_answer({"result": "Request will be processed"}, 202)
        if rest:
            return _opsgenie_answer({"message": "Not found"}, 404)
        message = str(body.get("message") or "")
        if not message.strip() or len(message) > 130:
            errors = {"message": "Message can not be empty or longer than 130 characters."}
            return _opsgenie_answer(
                {
                    "message": "Request body is not processable. Please check the errors.",
                    "errors": errors,
                },
                422,
            )
        alias = str(body.get("alias") or uuid.uuid4().hex)
        with self._lock:
            known = self._alerts.get(alias)
            if known is not None and known["status"] == "open":
                known["count"] += 1  # Opsgenie deduplicates an open alert by its alias
            else:
                self._alerts[alias] = {**body, "status": "open", "count": 1}
        return _opsgenie_answer({"result": "Request will be processed"}, 202)


def _target(path: str) -> str | None:
    if path.startswith(WEBHOOK_PATH) and len(path) > len(WEBHOOK_PATH):
        return "webhook:" + path.removeprefix(WEBHOOK_PATH).strip("/")
    if path == PAGERDUTY_PATH:
        return PAGERDUTY
    if path == OPSGENIE_PATH or path.startswith(OPSGENIE_PATH + "/"):
        return OPSGENIE
    return None


def _failure(target: str, fault: Fault) -> Reply:
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    if target == PAGERDUTY and fault.status == 400:
        return _invalid_event(["Invalid routing key"])
    if target == OPSGENIE:
        body = {"message": "failed", "took": 0.001, "requestId": str(uuid.uuid4())}
        return Reply.json(body, status=fault.status, headers=headers)
    reply = Reply.text(f"stand-in failure {fault.status}", status=fault.status)
    reply.headers.update(headers)
    return reply


def _invalid_event(errors: list[str]) -> Reply:
    body = {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
    return Reply.json(body, status=400)


def _opsgenie_answer(body: dict[str, Any], status: int) -> Reply:
    return Reply.json({**body, "took": 0.002, "requestId": str(uuid.uuid4())}, status=status)
