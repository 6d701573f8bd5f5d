"""Every block, action, callback and view ID the bot uses, in one place."""

from __future__ import annotations

from enum import StrEnum


class Callback(StrEnum):
    """Modal callback IDs."""

    DECLARE = "declare_incident"
    UPDATE = "post_update"
    STATUS = "change_status"
    SEVERITY = "change_severity"
    COMMANDER = "assign_commander"
    PUBLISH_POSTMORTEM = "publish_postmortem"
    ADD_FOLLOW_UP = "add_follow_up"
    CORRECT_TIMELINE = "correct_timeline"


class Action(StrEnum):
    """Button and select action IDs."""

    OPEN_UPDATE = "open_update_modal"
    OPEN_STATUS = "open_status_modal"
    OPEN_SEVERITY = "open_severity_modal"
    OPEN_COMMANDER = "open_commander_modal"
    SNOOZE = "snooze_reminders"
    DECLARE = "open_declare_modal"
    PUBLISH = "publish_on_status_page"
    UNPUBLISH = "unpublish_from_status_page"
    OPEN_POSTMORTEM = "open_postmortem_modal"
    OPEN_FOLLOW_UP = "open_follow_up_modal"
    FOLLOW_UP_DONE = "follow_up_done"
    STALE_RESOLVE = "quiet_incident_resolve"
    STILL_GOING = "quiet_incident_still_going"
    OPEN_TIMELINE_EDITOR = "open_timeline_editor"


class Block(StrEnum):
    """Input block IDs in modals; each input's action ID is the same string."""

    TITLE = "title"
    SEVERITY = "severity"
    DESCRIPTION = "description"
    MESSAGE = "message"
    STATUS = "status"
    USER = "user"
    POSTMORTEM = "postmortem"
    PUBLIC_MESSAGE = "public_message"
    FOLLOW_UP = "follow_up"
    DUE = "due"
    PRIVATE = "private"
    INVITE = "invite"
    ENTRY = "entry"
    TEXT = "text"
    TIME = "time"
    REMOVE = "remove"


class Shortcut(StrEnum):
    """Shortcut callback IDs (see manifest.yml)."""

    ADD_TO_TIMELINE = "add_to_timeline"
