"""The status page the running bot serves: publish, unpublish and the postmortem, end to end.

Responders publish with `/incident publish`, the card's button, or a severity marked public;
the page then shows exactly what was written for customers, under `/status`, in the text the
export and the upload on resolve carry. Everything else (notes, causes, people, the channel)
stays off it, and an unpublished incident is as unknown as one that never was.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import feedparser
import pytest
from tests.e2e.helpers import as_user, bot_messages, declare, settle, stored
from tests.fixtures.bot import RunningBot, SignedSlack, StartBot, signed_slack

from watchkeeper.services.reports import draft_documents
from watchkeeper.standin import FakeSlack

PAGE = {"WATCHKEEPER_STATUS_PAGE_NAME": "Acme Status"}
#: What responders say that customers must never read.
INTERNAL = ("Rolled back the payments deploy", "A bad certificate bundle", "UANA", "UBEN")


def get(bot: RunningBot, path: str) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(bot.url + path)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return answer.status, answer.read().decode(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@pytest.fixture
def page_bot(start_bot: StartBot, database_url: str) -> RunningBot:
    return start_bot(database_url, **PAGE)


@pytest.fixture
def page_slack(page_bot: RunningBot, fake_slack: FakeSlack) -> SignedSlack:
    return signed_slack(page_bot.url, fake_slack.team_id)


def public_id(bot: RunningBot, number: int = 1) -> str:
    publication = stored(bot, number).publication
    assert publication is not None
    return publication.public_id


def click(channel_id: str, action_id: str, number: int = 1) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "trigger_id": f"trigger-{action_id}",
        "channel": {"id": channel_id, "name": "inc-1-checkout-errors"},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [{"action_id": action_id, "value": str(number), "type": "button"}],
    }


@pytest.mark.slow
def test_a_published_incident_is_on_the_page_in_the_exported_text_and_nothing_internal(
    page_slack: SignedSlack, fake_slack: FakeSlack, page_bot: RunningBot
) -> None:
    channel = declare(page_slack, fake_slack).id
    as_user(page_slack, "note Rolled back the payments deploy", channel=channel)
    as_user(page_slack, "cause A bad certificate bundle", channel=channel)
    as_user(page_slack, "commander <@UBEN|ben>", channel=channel)

    reply = as_user(page_slack, "publish Checkout trouble for some customers", channel=channel)
    as_user(
        page_slack, "status identified We found the cause.\nA fix is rolling out.", channel=channel
    )
    as_user(page_slack, "components Checkout, Payments", channel=channel)
    settle(page_bot, fake_slack)
    pid = public_id(page_bot)
    html = get(page_bot, f"/status/incidents/{pid}")
    text = get(page_bot, f"/status/incidents/{pid}.txt")
    page = get(page_bot, "/status")
    feed = get(page_bot, "/status/history.atom")
    api = get(page_bot, "/status/api/v2/incidents.json")

    assert f"/status/incidents/{pid}" in reply
    assert text[1] == draft_documents(page_bot.bot.ctx, 1).statuspage
    assert text[1].startswith(
        "Checkout trouble for some customers\n\nIncident Report for Acme Status\n\nIdentified\n"
        "We found the cause.\nA fix is rolling out.\n"
    )
    assert text[1].endswith("This incident affected: Checkout and Payments.\n")
    assert "Checkout trouble for some customers" in html[1]
    assert "Checkout trouble for some customers" in page[1]
    assert json.loads(api[1])["incidents"][0]["name"] == "Checkout trouble for some customers"
    assert len(feedparser.parse(feed[1]).entries) == 2
    for _, body, _ in (html, text, page, feed, api):
        assert [word for word in (*INTERNAL, "Checkout errors", channel) if word in body] == []


@pytest.mark.slow
def test_an_unpublished_incident_is_the_same_404_as_one_that_never_was(
    page_slack: SignedSlack, fake_slack: FakeSlack, page_bot: RunningBot
) -> None:
    channel = declare(page_slack, fake_slack).id
    as_user(page_slack, "publish", channel=channel)
    pid = public_id(page_bot)
    published = get(page_bot, f"/status/incidents/{pid}")

    reply = as_user(page_slack, "unpublish", channel=channel)
    gone = get(page_bot, f"/status/incidents/{pid}")
    never = get(page_bot, "/status/incidents/NoSuchIncident1")
    number = get(page_bot, "/status/incidents/1")

    assert published[0] == 200
    assert reply == "INC-1 is off the status page."
    assert (gone[0], gone[1]) == (never[0], never[1]) == (number[0], number[1])
    assert gone[0] == 404
    assert "Checkout errors" not in get(page_bot, "/status")[1]


@pytest.mark.slow
def test_the_postmortem_file_a_responder_uploaded_is_published_on_the_page(
    page_slack: SignedSlack, fake_slack: FakeSlack, page_bot: RunningBot
) -> None:
    channel = declare(page_slack, fake_slack).id
    as_user(page_slack, "publish", channel=channel)
    as_user(page_slack, "resolve Checkout works again.", channel=channel)
    settle(page_bot, fake_slack)
    fake_slack.upload_file(
        channel, "INC-1-postmortem-edited.md", "Summary\n\nA certificate expired.", user="UBEN"
    )

    reply = as_user(page_slack, "postmortem publish", channel=channel)
    settle(page_bot, fake_slack)
    text = get(page_bot, f"/status/incidents/{public_id(page_bot)}.txt")[1]

    assert "Publishing the latest postmortem file" in reply
    assert "\n\nPostmortem\nSummary\n\nA certificate expired.\nPosted " in text
    assert any(
        "published the INC-1 postmortem" in m.text for m in bot_messages(fake_slack, channel)
    )


@pytest.mark.slow
def test_without_a_postmortem_file_the_channel_is_told_how_to_make_one(
    page_slack: SignedSlack, fake_slack: FakeSlack, page_bot: RunningBot
) -> None:
    channel = declare(page_slack, fake_slack).id
    as_user(page_slack, "publish", channel=channel)

    as_user(page_slack, "postmortem publish", channel=channel)
    settle(page_bot, fake_slack)

    told = [m.text for m in bot_messages(fake_slack, channel) if "no postmortem file" in m.text]
    assert len(told) == 1 and "/incident postmortem publish" in told[0]
    assert stored(page_bot).publication is not None
    assert stored(page_bot).publication.postmortem == ""  # type: ignore[union-attr]


@pytest.mark.slow
def test_the_card_buttons_publish_and_take_off(
    page_slack: SignedSlack, fake_slack: FakeSlack, page_bot: RunningBot
) -> None:
    channel = declare(page_slack, fake_slack).id
    settle(page_bot, fake_slack)
    card = fake_slack.pins(channel)[0]
    before = [
        e["action_id"] for b in card.blocks or [] if b["type"] == "actions" for e in b["elements"]
    ]

    page_slack.interaction(click(channel, "publish_on_status_page"))
    settle(page_bot, fake_slack)
    published = stored(page_bot).is_published
    card = fake_slack.pins(channel)[0]
    after = [
        e["action_id"] for b in card.blocks or [] if b["type"] == "actions" for e in b["elements"]
    ]
    page_slack.interaction(click(channel, "unpublish_from_status_page"))

    assert "publish_on_status_page" in before
    assert published
    assert "unpublish_from_status_page" in after
    assert not stored(page_bot).is_published


@pytest.mark.slow
def test_the_postmortem_form_publishes_what_was_written_in_it(
    page_slack: SignedSlack, fake_slack: FakeSlack, page_bot: RunningBot
) -> None:
    channel = declare(page_slack, fake_slack).id
    as_user(page_slack, "publish", channel=channel)
    as_user(page_slack, "resolve Done.", channel=channel)
    settle(page_bot, fake_slack)
    page_slack.interaction(click(channel, "open_postmortem_modal"))
    form = fake_slack.wait_for(lambda: fake_slack.views)[0]
    submission = {
        "type": "view_submission",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "trigger_id": "trigger-submit",
        "view": {
            **form.payload,
            "id": form.id,
            "state": {
                "values": {
                    "postmortem": {
                        "postmortem": {"type": "plain_text_input", "value": "We are sorry."}
                    }
                }
            },
        },
    }

    reply = page_slack.interaction(submission)

    assert form.payload["callback_id"] == "publish_postmortem"
    assert reply.status == 200 and reply.body == ""
    assert stored(page_bot).publication.postmortem == "We are sorry."  # type: ignore[union-attr]


@pytest.mark.slow
def test_a_severity_marked_public_is_on_the_page_from_its_declaration(
    start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    bot = start_bot(
        toml='[[severity]]\nname = "SEV1"\npublic = true\n\n[[severity]]\nname = "SEV2"\n', **PAGE
    )
    slack = signed_slack(bot.url, fake_slack.team_id)

    declare(slack, fake_slack, "declare SEV1 Payments down", channel_name="inc-1-payments-down")
    declare(slack, fake_slack, "declare SEV2 Search slow", channel_name="inc-2-search-slow")
    page = get(bot, "/status")[1]

    assert stored(bot, 1).is_published and not stored(bot, 2).is_published
    assert "Payments down" in page and "Search slow" not in page


@pytest.mark.slow
def test_a_title_that_is_a_script_shows_as_text_behind_a_strict_policy(
    page_slack: SignedSlack, fake_slack: FakeSlack, page_bot: RunningBot
) -> None:
    channel = declare(page_slack, fake_slack).id
    as_user(page_slack, "publish &lt;script&gt;alert(1)&lt;/script&gt; down", channel=channel)

    status, body, headers = get(page_bot, f"/status/incidents/{public_id(page_bot)}")

    assert status == 200
    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; down" in body
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "set-cookie" not in {name.lower() for name in headers}


def test_without_a_status_page_publishing_says_how_to_turn_it_on(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack).id

    reply = as_user(slack, "publish", channel=channel)

    assert reply.startswith(":warning: This workspace has no status page.")
    assert "WATCHKEEPER_STATUS_PAGE_NAME" in reply
    assert get(running_bot, "/status")[0] == 404


@pytest.mark.slow
def test_the_declaration_form_s_public_message_is_the_first_post(
    page_slack: SignedSlack, fake_slack: FakeSlack, page_bot: RunningBot
) -> None:
    submission = {
        "type": "view_submission",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": "UANA", "username": "ana", "name": "ana", "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "trigger_id": "trigger-declare",
        "view": {
            "id": "VDECLARE1",
            "type": "modal",
            "callback_id": "declare_incident",
            "private_metadata": "",
            "state": {
                "values": {
                    "title": {"title": {"type": "plain_text_input", "value": "Login errors"}},
                    "severity": {
                        "severity": {"type": "static_select", "selected_option": {"value": "SEV2"}}
                    },
                    "public_message": {
                        "public_message": {
                            "type": "plain_text_input",
                            "value": "Some customers cannot log in; we are on it.",
                        }
                    },
                }
            },
        },
    }
    page_slack.interaction(submission)
    channel = fake_slack.wait_for(lambda: fake_slack.channel_by_name("inc-1-login-errors"))
    fake_slack.wait_for(lambda: fake_slack.pins(channel.id))  # the bot knows its channel now

    as_user(page_slack, "publish", channel=channel.id)
    text = get(page_bot, f"/status/incidents/{public_id(page_bot)}.txt")[1]

    assert "\n\nInvestigating\nSome customers cannot log in; we are on it.\nPosted " in text
