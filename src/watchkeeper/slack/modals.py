"""Modal views: declare an incident (and, on the card's buttons, post an update)."""

from __future__ import annotations

from typing import Any

from watchkeeper.domain.severity import SeverityScale
from watchkeeper.slack.ids import Block, Callback
from watchkeeper.slack.markup import clip, label

View = dict[str, Any]


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(value: str, text: str) -> dict[str, Any]:
    return {"text": plain(clip(text, 75)), "value": value}


def text_input(
    block: Block,
    title: str,
    *,
    multiline: bool = False,
    optional: bool = False,
    max_length: int = 3000,
    hint: str = "",
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": block.value,
        "multiline": multiline,
        "max_length": max_length,
    }
    if hint:
        element["placeholder"] = plain(hint)
    return {
        "type": "input",
        "block_id": block.value,
        "label": plain(title),
        "element": element,
        "optional": optional,
    }


def severity_select(scale: SeverityScale, current: str) -> dict[str, Any]:
    options = [
        option(level.name, label(f"{level.name} {level.description}".strip())) for level in scale
    ]
    chosen = next(o for o in options if o["value"] == scale.level(current).name)
    return {
        "type": "input",
        "block_id": Block.SEVERITY.value,
        "label": plain("Severity"),
        "element": {
            "type": "static_select",
            "action_id": Block.SEVERITY.value,
            "options": options,
            "initial_option": chosen,
        },
    }


def declare_modal(scale: SeverityScale, *, private_metadata: str = "") -> View:
    """The form `/incident declare` opens when no title is given."""
    return {
        "type": "modal",
        "callback_id": Callback.DECLARE.value,
        "private_metadata": private_metadata,
        "title": plain("Declare an incident"),
        "submit": plain("Declare"),
        "close": plain("Cancel"),
        "blocks": [
            text_input(Block.TITLE, "Title", max_length=200, hint="Checkout errors for EU users"),
            severity_select(scale, scale.default),
            text_input(Block.DESCRIPTION, "What is happening", multiline=True, optional=True),
        ],
    }


def submitted(view: dict[str, Any], block: Block) -> str:
    """The value a user gave in an input block of a submitted view ('' when left empty)."""
    state = view.get("state", {}).get("values", {}).get(block.value, {}).get(block.value, {})
    if state.get("type") == "static_select":
        return str((state.get("selected_option") or {}).get("value", ""))
    return str(state.get("value") or "")
