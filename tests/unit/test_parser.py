"""The `/incident` grammar: every subcommand, alias and mistake, and text kept as typed."""

from __future__ import annotations

import contextlib
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.status import Status
from watchkeeper.slack.subcommands import (
    TITLE_MAX,
    USAGE,
    AddAction,
    AddNote,
    AssignRole,
    ChangeSeverity,
    ChangeStatus,
    CommandError,
    Declare,
    FollowUpCommand,
    Help,
    Keep,
    ListIncidents,
    PostUpdate,
    PublishPostmortem,
    Read,
    Remind,
    Reopen,
    Resolve,
    SetCause,
    SetComponents,
    SetImpact,
    SetMilestone,
    ShowSummary,
    ShowTimeline,
    Snooze,
    help_text,
    parse_command,
    read_command,
)

#: Any subcommand's command (each is a frozen dataclass of its own).
Command = object
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
ROLES = ("commander", "Comms", "scribe")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 11, 24, 7, 30, tzinfo=UTC)  # 08:30 in Berlin


def parse(text: str) -> object:
    return parse_command(text, severities=SEVERITIES, roles=ROLES, now=NOW, zone=BERLIN)


def read(text: str) -> Read:
    return read_command(text, severities=SEVERITIES, roles=ROLES, now=NOW, zone=BERLIN)


def refused(text: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        parse(text)
    return caught.value


# --- help, and the words themselves -----------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "help", "HELP"])
def test_empty_text_and_help_ask_for_help(text: str) -> None:
    assert parse(text) == Help(None)


def test_help_topic_is_the_canonical_subcommand() -> None:
    assert parse("help sev") == Help("severity")


def test_help_topic_reads_only_its_first_word() -> None:
    assert parse("help set started") == Help("set")


def test_help_on_an_unknown_topic_is_refused() -> None:
    error = refused("help frobnicate")
    assert "frobnicate" in error.problem
    assert error.usage == USAGE["help"]


def test_help_text_shows_every_form() -> None:
    listing = help_text()
    for form in USAGE.values():
        assert form in listing


def test_help_text_names_the_aliases() -> None:
    listing = help_text()
    for alias in ("new", "sev", "lead"):
        assert f"also: {alias}" in listing


def test_help_text_for_a_topic_shows_its_form_and_purpose() -> None:
    assert help_text("sev") == f"{USAGE['severity']}\nChange the severity. (also: sev)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("NOTE hello", AddNote("hello")), ("Declare Checkout down", Declare("Checkout down"))],
)
def test_subcommands_are_case_insensitive(text: str, expected: Command) -> None:
    assert parse(text) == expected


def test_unknown_subcommand_is_named_with_the_closest_one_and_help() -> None:
    error = refused("stauts monitoring")
    assert "`stauts`" in error.problem
    assert "Did you mean `status`?" in error.problem
    assert "/incident help" in error.problem
    assert error.usage == USAGE["status"]


def test_unknown_subcommand_without_a_close_one_shows_help() -> None:
    error = refused("xyzzy")
    assert "Did you mean" not in error.problem
    assert error.usage == USAGE["help"]


def test_command_error_reads_as_problem_then_usage() -> None:
    error = CommandError("Something was wrong.", "/incident note <text>")
    assert str(error) == "Something was wrong.\nUsage: /incident note <text>"


def test_every_command_name_is_a_usage_key() -> None:
    samples = [
        "help", "declare x", "list", "status identified", "update x", "sev SEV1", "lead <@U1>",
        "impact x", "components a", "note x", "cause x", "action x", "set started now",
        "resolve", "reopen", "timeline", "summary", "postmortem", "remind on", "snooze 5m",
        "keep",
    ]  # fmt: skip
    for text in samples:
        assert read(text).subcommand.name in USAGE


@pytest.mark.parametrize(
    ("text", "needs_channel"),
    [("help", False), ("declare x", False), ("list", False), ("note x", True), ("timeline", True)],
)
def test_only_help_declare_and_list_work_outside_an_incident_channel(
    text: str, needs_channel: bool
) -> None:
    assert read(text).subcommand.anywhere is not needs_channel


# --- declare and list -------------------------------------------------------------------


def test_declare_takes_a_title() -> None:
    assert parse("declare Checkout errors") == Declare("Checkout errors", None)


def test_new_is_declare() -> None:
    assert parse("new Checkout errors") == Declare("Checkout errors", None)


def test_declare_reads_a_leading_severity_in_any_case_as_the_scale_spells_it() -> None:
    assert parse("declare sev2 Checkout errors") == Declare("Checkout errors", "SEV2")


