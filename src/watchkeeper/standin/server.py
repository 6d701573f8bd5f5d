"""FakeSlack: Slack's Web API on loopback HTTP, with state to inspect and faults to inject."""

from __future__ import annotations

import copy
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar

from watchkeeper.slack.methods import required_bot_scopes
from watchkeeper.standin import dispatch, reactions
from watchkeeper.standin.contract import Contract, ReferenceContract, TableContract
from watchkeeper.standin.errors import SlackError
from watchkeeper.standin.faults import Fault, FaultKind, FaultQueue, failure_reply
from watchkeeper.standin.files import UPLOAD_PATH, receive_upload
from watchkeeper.standin.requests import SocketModeRequests
from watchkeeper.standin.socket_mode import SocketModeServer
from watchkeeper.standin.state import (
    GENERAL_CHANNEL_ID,
    Call,
    Channel,
    Identity,
    Message,
    StoredFile,
    User,
    View,
    Workspace,
)
from watchkeeper.standin.transport import Reply, Request, StandInServer

T = TypeVar("T")


class EventSink(Protocol):
    """What sends the app an Events API callback: `SignedRequests` or `SocketModeRequests`."""

    def event(self, event: dict[str, Any]) -> object: ...


API_PATH = "/api/"
RESPONSE_PATH = "/response/"
FILES_PATH = "/files/"
# Fault keys for the two endpoints that are not Web API methods.
UPLOAD_FAULT = "upload"
RESPONSE_URL_FAULT = "response_url"
# The Web API method that opens Socket Mode links; hung up on while the socket side refuses.
CONNECTIONS_OPEN = "apps.connections.open"


