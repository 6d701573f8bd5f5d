"""Modal submissions: validate inline (`response_action: errors`), then run the use case."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from watchkeeper.domain.errors import IncidentError
from watchkeeper.services.context import Actor, Context, DuplicateRequest, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.slack.ids import Block, Callback
from watchkeeper.slack.markup import to_plain
from watchkeeper.slack.modals import submitted


def register(app: App, ctx: Context) -> None:
    """Route each modal's submission to its use case."""

    def declare_submitted(ack: Ack, body: dict[str, Any]) -> None:
        view = body["view"]
        title = to_plain(submitted(view, Block.TITLE)).strip()
        if not title:
            ack(
                response_action="errors",
                errors={Block.TITLE.value: "Say what is wrong in a few words."},
            )
            return
        user = body.get("user", {})
        request = Request(
            actor=Actor(user.get("id", ""), user.get("username") or user.get("name", "")),
            key=f"view:{view['id']}",
        )
        try:
            declare_incident(
                ctx,
                request,
                title=title,
                severity=submitted(view, Block.SEVERITY) or None,
                description=to_plain(submitted(view, Block.DESCRIPTION)),
            )
        except IncidentError as error:
            ack(response_action="errors", errors={Block.TITLE.value: str(error)})
            return
        except DuplicateRequest:
            pass
        ack()

    app.view(Callback.DECLARE.value)(declare_submitted)
