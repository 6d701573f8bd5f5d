"""What Slack shows of follow-ups: the list, the owner's nudge, the weekly digest, the Home tab's.

Every open follow-up shown carries a Done button whose value names it (`"<incident>:<action>"`),
so marking it done works wherever it is seen, also long after its incident channel went quiet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from watchkeeper.domain.follow_ups import Action, FollowUpState
from watchkeeper.domain.incident import Incident
from watchkeeper.services.ports import FollowUpView
from watchkeeper.slack.blocks import Blocks, button, context, section, shorten
from watchkeeper.slack.ids import Action as ActionId
from watchkeeper.slack.markup import escape, label, mention

#: Follow-ups one list or one Home tab shows (a message holds at most 50 blocks).
SHOWN = 40
#: Overdue follow-ups the digest names one by one; the rest are counted.
DIGEST_SHOWN = 30


def done_value(number: int, action: int) -> str:
    """A Done button's value: which incident's which follow-up."""
    return f"{number}:{action}"


def read_done_value(value: str) -> tuple[int, int] | None:
    """(incident number, follow-up number) from a Done button's value; None if it is not one."""
    number, _, action = value.partition(":")
    if number.isdigit() and action.isdigit():
        return int(number), int(action)
    return None


def due_text(action: Action, today: date) -> str:
    """`due Fri 4 Dec`, `due today`, `*overdue* since Mon 30 Nov`, or `no due date`."""
    due = action.due
    if due is None:
        return "no due date"
    shown = f"{due:%a} {due.day} {due:%b}" + (f" {due.year}" if due.year != today.year else "")
    if not action.is_open:
        return f"was due {shown}"
    if due == today:
        return "due *today*"
    if due < today:
        return f"*overdue* since {shown}"
    return f"due {shown}"


def follow_up_line(action: Action, today: date) -> str:
    """`*2.* Add a canary stage · @ana · due Fri 4 Dec · open` (user text escaped)."""
    owner = mention(action.owner_id) if action.owner_id else "_no owner_"
    state = action.state.value
    if action.state is FollowUpState.DROPPED and action.reason:
        state += f": {escape(label(action.reason))}"
    return (
        f"*{action.number}.* {escape(label(action.text))} · {owner} · "
        f"{due_text(action, today)} · {state}"
    )


def follow_up_list(incident: Incident, today: date) -> tuple[str, Blocks]:
    """The `/incident actions` reply: every follow-up, each open one with a Done button."""
    ref = incident.reference
    if not incident.actions:
        text = f"{ref} has no follow-ups yet. `/incident action <text> [@owner] [due <date>]` adds one."
        return text, []
    still_open = sum(action.is_open for action in incident.actions)
    heading = f"*Follow-ups of {ref}* ({still_open} open of {len(incident.actions)})"
    blocks: Blocks = [section(heading)]
    for action in incident.actions[:SHOWN]:
        blocks.append(_with_done(follow_up_line(action, today), incident.number, action))
    if len(incident.actions) > SHOWN:
        more = len(incident.actions) - SHOWN
        blocks.append(context(f"…and {more} more: `watchkeeper actions` lists them all."))
    blocks.append(
        context(
            "`/incident action <n> done`, `owner @user`, `due <date>` or `drop <reason>` "
            "changes one."
        )
    )
    return heading, blocks


def nudge(
    incident: Incident, action: Action, today: date, *, to_commander: bool
) -> tuple[str, Blocks]:
    """The direct message that tells an owner (or, with no owner, the commander) one is due."""
    what = escape(label(action.text))
    where = f" in <#{incident.channel_id}>" if incident.channel_id else ""
    whose = (
        "It has no owner, and you lead the incident: give it one with "
        f"`/incident action {action.number} owner @user`."
        if to_commander
        else "You own it."
    )
    text = (
        f":alarm_clock: Follow-up {action.number} of *{incident.reference}* "
        f"({escape(label(incident.title))}) is {due_text(action, today)}: {what}"
    )
    blocks: Blocks = [
        _with_done(f"{text}\n{whose}", incident.number, action),
        context(
            f"Agreed{where}. Not happening? `/incident action {action.number} drop <reason>` "
            f"there, or `due <date>` to move it."
        ),
    ]
    return text, blocks


def digest(overdue: Sequence[dict[str, Any]], today: date) -> str:
    """The weekly digest of overdue follow-ups for the broadcast channel (from the effect)."""
    lines = [
        f":calendar: *Overdue follow-ups ({len(overdue)})*, as of {today:%a} {today.day} {today:%b}"
    ]
    for item in overdue[:DIGEST_SHOWN]:
        owner = mention(item.get("owner")) if item.get("owner") else "_no owner_"
        due = date.fromisoformat(item["due"])
        lines.append(
            f"• *INC-{item['incident']}* #{item['action']}: {escape(label(item['text']))} · "
            f"{owner} · due {due:%a} {due.day} {due:%b}"
        )
    if len(overdue) > DIGEST_SHOWN:
        lines.append(f"…and {len(overdue) - DIGEST_SHOWN} more: `watchkeeper actions --overdue`.")
    return shorten("\n".join(lines), 3900)


def home_follow_ups(mine: Sequence[FollowUpView], today: date) -> Blocks:
    """The Home tab's "Your follow-ups": open ones the viewer owns, soonest due first."""
    blocks: Blocks = [{"type": "header", "text": {"type": "plain_text", "text": "Your follow-ups"}}]
    if not mine:
        blocks.append(section("Nothing open on your name. :sparkles:"))
        return blocks
    for view in mine[:SHOWN]:
        line = f"*{view.reference}* {follow_up_line(view.action, today)}"
        blocks.append(_with_done(line, view.number, view.action))
    if len(mine) > SHOWN:
        blocks.append(context(f"…and {len(mine) - SHOWN} more: `watchkeeper actions --owner`."))
    return blocks


def done_reply(incident: Incident, action: Action) -> str:
    """Said where a Done button was clicked."""
    return (
        f":white_check_mark: Follow-up {action.number} of {incident.reference} is done: "
        f"{escape(label(action.text))}"
    )


def _with_done(text: str, number: int, action: Action) -> dict[str, Any]:
    block = section(text)
    if action.is_open:
        block["accessory"] = button(
            "Done", ActionId.FOLLOW_UP_DONE, done_value(number, action.number), style="primary"
        )
    return block
