"""Block Kit limits Slack enforces, reported in Slack's words with a JSON pointer to the culprit."""

from __future__ import annotations

from typing import Any

from watchkeeper.standin.errors import SlackError, invalid_arguments

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100

# Slack's documented Block Kit limits: (block type, field) -> most characters allowed.
_TEXT_LIMITS = {
    ("section", "text"): 3000,
    ("header", "text"): 150,
    ("input", "label"): 2000,
    ("input", "hint"): 2000,
}
_ELEMENT_LIMITS = {"context": 10, "actions": 25}


def _too_long(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _too_many(limit: int, pointer: str) -> str:
    return f"no more than {limit} items allowed [json-pointer:{pointer}]"


def _text_object(obj: Any, limit: int, pointer: str, problems: list[str]) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in {"plain_text", "mrkdwn"}:
        problems.append(f"failed to match all allowed schemas [json-pointer:{pointer}]")
        return
    text = obj.get("text")
    if not isinstance(text, str) or text == "":
        problems.append(f"must be more than 0 characters [json-pointer:{pointer}/text]")
    elif len(text) > limit:
        problems.append(_too_long(limit, f"{pointer}/text"))


def _element(element: Any, pointer: str, problems: list[str]) -> None:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        problems.append(f"failed to match all allowed schemas [json-pointer:{pointer}]")
        return
    action_id = element.get("action_id")
    if isinstance(action_id, str) and len(action_id) > 255:
        problems.append(_too_long(255, f"{pointer}/action_id"))
    if element["type"] in {"static_select", "checkboxes", "radio_buttons"}:
        options = element.get("options")
        if isinstance(options, list):
            limit = 100 if element["type"] == "static_select" else 10
            if len(options) > limit:
                problems.append(_too_many(limit, f"{pointer}/options"))
            for i, option in enumerate(options):
                text = option.get("text") if isinstance(option, dict) else None
                _text_object(text, 75, f"{pointer}/options/{i}/text", problems)
    if element["type"] == "button":
        _text_object(element.get("text"), 75, f"{pointer}/text", problems)
        value = element.get("value")
        if isinstance(value, str) and len(value) > 2000:
            problems.append(_too_long(2000, f"{pointer}/value"))


def _block(block: Any, pointer: str, problems: list[str]) -> None:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        problems.append(f"failed to match all allowed schemas [json-pointer:{pointer}]")
        return
    kind = block["type"]
    block_id = block.get("block_id")
    if isinstance(block_id, str) and len(block_id) > 255:
        problems.append(_too_long(255, f"{pointer}/block_id"))
    for (block_kind, key), limit in _TEXT_LIMITS.items():
        if kind == block_kind and key in block:
            _text_object(block[key], limit, f"{pointer}/{key}", problems)
    if kind == "section":
        fields = block.get("fields")
        if isinstance(fields, list):
            if len(fields) > 10:
                problems.append(_too_many(10, f"{pointer}/fields"))
            for index, item in enumerate(fields):
                _text_object(item, 2000, f"{pointer}/fields/{index}", problems)
        if "accessory" in block:
            _element(block["accessory"], f"{pointer}/accessory", problems)
    if kind in _ELEMENT_LIMITS:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            problems.append(f"missing required field: elements [json-pointer:{pointer}]")
        else:
            if len(elements) > _ELEMENT_LIMITS[kind]:
                problems.append(_too_many(_ELEMENT_LIMITS[kind], f"{pointer}/elements"))
            if kind == "actions":
                for index, element in enumerate(elements):
                    _element(element, f"{pointer}/elements/{index}", problems)
    if kind == "input" and "element" in block:
        _element(block["element"], f"{pointer}/element", problems)


def block_problems(blocks: Any, limit: int, pointer: str) -> list[str]:
    """Every limit `blocks` breaks, or `[]`; a value that is not a list of blocks is one problem."""
    if not isinstance(blocks, list):
        return [f"failed to match all allowed schemas [json-pointer:{pointer}]"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(_too_many(limit, pointer))
    for index, block in enumerate(blocks):
        _block(block, f"{pointer}/{index}", problems)
    return problems


def check_message_blocks(blocks: Any) -> None:
    """Refuse a message's blocks as chat.postMessage does: `invalid_blocks`, Slack's messages."""
    if not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format")
    problems = block_problems(blocks, MESSAGE_BLOCKS, "/blocks")
    if problems:
        raise SlackError(
            "invalid_blocks",
            errors=problems,
            response_metadata={"messages": [f"[ERROR] {problem}" for problem in problems]},
        )


def check_view(view: Any, *, expected_type: str) -> dict[str, Any]:
    """The view payload if Slack would take it, else `invalid_arguments` naming each problem."""
    if not isinstance(view, dict) or view.get("type") != expected_type:
        raise invalid_arguments("failed to match all allowed schemas [json-pointer:/view]")
    problems: list[str] = []
    if expected_type == "modal":
        if "title" not in view:
            problems.append("missing required field: title [json-pointer:/view]")
        for key in ("title", "submit", "close"):
            if key in view:
                _text_object(view[key], 24, f"/view/{key}", problems)
    problems.extend(block_problems(view.get("blocks"), VIEW_BLOCKS, "/view/blocks"))
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        value = view.get(key)
        if isinstance(value, str) and len(value) > limit:
            problems.append(_too_long(limit, f"/view/{key}"))
    if problems:
        raise invalid_arguments(*problems)
    return view
