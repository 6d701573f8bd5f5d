"""Settings of the outgoing side: `[[webhooks]]` tables, and the paging services' endpoints."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Sequence
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, field_validator

from watchkeeper.domain.errors import UnknownSeverity
from watchkeeper.domain.events import IncidentEvent, parse_event
from watchkeeper.domain.severity import SeverityScale
from watchkeeper.services.outgoing import Outgoing, Paging, Subscription

#: The paging services' endpoints when the settings name none.
PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"
OPSGENIE_URL = "https://api.opsgenie.com/v2/alerts"
#: Every event, in `events`.
ALL_EVENTS = "*"


def web_url(value: str) -> str:
    """An http(s) URL with a host; ValueError otherwise."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value.strip()


#: An http(s) URL, checked as it is read.
WebUrl = Annotated[str, AfterValidator(web_url)]


def is_private_to_host(url: str) -> bool:
    """Whether the URL is https or stays on this host (loopback): nobody on the path reads it."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookSettings(BaseModel):
    """One `[[webhooks]]` table: where events go, how they are signed, which are wanted."""

    model_config = ConfigDict(extra="forbid")

    url: str
    secret: SecretStr
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
    events: list[str] = Field(default_factory=lambda: [ALL_EVENTS], min_length=1)
    severities: list[str] | None = None
    private: bool = False

    @field_validator("url")
    @classmethod
    def _web(cls, value: str) -> str:
        return web_url(value)

    @field_validator("secret")
    @classmethod
    def _not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("a webhook needs a secret to sign its events with")
        return value

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str]) -> list[str]:
        for name in value:
            if name.strip() != ALL_EVENTS:
                parse_event(name)
        return value

    @property
    def key(self) -> str:
        """Its name, or one made from its URL: the host and a short hash (the URL may hold a
        token, so it is never shown or stored whole)."""
        if self.name:
            return self.name
        host = urlsplit(self.url).hostname or "webhook"
        return f"{host}-{hashlib.sha256(self.url.encode()).hexdigest()[:8]}"

    def subscription(self, scale: SeverityScale) -> Subscription:
        """The webhook as the use cases see it; ValueError for a severity the scale lacks."""
        events: frozenset[IncidentEvent] | None = None
        if ALL_EVENTS not in (name.strip() for name in self.events):
            events = frozenset(parse_event(name) for name in self.events)
        severities = None
        if self.severities is not None:
            try:
                severities = frozenset(scale.level(level).name for level in self.severities)
            except UnknownSeverity as error:
                raise ValueError(f"webhooks ({self.key}).severities: {error}") from None
        return Subscription(self.key, events, severities, self.private)


def outgoing_rules(
    webhooks: Sequence[WebhookSettings],
    scale: SeverityScale,
    *,
    paging_levels: Iterable[str],
    pagerduty: bool,
    opsgenie: bool,
) -> Outgoing:
    """The webhooks and paging services that hear of incidents, from their settings."""
    paging = Paging(
        levels=frozenset(scale.level(level).name for level in paging_levels),
        pagerduty=pagerduty,
        opsgenie=opsgenie,
    )
    return Outgoing(tuple(hook.subscription(scale) for hook in webhooks), paging)
