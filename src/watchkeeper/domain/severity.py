"""Severity levels and the scale they are ranked on (most severe first)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from watchkeeper.domain.errors import UnknownSeverity


@dataclass(frozen=True, slots=True)
class SeverityLevel:
    """One level: its name, what it means, its own reminder interval and who to invite."""

    name: str
    description: str = ""
    reminder_interval: timedelta | None = None
    responders: tuple[str, ...] = ()
    broadcast_updates: bool = True
    #: Incidents declared at this level go on the public status page at once.
    public: bool = False
    #: Incidents declared at this level are private.
    private: bool = False


@dataclass(frozen=True, slots=True)
class SeverityScale:
    """The configured levels, most severe first, and the one used when none is given."""

    levels: tuple[SeverityLevel, ...]
    default: str = field(default="")

    def __post_init__(self) -> None:
        if not self.levels:
            raise ValueError("a severity scale needs at least one level")
        names = [level.name.lower() for level in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(
                f"severity names repeat: {', '.join(level.name for level in self.levels)}"
            )
        if not self.default:
            object.__setattr__(self, "default", self.levels[len(self.levels) // 2].name)
        elif self.default.lower() not in names:
            raise ValueError(f"default severity {self.default!r} is not one of the levels")
        else:
            # Keep the scale's own spelling, so `sev3` in a config declares as `SEV3`.
            object.__setattr__(self, "default", self.levels[names.index(self.default.lower())].name)

    def __iter__(self) -> Iterator[SeverityLevel]:
        return iter(self.levels)

    @property
    def names(self) -> Sequence[str]:
        return [level.name for level in self.levels]

    def level(self, name: str) -> SeverityLevel:
        """The level called `name` (any case); refuse names the scale does not have."""
        for level in self.levels:
            if level.name.lower() == name.strip().lower():
                return level
        raise UnknownSeverity(
            f"{name!r} is not a severity here; use one of {', '.join(self.names)}"
        )

    def rank(self, name: str) -> int:
        """0 for the most severe level, growing towards the least severe."""
        return self.levels.index(self.level(name))

    def more_severe(self, first: str, second: str) -> str:
        """The more severe of two level names."""
        return first if self.rank(first) <= self.rank(second) else second


DEFAULT_SCALE = SeverityScale(
    levels=(
        SeverityLevel("SEV1", "Critical: a core service is down or data is at risk for many users"),
        SeverityLevel("SEV2", "Major: a core feature is broken or badly degraded for many users"),
        SeverityLevel("SEV3", "Minor: degraded for some users, with a workaround"),
        SeverityLevel("SEV4", "Low: cosmetic or internal, no real user impact"),
    ),
    default="SEV3",
)
