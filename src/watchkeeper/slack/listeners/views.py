"""Modal submissions: validate inline (`response_action: errors`), then run the use case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from watchkeeper.domain.errors import IncidentError, InvalidCorrectionTime
from watchkeeper.domain.status import Status
from watchkeeper.services import facts, follow_ups, lifecycle, publishing
from watchkeeper.services.context import Context, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.slack.due_dates import InvalidDueDate, parse_due
from watchkeeper.slack.ids import Block, Callback
from watchkeeper.slack.markup import to_plain
from watchkeeper.slack.modals import PRIVATE_CHOICE, REMOVE, submitted, submitted_choices
from watchkeeper.slack.payloads import request_of
from watchkeeper.slack.refusals import refusals
from watchkeeper.slack.subcommands import TITLE_MAX
from watchkeeper.slack.times import InvalidTime, parse_time

#: A submission's use case: given the request and the view, change the incident.
Submission = Callable[[Context, Request, dict[str, Any]], object]


def _declare(ctx: Context, request: Request, view: dict[str, Any]) -> object:
    title = to_plain(submitted(view, Block.TITLE))
    if len(title) > TITLE_MAX:  # the modal caps it too, but only in Slack's client
        raise IncidentError(f"Keep the title to {TITLE_MAX} characters; put the detail below.")
    return declare_incident(
        ctx,
        request,
        title=title,
        severity=submitted(view, Block.SEVERITY) or None,
        description=to_plain(submitted(view, Block.DESCRIPTION)),
        public_message=to_plain(submitted(view, Block.PUBLIC_MESSAGE)),
        private=PRIVATE_CHOICE in submitted_choices(view, Block.PRIVATE),
        invite=submitted_choices(view, Block.INVITE),
    )


def _update(ctx: Context, request: Request, view: dict[str, Any]) -> object:
    return lifecycle.post_update(ctx, request, to_plain(submitted(view, Block.MESSAGE)))


def _status(ctx: Context, request: Request, view: dict[str, Any]) -> object:
    status = Status(submitted(view, Block.STATUS))
    return lifecycle.change_status(ctx, request, status, to_plain(submitted(view, Block.MESSAGE)))


def _severity(ctx: Context, request: Request, view: dict[str, Any]) -> object:
    return facts.change_severity(ctx, request, submitted(view, Block.SEVERITY))


def _commander(ctx: Context, request: Request, view: dict[str, Any]) -> object:
    return facts.assign_role(ctx, request, "commander", submitted(view, Block.USER))


def _follow_up(ctx: Context, request: Request, view: dict[str, Any]) -> object:
    picked = submitted(view, Block.DUE)
    due = None
    if picked:
        try:
            due = parse_due(picked, today=ctx.now().astimezone(ctx.zone).date())
        except InvalidDueDate as error:
            raise FieldProblem(Block.DUE, str(error)) from None
    text = to_plain(submitted(view, Block.FOLLOW_UP))
    return follow_ups.add(ctx, request, text, submitted(view, Block.USER) or None, due)


def _correct(ctx: Context, request: Request, view: dict[str, Any]) -> object:
    picked = submitted(view, Block.ENTRY)
    if not picked.isdigit():
        raise FieldProblem(Block.ENTRY, "Pick the entry to correct.")
    text = to_plain(submitted(view, Block.TEXT)).strip() or None
    typed = submitted(view, Block.TIME).strip()
    remove = REMOVE in submitted(view, Block.REMOVE).split(",")
    when = None
    if typed:
        try:
            when = parse_time(typed, now=ctx.now(), zone=ctx.zone)
        except InvalidTime as error:
            raise FieldProblem(Block.TIME, str(error)) from None
    if remove and (text is not None or when is not None):
        raise FieldProblem(Block.REMOVE, "Remove the entry, or correct it: not both at once.")
    if not (remove or text is not None or when is not None):
        raise FieldProblem(
            Block.TEXT, "Type the corrected text, give a corrected time, or tick Remove."
        )
    try:
        return facts.correct_entry(ctx, request, int(picked), text=text, when=when, remove=remove)
    except InvalidCorrectionTime as error:
        raise FieldProblem(Block.TIME, str(error)) from None


def _postmortem(ctx: Context, request: Request, view: dict[str, Any]) -> object:
    return publishing.publish_postmortem(ctx, request, to_plain(submitted(view, Block.POSTMORTEM)))


#: Each modal: its use case, and the input block a refusal is shown under.
SUBMISSIONS: dict[Callback, tuple[Submission, Block]] = {
    Callback.DECLARE: (_declare, Block.TITLE),
    Callback.UPDATE: (_update, Block.MESSAGE),
    Callback.STATUS: (_status, Block.STATUS),
    Callback.SEVERITY: (_severity, Block.SEVERITY),
    Callback.COMMANDER: (_commander, Block.USER),
    Callback.PUBLISH_POSTMORTEM: (_postmortem, Block.POSTMORTEM),
    Callback.ADD_FOLLOW_UP: (_follow_up, Block.FOLLOW_UP),
    # Refused kinds of entry (a status change, the declaration…) say so under the entry.
    Callback.CORRECT_TIMELINE: (_correct, Block.ENTRY),
}


class FieldProblem(Exception):
    """A submitted value that is wrong, shown under its own field rather than the form's."""

    def __init__(self, field: Block, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


def register(app: App, ctx: Context) -> None:
    """Route each modal's submission to its use case; refusals show under the field."""
    for callback, (submission, field) in SUBMISSIONS.items():
        app.view(callback.value)(_listener(ctx, submission, field))


def _listener(
    ctx: Context, submission: Submission, field: Block
) -> Callable[[Ack, dict[str, Any]], None]:
    # A closure, not default arguments: Bolt passes a listener its arguments by name.
    def submitted_view(ack: Ack, body: dict[str, Any]) -> None:
        try:
            with refusals() as caught:
                submission(ctx, request_of(body), body["view"])
        except FieldProblem as problem:
            ack(response_action="errors", errors={problem.field.value: problem.problem})
            return
        refusal = caught.refusal
        if refusal is None or refusal.outcome == "duplicate":
            ack()  # submitted twice: the first one did it
        else:
            ack(response_action="errors", errors={field.value: refusal.plain})

    return submitted_view
