"""The `/incident` subcommands: each declared once, in one record, from which all else follows.

- `record`: `Subcommand` (name, aliases, form and summary for help, where it runs, its
  permission, how it is read and answered) and the readers most subcommands share
- `grammar`: the pieces readers are made of (mentions, durations, choices) and `CommandError`
- `anywhere`, `lifecycle`, `facts`, `follow_ups`, `views`, `publishing`, `reminders`: the subcommands, by what they do,
  each module holding their commands, readers, answers and records
- `registry`: every record in one tuple; reading, help and dispatch derived from it

To add a subcommand, add its command, reader, answer and record to the module it belongs with
(and its use case to `services/`); the parser, help and dispatch pick it up from the record.
"""

from watchkeeper.slack.subcommands.anywhere import Declare, ListIncidents
from watchkeeper.slack.subcommands.facts import (
    AddNote,
    AssignRole,
    ChangeSeverity,
    SetCause,
    SetComponents,
    SetImpact,
    SetMilestone,
)
from watchkeeper.slack.subcommands.follow_ups import (
    AddAction,
    CompleteAction,
    DropAction,
    FollowUpCommand,
    ListActions,
    ReassignAction,
    RescheduleAction,
)
from watchkeeper.slack.subcommands.grammar import TITLE_MAX, CommandError
from watchkeeper.slack.subcommands.lifecycle import (
    ChangeStatus,
    Keep,
    PostUpdate,
    Reopen,
    Resolve,
)
from watchkeeper.slack.subcommands.record import Reply, Subcommand, ephemeral
from watchkeeper.slack.subcommands.registry import (
    BY_NAME,
    SUBCOMMANDS,
    USAGE,
    Help,
    Read,
    help_text,
    parse_command,
    read_command,
)
from watchkeeper.slack.subcommands.reminders import Remind, Snooze
from watchkeeper.slack.subcommands.views import PublishPostmortem, ShowSummary, ShowTimeline

__all__ = [
    "BY_NAME",
    "SUBCOMMANDS",
    "TITLE_MAX",
    "USAGE",
    "AddAction",
    "AddNote",
    "AssignRole",
    "ChangeSeverity",
    "ChangeStatus",
    "CommandError",
    "CompleteAction",
    "Declare",
    "DropAction",
    "FollowUpCommand",
    "Help",
    "Keep",
    "ListActions",
    "ListIncidents",
    "PostUpdate",
    "PublishPostmortem",
    "Read",
    "ReassignAction",
    "Remind",
    "Reopen",
    "Reply",
    "RescheduleAction",
    "Resolve",
    "SetCause",
    "SetComponents",
    "SetImpact",
    "SetMilestone",
    "ShowSummary",
    "ShowTimeline",
    "Snooze",
    "Subcommand",
    "ephemeral",
    "help_text",
    "parse_command",
    "read_command",
]
