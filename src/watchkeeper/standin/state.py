"""The stand-in workspace's state: users, channels, messages, pins, files and views."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from watchkeeper.standin.errors import SlackError

JsonObject = dict[str, Any]


class Call(NamedTuple):
    """One Web API call as the stand-in received it, token left out, and when (`clock` time)."""

    method: str
    args: JsonObject
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the stand-in says the app is: its tokens, workspace and bot user."""

    token: str = "xoxb-test-token"  # noqa: S105 - the stand-in's own made-up token
    #: The app-level token (`xapp-`, `connections:write`) that opens Socket Mode links.
    app_token: str = "xapp-1-test"  # noqa: S105 - made up, as above
    team_id: str = "T0WATCH"
    team_name: str = "Watchkeeper Demo"
    team_domain: str = "watchkeeper-demo"
    bot_user_id: str = "UBOT"
    bot_id: str = "BWATCH"
    app_id: str = "AWATCH"
    bot_name: str = "watchkeeper"


@dataclass(slots=True)
class User:
    """A workspace member."""

    id: str
    name: str
    real_name: str
    tz: str = "UTC"
    is_bot: bool = False
    #: A guest (single- or multi-channel): apps cannot invite them.
    is_restricted: bool = False
    #: Deactivated.
    deleted: bool = False

    def to_json(self, team_id: str) -> JsonObject:
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "is_restricted": self.is_restricted,
            "real_name": self.real_name,
            "tz": self.tz,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name,
                "real_name_normalized": self.real_name,
                "display_name_normalized": self.name,
                "team": team_id,
            },
        }


@dataclass(slots=True)
class StoredFile:
    """A file from the external upload flow; `content` is None until its bytes arrive."""

    id: str
    filename: str
    length: int
    created: int
    user: str
    title: str | None = None
    content: bytes | None = None
    channels: list[str] = field(default_factory=list)
    completed: bool = False

    @property
    def text(self) -> str:
        """The content decoded as UTF-8 (empty before the upload)."""
        return (self.content or b"").decode("utf-8")

    def to_json(self, root_url: str) -> JsonObject:
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.filename,
            "title": self.title or self.filename,
            "user": self.user,
            "size": len(self.content or b""),
            "url_private": f"{root_url}files/{self.id}/{self.filename}",
            "url_private_download": f"{root_url}files/{self.id}/download/{self.filename}",
            "channels": list(self.channels),
        }


@dataclass(slots=True)
class Message:
    """A message in a channel; `edited` is the time of the last chat.update, if any."""

    ts: str
    user: str
    text: str
    blocks: list[Any] | None = None
    attachments: list[Any] | None = None
    thread_ts: str | None = None
    files: list[StoredFile] = field(default_factory=list)
    edited: str | None = None
    bot_id: str | None = None
    #: Message metadata (`event_type`, `event_payload`) as the app posted it.
    metadata: JsonObject | None = None
    #: Reactions by emoji name, with who reacted, in the order they did.
    reactions: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self, root_url: str, *, with_metadata: bool = True) -> JsonObject:
        body: JsonObject = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
        if self.bot_id:
            body["bot_id"] = self.bot_id
        if self.metadata is not None and with_metadata:
            body["metadata"] = self.metadata
        if self.blocks is not None:
            body["blocks"] = self.blocks
        if self.attachments is not None:
            body["attachments"] = self.attachments
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        if self.files:
            body["files"] = [stored.to_json(root_url) for stored in self.files]
        if self.edited:
            body["edited"] = {"user": self.user, "ts": self.edited}
        if self.reactions:
            body["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        return body


@dataclass(slots=True)
class Channel:
    """A channel with its members, its messages in posting order and its pinned timestamps."""

    id: str
    name: str
    created: int
    creator: str
    is_private: bool = False
    is_archived: bool = False
    #: A direct-message channel between the bot and `user` (conversations.open).
    is_im: bool = False
    user: str = ""
    topic: str = ""
    members: set[str] = field(default_factory=set)
    messages: list[Message] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)

    def message(self, ts: str) -> Message:
        for message in self.messages:
            if message.ts == ts:
                return message
        raise SlackError("message_not_found")

    def to_json(self, viewer: str) -> JsonObject:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_general": self.name == "general",
            "is_archived": self.is_archived,
            "is_member": viewer in self.members,
            "created": self.created,
            "creator": self.creator,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }


