"""Settings: read once at start from the environment, `.env` and the TOML file, then passed down."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from watchkeeper.domain.alert_policy import AlertPolicy
from watchkeeper.domain.durations import LONGEST, format_compact, parse_duration
from watchkeeper.domain.incident import COMMANDER
from watchkeeper.domain.permissions import Permission, Permissions
from watchkeeper.domain.severity import DEFAULT_SCALE, SeverityLevel, SeverityScale
from watchkeeper.domain.tidy import DEFAULT_STALE_AFTER, TidyPolicy
from watchkeeper.hooks.settings import AlertRules, AlertSourceSettings, parse_hook_tokens
from watchkeeper.hooks.sources import NAMES as HOOK_SOURCES
from watchkeeper.outgoing.settings import (
    OPSGENIE_URL,
    PAGERDUTY_URL,
    WebhookSettings,
    WebUrl,
    outgoing_rules,
)
from watchkeeper.services.outgoing import Outgoing
from watchkeeper.store.database import normalize_url

DEFAULT_CONFIG_FILE = "watchkeeper.toml"

#: What one `watchkeeper serve` process does: everything; or, for one bot split over two
#: processes on one database, only answer Slack (`web`) or only deliver (`delivery`).
Role = Literal["all", "web", "delivery"]
ROLES: tuple[Role, ...] = get_args(Role)
#: Whether `serve` delivers from a second process it starts: `auto` is on with PostgreSQL
#: (acks stop sharing an interpreter lock with deliveries) and off with SQLite (one writer at a
#: time either way, so a second process only costs memory).
DeliveryProcess = Literal["auto", "on", "off"]
#: How Slack reaches the bot: HTTP requests it signs, or a Socket Mode link the bot opens.
Mode = Literal["http", "socket"]
MODES: tuple[Mode, ...] = get_args(Mode)
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]{0,19}$")
# An emoji's name as reaction events carry it: `pushpin`, `+1`, `white_check_mark`, `memo`.
_EMOJI = re.compile(r"^[a-z0-9_+'-]{1,100}$")


class SettingsError(Exception):
    """Settings that cannot run the bot; the message names each variable and what is wrong."""


def _duration(value: object) -> object:
    if isinstance(value, str):
        value = parse_duration(value)
    if isinstance(value, timedelta) and value > LONGEST:
        raise ValueError(f"is longer than a year; use at most {format_compact(LONGEST)}")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def _duration_or_off(value: object) -> object:
    if isinstance(value, str) and value.strip().lower() == "off":
        return None
    return _duration(value)


#: A duration, or `off` (None): work that need not happen at all.
DurationOrOff = Annotated[timedelta | None, BeforeValidator(_duration_or_off)]


def _blank_is_missing(value: object) -> object:
    """A secret set to nothing (`KEY=` in .env, an unset `${VAR}`) is a secret not set."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str) and not value.strip():
        return None
    return value


#: A token or secret: optional, and blank means missing, never an empty secret that checks nothing.
Secret = Annotated[SecretStr | None, BeforeValidator(_blank_is_missing)]
#: `source=token` pairs (`WATCHKEEPER_HOOK_TOKENS`); read as written, not as JSON.
HookTokens = Annotated[dict[str, SecretStr], NoDecode, BeforeValidator(parse_hook_tokens)]


def _env(name: str, field_name: str) -> Any:
    """A field read from variable `name` in the environment and `field_name` in the TOML file."""
    return AliasChoices(name, field_name)


class SeveritySettings(BaseModel):
    """One severity level as the TOML file describes it (`[[severity]]`)."""

    name: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")
    description: str = ""
    reminder_interval: Duration | None = None
    responders: list[str] = Field(default_factory=list)
    broadcast_updates: bool = True
    #: Declaring at this level, or raising an incident to it, pages the on-call.
    page: bool = False
    #: Incidents declared at this level go on the status page at once.
    public: bool = False
    #: Incidents declared at this level are private (security, a customer by name, HR).
    private: bool = False

    @model_validator(mode="after")
    def _public_or_private(self) -> SeveritySettings:
        if self.public and self.private:
            raise ValueError(
                f"severity {self.name} is marked both public and private: a private incident "
                "never goes on the status page; keep one of them"
            )
        return self


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class FollowUpSettings(BaseModel):
    """`[follow_ups]`: when owners are nudged, and the weekly digest of overdue follow-ups."""

    nudge_hour: time = time(10, 0)
    skip_weekends: bool = False
    digest: bool = True
    digest_day: str = "monday"
    digest_hour: time = time(9, 0)

    @field_validator("digest_day")
    @classmethod
    def _weekday(cls, value: str) -> str:
        if value.strip().lower() not in _WEEKDAYS:
            raise ValueError(
                f"{value!r} is not a day of the week; use one of {', '.join(_WEEKDAYS)}"
            )
        return value.strip().lower()

    @property
    def digest_weekday(self) -> int:
        """Monday is 0."""
        return _WEEKDAYS.index(self.digest_day)


