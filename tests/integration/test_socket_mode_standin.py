"""The stand-in's Socket Mode side speaks Slack's protocol to a raw WebSocket client, faults too."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from tests.fixtures.slack import start_fake_slack
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from watchkeeper.standin import FakeSlack

Link = ClientConnection


def open_url(fake: FakeSlack) -> str:
    """`apps.connections.open` as slack_sdk calls it: the app-level token as a bearer token."""
    client = WebClient(base_url=fake.url, retry_handlers=[])
    url: str = client.apps_connections_open(app_token=fake.app_token)["url"]
    return url


def raw_link(url: str) -> Link:
    """A plain WebSocket client with no keepalive of its own, so only the test sends pings."""
    return connect(url, open_timeout=2, close_timeout=0.2, ping_interval=None)


@contextmanager
def linked(fake: FakeSlack) -> Iterator[Link]:
    """A link that has read its `hello`."""
    with raw_link(open_url(fake)) as link:
        hello = json.loads(link.recv(timeout=2))
        assert hello["type"] == "hello"
        fake.socket_mode.wait_connected(count=1)
        yield link


def received(link: Link) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(link.recv(timeout=2))
    return message


def answering(link: Link, reply: Callable[[dict[str, Any]], dict[str, Any]]) -> threading.Thread:
    """Acks the next envelope on `link` with `reply(envelope)`, from a thread of its own."""

    def run() -> None:
        link.send(json.dumps(reply(received(link))))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def empty_ack(envelope: dict[str, Any]) -> dict[str, Any]:
    return {"envelope_id": envelope["envelope_id"]}


def slack_error(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


# -- apps.connections.open ----------------------------------------------------------------------


def test_the_app_token_opens_a_single_use_link_url(fake_slack: FakeSlack) -> None:
    first, second = open_url(fake_slack), open_url(fake_slack)

    assert first.startswith(f"ws://127.0.0.1:{first.split(':')[2].split('/')[0]}/link/?ticket=")
    assert first.endswith("&app_id=A0WATCH")
    assert first != second


@pytest.mark.parametrize("reference", [True, False], ids=["reference", "table"])
def test_the_bot_token_is_not_allowed_token_type(reference: bool) -> None:
    fake = start_fake_slack() if reference else FakeSlack()
    try:
        if not reference:
            fake.start()
        client = WebClient(token=fake.token, base_url=fake.url, retry_handlers=[])

        assert slack_error(lambda: client.api_call("apps.connections.open")) == (
            "not_allowed_token_type"
        )
    finally:
        fake.stop()


def test_without_a_token_it_is_not_authed(fake_slack: FakeSlack) -> None:
    client = WebClient(base_url=fake_slack.url, retry_handlers=[])

    assert slack_error(lambda: client.api_call("apps.connections.open")) == "not_authed"


def test_an_unknown_app_token_is_invalid_auth(fake_slack: FakeSlack) -> None:
    client = WebClient(base_url=fake_slack.url, retry_handlers=[])

    error = slack_error(lambda: client.apps_connections_open(app_token="xapp-1-unknown"))

    assert error == "invalid_auth"


def test_the_app_token_cannot_call_bot_methods(fake_slack: FakeSlack) -> None:
    client = WebClient(token=fake_slack.app_token, base_url=fake_slack.url, retry_handlers=[])

    error = slack_error(lambda: client.chat_postMessage(channel="C0GENERAL", text="hi"))

    assert error == "not_allowed_token_type"


def test_the_app_token_is_granted_connections_write(fake_slack: FakeSlack) -> None:
    client = WebClient(base_url=fake_slack.url, retry_handlers=[])

    answer = client.apps_connections_open(app_token=fake_slack.app_token)

    assert answer.headers["x-oauth-scopes"] == "connections:write"


def test_a_configured_app_token_is_the_one_accepted() -> None:
    with FakeSlack(app_token="xapp-1-A0WATCH-other") as fake:
        assert open_url(fake).startswith("ws://")
        assert fake.app_token == "xapp-1-A0WATCH-other"


# -- hello, envelopes and acks --------------------------------------------------------------------


def test_hello_names_the_app_and_counts_the_links(fake_slack: FakeSlack) -> None:
    with linked(fake_slack), raw_link(open_url(fake_slack)) as second:
        hello = received(second)

    assert hello["num_connections"] == 2
    assert hello["connection_info"] == {"app_id": "A0WATCH"}
    assert hello["debug_info"]["approximate_connection_time"] > 0
    assert "host" in hello["debug_info"]


def test_a_spent_ticket_is_refused(fake_slack: FakeSlack) -> None:
    url = open_url(fake_slack)
    with raw_link(url) as link:
        received(link)

    with pytest.raises(InvalidStatus) as refused:
        raw_link(url)

    assert refused.value.response.status_code == 401
    assert fake_slack.socket_mode.connects == 1
    assert fake_slack.socket_mode.attempts == 2


def test_a_command_envelope_acked_empty_answers_200_with_no_body(fake_slack: FakeSlack) -> None:
    seen: list[dict[str, Any]] = []

    def ack(envelope: dict[str, Any]) -> dict[str, Any]:
        seen.append(envelope)
        return empty_ack(envelope)

    with linked(fake_slack) as link:
        answering(link, ack)
        answer = fake_slack.socket_mode_requests().command("help", user="UBEN")

    assert (answer.status, answer.body) == (200, "")
    envelope = seen[0]
    assert envelope["type"] == "slash_commands"
    assert envelope["accepts_response_payload"] is True
    assert "retry_attempt" not in envelope
    assert envelope["payload"]["text"] == "help"
    assert envelope["payload"]["user_id"] == "UBEN"
    assert envelope["payload"]["response_url"] == fake_slack.response_url("socket-mode")


def test_an_ack_with_a_payload_answers_that_payload(fake_slack: FakeSlack) -> None:
    with linked(fake_slack) as link:
        answering(link, lambda env: {**empty_ack(env), "payload": {"text": "Declared INC-1"}})
        answer = fake_slack.socket_mode_requests().command("declare sev2 Checkout errors")

    assert answer.status == 200
    assert answer.text == "Declared INC-1"
    assert [ack.payload for ack in fake_slack.socket_mode.acks] == [{"text": "Declared INC-1"}]


def test_an_envelope_nobody_acks_is_operation_timeout(fake_slack: FakeSlack) -> None:
    with linked(fake_slack):
        started = time.monotonic()
        answer = fake_slack.socket_mode_requests(timeout=0.2).command("help")

    assert (answer.status, answer.body) == (504, "operation_timeout")
    assert time.monotonic() - started < 1.5


def test_with_no_link_open_an_envelope_is_dispatch_failed(fake_slack: FakeSlack) -> None:
    answer = fake_slack.socket_mode_requests().command("help")

    assert (answer.status, answer.body) == (503, "dispatch_failed")


@pytest.mark.parametrize(("kind", "accepts"), [("view_submission", True), ("block_actions", False)])
def test_interactions_accept_a_response_payload_only_where_slack_allows_one(
    fake_slack: FakeSlack, kind: str, accepts: bool
) -> None:
    seen: list[dict[str, Any]] = []
    with linked(fake_slack) as link:
        answering(link, lambda env: seen.append(env) or empty_ack(env))
        fake_slack.socket_mode_requests().interaction({"type": kind, "user": {"id": "UANA"}})

    assert seen[0]["type"] == "interactive"
    assert seen[0]["accepts_response_payload"] is accepts
    assert seen[0]["payload"]["type"] == kind


def test_events_carry_the_callback_and_retry_fields(fake_slack: FakeSlack) -> None:
    seen: list[dict[str, Any]] = []
    event = {"type": "app_home_opened", "user": "UANA", "tab": "home"}
    with linked(fake_slack) as link:
        answering(link, lambda env: seen.append(env) or empty_ack(env))
        requests = fake_slack.socket_mode_requests()
        requests.event(event, event_id="Ev1")
        answering(link, lambda env: seen.append(env) or empty_ack(env))
        requests.event(event, event_id="Ev1", retry_attempt=1, retry_reason="timeout")

    first, retry = seen
    assert first["type"] == "events_api"
    assert first["accepts_response_payload"] is False
    assert (first["retry_attempt"], first["retry_reason"]) == (0, "")
    assert first["payload"]["type"] == "event_callback"
    assert first["payload"]["event"] == event
    assert (retry["retry_attempt"], retry["retry_reason"]) == (1, "timeout")
    assert retry["payload"]["event_id"] == first["payload"]["event_id"] == "Ev1"


def test_the_same_envelope_can_be_delivered_again(fake_slack: FakeSlack) -> None:
    seen: list[dict[str, Any]] = []
    requests = fake_slack.socket_mode_requests(timeout=0.2)
    with linked(fake_slack) as link:
        payload = {"type": "event_callback", "event_id": "Ev2", "event": {"type": "x"}}
        assert requests.deliver("events_api", payload, envelope_id="env-1").status == 504
        received(link)
        answering(link, lambda env: seen.append(env) or empty_ack(env))
        again = requests.deliver(
            "events_api", payload, envelope_id="env-1", retry_attempt=1, retry_reason="timeout"
        )

    assert again.status == 200
    assert seen[0]["envelope_id"] == "env-1"
    assert seen[0]["retry_attempt"] == 1


def test_envelopes_take_turns_over_the_open_links(fake_slack: FakeSlack) -> None:
    got: list[str] = []

    def ack_all(link: Link, name: str) -> None:
        # Acks until the link closes, noting which link each envelope came on.
        with contextlib.suppress(ConnectionClosedOK, ConnectionClosedError):
            for message in link:
                got.append(name)
                link.send(json.dumps(empty_ack(json.loads(message))))

    requests = fake_slack.socket_mode_requests()
    with linked(fake_slack) as first, raw_link(open_url(fake_slack)) as second:
        received(second)
        fake_slack.socket_mode.wait_connected(count=2)
        for link, name in ((first, "first"), (second, "second")):
            threading.Thread(target=ack_all, args=(link, name), daemon=True).start()

        answers = [requests.command("help").status for _ in range(4)]

    assert answers == [200] * 4
    assert got in (["first", "second"] * 2, ["second", "first"] * 2)


# -- faults ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reset", [True, False], ids=["reset", "fin"])
def test_a_drop_is_a_connection_error_without_a_close_frame(
    fake_slack: FakeSlack, reset: bool
) -> None:
    with linked(fake_slack) as link:
        assert fake_slack.socket_mode.drop(reset=reset) == 1

        with pytest.raises(ConnectionClosedError) as cut:
            link.recv(timeout=2)

    assert cut.value.rcvd is None  # no close frame came
    assert fake_slack.socket_mode.connections == 0


@pytest.mark.parametrize("reason", ["refresh_requested", "warning", "link_disabled"])
def test_disconnect_says_why_then_closes_the_link(fake_slack: FakeSlack, reason: Any) -> None:
    with linked(fake_slack) as link:
        assert fake_slack.socket_mode.disconnect(reason, close_after=0) == 1

        message = received(link)
        with pytest.raises(ConnectionClosedOK):
            link.recv(timeout=2)

    assert message["type"] == "disconnect"
    assert message["reason"] == reason
    assert "host" in message["debug_info"]


def test_after_a_warning_the_link_stays_open_a_while_but_gets_no_envelope(
    fake_slack: FakeSlack,
) -> None:
    with linked(fake_slack) as link:
        fake_slack.socket_mode.disconnect("warning", close_after=0.5)
        received(link)

        answer = fake_slack.socket_mode_requests().command("help")
        state = link.protocol.state.name

    assert (answer.status, answer.body) == (503, "dispatch_failed")
    assert state == "OPEN"


def test_refusing_hangs_up_on_connections_open_and_refuses_links(fake_slack: FakeSlack) -> None:
    socket_mode = fake_slack.socket_mode
    url = open_url(fake_slack)
    with linked(fake_slack) as open_link:
        socket_mode.refuse(True)

        with pytest.raises((URLError, ConnectionError)):
            open_url(fake_slack)
        with pytest.raises(ConnectionRefusedError):
            raw_link(url)
        open_link.ping().wait(1)  # links already open stay up
        assert socket_mode.connections == 1

        socket_mode.refuse(False)
        with raw_link(open_url(fake_slack)) as again:
            assert received(again)["type"] == "hello"


def test_a_stalled_link_stays_open_but_answers_nothing(fake_slack: FakeSlack) -> None:
    socket_mode = fake_slack.socket_mode
    with linked(fake_slack) as stalled:
        assert socket_mode.stall() == 1
        pong = stalled.ping()

        assert not pong.wait(0.3)
        assert socket_mode.connections == 0
        assert socket_mode.stalled == 1
        lost = fake_slack.socket_mode_requests(timeout=0.2).command("help")
        assert (lost.status, lost.body) == (504, "operation_timeout")

        with linked(fake_slack) as fresh:
            answering(fresh, empty_ack)
            assert fake_slack.socket_mode_requests().command("help").status == 200
        assert stalled.protocol.state.name == "OPEN"


def test_with_socket_mode_disabled_every_link_is_told_link_disabled(fake_slack: FakeSlack) -> None:
    socket_mode = fake_slack.socket_mode
    with linked(fake_slack) as link:
        socket_mode.link_disabled = True

        assert received(link)["reason"] == "link_disabled"
        with pytest.raises(ConnectionClosedOK):
            link.recv(timeout=2)

    with raw_link(open_url(fake_slack)) as refused:
        first = received(refused)
        with pytest.raises(ConnectionClosedOK):
            refused.recv(timeout=2)
    assert (first["type"], first["reason"]) == ("disconnect", "link_disabled")
    assert socket_mode.connects == 1

    socket_mode.link_disabled = False
    with linked(fake_slack):
        assert socket_mode.connects == 2


# -- lifecycle ---------------------------------------------------------------------------------------


def test_stopping_cuts_the_links_and_leaves_no_thread() -> None:
    before = set(threading.enumerate())
    fake = FakeSlack()
    fake.start()
    with raw_link(open_url(fake)) as link:
        received(link)
        fake.socket_mode.stall()

        fake.stop()

        with pytest.raises(ConnectionClosedError):
            link.recv(timeout=2)
    assert set(threading.enumerate()) <= before
    assert not fake.socket_mode.running


def test_a_stopped_stand_in_starts_again_with_socket_mode() -> None:
    fake = FakeSlack()
    fake.start()
    fake.stop()
    fake.start()
    try:
        with linked(fake):
            assert fake.socket_mode.connections == 1
    finally:
        fake.stop()


# -- a real Socket Mode app ---------------------------------------------------------------------------


@pytest.mark.slow  # the built-in client takes a few seconds to close
def test_a_bolt_app_in_socket_mode_answers_commands_through_the_stand_in(
    fake_slack: FakeSlack,
) -> None:
    from slack_bolt import Ack, App
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app = App(client=WebClient(token=fake_slack.token, base_url=fake_slack.url))

    @app.command("/incident")
    def answer(ack: Ack, command: dict[str, Any]) -> None:
        ack(f"you said {command['text']}")

    handler = SocketModeHandler(app, fake_slack.app_token)
    handler.connect()  # type: ignore[no-untyped-call]  # slack_bolt leaves it untyped
    try:
        fake_slack.socket_mode.wait_connected()
        answered = fake_slack.socket_mode_requests().command("help")
    finally:
        handler.close()  # type: ignore[no-untyped-call]  # as above

    assert answered.status == 200
    assert answered.text == "you said help"
