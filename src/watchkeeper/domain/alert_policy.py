"""Which alerts may declare an incident, and how: matchers, severity, title, the quiet rule.

The operator writes these per hook source in the TOML file (`[alerts.<source>]`). Matchers are
Alertmanager's own (`severity="critical"`, `env!="dev"`, `team=~"pay.*"`, `job!~"test-.*"`);
regular expressions match the whole value, and a label an alert lacks counts as empty. The
quiet rule bounds what an alert storm can do: past `max_incidents_per_hour` declarations from a
source in the last hour, further groups join that source's newest open incident instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from watchkeeper.domain.alerts import Alert, AlertReport
from watchkeeper.domain.severity import SeverityScale

Operator = Literal["=", "!=", "=~", "!~"]

#: The window of the quiet rule.
QUIET_WINDOW = timedelta(hours=1)
#: Declarations per source per hour when the TOML file does not say.
DEFAULT_MAX_PER_HOUR = 10
#: A title longer than this is cut: it becomes the channel's name and the card's header.
TITLE_LIMIT = 150

_MATCHER = re.compile(
    r"^\s*(?P<label>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*(?P<value>.*?)\s*$"
)
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# What a title template leaves at its ends or in brackets when a field it names is empty.
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_LOOSE_ENDS = " \t:;,|-–—/"


@dataclass(frozen=True, slots=True)
class Matcher:
    """One label matcher, as Alertmanager writes them."""

    label: str
    op: Operator
    value: str

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """Read `name="value"` (or `!=`, `=~`, `!~`; quotes optional); ValueError says why not."""
        found = _MATCHER.match(text)
        if found is None:
            raise ValueError(
                f'{text!r} is not a label matcher such as severity="critical" or team=~"pay.*"'
            )
        value = found["value"]
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        op: Operator = found["op"]  # type: ignore[assignment]  # the pattern admits only these four
        matcher = cls(found["label"], op, value)
        if op in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"{text!r}: the regular expression is invalid ({error})") from None
        return matcher

    def matches(self, labels: Mapping[str, str]) -> bool:
        given = labels.get(self.label, "")
        match self.op:
            case "=":
                return given == self.value
            case "!=":
                return given != self.value
            case "=~":
                return re.fullmatch(self.value, given) is not None
            case "!~":
                return re.fullmatch(self.value, given) is None

    def __str__(self) -> str:
        return f'{self.label}{self.op}"{self.value}"'


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """How one hook source's alerts become incidents (`[alerts.<source>]`)."""

    source: str
    declare_when: tuple[Matcher, ...] = ()
    severity_label: str = "severity"
    #: Label value (lowercase) → severity level name.
    severity_map: Mapping[str, str] = field(default_factory=dict)
    title: str = "{alertname}: {summary}"
    components_label: str | None = None
    #: Whether the incident is resolved when the last of its alerts is.
    resolve_incident: bool = False
    max_incidents_per_hour: int = DEFAULT_MAX_PER_HOUR

    def may_declare(self, alert: Alert) -> bool:
        """Whether this firing alert may open an incident: it matches every matcher."""
        return all(matcher.matches(alert.labels) for matcher in self.declare_when)

    def declaring(self, alerts: Iterable[Alert]) -> list[Alert]:
        """The alerts among `alerts` that may open an incident."""
        return [alert for alert in alerts if self.may_declare(alert)]

    def quiet(self, declared_in_window: int) -> bool:
        """True when the source has declared its quota in the last hour: join, do not declare."""
        return declared_in_window >= self.max_incidents_per_hour

    def severity(self, alerts: Iterable[Alert], scale: SeverityScale) -> str:
        """The most severe level any of the alerts maps to; the scale's default without one."""
        levels = [level for alert in alerts if (level := self._level_of(alert, scale)) is not None]
        if not levels:
            return scale.default
        return min(levels, key=scale.rank)

    def components(self, report: AlertReport, alerts: Iterable[Alert]) -> tuple[str, ...]:
        """The components the report names, and the values of the components label, in order."""
        named = list(report.components)
        if self.components_label:
            named += [
                alert.labels[self.components_label]
                for alert in alerts
                if alert.labels.get(self.components_label, "").strip()
            ]
        return tuple(dict.fromkeys(" ".join(name.split()) for name in named if name.strip()))

    def title_for(self, report: AlertReport, alerts: list[Alert]) -> str:
        """The incident's title from the template: `{name}` is a label or annotation of the
        group (its common ones, then its first alert's), `{count}` the alerts firing."""
        first = alerts[0] if alerts else None
        sources: list[Mapping[str, str]] = [report.common_labels]
        if first is not None:
            sources.append(first.labels)
        sources.append(report.common_annotations)
        if first is not None:
            sources.append(first.annotations)
        extra = {"count": str(len(alerts)), "status": report.status, "source": report.source}

        def field_value(found: re.Match[str]) -> str:
            name = found.group(1)
            for values in sources:
                if values.get(name):
                    return " ".join(values[name].split())
            return extra.get(name, "")

        title = _EMPTY_BRACKETS.sub("", _FIELD.sub(field_value, self.title))
        title = " ".join(title.split()).strip(_LOOSE_ENDS)
        if not title:
            title = f"{first.name if first else 'Alert'} from {report.source}"
        return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"

    def _level_of(self, alert: Alert, scale: SeverityScale) -> str | None:
        value = alert.labels.get(self.severity_label, "").strip().lower()
        if not value:
            return None
        if value in self.severity_map:
            return scale.level(self.severity_map[value]).name
        named = [level.name for level in scale if level.name.lower() == value]
        return named[0] if named else None
