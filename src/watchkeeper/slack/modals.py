"""Modal views: declare an incident (and, on the card's buttons, post an update)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.severity import SeverityScale
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.reports.timeline import describe
from watchkeeper.reports.times import as_utc, in_zone
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


#: The declare form's one checkbox: a private incident.
PRIVATE_CHOICE = "private"


def declare_modal(
    scale: SeverityScale,
    *,
    private_metadata: str = "",
    status_page: bool = False,
    private: bool = False,
) -> View:
    """The form `/incident declare` opens when no title is given (with a status page, it also
    asks what customers are told first); `private` ticks its Private box."""
    choice = {
        "text": {"type": "mrkdwn", "text": "*Private*"},
        "description": plain(
            "A private channel with only the people named here; never announced or published"
        ),
        "value": PRIVATE_CHOICE,
    }
    checkboxes: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": Block.PRIVATE.value,
        "options": [choice],
    }
    if private:
        checkboxes["initial_options"] = [choice]
    blocks = [
        text_input(Block.TITLE, "Title", max_length=200, hint="Checkout errors for EU users"),
        severity_select(scale, scale.default),
        text_input(Block.DESCRIPTION, "What is happening", multiline=True, optional=True),
        {
            "type": "input",
            "block_id": Block.INVITE.value,
            "label": plain("Invite"),
            "element": {
                "type": "multi_users_select",
                "action_id": Block.INVITE.value,
                "placeholder": plain("Responders to bring into the channel"),
            },
            "optional": True,
        },
        {
            "type": "input",
            "block_id": Block.PRIVATE.value,
            "label": plain("Visibility"),
            "element": checkboxes,
            "optional": True,
        },
    ]
    if status_page:
        blocks.append(
            text_input(
                Block.PUBLIC_MESSAGE,
                "What customers read first, if it goes on the status page",
                multiline=True,
                optional=True,
                hint="We are aware of failing checkouts for some customers and are looking into it.",
            )
        )
    return {
        "type": "modal",
        "callback_id": Callback.DECLARE.value,
        "private_metadata": private_metadata,
        "title": plain("Declare an incident"),
        "submit": plain("Declare"),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def submitted(view: dict[str, Any], block: Block) -> str:
    """The value a user gave in an input block of a submitted view ('' when left empty)."""
    state = view.get("state", {}).get("values", {}).get(block.value, {}).get(block.value, {})
    if state.get("type") == "static_select":
        return str((state.get("selected_option") or {}).get("value", ""))
    if state.get("type") == "users_select":
        return str(state.get("selected_user") or "")
    if state.get("type") == "datepicker":
        return str(state.get("selected_date") or "")
    if state.get("type") == "checkboxes":
        return ",".join(str(o.get("value", "")) for o in state.get("selected_options") or [])
    return str(state.get("value") or "")


def submitted_choices(view: dict[str, Any], block: Block) -> list[str]:
    """The values picked in a multi-choice input (checkboxes, several users) of a view."""
    state = view.get("state", {}).get("values", {}).get(block.value, {}).get(block.value, {})
    if state.get("type") == "multi_users_select":
        return [str(user) for user in state.get("selected_users") or []]
    return [str(picked.get("value", "")) for picked in state.get("selected_options") or []]


def update_modal(channel_id: str, reference: str) -> View:
    """Post a formal update (the reminder's and the card's button)."""
    return _modal(
        Callback.UPDATE,
        f"Update {reference}",
        "Post update",
        channel_id,
        [
            text_input(
                Block.MESSAGE,
                "What is the latest?",
                multiline=True,
                hint="What changed, what we are doing, when the next update comes",
            ),
        ],
    )


def status_modal(channel_id: str, reference: str, current: Status) -> View:
    """Change the status, optionally with a message (then it is a formal update too)."""
    options = [option(status.value, status.label) for status in Status]
    chosen = next(o for o in options if o["value"] == current.value)
    return _modal(
        Callback.STATUS,
        f"Status of {reference}",
        "Change",
        channel_id,
        [
            {
                "type": "input",
                "block_id": Block.STATUS.value,
                "label": plain("Status"),
                "element": {
                    "type": "static_select",
                    "action_id": Block.STATUS.value,
                    "options": options,
                    "initial_option": chosen,
                },
            },
            text_input(
                Block.MESSAGE, "Message (makes it a formal update)", multiline=True, optional=True
            ),
        ],
    )


def severity_modal(channel_id: str, reference: str, scale: SeverityScale, current: str) -> View:
    """Change the severity."""
    return _modal(
        Callback.SEVERITY,
        f"Severity of {reference}",
        "Change",
        channel_id,
        [severity_select(scale, current)],
    )


def commander_modal(channel_id: str, reference: str, current: str | None) -> View:
    """Assign the commander."""
    element: dict[str, Any] = {"type": "users_select", "action_id": Block.USER.value}
    if current:
        element["initial_user"] = current
    return _modal(
        Callback.COMMANDER,
        f"Commander of {reference}",
        "Assign",
        channel_id,
        [
            {
                "type": "input",
                "block_id": Block.USER.value,
                "label": plain("Commander"),
                "element": element,
            },
        ],
    )


def _modal(
    callback: Callback, title: str, submit: str, channel_id: str, blocks: list[dict[str, Any]]
) -> View:
    return {
        "type": "modal",
        "callback_id": callback.value,
        "private_metadata": channel_id,
        "title": plain(clip(title, 24)),
        "submit": plain(submit),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def postmortem_modal(channel_id: str, reference: str, current: str) -> View:
    """Publish the postmortem customers read on the status page (as written here)."""
    field = text_input(
        Block.POSTMORTEM,
        "Postmortem, as customers will read it",
        multiline=True,
        hint="What happened, what it meant for customers, what we are changing",
    )
    if current:
        field["element"]["initial_value"] = clip(current, 3000)
    return _modal(
        Callback.PUBLISH_POSTMORTEM,
        f"Postmortem of {reference}",
        "Publish",
        channel_id,
        [field],
    )


def follow_up_modal(channel_id: str, reference: str) -> View:
    """Agree a follow-up from the card: what, who owns it, and when it is due."""
    owner = {
        "type": "input",
        "block_id": Block.USER.value,
        "label": plain("Owner"),
        "optional": True,
        "element": {"type": "users_select", "action_id": Block.USER.value},
    }
    due = {
        "type": "input",
        "block_id": Block.DUE.value,
        "label": plain("Due"),
        "optional": True,
        "hint": plain("Its owner is nudged that day, and every week after while it is open."),
        "element": {"type": "datepicker", "action_id": Block.DUE.value},
    }
    return _modal(
        Callback.ADD_FOLLOW_UP,
        f"Follow-up for {reference}",
        "Add",
        channel_id,
        [
            text_input(Block.FOLLOW_UP, "What will be done", hint="Alert on queue depth"),
            owner,
            due,
        ],
    )


#: How many of the latest entries the timeline editor offers (Slack's limit on a select).
EDITABLE_ENTRIES = 100
#: The value of the timeline editor's "Remove this entry" box.
REMOVE = "remove"


def timeline_choices(
    incident: Incident, names: Mapping[str, str], zone: ZoneInfo
) -> list[tuple[int, str]]:
    """The latest entries as the timeline editor lists them, newest first: `(id, label)`,
    the label the entry's time and sentence (Slack cuts an option at 75 characters)."""
    entries = [
        e
        for e in incident.shown_timeline()
        if e.entry_id is not None and e.kind is not EntryKind.CORRECTED
    ]
    entries.sort(key=lambda e: as_utc(e.at), reverse=True)
    choices = []
    for entry in entries[:EDITABLE_ENTRIES]:
        assert entry.entry_id is not None  # filtered above; mypy cannot tell
        local = in_zone(entry.at, zone)
        sentence = describe(entry, names=names, zone=zone)
        edited = " (edited)" if entry.edited else ""
        label = f"{local:%b} {local.day} {local:%H:%M} {sentence}{edited}"
        choices.append((entry.entry_id, " ".join(label.split())))  # one line per option
    return choices


