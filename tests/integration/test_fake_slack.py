"""The Slack stand-in answers a real slack_sdk client as Slack does: state, errors and faults."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient
from tests.fixtures.slack import slack_reference_dir, start_fake_slack

from watchkeeper.standin import FakeSlack
from watchkeeper.standin.errors import SlackError

# What urllib raises when the server closes the connection unanswered (RemoteDisconnected is a
# ConnectionError; a reset while sending surfaces as URLError).
HANG_UP = (URLError, ConnectionError)

needs_reference = pytest.mark.skipif(
    slack_reference_dir() is None, reason="Slack's method reference (../shared/slack-api) is absent"
)


def bare_client(fake: FakeSlack) -> WebClient:
    """A client with slack_sdk's own retries switched off, so each failure shows as it is."""
    return WebClient(token=fake.token, base_url=fake.url, retry_handlers=[])


def slack_error(call: Callable[[], Any]) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


def incident_channel(client: WebClient, name: str = "inc-1-checkout-errors") -> str:
    channel_id: str = client.conversations_create(name=name)["channel"]["id"]
    return channel_id


# -- channels ----------------------------------------------------------------------------------


def test_created_channel_has_the_bot_as_member(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    created = fake_slack_client.conversations_create(name="inc-1-checkout-errors")["channel"]

    assert created["is_member"] is True
    assert fake_slack.bot_user_id in fake_slack.channel(created["id"]).members


def test_a_name_already_in_use_is_name_taken(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    fake_slack.create_channel("inc-1-checkout-errors")

    refused = slack_error(
        lambda: fake_slack_client.conversations_create(name="inc-1-checkout-errors")
    )

    assert refused.response["error"] == "name_taken"


def test_an_archived_channels_name_is_still_taken(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    fake_slack.create_channel("inc-1-checkout-errors", archived=True)

    refused = slack_error(
        lambda: fake_slack_client.conversations_create(name="inc-1-checkout-errors")
    )

    assert refused.response["error"] == "name_taken"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("Inc-1-Checkout", "invalid_name_specials"),
        ("inc 1", "invalid_name_specials"),
        ("inc-1-" + "x" * 75, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
    ],
)
def test_channel_names_slack_refuses_are_refused(
    fake_slack_client: WebClient, name: str, error: str
) -> None:
    refused = slack_error(lambda: fake_slack_client.conversations_create(name=name))

    assert refused.response["error"] == error


def test_inviting_someone_already_in_the_channel_is_already_in_channel(
    fake_slack_client: WebClient,
) -> None:
    channel = incident_channel(fake_slack_client)
    fake_slack_client.conversations_invite(channel=channel, users=["UANA"])

    refused = slack_error(
        lambda: fake_slack_client.conversations_invite(channel=channel, users=["UANA"])
    )

    assert refused.response["error"] == "already_in_channel"
    assert refused.response["errors"] == [
        {"user": "UANA", "ok": False, "error": "already_in_channel"}
    ]


def test_one_unknown_user_fails_the_whole_invite(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)

    refused = slack_error(
        lambda: fake_slack_client.conversations_invite(channel=channel, users=["UBEN", "UNOBODY"])
    )

    assert refused.response["error"] == "user_not_found"
    assert "UBEN" not in fake_slack.channel(channel).members


def test_topic_is_set_on_the_channel(fake_slack: FakeSlack, fake_slack_client: WebClient) -> None:
    channel = incident_channel(fake_slack_client)

    fake_slack_client.conversations_setTopic(channel=channel, topic="INC-1 · SEV2 · investigating")

    assert fake_slack.channel(channel).topic == "INC-1 · SEV2 · investigating"


def test_channel_list_pages_with_a_cursor(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    for number in range(1, 4):
        fake_slack.create_channel(f"inc-{number}")

    names = [
        channel["name"]
        for page in fake_slack_client.conversations_list(types="public_channel", limit=2)
        for channel in page["channels"]
    ]

    assert names == ["general", "inc-1", "inc-2", "inc-3"]


# -- messages and pins -----------------------------------------------------------------------


def test_message_posted_by_channel_name_lands_in_that_channel(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)

    posted = fake_slack_client.chat_postMessage(channel="#inc-1-checkout-errors", text="Declared")

    assert posted["channel"] == channel
    assert [(m.ts, m.text) for m in fake_slack.messages(channel)] == [(posted["ts"], "Declared")]


def test_posting_where_the_bot_is_not_a_member_is_not_in_channel(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    broadcast = fake_slack.create_channel("incidents").id

    refused = slack_error(lambda: fake_slack_client.chat_postMessage(channel=broadcast, text="x"))

    assert refused.response["error"] == "not_in_channel"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_a_message_without_text_or_blocks_is_no_text(fake_slack_client: WebClient) -> None:
    channel = incident_channel(fake_slack_client)

    refused = slack_error(lambda: fake_slack_client.chat_postMessage(channel=channel, text=""))

    assert refused.response["error"] == "no_text"


def test_a_section_over_3000_characters_is_invalid_blocks(fake_slack_client: WebClient) -> None:
    channel = incident_channel(fake_slack_client)
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}

    refused = slack_error(
        lambda: fake_slack_client.chat_postMessage(channel=channel, text="x", blocks=[section])
    )

    assert refused.response["error"] == "invalid_blocks"
    assert refused.response["errors"] == [
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]


def test_updated_message_shows_the_new_text_as_edited(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)
    ts = fake_slack_client.chat_postMessage(channel=channel, text="Investigating")["ts"]

    fake_slack_client.chat_update(channel=channel, ts=ts, text="Identified")

    (message,) = fake_slack.messages(channel)
    assert (message.ts, message.text) == (ts, "Identified")
    assert message.edited is not None


def test_updating_a_message_that_does_not_exist_is_message_not_found(
    fake_slack_client: WebClient,
) -> None:
    channel = incident_channel(fake_slack_client)

    refused = slack_error(
        lambda: fake_slack_client.chat_update(channel=channel, ts="1.000001", text="x")
    )

    assert refused.response["error"] == "message_not_found"


def test_pinning_twice_is_already_pinned(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)
    ts = fake_slack_client.chat_postMessage(channel=channel, text="INC-1 card")["ts"]
    fake_slack_client.pins_add(channel=channel, timestamp=ts)

    refused = slack_error(lambda: fake_slack_client.pins_add(channel=channel, timestamp=ts))

    assert refused.response["error"] == "already_pinned"
    assert [message.text for message in fake_slack.pins(channel)] == ["INC-1 card"]


class Collected:
    """Where the stand-in sends its events, kept for the test to read."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def event(self, event: dict[str, Any]) -> None:
        self.events.append(event)


def test_a_reaction_is_kept_on_its_message_and_sent_as_events(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)
    ts = fake_slack.post_as(channel, "p99 at 4s", user="UDEV").ts
    sent = Collected()
    fake_slack.send_events_to(sent)

    fake_slack.react(channel, ts, ":pushpin:", user="UBEN")
    history = fake_slack_client.conversations_history(channel=channel, latest=ts, inclusive=True)
    fake_slack.unreact(channel, ts, "pushpin", user="UBEN")

    assert history["messages"][0]["reactions"] == [
        {"name": "pushpin", "users": ["UBEN"], "count": 1}
    ]
    assert [(e["type"], e["user"], e["reaction"], e["item"]) for e in sent.events] == [
        (kind, "UBEN", "pushpin", {"type": "message", "channel": channel, "ts": ts})
        for kind in ("reaction_added", "reaction_removed")
    ]
    assert sent.events[0]["event_ts"] < sent.events[1]["event_ts"]


def test_reacting_twice_is_already_reacted_and_taking_back_none_is_no_reaction(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)
    ts = fake_slack.post_as(channel, "p99 at 4s", user="UDEV").ts
    fake_slack.react(channel, ts, "pushpin", user="UBEN")

    with pytest.raises(SlackError) as twice:
        fake_slack.react(channel, ts, "pushpin", user="UBEN")
    with pytest.raises(SlackError) as none:
        fake_slack.unreact(channel, ts, "pushpin", user="UCARA")

    assert (twice.value.error, none.value.error) == ("already_reacted", "no_reaction")


def test_the_bot_may_not_react_without_reactions_write(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)
    ts = fake_slack_client.chat_postMessage(channel=channel, text="INC-1 card")["ts"]

    refused = slack_error(
        lambda: fake_slack_client.reactions_add(channel=channel, timestamp=ts, name="pushpin")
    )

    assert refused.response["error"] == "missing_scope"


def test_permalink_points_at_the_message(fake_slack_client: WebClient) -> None:
    channel = incident_channel(fake_slack_client)
    ts = fake_slack_client.chat_postMessage(channel=channel, text="Root cause found")["ts"]

    link = fake_slack_client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]

    assert link.endswith(f"/archives/{channel}/p{ts.replace('.', '')}")


def test_concurrent_posts_are_all_kept_with_distinct_timestamps(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)

    def post(number: int) -> None:
        fake_slack_client.chat_postMessage(channel=channel, text=f"update {number}")

    threads = [threading.Thread(target=post, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    messages = fake_slack.messages(channel)
    assert len({message.ts for message in messages}) == 20
    assert len(fake_slack.calls_to("chat.postMessage")) == 20


# -- modals, Home tab, users -------------------------------------------------------------------


def test_a_trigger_opens_one_modal_only(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Declare"}, "blocks": []}
    opened = fake_slack_client.views_open(trigger_id="123.456.abc", view=modal)

    refused = slack_error(
        lambda: fake_slack_client.views_open(trigger_id="123.456.abc", view=modal)
    )

    assert refused.response["error"] == "exchanged_trigger_id"
    assert [view.id for view in fake_slack.views] == [opened["view"]["id"]]


def test_a_modal_title_over_24_characters_is_invalid_arguments(
    fake_slack_client: WebClient,
) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}

    refused = slack_error(lambda: fake_slack_client.views_open(trigger_id="1.2.a", view=modal))

    assert refused.response["error"] == "invalid_arguments"
    assert refused.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]


def test_home_tab_is_published_per_user(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    home = {"type": "home", "blocks": [{"type": "divider"}]}

    fake_slack_client.views_publish(user_id="UANA", view=home)

    published = fake_slack.home_view("UANA")
    assert published is not None
    assert published.payload["blocks"] == [{"type": "divider"}]


def test_added_users_are_known_to_users_info(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    fake_slack.add_user("UEVE", "eve", real_name="Eve Moreau")
    # The bot itself never asks (it learns names from requests); an app that does needs this.
    fake_slack.scopes = fake_slack.scopes | {"users:read"}

    assert fake_slack_client.users_info(user="UEVE")["user"]["real_name"] == "Eve Moreau"


# -- the contract: methods, arguments, tokens, scopes ------------------------------------------


def test_missing_required_argument_is_invalid_arguments(fake_slack_client: WebClient) -> None:
    channel = incident_channel(fake_slack_client)

    refused = slack_error(
        lambda: fake_slack_client.api_call("conversations.setTopic", params={"channel": channel})
    )

    assert refused.response["error"] == "invalid_arguments"
    assert refused.response["response_metadata"]["messages"] == [
        "[ERROR] missing required field: topic"
    ]


@needs_reference
def test_deprecated_files_upload_is_method_deprecated(fake_slack_client: WebClient) -> None:
    channel = incident_channel(fake_slack_client)

    refused = slack_error(
        lambda: fake_slack_client.api_call(
            "files.upload", data={"channels": channel, "content": "postmortem"}
        )
    )

    assert refused.response["error"] == "method_deprecated"


def test_a_method_slack_does_not_have_is_unknown_method(fake_slack_client: WebClient) -> None:
    refused = slack_error(lambda: fake_slack_client.api_call("incidents.declare"))

    assert refused.response["error"] == "unknown_method"
    assert refused.response["req_method"] == "incidents.declare"


def test_without_the_reference_only_watchkeepers_methods_exist() -> None:
    with FakeSlack() as fake:
        refused = slack_error(lambda: bare_client(fake).api_call("chat.delete"))

    assert refused.response["error"] == "unknown_method"


def test_a_scope_not_granted_is_missing_scope() -> None:
    fake = start_fake_slack(scopes={"chat:write", "commands"})
    try:
        refused = slack_error(lambda: bare_client(fake).conversations_create(name="inc-1"))
    finally:
        fake.stop()

    assert refused.response["error"] == "missing_scope"
    assert "channels:manage" in refused.response["needed"].split(",")
    assert refused.response["provided"] == "chat:write,commands"


def test_an_unknown_token_is_invalid_auth(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-revoked", base_url=fake_slack.url)

    refused = slack_error(client.auth_test)

    assert refused.response["error"] == "invalid_auth"


def test_no_token_is_not_authed(fake_slack: FakeSlack) -> None:
    refused = slack_error(WebClient(base_url=fake_slack.url).auth_test)

    assert refused.response["error"] == "not_authed"


def test_auth_test_reports_the_granted_scopes(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    answer = fake_slack_client.auth_test()

    assert answer["user_id"] == fake_slack.bot_user_id
    assert set(answer.headers["x-oauth-scopes"].split(",")) == fake_slack.scopes


# -- faults --------------------------------------------------------------------------------------


def test_rate_limit_reaches_the_client_with_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=7)

    refused = slack_error(lambda: bare_client(fake_slack).chat_postMessage(channel="x", text="x"))

    assert refused.response.status_code == 429
    assert refused.response.headers["Retry-After"] == "7"
    assert refused.response["error"] == "ratelimited"


def test_rate_limit_retry_handler_waits_and_succeeds(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)
    fake_slack.fail("chat.postMessage", status=429, retry_after=0)
    client = WebClient(
        token=fake_slack.token,
        base_url=fake_slack.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )

    client.chat_postMessage(channel=channel, text="Identified")

    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert [message.text for message in fake_slack.messages(channel)] == ["Identified"]


def test_server_error_fails_one_call_then_recovers(fake_slack: FakeSlack) -> None:
    fake_slack.fail("auth.test", status=500)
    client = bare_client(fake_slack)

    refused = slack_error(client.auth_test)

    assert refused.response.status_code == 500
    assert client.auth_test()["ok"] is True


def test_injected_slack_error_is_an_ok_false_answer(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)
    fake_slack.fail("chat.postMessage", error="channel_not_found", times=2)

    for _ in range(2):
        refused = slack_error(lambda: fake_slack_client.chat_postMessage(channel=channel, text="x"))
        assert (refused.response.status_code, refused.response["error"]) == (
            200,
            "channel_not_found",
        )
    assert fake_slack_client.chat_postMessage(channel=channel, text="x")["ok"] is True


def test_dropped_connection_is_a_connection_error(fake_slack: FakeSlack) -> None:
    fake_slack.drop("auth.test")

    with pytest.raises(HANG_UP):
        bare_client(fake_slack).auth_test()


def test_slack_sdk_retries_a_dropped_connection_by_default(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    fake_slack.drop("auth.test")

    assert fake_slack_client.auth_test()["ok"] is True
    assert len(fake_slack.calls_to("auth.test")) == 2


def test_a_reply_lost_after_processing_still_posted_the_message(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)
    fake_slack.drop("chat.postMessage", after_processing=True)

    with pytest.raises(HANG_UP):
        bare_client(fake_slack).chat_postMessage(channel=channel, text="Resolved")

    assert [message.text for message in fake_slack.messages(channel)] == ["Resolved"]


def test_slow_call_answers_late(fake_slack: FakeSlack, fake_slack_client: WebClient) -> None:
    fake_slack.slow("auth.test", 0.3)

    started = time.monotonic()
    fake_slack_client.auth_test()

    assert time.monotonic() - started >= 0.3


def test_latency_delays_every_call() -> None:
    fake = start_fake_slack(latency=0.05)
    try:
        client = bare_client(fake)
        started = time.monotonic()
        for _ in range(3):
            client.auth_test()
        elapsed = time.monotonic() - started
    finally:
        fake.stop()

    assert elapsed >= 0.15


# -- files and response_url ------------------------------------------------------------------


def test_external_upload_shares_the_file_in_the_channel(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)
    content = b"# INC-1: Checkout errors\nDuration: 2h 14m\n"
    ticket = fake_slack_client.files_getUploadURLExternal(
        filename="postmortem.md", length=len(content)
    )
    # What slack_sdk's files_upload_v2 does between the two calls: POST the bytes to the URL.
    upload = urllib.request.Request(ticket["upload_url"], data=content, method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(upload, timeout=5) as answer:  # noqa: S310 - loopback
        assert answer.status == 200

    fake_slack_client.files_completeUploadExternal(
        files=[{"id": ticket["file_id"], "title": "Postmortem draft"}],
        channel_id=channel,
        initial_comment="INC-1 is resolved",
    )

    (message,) = fake_slack.messages(channel)
    assert message.text == "INC-1 is resolved"
    assert [(f.title, f.text) for f in message.files] == [("Postmortem draft", content.decode())]


def test_files_upload_v2_goes_through_the_external_flow(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    channel = incident_channel(fake_slack_client)

    fake_slack_client.files_upload_v2(
        channel=channel, content="Resolved\nPosted Nov 24, 2025 - 08:51 UTC", filename="status.txt"
    )

    (message,) = fake_slack.messages(channel)
    assert message.files[0].text == "Resolved\nPosted Nov 24, 2025 - 08:51 UTC"


def test_completing_an_upload_whose_bytes_never_came_is_file_not_found(
    fake_slack_client: WebClient,
) -> None:
    ticket = fake_slack_client.files_getUploadURLExternal(filename="timeline.md", length=10)

    refused = slack_error(
        lambda: fake_slack_client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}])
    )

    assert refused.response["error"] == "file_not_found"


def test_response_url_keeps_what_was_posted(fake_slack: FakeSlack) -> None:
    reply = {"response_type": "ephemeral", "text": "Usage: /incident declare <title>"}

    WebhookClient(fake_slack.response_url("cmd-1")).send_dict(reply)

    assert fake_slack.responses("cmd-1") == [reply]


def test_wait_for_returns_the_state_once_it_appears(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    timer = threading.Timer(0.1, lambda: fake_slack_client.conversations_create(name="inc-9"))
    timer.start()

    channel = fake_slack.wait_for(lambda: fake_slack.channel_by_name("inc-9"), timeout=5)

    assert channel.name == "inc-9"


# -- message metadata and conversations.history ----------------------------------------------

MARKER = {"event_type": "watchkeeper_effect", "event_payload": {"effect": 7, "incident": 1}}


def test_history_lists_top_level_messages_newest_first_with_their_metadata(
    fake_slack_client: WebClient,
) -> None:
    channel = incident_channel(fake_slack_client)
    parent = fake_slack_client.chat_postMessage(channel=channel, text="first", metadata=MARKER)
    fake_slack_client.chat_postMessage(channel=channel, text="reply", thread_ts=parent["ts"])
    fake_slack_client.chat_postMessage(channel=channel, text="second")

    page = fake_slack_client.conversations_history(channel=channel, include_all_metadata=True)

    assert [m["text"] for m in page["messages"]] == ["second", "first"]
    assert page["messages"][1]["metadata"] == MARKER
    assert "metadata" not in page["messages"][0]
    assert page["has_more"] is False
    assert page["messages"][1]["metadata"] == parent["message"]["metadata"]


def test_history_leaves_metadata_out_unless_asked(fake_slack_client: WebClient) -> None:
    channel = incident_channel(fake_slack_client)
    fake_slack_client.chat_postMessage(channel=channel, text="marked", metadata=MARKER)

    [message] = fake_slack_client.conversations_history(channel=channel)["messages"]

    assert "metadata" not in message


def test_history_pages_with_a_cursor(fake_slack_client: WebClient) -> None:
    channel = incident_channel(fake_slack_client)
    for number in range(5):
        fake_slack_client.chat_postMessage(channel=channel, text=f"m{number}")

    first = fake_slack_client.conversations_history(channel=channel, limit=3)
    cursor = first["response_metadata"]["next_cursor"]
    rest = fake_slack_client.conversations_history(channel=channel, limit=3, cursor=cursor)

    assert [m["text"] for m in first["messages"]] == ["m4", "m3", "m2"]
    assert first["has_more"] is True
    assert [m["text"] for m in rest["messages"]] == ["m1", "m0"]
    assert rest["has_more"] is False


def test_history_of_a_channel_the_bot_is_not_in_is_not_in_channel(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    elsewhere = fake_slack.create_channel("random")

    refused = slack_error(lambda: fake_slack_client.conversations_history(channel=elsewhere.id))

    assert refused.response["error"] == "not_in_channel"


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ("{not json", "invalid_metadata_format"),
        ({"event_type": "has space", "event_payload": {}}, "invalid_metadata_schema"),
        ({"event_type": "ok_type", "event_payload": "text"}, "invalid_metadata_schema"),
    ],
)
def test_malformed_metadata_is_refused(
    fake_slack_client: WebClient, metadata: Any, error: str
) -> None:
    channel = incident_channel(fake_slack_client)

    refused = slack_error(
        lambda: fake_slack_client.chat_postMessage(channel=channel, text="x", metadata=metadata)
    )

    assert refused.response["error"] == error


def test_each_call_is_recorded_with_when_it_arrived(fake_slack: FakeSlack) -> None:
    before = time.time()
    bare_client(fake_slack).auth_test()

    [call] = [call for call in fake_slack.calls if call.method == "auth.test"]
    assert before <= call.at <= time.time()
