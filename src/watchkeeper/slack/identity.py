"""Who the bot is in Slack (team, bot user), learned with `auth.test` off the request path."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


@dataclass
class BotIdentity:
    """The installed workspace and the bot's user; unknown until `auth.test` answers."""

    team_id: str | None = None
    user_id: str | None = None
    bot_id: str | None = None
    #: The workspace's name, as Slack shows it.
    team_name: str | None = None

    def learn(self, client: WebClient) -> bool:
        """Ask Slack once; False (and a log line) when it cannot answer now."""
        try:
            answer = client.auth_test()
        except (SlackApiError, OSError) as error:
            log.warning("auth.test failed (%s); will try again", _reason(error))
            return False
        self.team_id = answer.get("team_id")
        self.user_id = answer.get("user_id")
        self.bot_id = answer.get("bot_id")
        self.team_name = answer.get("team")
        log.info("connected to Slack workspace %s as bot user %s", self.team_id, self.user_id)
        return True

    def learn_in_background(
        self, client: WebClient, stop: threading.Event, *, then: Callable[[], None] = lambda: None
    ) -> threading.Thread:
        """Keep asking (backing off) until Slack answers, without holding up the start."""

        def keep_trying() -> None:
            delay = 1.0
            while not stop.is_set() and not self.learn(client):
                stop.wait(delay)
                delay = min(delay * 2, 60.0)
            if self.team_id is not None:
                then()

        thread = threading.Thread(target=keep_trying, name="auth-test", daemon=True)
        thread.start()
        return thread


def _reason(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error", error.response.status_code))
    return str(error)
