"""When a resolved incident's channel is archived and a quiet incident's commander is asked.

Every expected time is worked out by hand from a declaration at 08:00 UTC on 24 November 2025,
an archive 7 days after resolution and a question after 24 quiet hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from watchkeeper.domain.errors import IncidentError
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.tidy import TidyPolicy
from watchkeeper.domain.timeline import EntryKind

DECLARED_AT = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
POLICY = TidyPolicy(archive_after=timedelta(days=7), stale_after=timedelta(hours=24))
HOUR = timedelta(hours=1)


def declared() -> Incident:
    return Incident.declare(
        number=1, title="Checkout errors", severity="SEV2", declared_by="U1", at=DECLARED_AT
    )


def resolved(hours_after: int = 2) -> Incident:
    incident = declared()
    incident.resolve(by="U1", at=DECLARED_AT + hours_after * HOUR)
    return incident


# --- the archive ------------------------------------------------------------------------------


def test_the_archive_falls_due_seven_days_after_the_resolution() -> None:
    assert POLICY.archive_due(resolved()) == datetime(2025, 12, 1, 10, 0, tzinfo=UTC)


def test_an_open_incident_is_not_archived() -> None:
    assert POLICY.archive_due(declared()) is None


def test_archiving_off_archives_nothing() -> None:
    assert TidyPolicy(archive_after=None).archive_due(resolved()) is None


def test_a_kept_channel_is_not_archived_and_says_who_kept_it() -> None:
    incident = resolved()
    incident.keep_channel(by="U2", at=DECLARED_AT + 3 * HOUR)

    assert POLICY.archive_due(incident) is None
    assert incident.timeline[-1].kind is EntryKind.KEPT
    assert incident.timeline[-1].author == "U2"


def test_an_archived_channel_is_not_archived_again() -> None:
    incident = resolved()
    incident.mark_archived(DECLARED_AT + 7 * 24 * HOUR)

    assert POLICY.archive_due(incident) is None


def test_a_reopening_cancels_the_archive_and_a_new_resolution_plans_one_from_itself() -> None:
    incident = resolved()
    incident.mark_archived(DECLARED_AT + 3 * HOUR)  # queued in the moment before the reopening
    incident.reopen(by="U1", at=DECLARED_AT + 4 * HOUR)
    assert POLICY.archive_due(incident) is None

    incident.resolve(by="U1", at=DECLARED_AT + 5 * HOUR)
    assert POLICY.archive_due(incident) == datetime(2025, 12, 1, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("incident", "refusal"),
    [
        (declared(), "INC-1 is open; its channel is archived only after it is resolved"),
        (resolved(), "The channel of INC-1 is kept already."),
    ],
)
def test_keeping_is_refused_when_it_means_nothing(incident: Incident, refusal: str) -> None:
    if not incident.is_open:
        incident.keep_channel(by="U2", at=DECLARED_AT + 3 * HOUR)
    with pytest.raises(IncidentError, match=refusal):
        incident.keep_channel(by="U2", at=DECLARED_AT + 4 * HOUR)


# --- quiet incidents --------------------------------------------------------------------------


def test_the_question_falls_due_a_day_after_the_latest_entry() -> None:
    incident = declared()
    assert POLICY.stale_due(incident) == datetime(2025, 11, 25, 8, 0, tzinfo=UTC)

    incident.add_note("Still digging", by="U1", at=DECLARED_AT + 5 * HOUR)
    assert POLICY.stale_due(incident) == datetime(2025, 11, 25, 13, 0, tzinfo=UTC)


def test_a_pinned_message_from_before_the_latest_entry_does_not_move_it_back() -> None:
    incident = declared()
    incident.add_note("Still digging", by="U1", at=DECLARED_AT + 5 * HOUR)
    incident.add_pinned_message(
        message_ts="1.2", text="old", author="U2", posted_at=DECLARED_AT + HOUR, permalink=""
    )

    assert POLICY.stale_due(incident) == datetime(2025, 11, 25, 13, 0, tzinfo=UTC)


def test_it_is_asked_once_per_quiet_spell() -> None:
    incident = declared()
    incident.ask_if_still_going(DECLARED_AT + 24 * HOUR)
    assert POLICY.stale_due(incident) is None

    # "Still going" is an entry: a new quiet spell, asked about a day later.
    again = DECLARED_AT + 26 * HOUR + 24 * HOUR
    incident.still_going(by="U1", at=DECLARED_AT + 26 * HOUR, ask_again=again)
    assert POLICY.stale_due(incident) == again


def test_an_answer_in_the_same_instant_as_the_question_still_starts_a_new_spell() -> None:
    incident = declared()
    moment = DECLARED_AT + 24 * HOUR
    incident.ask_if_still_going(moment)
    incident.still_going(by="U1", at=moment, ask_again=moment + 24 * HOUR)

    assert POLICY.stale_due(incident) == moment + 24 * HOUR


def test_resolved_or_switched_off_is_never_asked() -> None:
    assert POLICY.stale_due(resolved()) is None
    assert TidyPolicy(stale_after=None).stale_due(declared()) is None


def test_still_going_is_refused_once_resolved() -> None:
    incident = resolved()
    with pytest.raises(IncidentError, match="INC-1 is resolved already"):
        incident.still_going(by="U1", at=DECLARED_AT + 3 * HOUR, ask_again=DECLARED_AT)
