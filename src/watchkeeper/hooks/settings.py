"""Settings of the alert hooks: a token per source, and each source's rules from the TOML file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, field_validator

from watchkeeper.domain.alert_policy import DEFAULT_MAX_PER_HOUR, AlertPolicy, Matcher
from watchkeeper.domain.errors import UnknownSeverity
from watchkeeper.domain.severity import SeverityScale
from watchkeeper.hooks.sources import NAMES, hook_source


def parse_hook_tokens(value: object) -> dict[str, SecretStr]:
    """`alertmanager=…,grafana=…` (or a TOML table) as source → token; a source named twice,
    a source that does not exist and an empty token are refused."""
    if value is None:
        return {}
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    pairs: list[tuple[str, object]]
    if isinstance(value, str):
        pairs = []
        for part in value.split(","):
            if not part.strip():
                continue
            name, sign, given = part.partition("=")
            if not sign:
                raise ValueError(
                    "must be source=token pairs separated by commas, such as alertmanager=…"
                )
            pairs.append((name, given))
    elif isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        raise ValueError("must be source=token pairs separated by commas")
    tokens: dict[str, SecretStr] = {}
    for named, token in pairs:
        source = str(named).strip().lower()
        if source not in NAMES:
            raise ValueError(f"{source!r} is not a hook source; use {', '.join(NAMES)}")
        secret = token.get_secret_value() if isinstance(token, SecretStr) else str(token)
        if not secret.strip():
            raise ValueError(
                f"the token for {source} is empty; leave the source out to turn it off"
            )
        if source in tokens:
            raise ValueError(f"{source} is named twice")
        tokens[source] = SecretStr(secret.strip())
    return tokens


class AlertSourceSettings(BaseModel):
    """`[alerts.<source>]`: which alerts may declare, and what the incident looks like."""

    model_config = ConfigDict(extra="forbid")

    declare_when: list[str] = Field(default_factory=list)
    severity_label: str = "severity"
    severity_map: dict[str, str] = Field(default_factory=dict)
    title: str | None = Field(None, min_length=1, max_length=500)
    components_label: str | None = None
    resolve_incident: bool = False
    max_incidents_per_hour: int = Field(DEFAULT_MAX_PER_HOUR, ge=1, le=10_000)

    @field_validator("declare_when")
    @classmethod
    def _matchers_read(cls, value: list[str]) -> list[str]:
        for text in value:
            Matcher.parse(text)
        return value

    def policy(self, source: str, scale: SeverityScale) -> AlertPolicy:
        """The source's rules; ValueError when the severity map names a level the scale lacks."""
        mapped = {}
        for label_value, level in self.severity_map.items():
            try:
                mapped[label_value.strip().lower()] = scale.level(level).name
            except UnknownSeverity as error:
                raise ValueError(f"alerts.{source}.severity_map.{label_value}: {error}") from None
        return AlertPolicy(
            source=source,
            declare_when=tuple(Matcher.parse(text) for text in self.declare_when),
            severity_label=self.severity_label,
            severity_map=mapped,
            title=self.title or hook_source(source).title,
            components_label=self.components_label or None,
            resolve_incident=self.resolve_incident,
            max_incidents_per_hour=self.max_incidents_per_hour,
        )


def _known_sources(value: dict[str, AlertSourceSettings]) -> dict[str, AlertSourceSettings]:
    unknown = sorted(set(value) - set(NAMES))
    if unknown:
        raise ValueError(f"[alerts.{unknown[0]}]: no such hook source; use {', '.join(NAMES)}")
    return value


#: `[alerts.<source>]` tables, by source; a source that does not exist is refused.
AlertRules = Annotated[dict[str, AlertSourceSettings], AfterValidator(_known_sources)]