def timeline_modal(
    channel_id: str, reference: str, entries: Sequence[tuple[int, str]], zone: ZoneInfo
) -> View:
    """Correct the timeline: pick one of the latest entries (`(id, label)`, newest first), then
    give it new text, a new time (in `zone`), or remove it."""
    if not entries:
        return notice_modal(reference, f"{reference} has no timeline entries to correct yet.")
    picked = {
        "type": "input",
        "block_id": Block.ENTRY.value,
        "label": plain("Entry"),
        "element": {
            "type": "static_select",
            "action_id": Block.ENTRY.value,
            "placeholder": plain("Pick the entry to correct"),
            "options": [option(str(i), text) for i, text in entries[:EDITABLE_ENTRIES]],
        },
    }
    when = text_input(
        Block.TIME,
        "Corrected time (leave empty to keep it)",
        optional=True,
        max_length=40,
        hint="08:38, 2025-11-24 08:38, or 15m ago",
    )
    when["hint"] = plain(f"Times are {zone.key} unless you give an offset; it must be past.")
    remove = {
        "type": "input",
        "block_id": Block.REMOVE.value,
        "label": plain("Remove"),
        "optional": True,
        "element": {
            "type": "checkboxes",
            "action_id": Block.REMOVE.value,
            "options": [{"text": plain("Remove this entry from the timeline"), "value": REMOVE}],
        },
    }
    return _modal(
        Callback.CORRECT_TIMELINE,
        f"Timeline of {reference}",
        "Correct",
        channel_id,
        [
            picked,
            text_input(
                Block.TEXT, "Corrected text (leave empty to keep it)", multiline=True, optional=True
            ),
            when,
            remove,
        ],
    )


def loading_modal(reference: str) -> View:
    """A placeholder opened at once (Slack's trigger lasts 3 s), filled by `views.update`."""
    return {
        "type": "modal",
        "title": plain(clip(reference, 24)),
        "close": plain("Cancel"),
        "blocks": [
            {"type": "section", "text": plain(f"Loading {reference}…")},
        ],
    }


def notice_modal(title: str, text: str) -> View:
    """A modal that only says something (why a form cannot be shown)."""
    return {
        "type": "modal",
        "title": plain(clip(title, 24)),
        "close": plain("Close"),
        "blocks": [{"type": "section", "text": plain(clip(text, 3000))}],
    }