class PermissionSettings(BaseModel):
    """`[permissions]`: who may make the changes that matter most.

    Unset, a change is open to anyone, except assigning roles: the commander, the declarer and
    the admins (anyone while nobody is commander).
    """

    admins: list[str] = Field(default_factory=list)
    declare: list[str] | None = None
    severity: list[str] | None = None
    assign_roles: list[str] | None = None
    resolve: list[str] | None = None
    reopen: list[str] | None = None

    def rules(self) -> Permissions:
        chosen = {
            permission: tuple(getattr(self, permission.value))
            for permission in Permission
            if getattr(self, permission.value) is not None
        }
        return Permissions(rules=chosen, admins=frozenset(self.admins))


class Settings(BaseSettings):
    """Every setting of SPEC's table, plus what only fits in the TOML file."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    slack_bot_token: Secret = Field(
        None, validation_alias=_env("SLACK_BOT_TOKEN", "slack_bot_token")
    )
    slack_signing_secret: Secret = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_app_token: Secret = Field(
        None, validation_alias=_env("SLACK_APP_TOKEN", "slack_app_token")
    )
    slack_api_url: str = Field(
        "https://slack.com/api/", validation_alias=_env("SLACK_API_URL", "slack_api_url")
    )
    database_url: str = Field(
        "sqlite:///watchkeeper.db", validation_alias=_env("DATABASE_URL", "database_url")
    )
    reminder_interval: Duration = Field(
        timedelta(minutes=30),
        validation_alias=_env("WATCHKEEPER_REMINDER_INTERVAL", "reminder_interval"),
    )
    archive_after: DurationOrOff = Field(
        None, validation_alias=_env("WATCHKEEPER_ARCHIVE_AFTER", "archive_after")
    )
    stale_after: DurationOrOff = Field(
        DEFAULT_STALE_AFTER, validation_alias=_env("WATCHKEEPER_STALE_AFTER", "stale_after")
    )
    broadcast_channel: str | None = Field(
        None, validation_alias=_env("WATCHKEEPER_BROADCAST_CHANNEL", "broadcast_channel")
    )
    channel_prefix: str = Field(
        "inc", validation_alias=_env("WATCHKEEPER_CHANNEL_PREFIX", "channel_prefix")
    )
    timezone: str = Field("UTC", validation_alias=_env("WATCHKEEPER_TIMEZONE", "timezone"))
    postmortem_template: Path | None = Field(
        None, validation_alias=_env("WATCHKEEPER_POSTMORTEM_TEMPLATE", "postmortem_template")
    )
    timeline_reaction: str = Field(
        "pushpin",
        validation_alias=_env("WATCHKEEPER_TIMELINE_REACTION", "timeline_reaction"),
    )
    delivery_process: DeliveryProcess = Field(
        "auto",
        validation_alias=_env("WATCHKEEPER_DELIVERY_PROCESS", "delivery_process"),
    )
    courier_workers: int = Field(
        32,
        ge=1,
        le=256,
        validation_alias=_env("WATCHKEEPER_COURIER_WORKERS", "courier_workers"),
    )
    status_page_name: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        validation_alias=_env("WATCHKEEPER_STATUS_PAGE_NAME", "status_page_name"),
    )
    status_page: bool = Field(
        False, validation_alias=_env("WATCHKEEPER_STATUS_PAGE", "status_page")
    )
    status_page_url: str | None = Field(
        None, validation_alias=_env("WATCHKEEPER_STATUS_PAGE_URL", "status_page_url")
    )
    socket_stale_after: Duration = Field(
        timedelta(seconds=60),
        validation_alias=_env("WATCHKEEPER_SOCKET_STALE_AFTER", "socket_stale_after"),
    )
    metrics_host: str = Field(
        "127.0.0.1", validation_alias=_env("WATCHKEEPER_METRICS_HOST", "metrics_host")
    )
    metrics_port: Annotated[int | None, BeforeValidator(_blank_is_missing)] = Field(
        None, ge=1, le=65535, validation_alias=_env("WATCHKEEPER_METRICS_PORT", "metrics_port")
    )
    metrics_token: Secret = Field(
        None, validation_alias=_env("WATCHKEEPER_METRICS_TOKEN", "metrics_token")
    )
    hook_tokens: HookTokens = Field(
        default_factory=dict,
        validation_alias=_env("WATCHKEEPER_HOOK_TOKENS", "hook_tokens"),
    )
    pagerduty_routing_key: Secret = Field(
        None,
        validation_alias=_env("WATCHKEEPER_PAGERDUTY_ROUTING_KEY", "pagerduty_routing_key"),
    )
    pagerduty_url: WebUrl = Field(
        PAGERDUTY_URL, validation_alias=_env("WATCHKEEPER_PAGERDUTY_URL", "pagerduty_url")
    )
    opsgenie_api_key: Secret = Field(
        None, validation_alias=_env("WATCHKEEPER_OPSGENIE_API_KEY", "opsgenie_api_key")
    )
    opsgenie_url: WebUrl = Field(
        OPSGENIE_URL, validation_alias=_env("WATCHKEEPER_OPSGENIE_URL", "opsgenie_url")
    )
    webhooks: list[WebhookSettings] = Field(default_factory=list)
    alerts: AlertRules = Field(default_factory=dict)
    severities: list[SeveritySettings] = Field(default_factory=list, validation_alias="severity")
    default_severity: str | None = None
    roles: list[str] = Field(default_factory=lambda: [COMMANDER, "communications", "scribe"])
    permissions: PermissionSettings = Field(default_factory=PermissionSettings)
    follow_ups: FollowUpSettings = Field(default_factory=FollowUpSettings)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_form(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_form(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_form(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("channel_prefix")
    @classmethod
    def _prefix_form(cls, value: str) -> str:
        if not _PREFIX.match(value):
            raise ValueError("must be 1-20 characters of lowercase a-z, 0-9, - and _")
        return value

    @field_validator("timeline_reaction")
    @classmethod
    def _emoji_form(cls, value: str) -> str:
        name = value.strip().strip(":").lower()
        if not _EMOJI.match(name):
            raise ValueError(
                "must be an emoji's name as Slack writes it, such as pushpin or :memo:"
            )
        return name

    @field_validator("status_page_url")
    @classmethod
    def _page_url_form(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(
                "must be the page's public http(s) URL, such as https://status.example.com"
            )
        return value.rstrip("/") if value else None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone name such as UTC or Europe/Berlin"
            ) from None
        return value

    @field_validator("roles")
    @classmethod
    def _roles_form(cls, value: list[str]) -> list[str]:
        roles = [role.strip().lower() for role in value if role.strip()]
        if COMMANDER not in roles:
            roles.insert(0, COMMANDER)
        return list(dict.fromkeys(roles))

    @model_validator(mode="after")
    def _scale_and_rules_are_valid(self) -> Settings:
        self.severity_scale()
        self.permissions.rules()
        for source in HOOK_SOURCES:
            self.alert_policy(source)
        keys = [hook.key for hook in self.webhooks]
        if len(set(keys)) != len(keys):
            raise ValueError(f"[[webhooks]]: two webhooks are named {max(keys, key=keys.count)!r}")
        self.outgoing()
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def serves_status_page(self) -> bool:
        """The status page is on when it has a name, or when switched on (named after Slack)."""
        return self.status_page or self.status_page_name is not None

    @property
    def tidy(self) -> TidyPolicy:
        """When resolved incidents' channels are archived and quiet incidents' commanders asked."""
        return TidyPolicy(archive_after=self.archive_after, stale_after=self.stale_after)

    @property
    def delivers_apart(self) -> bool:
        """Whether `serve` (without `--role`) starts a second process to deliver."""
        if self.delivery_process == "auto":
            return normalize_url(self.database_url).get_backend_name() == "postgresql"
        return self.delivery_process == "on"

    @property
    def mode(self) -> Mode:
        """Socket Mode when an app-level token is set, else HTTP (`serve --mode` overrides)."""
        return "socket" if self.slack_app_token is not None else "http"

    def alert_policy(self, source: str) -> AlertPolicy:
        """How a hook source's alerts declare incidents (`[alerts.<source>]`, or the defaults)."""
        configured = self.alerts.get(source) or AlertSourceSettings()
        return configured.policy(source, self.severity_scale())

    def outgoing(self) -> Outgoing:
        """The webhooks and paging services that hear of incidents."""
        return outgoing_rules(
            self.webhooks,
            self.severity_scale(),
            paging_levels=[level.name for level in self.severities if level.page],
            pagerduty=self.pagerduty_routing_key is not None,
            opsgenie=self.opsgenie_api_key is not None,
        )

    def severity_scale(self) -> SeverityScale:
        """The configured severity levels, or SEV1…SEV4 when the TOML file names none."""
        if not self.severities:
            if self.default_severity:
                return SeverityScale(DEFAULT_SCALE.levels, default=self.default_severity)
            return DEFAULT_SCALE
        levels = tuple(
            SeverityLevel(
                name=s.name,
                description=s.description,
                reminder_interval=s.reminder_interval,
                responders=tuple(s.responders),
                broadcast_updates=s.broadcast_updates,
                public=s.public,
                private=s.private,
            )
            for s in self.severities
        )
        return SeverityScale(levels, default=self.default_severity or "")


