"""Modal submissions: validate inline (`response_action: errors`), then run the use case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from watchkeeper.domain.errors import IncidentError
from watchkeeper.domain.status import Status
from watchkeeper.services import facts, lifecycle, publishing
from watchkeeper.services.context import Context, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.slack.ids import Block, Callback
from watchkeeper.slack.markup import to_plain
from watchkeeper.slack.modals import submitted
from watchkeeper.slack.payloads import request_of
from watchkeeper.slack.refusals import refusals
from watchkeeper.slack.subcommands import TITLE_MAX

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
}


def register(app: App, ctx: Context) -> None:
    """Route each modal's submission to its use case; refusals show under the field."""
    for callback, (submission, field) in SUBMISSIONS.items():
        app.view(callback.value)(_listener(ctx, submission, field))


def _listener(
    ctx: Context, submission: Submission, field: Block
) -> Callable[[Ack, dict[str, Any]], None]:
    # A closure, not default arguments: Bolt passes a listener its arguments by name.
    def submitted_view(ack: Ack, body: dict[str, Any]) -> None:
        with refusals() as caught:
            submission(ctx, request_of(body), body["view"])
        refusal = caught.refusal
        if refusal is None or refusal.outcome == "duplicate":
            ack()  # submitted twice: the first one did it
        else:
            ack(response_action="errors", errors={field.value: refusal.plain})

    return submitted_view
