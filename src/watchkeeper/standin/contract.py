"""Which methods exist and what each demands: Slack's reference files or Watchkeeper's own table."""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from watchkeeper.slack.methods import APP_LEVEL_METHODS, METHODS


@dataclass(frozen=True, slots=True)
class MethodRule:
    """What Slack checks before running a method.

    `accepted_scopes` are the scopes of which any one lets the token call the method (empty: no
    scope needed); `bot_token_allowed` is false for methods only user tokens may call; `app_level`
    methods take the app-level token (`xapp-`) and no other, and their scopes are app-level ones.
    """

    name: str
    accepted_scopes: tuple[str, ...]
    required_args: tuple[str, ...]
    deprecated: bool = False
    bot_token_allowed: bool = True
    app_level: bool = False


class Contract(Protocol):
    """Looks a method up; None means Slack has no method by that name."""

    def rule(self, method: str) -> MethodRule | None: ...


# Methods Slack serves only to the app-level token (`APP_LEVEL_METHODS`, beside the bot's own
# table) stay out of `METHODS` on purpose: that table is what the *bot token* calls, and the
# manifest's bot scopes are checked against it; `connections:write` is a scope of the app-level
# token (Socket Mode), never a bot scope. Slack's reference files do not say which token a method
# takes either (`apps.connections.open` lists no scope at all), so both contracts consult that
# table: with the reference, the reference says whether Slack has the method and what it
# requires, and the table adds that it is app-level; without it, the table stands in for it.


def app_level_rule(rule: MethodRule) -> MethodRule:
    """`rule` made app-level when Slack serves the method only to the app-level token."""
    scope = APP_LEVEL_METHODS.get(rule.name)
    if scope is None:
        return rule
    return dataclasses.replace(
        rule, accepted_scopes=(scope,), bot_token_allowed=False, app_level=True
    )


# Without Slack's reference files the stand-in still refuses the one retired upload method an app
# is likely to reach for, as Slack does, instead of calling it unknown.
_RETIRED = frozenset({"files.upload"})
_METHOD_NAME = re.compile(r"[A-Za-z]+(\.[A-Za-z]+)+")


class TableContract:
    """The methods in `watchkeeper.slack.methods.METHODS`, plus the app-level ones, nothing else."""

    def rule(self, method: str) -> MethodRule | None:
        if method in _RETIRED:
            return MethodRule(method, (), (), deprecated=True)
        if method in APP_LEVEL_METHODS:
            return app_level_rule(MethodRule(method, (), ()))
        spec = METHODS.get(method)
        if spec is None:
            return None
        return MethodRule(method, spec.bot_scopes, spec.required_args)


class ReferenceContract:
    """Every method with a file in `<reference_dir>/methods/`, as that file describes it."""

    def __init__(self, reference_dir: Path) -> None:
        self._methods_dir = reference_dir / "methods"
        if not self._methods_dir.is_dir():
            raise FileNotFoundError(f"no Slack method reference at {self._methods_dir}")
        self._cache: dict[str, MethodRule | None] = {}
        self._lock = threading.Lock()

    def rule(self, method: str) -> MethodRule | None:
        with self._lock:
            if method not in self._cache:
                self._cache[method] = self._load(method)
            return self._cache[method]

    def _load(self, method: str) -> MethodRule | None:
        # The name becomes a path: only dotted words, so nothing can climb out of the folder.
        if not _METHOD_NAME.fullmatch(method):
            return None
        path = self._methods_dir / f"{method}.json"
        if not path.is_file():
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
        return app_level_rule(rule_from_reference(method, doc))


def rule_from_reference(method: str, doc: dict[str, Any]) -> MethodRule:
    """The rule one reference file implies.

    The reference marks a retired method either with `deprecated: true` or by listing the
    `method_deprecated` error it now answers with (`files.upload`).
    """
    scope = doc.get("scope") or {}
    bot_scopes = tuple(scope.get("bot") or ())
    user_scopes = tuple(scope.get("user") or ())
    required = tuple(arg for arg in doc.get("args", {}).get("required", []) if arg != "token")
    deprecated = doc.get("deprecated") is True or "method_deprecated" in (doc.get("errors") or {})
    bot_allowed = bool(bot_scopes) or not user_scopes or bool(doc.get("no_scope_required"))
    return MethodRule(method, bot_scopes, required, deprecated, bot_allowed)