@dataclass(slots=True)
class View:
    """A modal opened or updated, or a Home tab published, with the payload last sent."""

    id: str
    type: str
    payload: JsonObject
    hash: str
    trigger_id: str | None = None
    user_id: str | None = None
    external_id: str | None = None
    updates: int = 0

    def to_json(self, identity: Identity) -> JsonObject:
        body = dict(self.payload)
        body.update(
            {
                "id": self.id,
                "team_id": identity.team_id,
                "type": self.type,
                "hash": self.hash,
                "state": {"values": {}},
                "root_view_id": self.id,
                "app_id": identity.app_id,
                "bot_id": identity.bot_id,
                "external_id": self.external_id or "",
            }
        )
        return body


SEED_USERS = (
    User("UANA", "ana", "Ana Lima"),
    User("UBEN", "ben", "Ben Okafor"),
    User("UCARA", "cara", "Cara Jensen"),
    User("UDEV", "dev", "Dev Patel"),
)

# The #general channel every stand-in workspace starts with, under a fixed ID tests can name.
GENERAL_CHANNEL_ID = "C0GENERAL"

_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")


class LinkIssuer(Protocol):
    """Hands out Socket Mode URLs (`apps.connections.open`); see `standin.socket_mode`."""

    def issue_url(self) -> str: ...


class Workspace:
    """Everything the stand-in knows; callers hold the stand-in's lock while they use it."""

    def __init__(self, identity: Identity, scopes: set[str], clock: Callable[[], float]) -> None:
        self.identity = identity
        self.scopes = set(scopes)
        self.clock = clock
        self.root_url = ""
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.files: dict[str, StoredFile] = {}
        self.views: dict[str, View] = {}
        self.used_triggers: set[str] = set()
        self.responses: dict[str, list[Any]] = {}
        self.calls: list[Call] = []
        #: The Socket Mode side, once the stand-in serves it.
        self.socket_links: LinkIssuer | None = None
        #: Events a change made (a reaction), waiting to be sent to the app once the lock is free.
        self.outgoing_events: list[JsonObject] = []
        #: The App Home's Messages tab (manifest.yml): without it the bot cannot post in DMs.
        self.messages_tab = True
        self._counters: dict[str, int] = {}
        self._last_micros = 0
        self.users[identity.bot_user_id] = User(
            identity.bot_user_id, identity.bot_name, "Watchkeeper", is_bot=True
        )
        for user in SEED_USERS:
            self.users[user.id] = User(user.id, user.name, user.real_name)

    @property
    def bot(self) -> str:
        return self.identity.bot_user_id

    def new_id(self, prefix: str) -> str:
        count = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = count
        return f"{prefix}{count:08d}"

    def now(self) -> int:
        return int(self.clock())

    def next_ts(self) -> str:
        """A message timestamp from the clock, strictly after every one handed out before."""
        micros = max(int(self.clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def add_channel(
        self, name: str, *, creator: str, private: bool = False, channel_id: str | None = None
    ) -> Channel:
        if channel_id is not None and channel_id in self.channels:
            raise ValueError(f"a channel with ID {channel_id!r} already exists")
        channel = Channel(
            id=channel_id or self.new_id("C"),
            name=name,
            created=self.now(),
            creator=creator,
            is_private=private,
        )
        self.channels[channel.id] = channel
        return channel

    def channel_named(self, name: str) -> Channel | None:
        wanted = name.removeprefix("#")
        for channel in self.channels.values():
            if channel.name == wanted and not channel.is_im:
                return channel
        return None

    def channel(self, ref: str, *, by_name: bool = False) -> Channel:
        """The channel with this ID (or, where Slack allows it, `#name`) the bot can see."""
        channel = self.channels.get(ref)
        if channel is None and by_name and not _CHANNEL_ID.fullmatch(ref):
            channel = self.channel_named(ref)
        if channel is None or (channel.is_private and self.bot not in channel.members):
            raise SlackError("channel_not_found")
        return channel

    def im_with(self, user_id: str) -> Channel:
        """The bot's direct-message channel with a person, opened on first use."""
        for channel in self.channels.values():
            if channel.is_im and channel.user == user_id:
                return channel
        channel = Channel(
            id=self.new_id("D"), name="", created=self.now(), creator=self.bot, is_im=True
        )
        channel.user = user_id
        channel.members.update({self.bot, user_id})
        self.channels[channel.id] = channel
        return channel

    def user(self, user_id: str) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        return user
