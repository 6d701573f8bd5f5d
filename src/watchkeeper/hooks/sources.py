"""The monitors that may report alerts, one record each: path, parser, default title.

Adding a source: its parser module beside the others, and a `HookSource` here; the settings
(`WATCHKEEPER_HOOK_TOKENS`, `[alerts.<name>]`), the route `/hooks/<name>` and `watchkeeper
check` follow from the record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from watchkeeper.domain.alerts import AlertReport
from watchkeeper.hooks.alertmanager import read_alertmanager
from watchkeeper.hooks.generic import read_incident
from watchkeeper.hooks.grafana import read_grafana


@dataclass(frozen=True, slots=True)
class HookSource:
    """One kind of monitor: the name in settings and path, how its body reads, its title."""

    name: str
    read: Callable[[bytes], AlertReport]
    #: The title template when `[alerts.<name>]` gives none.
    title: str
    #: What posts to it, for `watchkeeper check` and refusals.
    what: str

    @property
    def path(self) -> str:
        return f"/hooks/{self.name}"


SOURCES: tuple[HookSource, ...] = (
    HookSource(
        "alertmanager",
        read_alertmanager,
        "{alertname}: {summary}",
        "Prometheus Alertmanager (webhook_configs, payload version 4)",
    ),
    HookSource(
        "grafana",
        read_grafana,
        "{alertname}: {summary}",
        "Grafana alerting (a webhook contact point)",
    ),
    HookSource(
        "incident",
        read_incident,
        "{title}",
        "any monitor or script (Watchkeeper's own JSON)",
    ),
)

#: Every source's name, as `WATCHKEEPER_HOOK_TOKENS` and `[alerts.<name>]` spell it.
NAMES: tuple[str, ...] = tuple(source.name for source in SOURCES)


def hook_source(name: str) -> HookSource:
    """The source called `name`; KeyError for none."""
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(name)
