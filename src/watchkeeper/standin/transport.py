"""The stand-in's HTTP side: a threaded loopback server that parses requests and sends replies."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import Message as MimeMessage
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl, urlsplit

from watchkeeper.standin.errors import SlackError


@dataclass(slots=True)
class Reply:
    """An HTTP answer; `body` is sent as given."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, body: object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(body).encode(), headers=dict(headers or {}))

    @classmethod
    def text(cls, body: str, status: int = 200, content_type: str = "text/plain") -> Reply:
        return cls(status, body.encode(), content_type=f"{content_type}; charset=utf-8")


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as received: verb, path, query string, lower-cased headers and raw body."""

    verb: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def bearer_token(self) -> str | None:
        scheme, _, credentials = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
        return None

    def recorded_args(self) -> dict[str, Any]:
        """The arguments as a call log keeps them: token left out, unreadable bodies as `{}`."""
        try:
            args = self.args()
        except SlackError:
            return {}
        args.pop("token", None)
        return args

    def args(self) -> dict[str, Any]:
        """The call's arguments from the query string and a JSON, form or multipart body."""
        args: dict[str, Any] = dict(parse_qsl(self.query, keep_blank_values=True))
        content_type = self.headers.get("content-type", "")
        media_type = content_type.split(";", 1)[0].strip().lower()
        if not self.body:
            return args
        if media_type == "application/json":
            args.update(_json_object(self.body))
        elif media_type == "multipart/form-data":
            args.update(_multipart(content_type, self.body))
        else:
            try:
                args.update(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                raise SlackError("invalid_form_data") from None
        return args


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        raise SlackError("invalid_json") from None
    if not isinstance(value, dict):
        raise SlackError("json_not_object")
    return value


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = cast(MimeMessage, BytesParser(policy=HTTP).parsebytes(head + body))
    args: dict[str, Any] = {}
    for part in message.walk():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        args[name] = content if part.get_filename() else content.decode("utf-8", "replace")
    return args


class Site(Protocol):
    """What the server asks for each request: a reply, or None to drop the connection unanswered."""

    def respond(self, request: Request) -> Reply | None: ...


class StandInServer(ThreadingHTTPServer):
    """A threaded HTTP (or, with `tls`, HTTPS) server whose handler threads never keep the
    process alive. It counts the connections it accepted: each one over TLS is a handshake,
    which a client that keeps its connections alive pays once, not per call."""

    daemon_threads = True
    allow_reuse_address = True
    # Benchmarks open many connections at once; the default backlog of 5 would refuse some.
    request_queue_size = 1024

    def __init__(
        self, address: tuple[str, int], site: Site, tls: ssl.SSLContext | None = None
    ) -> None:
        super().__init__(address, _Handler)
        self.site = site
        self.tls = tls
        self._counted = threading.Lock()
        self._connections = 0
        self._open: set[socket.socket] = set()

    @property
    def root_url(self) -> str:
        """`http://host:port/` (`https://` with TLS) as clients reach this server."""
        host, port = self.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host!s}:{port}/"

    @property
    def connections(self) -> int:
        """Connections accepted so far (with TLS: handshakes attempted)."""
        with self._counted:
            return self._connections

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Serve one connection, on its own thread; with TLS, shake hands there first, so a
        slow handshake never holds up accepting the next connection."""
        with self._counted:
            self._connections += 1
            self._open.add(request)
        try:
            if self.tls is None:
                super().finish_request(request, client_address)
                return
            try:
                wrapped = self.tls.wrap_socket(request, server_side=True)
            except OSError:  # a client that gave up, or does not trust the certificate
                return
            with self._counted:  # the wrapped socket now holds the connection
                self._open.discard(request)
                self._open.add(wrapped)
            try:
                super().finish_request(wrapped, client_address)
            finally:
                with self._counted:
                    self._open.discard(wrapped)
                self.shutdown_request(wrapped)
        finally:
            with self._counted:
                self._open.discard(request)

    def server_close(self) -> None:
        """Stop listening and cut the connections clients keep open, as a server going away
        does: a kept-alive connection must not outlive the server it reached."""
        super().server_close()
        with self._counted:
            kept, self._open = list(self._open), set()
        for connection in kept:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandInServer
    # An answer goes out as written (headers, then body), as Slack's servers send it: with
    # Nagle's algorithm the body would wait for the client's delayed ACK of the headers, some
    # 40 ms on a kept-alive connection.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        target = urlsplit(self.path)
        request = Request(
            verb=self.command,
            path=target.path,
            query=target.query,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
        )
        reply = self.server.site.respond(request)
        if reply is None:
            self._hang_up()
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _hang_up(self) -> None:
        self.close_connection = True
        # The client may already be gone; either way nothing is answered.
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the demo read state, not an access log."""