class FakeSlack:
    """Slack's Web API, in process, on loopback: what tests and `watchkeeper demo` talk to.

    With `reference_dir` (the shared `slack-api` folder) every call is checked against Slack's own
    method reference; without it, against `watchkeeper.slack.methods.METHODS`. Socket Mode runs
    beside it (`socket_mode`): `apps.connections.open` with `app_token` opens links. Every public
    method is thread-safe; inspection helpers return copies.
    """

    def __init__(
        self,
        reference_dir: Path | None = None,
        latency: float = 0.0,
        *,
        token: str = "xoxb-test-token",  # noqa: S107 - the stand-in's own made-up token
        app_token: str = "xapp-1-test",  # noqa: S107 - made up, as above
        team_id: str = "T0WATCH",
        bot_user_id: str = "UBOT",
        bot_id: str = "BWATCH",
        scopes: Iterable[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.latency = latency
        self._contract: Contract = (
            ReferenceContract(reference_dir) if reference_dir is not None else TableContract()
        )
        identity = Identity(
            token=token,
            app_token=app_token,
            team_id=team_id,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
        )
        granted = set(scopes) if scopes is not None else required_bot_scopes()
        self._lock = threading.Lock()
        self._ws = Workspace(identity, granted, clock)
        self._faults = FaultQueue()
        self._down: int | None = None
        self._server: StandInServer | None = None
        self._thread: threading.Thread | None = None
        self._socket = SocketModeServer()
        self._ws.socket_links = self._socket
        self._events_to: EventSink | None = None
        general = self._ws.add_channel("general", creator="UANA", channel_id=GENERAL_CHANNEL_ID)
        general.members.update(user_id for user_id in self._ws.users if user_id != bot_user_id)

    # -- lifecycle -------------------------------------------------------------------------

    def start(
        self, host: str = "127.0.0.1", port: int = 0, *, tls: ssl.SSLContext | None = None
    ) -> None:
        """Serve on `host:port` (0: any free port) from a daemon thread, Socket Mode beside it.

        With `tls` (a server-side context holding the certificate) the Web API is served over
        HTTPS, as Slack serves it: then every new connection costs a handshake.
        """
        if self._server is not None:
            raise RuntimeError("the Slack stand-in is already running")
        self._socket.start(host)
        server = StandInServer((host, port), self, tls)
        with self._lock:
            self._ws.root_url = server.root_url
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="fake-slack", kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        """Stop serving; calls in flight are abandoned, Socket Mode links cut."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        self._socket.stop()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
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

    @property
    def url(self) -> str:
        """The Web API base URL, ending in `/api/`, for `WebClient(base_url=...)`."""
        return self._root() + API_PATH.lstrip("/")

    @property
    def connections(self) -> int:
        """Connections the Web API accepted so far: over HTTPS, the TLS handshakes clients paid."""
        server = self._server
        return server.connections if server is not None else 0

    @property
    def token(self) -> str:
        return self._ws.identity.token

    @property
    def app_token(self) -> str:
        """The app-level token (`xapp-`) that `apps.connections.open` takes."""
        return self._ws.identity.app_token

    @property
    def socket_mode(self) -> SocketModeServer:
        """The Socket Mode side: envelopes to send, faults to inject, links to inspect."""
        return self._socket

    def socket_mode_requests(self, *, timeout: float | None = None) -> SocketModeRequests:
        """Commands, interactions and events over Socket Mode, answered like `SignedRequests`.

        Commands' `response_url` is `response_url("socket-mode")`; `timeout` overrides the ack
        limit (Slack's 3 seconds).
        """
        return SocketModeRequests(
            self._socket, self.team_id, self.response_url("socket-mode"), timeout=timeout
        )

    @property
    def team_id(self) -> str:
        return self._ws.identity.team_id

    @property
    def bot_user_id(self) -> str:
        return self._ws.identity.bot_user_id

    @property
    def bot_id(self) -> str:
        return self._ws.identity.bot_id

    @property
    def scopes(self) -> set[str]:
        """The bot scopes the token was granted; assign to change them."""
        with self._lock:
            return set(self._ws.scopes)

    @scopes.setter
    def scopes(self, granted: Iterable[str]) -> None:
        with self._lock:
            self._ws.scopes = set(granted)

    def _root(self) -> str:
        with self._lock:
            root = self._ws.root_url
        if not root:
            raise RuntimeError("the Slack stand-in is not running: call start() first")
        return root

    # -- arranging the workspace -------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        tz: str = "UTC",
        guest: bool = False,
        deactivated: bool = False,
    ) -> User:
        """A workspace member; a `guest` (restricted) or `deactivated` one cannot be invited."""
        with self._lock:
            user = User(
                user_id,
                name,
                real_name or name.capitalize(),
                tz=tz,
                is_restricted=guest,
                deleted=deactivated,
            )
            self._ws.users[user_id] = user
            return copy.deepcopy(user)

    def create_channel(
        self,
        name: str,
        archived: bool = False,
        *,
        members: Iterable[str] = (),
        private: bool = False,
        with_bot: bool = False,
        channel_id: str | None = None,
    ) -> Channel:
        """A channel a person made, for name collisions and broadcast channels.

        The bot is a member only `with_bot`; `channel_id` fixes the ID (default: the next free one).
        """
        with self._lock:
            if self._ws.channel_named(name) is not None:
                raise ValueError(f"a channel named {name!r} already exists")
            channel = self._ws.add_channel(
                name, creator="UANA", private=private, channel_id=channel_id
            )
            channel.members.update(members)
            if with_bot:
                channel.members.add(self._ws.bot)
            channel.is_archived = archived
            return copy.deepcopy(channel)

    def upload_file(
        self, channel: str, filename: str, content: str, *, user: str = "UANA", comment: str = ""
    ) -> StoredFile:
        """A person shares a file in a channel (an edited postmortem draft, say)."""
        with self._lock:
            found = self._find(channel)
            stored = StoredFile(
                id=self._ws.new_id("F"),
                filename=filename,
                length=len(content.encode()),
                created=self._ws.now(),
                user=user,
                title=filename,
                content=content.encode(),
                channels=[found.id],
                completed=True,
            )
            self._ws.files[stored.id] = stored
            found.messages.append(
                Message(ts=self._ws.next_ts(), user=user, text=comment, files=[stored])
            )
            return copy.deepcopy(stored)

    def add_member(self, name_or_id: str, user_id: str) -> None:
        """A person joins a channel (or a member adds them to a private one)."""
        with self._lock:
            self._find(name_or_id).members.add(user_id)

    def post_as(
        self, channel: str, text: str, *, user: str = "UDEV", ts: str | None = None
    ) -> Message:
        """A person posts a message in a channel (at `ts`, an earlier moment, if given)."""
        with self._lock:
            found = self._find(channel)
            message = Message(ts=ts or self._ws.next_ts(), user=user, text=text)
            # Posting order is time order: a message from before goes before later ones.
            later = [i for i, m in enumerate(found.messages) if float(m.ts) > float(message.ts)]
            found.messages.insert(later[0] if later else len(found.messages), message)
            return copy.deepcopy(message)

    def send_events_to(self, app: EventSink | None) -> None:
        """Send the events a change makes (reactions) to the app, as Slack does for the events
        its manifest subscribes to: `app` is what posts them (signed over HTTP, or Socket Mode)."""
        with self._lock:
            self._events_to = app

    def react(
        self, channel: str, ts: str, name: str, *, user: str = "UBEN", deliver: bool = True
    ) -> dict[str, Any]:
        """`user` adds reaction `name` to message `ts`; the `reaction_added` event goes to the
        app (unless `deliver` is False: the test then delivers it, late or twice)."""
        with self._lock:
            event = reactions.react(self._ws, self._find(channel).id, ts, name, user=user)
        self._send_events(keep=None if deliver else event)
        return event

    def unreact(
        self, channel: str, ts: str, name: str, *, user: str = "UBEN", deliver: bool = True
    ) -> dict[str, Any]:
        """`user` takes reaction `name` back from message `ts` (`reaction_removed`, as `react`)."""
        with self._lock:
            event = reactions.unreact(self._ws, self._find(channel).id, ts, name, user=user)
        self._send_events(keep=None if deliver else event)
        return event

    def _send_events(self, keep: dict[str, Any] | None = None) -> None:
        # Outside the lock: the app answers an event by calling this stand-in back.
        with self._lock:
            events, self._ws.outgoing_events = self._ws.outgoing_events, []
            sink = self._events_to
        for event in events:
            if sink is not None and event is not keep:
                sink.event(event)

    def archive_channel(self, name_or_id: str) -> None:
        with self._lock:
            self._find(name_or_id).is_archived = True

    # -- faults --------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Answer the next `times` calls to `method` with a failure instead of running them.

        With `after`, that many calls go through first (a listing refused in mid-pages).

        429 is Slack's rate limit (`Retry-After` header, default 1 second, and `ratelimited`); a 5xx
        without `error` is an HTML error page; `error` alone (status 200) is an `ok: false` answer.
        `status` defaults to 500, or to 200 when `error` is given. Besides Web API method names,
        `method` may be `"upload"` (the upload URL) or `"response_url"`, for `slow`/`drop` too.
        """
        code = status if status is not None else (200 if error else 500)
        fault = Fault(
            FaultKind.FAIL, times, status=code, error=error, retry_after=retry_after, passes=after
        )
        with self._lock:
            self._faults.add(method, fault)

    def slow(self, method: str, seconds: float, times: int = 1) -> None:
        """Delay the next `times` calls to `method` by `seconds` before answering."""
        with self._lock:
            self._faults.add(method, Fault(FaultKind.SLOW, times, seconds=seconds))

    def drop(
        self, method: str, times: int = 1, *, after_processing: bool = False, after: int = 0
    ) -> None:
        """Close the connection on the next `times` calls without answering.

        With `after_processing` the call takes effect first, as when a reply is lost on the way;
        with `after`, that many calls go through first.
        """
        fault = Fault(FaultKind.DROP, times, after_processing=after_processing, passes=after)
        with self._lock:
            self._faults.add(method, fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def go_down(self, status: int = 503) -> None:
        """An outage: every Web API call answers `status` (an HTML error page) until `come_back`."""
        with self._lock:
            self._down = status

    def come_back(self) -> None:
        """End the outage `go_down` began."""
        with self._lock:
            self._down = None

    # -- slash command response_url --------------------------------------------------------

    def response_url(self, key: str) -> str:
        """A `response_url` on the stand-in; what is POSTed there is kept under `key`."""
        return f"{self._root()}{RESPONSE_PATH.lstrip('/')}{key}"

    def responses(self, key: str) -> list[Any]:
        """The JSON bodies POSTed to `response_url(key)`, oldest first."""
        with self._lock:
            return copy.deepcopy(self._ws.responses.get(key, []))

    def set_messages_tab(self, enabled: bool) -> None:
        """Turn the App Home's Messages tab on or off: off, the bot cannot post in DMs."""
        with self._lock:
            self._ws.messages_tab = enabled

    # -- inspection ------------------------------------------------------------------------------

    def channel_by_name(self, name: str) -> Channel | None:
        with self._lock:
            return copy.deepcopy(self._ws.channel_named(name))

    def channel(self, name_or_id: str) -> Channel:
        with self._lock:
            return copy.deepcopy(self._find(name_or_id))

    @property
    def channels(self) -> list[Channel]:
        with self._lock:
            return copy.deepcopy(list(self._ws.channels.values()))

    def messages(self, channel: str) -> list[Message]:
        """The channel's messages (thread replies included) in posting order; ID or name."""
        with self._lock:
            return copy.deepcopy(self._find(channel).messages)

    def direct_messages(self, user_id: str) -> list[Message]:
        """What the bot sent `user_id` in private, in posting order (none: no DM was opened)."""
        with self._lock:
            for channel in self._ws.channels.values():
                if channel.is_im and channel.user == user_id:
                    return copy.deepcopy(channel.messages)
            return []

    def pins(self, channel: str) -> list[Message]:
        """The channel's pinned messages in the order they were pinned."""
        with self._lock:
            found = self._find(channel)
            return copy.deepcopy([found.message(ts) for ts in found.pins])

    @property
    def files(self) -> dict[str, StoredFile]:
        with self._lock:
            return copy.deepcopy(self._ws.files)

    @property
    def views(self) -> list[View]:
        with self._lock:
            return copy.deepcopy(list(self._ws.views.values()))

    def home_view(self, user_id: str) -> View | None:
        with self._lock:
            for view in self._ws.views.values():
                if view.type == "home" and view.user_id == user_id:
                    return copy.deepcopy(view)
            return None

    def user(self, user_id: str) -> User:
        with self._lock:
            return copy.deepcopy(self._ws.users[user_id])

    @property
    def calls(self) -> list[Call]:
        """Every Web API call received, in order, faulted ones and retries included."""
        with self._lock:
            return copy.deepcopy(self._ws.calls)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The arguments of each call to `method`, in order."""
        with self._lock:
            return [copy.deepcopy(call.args) for call in self._ws.calls if call.method == method]

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
                raise TimeoutError(f"the Slack stand-in did not reach the state within {timeout}s")
            time.sleep(interval)

    def _find(self, name_or_id: str) -> Channel:
        found = self._ws.channels.get(name_or_id) or self._ws.channel_named(name_or_id)
        if found is None:
            raise KeyError(f"no channel {name_or_id!r} in the Slack stand-in")
        return found

    # -- serving (called from the server's handler threads) --------------------------------------

    def respond(self, request: Request) -> Reply | None:
        """The reply to one HTTP request, or None to hang up without one."""
        path = request.path
        if path.startswith(API_PATH):
            return self._serve(path.removeprefix(API_PATH), request, self._api)
        if path.startswith("/" + UPLOAD_PATH):
            return self._serve(UPLOAD_FAULT, request, self._upload)
        if path.startswith(RESPONSE_PATH) and request.verb == "POST":
            return self._serve(RESPONSE_URL_FAULT, request, self._response)
        if path.startswith(FILES_PATH) and request.verb == "GET":
            return self._download(request)
        return Reply.text("not found", status=404)

    def _serve(self, key: str, request: Request, run: Callable[[Request], Reply]) -> Reply | None:
        is_api_call = key not in {UPLOAD_FAULT, RESPONSE_URL_FAULT}
        args = request.recorded_args() if is_api_call else None
        with self._lock:
            if args is not None:
                self._ws.calls.append(Call(key, args, self._ws.clock()))
            fault = self._faults.take(key)
            if self._down is not None and is_api_call:
                fault = Fault(FaultKind.FAIL, 1, status=self._down)
            delay = self.latency
        if key == CONNECTIONS_OPEN and self._socket.refusing:
            return None  # Slack is unreachable: see SocketModeServer.refuse
        if fault is not None and fault.kind is FaultKind.SLOW:
            delay += fault.seconds
        if delay > 0:
            time.sleep(delay)
        if fault is not None and fault.kind is FaultKind.FAIL:
            return failure_reply(fault)
        if fault is not None and fault.kind is FaultKind.DROP and not fault.after_processing:
            return None
        reply = run(request)
        if fault is not None and fault.kind is FaultKind.DROP:
            return None
        return reply

    def _api(self, request: Request) -> Reply:
        method = request.path.removeprefix(API_PATH)
        try:
            args = request.args()
        except SlackError as refused:
            return Reply.json(refused.body())
        # Slack takes the token from the Authorization header or, in a form, a `token` field.
        form_token = args.pop("token", None)
        token = request.bearer_token or (form_token if isinstance(form_token, str) else None)
        with self._lock:
            reply = dispatch.answer(self._ws, self._contract, method, token, args)
        self._send_events()
        return reply

    def _upload(self, request: Request) -> Reply:
        file_id = request.path.removeprefix("/" + UPLOAD_PATH).strip("/")
        with self._lock:
            stored = receive_upload(self._ws, file_id, request.body)
        if not stored:
            return Reply.text("file not found", status=404)
        return Reply.text(f"OK - {len(request.body)}")

    def _response(self, request: Request) -> Reply:
        key = request.path.removeprefix(RESPONSE_PATH)
        try:
            body: Any = json.loads(request.body or b"null")
        except ValueError:
            body = request.body.decode("utf-8", "replace")
        with self._lock:
            self._ws.responses.setdefault(key, []).append(body)
        return Reply.text("ok")

    def _download(self, request: Request) -> Reply:
        file_id = request.path.removeprefix(FILES_PATH).split("/", 1)[0]
        with self._lock:
            if request.bearer_token != self._ws.identity.token:
                return Reply.text("not authorized", status=403)
            stored = self._ws.files.get(file_id)
            content = stored.content if stored is not None else None
        if content is None:
            return Reply.text("file not found", status=404)
        return Reply(200, content, content_type="application/octet-stream")
