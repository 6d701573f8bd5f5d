"""The JSON export: every incident field and timeline entry, in a stable machine format."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.severity import DEFAULT_SCALE
from watchkeeper.domain.status import Status
from watchkeeper.reports import SCHEMA_VERSION, incident_document

NAMES = {"U_ANA": "ana", "U_BEN": "ben"}
PERMALINK = "https://acme.slack.com/archives/C07INC7/p1763973600000100"


def at(hour: int, minute: int) -> datetime:
    return datetime(2025, 11, 24, hour, minute, tzinfo=UTC)


def declared() -> Incident:
    return Incident.declare(
        number=7,
        title="Checkout errors",
        severity="SEV3",
        declared_by="U_ANA",
        at=at(8, 20),
        description="Card payments fail",
    )


def resolved() -> Incident:
    incident = declared()
    incident.channel_id = "C07INC7"
    incident.channel_name = "inc-7-checkout-errors"
    incident.assign_role("commander", "U_ANA", by="U_ANA", at=at(8, 21))
    incident.set_milestone(Milestone.STARTED, at(8, 8), by="U_ANA", at=at(8, 25))
    incident.change_severity("SEV2", scale=DEFAULT_SCALE, by="U_BEN", at=at(8, 30))
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=at(8, 38), message="Bad deploy")
    incident.add_action("Alert on error rate", owner_id="U_BEN", by="U_ANA", at=at(8, 50))
    incident.resolve(by="U_ANA", at=at(9, 2), message="Rolled back")
    incident.add_pinned_message(
        message_ts="1763973600.000100",
        text="Error rate 30%",
        author="U_CAT",
        posted_at=at(8, 40),
        permalink=PERMALINK,
    )
    incident.switch_reminders(interval=timedelta(minutes=45))
    return incident


def test_resolved_incident_exports_the_exact_document() -> None:
    assert incident_document(resolved(), names=NAMES) == {
        "schema": 1,
        "reference": "INC-7",
        "number": 7,
        "title": "Checkout errors",
        "description": "Card payments fail",
        "status": "resolved",
        "severity": "SEV2",
        "highest_severity": "SEV2",
        "private": False,
        "declared_at": "2025-11-24T08:20:00Z",
        "declared_by": "U_ANA",
        "impact": "",
        "components": [],
        "cause": "",
        "resolution": "Rolled back",
        "roles": {"commander": "U_ANA"},
        "milestones": {
            "explicit": {
                "started": "2025-11-24T08:08:00Z",
                "identified": "2025-11-24T08:38:00Z",
                "mitigated": "2025-11-24T09:02:00Z",
                "resolved": "2025-11-24T09:02:00Z",
            },
            "effective": {
                "started": "2025-11-24T08:08:00Z",
                "detected": "2025-11-24T08:20:00Z",
                "identified": "2025-11-24T08:38:00Z",
                "mitigated": "2025-11-24T09:02:00Z",
                "resolved": "2025-11-24T09:02:00Z",
            },
        },
        "actions": [
            {
                "number": 1,
                "text": "Alert on error rate",
                "owner": "U_BEN",
                "added_by": "U_ANA",
                "added_at": "2025-11-24T08:50:00Z",
                "due": None,
                "state": "open",
                "reason": None,
            }
        ],
        "timeline": [
            {
                "id": None,
                "kind": "declared",
                "at": "2025-11-24T08:20:00Z",
                "author": "U_ANA",
                "text": "Checkout errors",
                "status": "investigating",
                "formal": True,
                "on_status_page": True,
                "detail": {"severity": "SEV3"},
                "edited": False,
                "removed": False,
                "corrected_by": None,
                "corrected_at": None,
                "original_text": None,
                "original_at": None,
            },
            {
                "id": None,
                "kind": "role_assigned",
                "at": "2025-11-24T08:21:00Z",
                "author": "U_ANA",
                "text": "",
                "status": "investigating",
                "formal": False,
                "on_status_page": False,
                "detail": {"role": "commander", "user": "U_ANA", "previous": ""},
                "edited": False,
                "removed": False,
                "corrected_by": None,
                "corrected_at": None,
                "original_text": None,
                "original_at": None,
            },
            {
                "id": None,
                "kind": "milestone",
                "at": "2025-11-24T08:25:00Z",
                "author": "U_ANA",
                "text": "",
                "status": "investigating",
                "formal": False,
                "on_status_page": False,
                "detail": {"milestone": "started", "at": "2025-11-24T08:08:00+00:00"},
                "edited": False,
                "removed": False,
                "corrected_by": None,
                "corrected_at": None,
                "original_text": None,
                "original_at": None,
            },
            {
                "id": None,
                "kind": "severity_changed",
                "at": "2025-11-24T08:30:00Z",
                "author": "U_BEN",
                "text": "",
                "status": "investigating",
                "formal": False,
                "on_status_page": False,
                "detail": {"from": "SEV3", "to": "SEV2"},
                "edited": False,
                "removed": False,
                "corrected_by": None,
                "corrected_at": None,
                "original_text": None,
                "original_at": None,
            },
            {
                "id": None,
                "kind": "status_changed",
                "at": "2025-11-24T08:38:00Z",
                "author": "U_ANA",
                "text": "Bad deploy",
                "status": "identified",
                "formal": True,
                "on_status_page": True,
                "detail": {"from": "investigating", "to": "identified"},
                "edited": False,
                "removed": False,
                "corrected_by": None,
                "corrected_at": None,
                "original_text": None,
                "original_at": None,
            },
            {
                "id": None,
                "kind": "action",
                "at": "2025-11-24T08:50:00Z",
                "author": "U_ANA",
                "text": "Alert on error rate",
                "status": "identified",
                "formal": False,
                "on_status_page": False,
                "detail": {"action": "1", "owner": "U_BEN"},
                "edited": False,
                "removed": False,
                "corrected_by": None,
                "corrected_at": None,
                "original_text": None,
                "original_at": None,
            },
            {
                "id": None,
                "kind": "resolved",
                "at": "2025-11-24T09:02:00Z",
                "author": "U_ANA",
                "text": "Rolled back",
                "status": "resolved",
                "formal": True,
                "on_status_page": True,
                "detail": {"from": "identified", "to": "resolved"},
                "edited": False,
                "removed": False,
                "corrected_by": None,
                "corrected_at": None,
                "original_text": None,
                "original_at": None,
            },
            {
                "id": None,
                "kind": "pinned",
                "at": "2025-11-24T08:40:00Z",
                "author": "U_CAT",
                "text": "Error rate 30%",
                "status": "resolved",
                "formal": False,
                "on_status_page": False,
                "detail": {
                    "message_ts": "1763973600.000100",
                    "permalink": PERMALINK,
                    "held:pin": "",
                },
                "edited": False,
                "removed": False,
                "corrected_by": None,
                "corrected_at": None,
                "original_text": None,
                "original_at": None,
            },
        ],
        "channel_id": "C07INC7",
        "channel_name": "inc-7-checkout-errors",
        "last_update_at": "2025-11-24T09:02:00Z",
        "last_reminded_at": None,
        "unanswered_reminders": 0,
        "reminders_enabled": True,
        "reminder_interval_seconds": 2700,
        "snoozed_until": None,
        "last_entry_at": "2025-11-24T09:02:00Z",
        "stale_asked_at": None,
        "archive_kept": False,
        "archived_at": None,
        "publication": None,
        "users": {"U_ANA": "ana", "U_BEN": "ben", "U_CAT": None},
    }


def test_every_incident_field_has_a_key() -> None:
    document = incident_document(resolved(), names=NAMES)
    renamed = {"reminder_interval": "reminder_interval_seconds"}

    expected = {renamed.get(field.name, field.name) for field in fields(Incident)}

    assert expected <= document.keys()


def test_document_survives_a_json_round_trip() -> None:
    document = incident_document(resolved(), names=NAMES)
    assert json.loads(json.dumps(document)) == document


def test_document_names_its_schema() -> None:
    assert incident_document(declared(), names=NAMES)["schema"] == SCHEMA_VERSION == 1


def test_open_incident_has_no_effective_identification_or_resolution() -> None:
    effective = incident_document(declared(), names=NAMES)["milestones"]["effective"]
    assert effective == {
        "started": "2025-11-24T08:20:00Z",
        "detected": "2025-11-24T08:20:00Z",
        "identified": None,
        "mitigated": None,
        "resolved": None,
    }


def test_times_in_other_offsets_are_exported_in_utc() -> None:
    berlin_morning = datetime(2025, 11, 24, 9, 20, tzinfo=timezone(timedelta(hours=1)))
    incident = Incident.declare(
        number=1, title="Slow search", severity="SEV3", declared_by="U_ANA", at=berlin_morning
    )
    assert incident_document(incident, names=NAMES)["declared_at"] == "2025-11-24T08:20:00Z"


def test_naive_times_are_read_as_utc() -> None:
    incident = Incident.declare(
        number=1,
        title="Slow search",
        severity="SEV3",
        declared_by="U_ANA",
        at=datetime(2025, 11, 24, 8, 20),  # naive, as SQLite hands times back
    )
    assert incident_document(incident, names=NAMES)["declared_at"] == "2025-11-24T08:20:00Z"