def test_declare_keeps_a_leading_word_that_is_no_severity_in_the_title() -> None:
    assert parse("declare SEV9 Checkout errors") == Declare("SEV9 Checkout errors", None)


def test_declare_alone_opens_the_modal() -> None:
    assert parse("declare") == Declare("", None)


def test_declare_with_only_a_severity_opens_the_modal_with_it() -> None:
    assert parse("declare SEV1") == Declare("", "SEV1")


@pytest.mark.parametrize(
    "text",
    [
        "declare --private SEV1 Leaked API key",
        "declare sev1 --private Leaked API key",
        "declare --PRIVATE sev1 Leaked API key",
        "declare \u2014private sev1 Leaked API key",  # a client turned -- into a dash
    ],
)
def test_declare_reads_the_private_flag_before_or_after_the_severity(text: str) -> None:
    assert parse(text) == Declare("Leaked API key", "SEV1", private=True)


def test_declare_private_alone_opens_the_modal_ticked() -> None:
    assert parse("declare --private") == Declare("", None, private=True)


def test_declare_refuses_a_flag_it_does_not_know_rather_than_declare_it_public() -> None:
    error = refused("declare --privat Leaked API key")
    assert "`--privat` is not a flag" in error.problem
    assert error.usage == USAGE["declare"]


def test_private_takes_nothing_after_it() -> None:
    error = refused("private now please")
    assert "takes nothing after it" in error.problem


def test_declare_accepts_a_title_of_the_maximum_length() -> None:
    assert parse("declare " + "x" * TITLE_MAX) == Declare("x" * TITLE_MAX)


def test_declare_refuses_a_longer_title_and_says_the_limit() -> None:
    error = refused("declare " + "x" * (TITLE_MAX + 1))
    assert f"{TITLE_MAX + 1} characters" in error.problem
    assert str(TITLE_MAX) in error.problem
    assert error.usage == USAGE["declare"]


def test_declare_counts_slack_entities_as_the_characters_typed() -> None:
    title = "x" * (TITLE_MAX - 1) + "&amp;"
    assert parse("declare " + title) == Declare(title)


def test_list() -> None:
    assert parse("list") == ListIncidents()


# --- commands that take no words --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("list", ListIncidents()),
        ("timeline", ShowTimeline()),
        ("summary", ShowSummary()),
        ("postmortem", PublishPostmortem()),
    ],
)
def test_bare_commands(name: str, expected: Command) -> None:
    assert parse(name) == expected


@pytest.mark.parametrize("name", ["list", "timeline", "summary", "postmortem"])
def test_bare_commands_refuse_extra_words_and_show_the_form(name: str) -> None:
    error = refused(f"{name} please")
    assert "please" in error.problem
    assert error.usage == USAGE[name]


# --- status, update, severity -----------------------------------------------------------


@pytest.mark.parametrize("status", list(Status))
def test_status_takes_every_status(status: Status) -> None:
    assert parse(f"status {status.value}") == ChangeStatus(status, "")


def test_status_takes_a_message_keeping_its_lines() -> None:
    assert parse("status Identified Bad deploy.\nRolling back.") == ChangeStatus(
        Status.IDENTIFIED, "Bad deploy.\nRolling back."
    )


@pytest.mark.parametrize("text", ["status", "status fixed", "status monitorin"])
def test_status_without_a_known_status_lists_them(text: str) -> None:
    error = refused(text)
    assert "investigating, identified, monitoring, resolved" in error.problem
    assert error.usage == USAGE["status"]


def test_status_suggests_the_closest_status() -> None:
    assert "Did you mean `monitoring`?" in refused("status monitorin").problem


def test_update_takes_a_message() -> None:
    assert parse("update Rollback complete.") == PostUpdate("Rollback complete.")


@pytest.mark.parametrize("alias", ["severity", "sev"])
def test_severity_in_any_case_comes_back_as_the_scale_spells_it(alias: str) -> None:
    assert parse(f"{alias} sev1") == ChangeSeverity("SEV1")


@pytest.mark.parametrize("text", ["severity", "severity SEV9", "sev high"])
def test_severity_not_on_the_scale_lists_the_levels(text: str) -> None:
    error = refused(text)
    assert "SEV1, SEV2, SEV3, SEV4" in error.problem
    assert error.usage == USAGE["severity"]


# --- roles ------------------------------------------------------------------------------


@pytest.mark.parametrize("alias", ["commander", "lead"])
@pytest.mark.parametrize("mention", ["<@U123ABC|ana>", "<@U123ABC>"])
def test_commander_takes_a_mention_in_either_form(alias: str, mention: str) -> None:
    assert parse(f"{alias} {mention}") == AssignRole("commander", "U123ABC")