#: The variable each field is read from, for error messages that name what the operator sets.
VARIABLES: Mapping[str, str] = {
    name: str(field.validation_alias.choices[0])
    for name, field in Settings.model_fields.items()
    if isinstance(field.validation_alias, AliasChoices)
}


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    env_file: Path | None = Path(".env"),
    toml: bool = True,
) -> Settings:
    """Read the settings once; a problem raises SettingsError naming each variable at fault.

    `toml=False` reads no TOML file at all, not even `./watchkeeper.toml` (the demo's own
    settings must not pick up whatever lies in the directory it is run from).
    """
    given: Mapping[str, str] = os.environ if environ is None else environ
    config_file = Path(given.get("WATCHKEEPER_CONFIG", DEFAULT_CONFIG_FILE))
    if toml and "WATCHKEEPER_CONFIG" in given and not config_file.is_file():
        raise SettingsError(f"WATCHKEEPER_CONFIG: {config_file} does not exist")

    class _Sourced(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            # The environment wins over .env, which wins over the TOML file.
            sources: list[PydanticBaseSettingsSource] = [
                _MappingEnvSource(settings_cls, given),
            ]
            if env_file is not None and env_file.is_file():
                sources.append(DotEnvSettingsSource(settings_cls, env_file=env_file))
            if toml and config_file.is_file():
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
            return (init_settings, *sources)

    try:
        sourced = _Sourced()
    except ValidationError as error:
        raise SettingsError(_explain(error)) from None
    except (ValueError, OSError) as error:  # a TOML file that does not parse
        raise SettingsError(f"{config_file}: {error}") from None
    return Settings.model_validate(sourced.model_dump())


class _MappingEnvSource(EnvSettingsSource):
    """The environment source, reading a given mapping (tests pass their own)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._given = dict(environ)
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {key.lower(): value for key, value in self._given.items()}


def _explain(error: ValidationError) -> str:
    problems = []
    for detail in error.errors():
        field = str(detail["loc"][0]) if detail["loc"] else ""
        where = VARIABLES.get(field, ".".join(str(part) for part in detail["loc"]) or "settings")
        shown = detail.get("input")
        secret = where.endswith(("TOKEN", "TOKENS", "SECRET", "KEY")) or ".secret" in where
        value = "" if secret or isinstance(shown, dict) else f" (got {shown!r})"
        message = str(detail["msg"]).removeprefix("Value error, ")
        problems.append(f"{where}: {message}{value}")
    return "invalid settings:\n  " + "\n  ".join(problems)
