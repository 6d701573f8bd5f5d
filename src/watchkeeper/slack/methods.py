"""The Slack Web API methods Watchkeeper calls, with the bot scopes and arguments each one needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One Web API method: the bot scopes Watchkeeper asks for to call it, and its required args.

    `bot_scopes` holds the scopes (of those Slack accepts) that the manifest requests for what
    Watchkeeper does with this method: usually one; conversations.list lists public and private
    channels, which takes one scope each. It is empty for methods that need no scope. `required_args` leaves out `token`, which
    travels in the `Authorization` header.
    """

    name: str
    bot_scopes: tuple[str, ...]
    required_args: tuple[str, ...]


def _spec(name: str, scopes: tuple[str, ...], required: tuple[str, ...]) -> tuple[str, MethodSpec]:
    return name, MethodSpec(name=name, bot_scopes=scopes, required_args=required)


# Where Slack accepts several scopes, the table names the narrowest ones that cover what Watchkeeper
# does: public incident channels (`channels:manage` creates them, and also covers invite and
# topic) and private ones for private incidents (`groups:write` does the same for them; reading a
# private channel's members and history takes `groups:read` and `groups:history`).
METHODS: Mapping[str, MethodSpec] = MappingProxyType(
    dict(
        [
            _spec("auth.test", (), ()),
            _spec("conversations.create", ("channels:manage", "groups:write"), ("name",)),
            _spec(
                "conversations.invite", ("channels:manage", "groups:write"), ("channel", "users")
            ),
            _spec(
                "conversations.setTopic", ("channels:manage", "groups:write"), ("channel", "topic")
            ),
            # Private incidents are listed only to their channel's members.
            _spec("conversations.members", ("channels:read", "groups:read"), ("channel",)),
            # Resolved incidents' channels, `WATCHKEEPER_ARCHIVE_AFTER` their resolution.
            _spec("conversations.archive", ("channels:manage", "groups:write"), ("channel",)),
            _spec("conversations.info", ("channels:read",), ("channel",)),
            _spec("conversations.join", ("channels:join",), ("channel",)),
            # Private channels too: a broadcast channel may be private (the bot is in it).
            _spec("conversations.list", ("channels:read", "groups:read"), ()),
            # Direct messages too: a nudge's retry looks in the IM for the nudge it may have sent;
            # and private incident channels, where a retry looks for the message it may have sent.
            _spec(
                "conversations.history",
                ("channels:history", "groups:history", "im:history"),
                ("channel",),
            ),
            _spec("conversations.open", ("im:write",), ()),
            _spec("chat.postMessage", ("chat:write",), ("channel",)),
            _spec("chat.update", ("chat:write",), ("ts", "channel")),
            _spec("chat.getPermalink", (), ("channel", "message_ts")),
            _spec("pins.add", ("pins:write",), ("channel",)),
            _spec("views.open", (), ("view",)),
            _spec("views.update", (), ("view",)),
            _spec("views.publish", (), ("user_id", "view")),
            _spec("users.info", ("users:read",), ("user",)),
            _spec("files.getUploadURLExternal", ("files:write",), ("length", "filename")),
            _spec("files.completeUploadExternal", ("files:write",), ("files",)),
            _spec("files.list", ("files:read",), ()),
        ]
    )
)

#: Methods called with the app-level token (`xapp-`) rather than the bot token, with the scope
#: that token needs: Socket Mode's link. The bot's scopes and the manifest do not include them.
APP_LEVEL_METHODS: Mapping[str, str] = MappingProxyType(
    {"apps.connections.open": "connections:write"}
)

# The bot events the app subscribes to, with the scope each needs (`app_home_opened` needs none).
EVENT_SCOPES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "pin_added": ("pins:read",),
        "pin_removed": ("pins:read",),
        "reaction_added": ("reactions:read",),
        "reaction_removed": ("reactions:read",),
        "app_home_opened": (),
    }
)

COMMAND_SCOPE = "commands"


def required_bot_scopes() -> set[str]:
    """Every bot scope the app needs: its methods', its events' and the slash command's."""
    scopes = {COMMAND_SCOPE}
    for spec in METHODS.values():
        scopes.update(spec.bot_scopes)
    for event_scopes in EVENT_SCOPES.values():
        scopes.update(event_scopes)
    return scopes