def test_mentions_take_enterprise_user_ids() -> None:
    assert parse("commander <@W0ABC>") == AssignRole("commander", "W0ABC")


def test_role_in_any_case_comes_back_as_configured() -> None:
    assert parse("role comms <@U9|bo>") == AssignRole("Comms", "U9")


@pytest.mark.parametrize("text", ["role", "role janitor <@U9>"])
def test_role_not_configured_lists_the_roles(text: str) -> None:
    error = refused(text)
    assert "commander, Comms, scribe" in error.problem
    assert error.usage == USAGE["role"]


@pytest.mark.parametrize(
    ("text", "name"), [("commander @ana", "commander"), ("role scribe @ana", "role")]
)
def test_plain_at_name_asks_for_slacks_autocomplete(text: str, name: str) -> None:
    error = refused(text)
    assert "`@ana`" in error.problem
    assert "autocomplete" in error.problem
    assert error.usage == USAGE[name]


@pytest.mark.parametrize(
    "text", ["commander", "lead ana", "commander <@U1> <@U2>", "commander <#C1|general>"]
)
def test_commander_needs_exactly_one_mention(text: str) -> None:
    assert refused(text).usage == USAGE["commander"]


def test_role_without_a_person_is_refused() -> None:
    assert "Mention the person" in refused("role scribe").problem


# --- free text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [("impact", SetImpact), ("note", AddNote), ("cause", SetCause), ("update", PostUpdate)],
)
def test_free_text_commands_keep_the_text(name: str, kind: Callable[[str], Command]) -> None:
    assert parse(f"{name}   Checkout fails for EU cards.  ") == kind("Checkout fails for EU cards.")


@pytest.mark.parametrize("name", ["impact", "note", "cause", "update"])
def test_free_text_commands_need_text(name: str) -> None:
    assert refused(f"{name}  \n ").usage == USAGE[name]


def test_slack_markup_and_entities_are_kept_as_sent() -> None:
    text = "<!channel> a &amp; b &lt;script&gt; <@U1|ana> <https://x.example|link>"
    assert parse(f"note {text}") == AddNote(text)


def test_control_characters_are_stripped_but_newlines_and_tabs_kept() -> None:
    assert parse("note a\x00b\x1b[31m\x7f\x85c\n\td\r") == AddNote("ab[31mc\n\td")


def test_control_characters_between_subcommand_and_text_are_stripped() -> None:
    assert parse("note\x00 hello") == AddNote("hello")


# --- components and actions -------------------------------------------------------------


def test_components_split_on_commas_strip_drop_empties_and_dedupe_in_order() -> None:
    assert parse("components  API , checkout,, api ,Email,") == SetComponents(
        ("API", "checkout", "Email")
    )


def test_components_split_on_new_lines_too() -> None:
    assert parse("components API\ncheckout") == SetComponents(("API", "checkout"))


@pytest.mark.parametrize("text", ["components", "components , ,"])
def test_components_need_at_least_one(text: str) -> None:
    assert refused(text).usage == USAGE["components"]


def test_action_without_owner() -> None:
    assert parse("action Add a canary stage") == FollowUpCommand(
        AddAction("Add a canary stage", None)
    )


@pytest.mark.parametrize("mention", ["<@U42|bo>", "<@U42>"])
def test_action_trailing_mention_is_the_owner(mention: str) -> None:
    assert parse(f"action Add a canary stage {mention}") == FollowUpCommand(
        AddAction("Add a canary stage", "U42")
    )


def test_action_mention_inside_the_text_is_not_the_owner() -> None:
    assert parse("action Ask <@U42> about limits") == FollowUpCommand(
        AddAction("Ask <@U42> about limits", None)
    )


def test_action_plain_at_owner_asks_for_autocomplete() -> None:
    error = refused("action Add a canary stage @bo")
    assert "autocomplete" in error.problem
    assert error.usage == USAGE["action"]


@pytest.mark.parametrize("text", ["action", "action <@U42>"])
def test_action_needs_text(text: str) -> None:
    assert refused(text).usage == USAGE["action"]


# --- milestones -------------------------------------------------------------------------


@pytest.mark.parametrize("milestone", list(Milestone))
def test_set_takes_every_milestone(milestone: Milestone) -> None:
    assert parse(f"set {milestone.value.upper()} 08:08") == SetMilestone(
        milestone, datetime(2025, 11, 24, 7, 8, tzinfo=UTC)
    )


def test_set_reads_times_ago() -> None:
    assert parse("set detected 1h30m ago") == SetMilestone(
        Milestone.DETECTED, datetime(2025, 11, 24, 6, 0, tzinfo=UTC)
    )


