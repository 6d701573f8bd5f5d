"""The stand-in's views.open, views.update and views.publish, plus users.info and auth.test."""

from __future__ import annotations

import hashlib
from typing import Any

from watchkeeper.standin.blocks import check_view
from watchkeeper.standin.errors import SlackError, invalid_arguments, json_arg, text_arg
from watchkeeper.standin.state import JsonObject, View, Workspace


def _hash(ws: Workspace, view_id: str, revision: int) -> str:
    digest = hashlib.sha256(f"{view_id}:{revision}".encode()).hexdigest()[:8]
    return f"{ws.now()}.{digest}"


def _check_external_id(ws: Workspace, payload: JsonObject, keep: str | None) -> str | None:
    external_id = payload.get("external_id")
    if not isinstance(external_id, str) or not external_id:
        return None
    for view in ws.views.values():
        if view.external_id == external_id and view.id != keep:
            raise SlackError("duplicate_external_id")
    return external_id


def open_view(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    trigger_id = text_arg(args, "trigger_id") or text_arg(args, "interactivity_pointer")
    if not trigger_id:
        raise invalid_arguments("missing required field: trigger_id")
    # A trigger opens one modal; Slack refuses it the second time.
    if trigger_id in ws.used_triggers:
        raise SlackError("exchanged_trigger_id")
    payload = check_view(json_arg(args, "view"), expected_type="modal")
    view_id = ws.new_id("V")
    external_id = _check_external_id(ws, payload, None)
    ws.used_triggers.add(trigger_id)
    view = View(
        id=view_id,
        type="modal",
        payload=payload,
        hash=_hash(ws, view_id, 0),
        trigger_id=trigger_id,
        external_id=external_id,
    )
    ws.views[view_id] = view
    return {"ok": True, "view": view.to_json(ws.identity)}


def _find_view(ws: Workspace, args: dict[str, Any]) -> View:
    view_id = text_arg(args, "view_id")
    external_id = text_arg(args, "external_id")
    if not view_id and not external_id:
        raise invalid_arguments("missing required field: view_id or external_id")
    for view in ws.views.values():
        if (view_id and view.id == view_id) or (external_id and view.external_id == external_id):
            return view
    raise SlackError("not_found")


def update_view(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    view = _find_view(ws, args)
    expected_hash = text_arg(args, "hash")
    if expected_hash and expected_hash != view.hash:
        raise SlackError("hash_conflict")
    payload = check_view(json_arg(args, "view"), expected_type=view.type)
    view.external_id = _check_external_id(ws, payload, view.id) or view.external_id
    view.payload = payload
    view.updates += 1
    view.hash = _hash(ws, view.id, view.updates)
    return {"ok": True, "view": view.to_json(ws.identity)}


def publish_view(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    user_id = text_arg(args, "user_id") or ""
    if user_id not in ws.users:
        raise invalid_arguments("invalid `user_id`")
    payload = check_view(json_arg(args, "view"), expected_type="home")
    home = next((v for v in ws.views.values() if v.type == "home" and v.user_id == user_id), None)
    expected_hash = text_arg(args, "hash")
    if home is not None and expected_hash and expected_hash != home.hash:
        raise SlackError("hash_conflict")
    if home is None:
        view_id = ws.new_id("V")
        home = View(id=view_id, type="home", payload=payload, hash="", user_id=user_id)
        ws.views[view_id] = home
    else:
        home.payload = payload
        home.updates += 1
    home.hash = _hash(ws, home.id, home.updates)
    return {"ok": True, "view": home.to_json(ws.identity)}


def user_info(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    user = ws.user(text_arg(args, "user") or "")
    return {"ok": True, "user": user.to_json(ws.identity.team_id)}


def auth_test(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    identity = ws.identity
    return {
        "ok": True,
        "url": f"https://{identity.team_domain}.slack.com/",
        "team": identity.team_name,
        "user": identity.bot_name,
        "team_id": identity.team_id,
        "user_id": identity.bot_user_id,
        "bot_id": identity.bot_id,
        "is_enterprise_install": False,
    }
