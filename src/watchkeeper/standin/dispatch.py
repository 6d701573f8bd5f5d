"""Answers a Web API call as Slack does: method, token, deprecation, scope, args, then the work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from watchkeeper.slack.methods import APP_LEVEL_METHODS
from watchkeeper.standin import (
    chat,
    conversations,
    files,
    history,
    reactions,
    socket_mode,
    views,
)
from watchkeeper.standin.contract import Contract, MethodRule
from watchkeeper.standin.errors import SlackError, invalid_arguments
from watchkeeper.standin.state import JsonObject, Workspace
from watchkeeper.standin.transport import Reply

Handler = Callable[[Workspace, dict[str, Any]], JsonObject]

HANDLERS: Mapping[str, Handler] = {
    "auth.test": views.auth_test,
    "conversations.create": conversations.create,
    "conversations.invite": conversations.invite,
    "conversations.setTopic": conversations.set_topic,
    "conversations.archive": conversations.archive,
    "conversations.info": conversations.info,
    "conversations.join": conversations.join,
    "conversations.list": conversations.list_channels,
    "conversations.members": conversations.members,
    "conversations.open": conversations.open_conversation,
    "conversations.history": history.history,
    "chat.postMessage": chat.post_message,
    "chat.update": chat.update,
    "chat.getPermalink": chat.get_permalink,
    "pins.add": chat.pin,
    "reactions.add": reactions.add,
    "reactions.remove": reactions.remove,
    "views.open": views.open_view,
    "views.update": views.update_view,
    "views.publish": views.publish_view,
    "users.info": views.user_info,
    "files.getUploadURLExternal": files.get_upload_url,
    "files.completeUploadExternal": files.complete_upload,
    "files.list": files.list_files,
    "apps.connections.open": socket_mode.open_link,
}

# What the app-level token is granted: the scope of every app-level method the stand-in knows.
APP_TOKEN_SCOPES = frozenset(APP_LEVEL_METHODS.values())

# Slack answers a method name it does not know with HTTP 200 (observed on slack.com), not 404.
UNKNOWN_METHOD_STATUS = 200


def answer(
    ws: Workspace, contract: Contract, method: str, token: str | None, args: dict[str, Any]
) -> Reply:
    """Slack's answer to `method` called with `token` and `args`; callers hold the lock."""
    rule = contract.rule(method)
    if rule is None:
        body = {"ok": False, "error": "unknown_method", "req_method": method}
        return Reply.json(body, status=UNKNOWN_METHOD_STATUS)
    if not token:
        return Reply.json({"ok": False, "error": "not_authed"})
    app_token = token == ws.identity.app_token
    if token != ws.identity.token and not app_token:
        return Reply.json({"ok": False, "error": "invalid_auth"})
    # A token Slack knows but of the wrong kind (the bot token on an app-level method, or the
    # other way round) is not_allowed_token_type, not invalid_auth.
    if app_token != rule.app_level:
        return Reply.json({"ok": False, "error": "not_allowed_token_type"})
    granted = APP_TOKEN_SCOPES if app_token else ws.scopes
    headers = {
        "x-oauth-scopes": ",".join(sorted(granted)),
        "x-accepted-oauth-scopes": ",".join(rule.accepted_scopes),
    }
    try:
        body = _run(ws, rule, args, granted)
    except SlackError as refused:
        body = refused.body()
    if body.get("error") == "not_implemented":
        return Reply.json(body, status=501, headers=headers)
    return Reply.json(body, headers=headers)


def _run(
    ws: Workspace, rule: MethodRule, args: dict[str, Any], granted: frozenset[str] | set[str]
) -> JsonObject:
    if rule.deprecated:
        raise SlackError("method_deprecated")
    if not rule.bot_token_allowed and not rule.app_level:
        raise SlackError("not_allowed_token_type")
    accepted = rule.accepted_scopes
    if accepted and not granted.intersection(accepted):
        raise SlackError(
            "missing_scope", needed=",".join(accepted), provided=",".join(sorted(granted))
        )
    missing = [name for name in rule.required_args if args.get(name) is None]
    if missing:
        raise invalid_arguments(*(f"missing required field: {name}" for name in missing))
    handler = HANDLERS.get(rule.name)
    if handler is None:
        raise SlackError(
            "not_implemented",
            response_metadata={
                "messages": [f"[ERROR] the Watchkeeper stand-in does not implement {rule.name}"]
            },
        )
    return handler(ws, args)