def test_set_refuses_a_future_time_with_its_form() -> None:
    error = refused("set started 08:38")
    assert "is in the future" in error.problem
    assert error.usage == USAGE["set"]


def test_set_refuses_an_unreadable_time_naming_the_forms() -> None:
    error = refused("set started teatime")
    assert "15m ago" in error.problem
    assert error.usage == USAGE["set"]


@pytest.mark.parametrize("text", ["set", "set begun 08:00", "set started"])
def test_set_needs_a_milestone_and_a_time(text: str) -> None:
    assert refused(text).usage == USAGE["set"]


def test_set_with_an_unknown_milestone_lists_them() -> None:
    assert "started, detected, identified, mitigated, resolved" in refused("set begun 8:00").problem


# --- resolve, reopen, reminders ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("resolve", Resolve("")),
        ("resolve All clear.", Resolve("All clear.")),
        ("reopen", Reopen("")),
        ("reopen Errors are back.", Reopen("Errors are back.")),
    ],
)
def test_resolve_and_reopen_take_an_optional_message(text: str, expected: Command) -> None:
    assert parse(text) == expected


def test_keep_takes_nothing_after_it() -> None:
    assert parse("keep") == Keep()
    assert parse("KEEP") == Keep()
    error = refused("keep it please")
    assert "`/incident keep` takes nothing after it; drop `it please`." in str(error)
    assert "/incident keep" in str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("remind off", Remind(False, None)), ("remind ON", Remind(True, None))],
)
def test_remind_switches(text: str, expected: Remind) -> None:
    assert parse(text) == expected


def test_remind_interval() -> None:
    assert parse("remind 45m") == Remind(None, timedelta(minutes=45))


def test_snooze() -> None:
    assert parse("snooze 1h30m") == Snooze(timedelta(hours=1, minutes=30))


@pytest.mark.parametrize("name", ["remind", "snooze"])
@pytest.mark.parametrize("argument", ["", "soon", "0m", "9" * 5000 + "m", "999999999999d"])
def test_reminder_commands_refuse_what_is_no_duration(name: str, argument: str) -> None:
    assert refused(f"{name} {argument}").usage == USAGE[name]


# --- robustness -------------------------------------------------------------------------

_WORDS = [*USAGE, "new", "sev", "lead"]
_PIECE_TEXTS = [
    *_WORDS, *SEVERITIES, *ROLES, *(s.value for s in Status), *(m.value for m in Milestone),
    "<@U1|a>", "<@W2>", "<!channel>", "@ana", "&amp;", "08:38", "15m", "ago", "on", "off",
    "2025-11-24", "T", "Z", "+01:00", ",", "\n", "\x00", "\u2028", "<", ">", "|",
]  # fmt: skip
_PIECES = st.sampled_from(_PIECE_TEXTS)
_COMMANDISH = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=8).map(" ".join)


@settings(max_examples=400)
@given(st.one_of(st.text(), _COMMANDISH))
def test_any_text_is_a_command_or_a_command_error(text: str) -> None:
    try:
        parse(text)
    except CommandError as error:
        assert error.problem
        assert error.usage in USAGE.values()


def _without_controls(text: str) -> str:
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")


@pytest.mark.parametrize(
    ("name", "kind"),
    [("note", AddNote), ("impact", SetImpact), ("cause", SetCause), ("update", PostUpdate)],
)
@given(text=st.one_of(st.text(), _COMMANDISH))
def test_free_text_comes_back_as_typed_less_outer_space_and_controls(
    name: str, kind: Callable[[str], Command], text: str
) -> None:
    expected = _without_controls(text).strip()
    if not expected:
        with pytest.raises(CommandError):
            parse(f"{name} {text}")
    else:
        assert parse(f"{name} {text}") == kind(expected)


_LARGE = 100_000


@pytest.mark.parametrize("name", _WORDS)
@pytest.mark.parametrize(
    "body",
    [
        "a" * _LARGE,
        "<@U1|" * (_LARGE // 5),
        "1m" * (_LARGE // 2) + "x",
        "1m " * (_LARGE // 3) + "ago",
        "a," * (_LARGE // 2),
        "@" * _LARGE,
        "\x00" * _LARGE,
    ],
    ids=["letters", "open-mentions", "durations", "durations-ago", "commas", "ats", "nuls"],
)
def test_large_input_is_parsed_quickly(name: str, body: str) -> None:
    started = time.perf_counter()
    for text in (f"{name} {body}", f"{name} started {body}", f"{name} SEV1 {body}"):
        with contextlib.suppress(CommandError):
            parse(text)
    assert time.perf_counter() - started < 1.0
