"""Who may declare, change severity, assign roles, resolve and reopen: rules from the TOML file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import assert_never

from watchkeeper.domain.errors import NotPermitted
from watchkeeper.domain.incident import COMMANDER, Incident


class Permission(StrEnum):
    """The changes whose access the operator can restrict."""

    DECLARE = "declare"
    SEVERITY = "severity"
    ASSIGN_ROLES = "assign_roles"
    RESOLVE = "resolve"
    REOPEN = "reopen"


#: The words a rule may use besides Slack user IDs.
ANYONE = "anyone"
ROLE_HOLDERS = "roles"
ADMINS = "admins"
DECLARER = "declarer"
WORDS = frozenset({ANYONE, COMMANDER, ROLE_HOLDERS, ADMINS, DECLARER})


def verb(permission: Permission, reference: str) -> str:
    """What the permission allows, as a refusal says it: `resolve INC-7`."""
    match permission:
        case Permission.DECLARE:
            return "declare incidents"
        case Permission.SEVERITY:
            return f"change the severity of {reference}"
        case Permission.ASSIGN_ROLES:
            return f"assign roles in {reference}"
        case Permission.RESOLVE:
            return f"resolve {reference}"
        case Permission.REOPEN:
            return f"reopen {reference}"
        case _:
            assert_never(permission)


#: Rules that hold when the TOML file names none; any other change is open to anyone.
DEFAULT_RULES: Mapping[Permission, Sequence[str]] = {
    # Open to anyone, a role would be a way around every other rule: `/incident commander
    # @self`, then resolve. Until someone leads, though, anyone may name the commander.
    Permission.ASSIGN_ROLES: (COMMANDER, DECLARER, ADMINS),
}
#: Changes that anyone may make while the incident has no commander, under the default rule.
_OPEN_WITHOUT_COMMANDER = frozenset({Permission.ASSIGN_ROLES})

_SHOWN = {
    COMMANDER: "the commander",
    ROLE_HOLDERS: "people holding a role",
    ADMINS: "the admins",
    DECLARER: "whoever declared it",
}


@dataclass(frozen=True, slots=True)
class Permissions:
    """Each restricted change and who may make it; unlisted changes are open to anyone."""

    rules: Mapping[Permission, Sequence[str]] = field(default_factory=dict)
    admins: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for permission, who in self.rules.items():
            unknown = [w for w in who if w not in WORDS and w[:1] not in ("U", "W")]
            if unknown or not who:
                raise ValueError(
                    f"permissions.{permission.value}: {', '.join(unknown) or 'empty'} is not "
                    f"one of {', '.join(sorted(WORDS))} or a Slack user ID"
                )

    def who_may(self, permission: Permission) -> Sequence[str]:
        """The rule for `permission`: the TOML file's, else the default, else anyone."""
        return self.rules.get(permission, DEFAULT_RULES.get(permission, (ANYONE,)))

    def allows(self, permission: Permission, user_id: str, incident: Incident | None) -> bool:
        who = self.who_may(permission)
        if ANYONE in who or user_id in who:
            return True
        if ADMINS in who and user_id in self.admins:
            return True
        if incident is None:
            return False
        leaderless = incident.commander is None and permission not in self.rules
        if leaderless and permission in _OPEN_WITHOUT_COMMANDER:
            return True
        if COMMANDER in who and incident.commander == user_id:
            return True
        if ROLE_HOLDERS in who and user_id in incident.roles.values():
            return True
        return DECLARER in who and incident.declared_by == user_id

    def check(self, permission: Permission, user_id: str, incident: Incident | None = None) -> None:
        """Refuse with a message that says who may."""
        if self.allows(permission, user_id, incident):
            return
        raise NotPermitted(self.describe(permission, incident))

    def describe(self, permission: Permission, incident: Incident | None = None) -> str:
        """Who may make the change: `Only the commander (@U1) or the admins may resolve INC-7.`"""
        people = [self._named(w, incident) for w in self.who_may(permission)]
        listed = people[0] if len(people) == 1 else ", ".join(people[:-1]) + " or " + people[-1]
        what = verb(permission, incident.reference if incident else "it")
        if ANYONE in self.who_may(permission):
            return f"Anyone may {what}."
        return f"Only {listed} may {what}."

    def _named(self, word: str, incident: Incident | None) -> str:
        """A rule's word as the refusal shows it, with the people it means where they are known."""
        people: list[str] = []
        if word == ADMINS:
            people = sorted(self.admins)
        elif word == COMMANDER and incident is not None and incident.commander:
            people = [incident.commander]
        elif word == DECLARER and incident is not None:
            people = [incident.declared_by]
        shown = _SHOWN.get(word, f"@{word}")
        return f"{shown} ({', '.join('@' + p for p in people)})" if people else shown
