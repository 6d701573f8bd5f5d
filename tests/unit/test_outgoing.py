"""Incidents out, decided in plain Python: which events and pages each change makes, their
bodies, the signature receivers check, and how a receiver's failures are judged."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from watchkeeper.domain.events import IncidentEvent, event_of, parse_event
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.paging import page_action
from watchkeeper.domain.severity import DEFAULT_SCALE
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.outgoing.http import (
    CLIENT_ERROR_TRIES,
    GIVE_UP_AFTER,
    ReceiverFailed,
    give_up_if_stale,
    judge_receiver,
)
from watchkeeper.outgoing.webhooks import sign, verify
from watchkeeper.services import outgoing
from watchkeeper.services.effects import EffectKind
from watchkeeper.services.outgoing import (
    Outgoing,
    Paging,
    Subscription,
    event_body,
    outgoing_effects,
)
from watchkeeper.services.settling import BACKOFF_CAP, JITTER, PermanentFailure

AT = datetime(2025, 11, 24, 8, 20, tzinfo=UTC)
PAGES = frozenset({"SEV1"})


def incident(severity: str = "SEV2") -> Incident:
    return Incident.declare(
        number=7, title="Checkout errors", severity=severity, declared_by="UANA", at=AT
    )


def effects_after(change: Any, inc: Incident, rules: Outgoing) -> list[Any]:
    before = len(inc.timeline)
    change(inc)
    return outgoing_effects(rules, DEFAULT_SCALE, inc, inc.timeline[before:])


# --- events ------------------------------------------------------------------------------


def test_each_kind_of_entry_is_an_event_or_deliberately_none() -> None:
    events = {kind: event_of(kind) for kind in EntryKind}

    assert {kind for kind, event in events.items() if event is not None} == {
        EntryKind.DECLARED,
        EntryKind.STATUS_CHANGED,
        EntryKind.UPDATE,
        EntryKind.SEVERITY_CHANGED,
        EntryKind.ROLE_ASSIGNED,
        EntryKind.RESOLVED,
        EntryKind.REOPENED,
        EntryKind.ACTION,
        EntryKind.ACTION_CHANGED,
        EntryKind.PUBLISHED,
    }
    assert set(events.values()) - {None} == set(IncidentEvent)


def test_events_are_named_with_or_without_their_prefix() -> None:
    assert parse_event("incident.declared") is IncidentEvent.DECLARED
    assert parse_event(" Published ") is IncidentEvent.PUBLISHED
    with pytest.raises(ValueError, match="not an incident event"):
        parse_event("incident.deleted")


def test_an_event_body_holds_the_incident_and_its_entry() -> None:
    inc = incident()
    inc.assign_role("commander", "UBEN", by="UANA", at=AT)

    body = event_body(
        IncidentEvent.ROLE_ASSIGNED, inc, AT, entry=inc.timeline[-1], event_id="evt_1"
    )

    assert body == {
        "event": "incident.role_assigned",
        "id": "evt_1",
        "occurred_at": "2025-11-24T08:20:00Z",
        "incident": {
            "reference": "INC-7",
            "number": 7,
            "title": "Checkout errors",
            "status": "investigating",
            "severity": "SEV2",
            "channel_id": None,
            "commander": "UBEN",
            "components": [],
            "private": False,
        },
        "entry": {
            "kind": "role_assigned",
            "at": "2025-11-24T08:20:00Z",
            "author": "UANA",
            "text": "",
            "status": "investigating",
            "formal": False,
            "detail": {"role": "commander", "user": "UBEN", "previous": ""},
        },
    }
    published = event_body(IncidentEvent.PUBLISHED, inc, AT, entry=None, event_id="evt_2")
    assert "entry" not in published


def test_every_webhook_that_wants_an_event_gets_it_with_one_id() -> None:
    rules = Outgoing(
        webhooks=(
            Subscription("all"),
            Subscription("ends", events=frozenset({IncidentEvent.RESOLVED})),
            Subscription("sev1", severities=frozenset({"SEV1"})),
        )
    )
    inc = incident()

    updated = effects_after(lambda i: i.post_update("Rolling back", by="UANA", at=AT), inc, rules)
    resolved = effects_after(lambda i: i.resolve(by="UANA", at=AT), inc, rules)

    assert [e.destination for e in updated] == ["webhook:all"]
    assert [e.destination for e in resolved] == ["webhook:all", "webhook:ends"]
    assert {e.payload["body"]["id"] for e in resolved} == {resolved[0].payload["body"]["id"]}
    assert all(e.kind is EffectKind.WEBHOOK for e in updated + resolved)


def test_notes_and_facts_are_no_event() -> None:
    rules = Outgoing(webhooks=(Subscription("all"),))
    inc = incident()

    told = effects_after(lambda i: i.add_note("Looking at the logs", by="UANA", at=AT), inc, rules)

    assert told == []


def test_private_incidents_reach_only_webhooks_that_opt_in() -> None:
    rules = Outgoing(webhooks=(Subscription("public"), Subscription("trusted", private=True)))
    private = incident()
    private.make_private(by="UANA", at=AT)

    told = effects_after(lambda i: i.post_update("Rolling back", by="UANA", at=AT), private, rules)
    public = effects_after(
        lambda i: i.post_update("Rolling back", by="UANA", at=AT), incident(), rules
    )

    assert [e.destination for e in told] == ["webhook:trusted"]
    assert [e.destination for e in public] == ["webhook:public", "webhook:trusted"]


# --- paging ------------------------------------------------------------------------------


def test_a_page_starts_at_a_paging_level_and_ends_with_the_incident() -> None:
    def action(change: Any, inc: Incident) -> list[str | None]:
        before = len(inc.timeline)
        change(inc)
        return [
            page_action(e, inc, paging=PAGES, scale=DEFAULT_SCALE) for e in inc.timeline[before:]
        ]

    sev1 = incident("SEV1")
    sev3 = incident("SEV3")

    assert page_action(sev1.timeline[0], sev1, paging=PAGES, scale=DEFAULT_SCALE) == "trigger"
    assert page_action(sev3.timeline[0], sev3, paging=PAGES, scale=DEFAULT_SCALE) is None
    assert action(
        lambda i: i.change_severity("SEV2", scale=DEFAULT_SCALE, by="U", at=AT), sev3
    ) == [None]
    assert action(
        lambda i: i.change_severity("SEV1", scale=DEFAULT_SCALE, by="U", at=AT), sev3
    ) == ["trigger"]
    assert action(
        lambda i: i.change_severity("SEV3", scale=DEFAULT_SCALE, by="U", at=AT), sev3
    ) == [None]
    assert action(lambda i: i.resolve(by="U", at=AT), sev3) == ["resolve"]  # it paged once
    assert action(lambda i: i.reopen(by="U", at=AT), sev3) == [None]  # at SEV3 now
    never = incident("SEV2")
    assert action(lambda i: i.resolve(by="U", at=AT), never) == [None]


def test_pages_go_to_each_configured_service_keyed_by_reference() -> None:
    rules = Outgoing(paging=Paging(levels=PAGES, pagerduty=True, opsgenie=True))
    inc = incident("SEV2")
    inc.set_components(("checkout",), by="U", at=AT)

    raised = effects_after(
        lambda i: i.change_severity("SEV1", scale=DEFAULT_SCALE, by="U", at=AT), inc, rules
    )
    resolved = effects_after(lambda i: i.resolve(by="U", at=AT), inc, rules)

    pagerduty, opsgenie = raised
    assert (pagerduty.kind, pagerduty.destination) == (EffectKind.PAGERDUTY_EVENT, "pagerduty")
    assert pagerduty.payload["event_action"] == "trigger"
    assert pagerduty.payload["dedup_key"] == "INC-7"
    assert pagerduty.payload["payload"]["severity"] == "critical"
    assert pagerduty.payload["payload"]["component"] == "checkout"
    assert "routing_key" not in pagerduty.payload  # the key is never stored
    assert (opsgenie.kind, opsgenie.destination) == (EffectKind.OPSGENIE_ALERT, "opsgenie")
    assert opsgenie.payload["alias"] == "INC-7"
    assert opsgenie.payload["priority"] == "P1"
    assert opsgenie.payload["details"]["components"] == "checkout"
    assert [e.payload.get("event_action") or e.payload["action"] for e in resolved] == [
        "resolve",
        "close",
    ]


def test_lower_levels_map_to_lower_pagerduty_severities() -> None:
    paging = Paging(levels=frozenset({"SEV1", "SEV2", "SEV3", "SEV4"}), pagerduty=True)
    severities = [
        outgoing.page_effects(paging, DEFAULT_SCALE, incident(level), "trigger", AT)[0].payload[
            "payload"
        ]["severity"]
        for level in ("SEV1", "SEV2", "SEV3", "SEV4")
    ]

    assert severities == ["critical", "error", "warning", "info"]


# --- signatures --------------------------------------------------------------------------


def test_a_signature_verifies_over_the_exact_body_and_only_while_fresh() -> None:
    body = b'{"event":"incident.declared"}'
    now = int(time.time())
    header = sign("whsec", now, body)

    assert header.startswith(f"t={now},v1=")
    assert verify("whsec", header, body, now=now + 299)
    assert not verify("whsec", header, body + b" ", now=now)
    assert not verify("other", header, body, now=now)
    assert not verify("whsec", header, body, now=now + 301)  # a replay
    assert verify("whsec", f"{header},v1=deadbeef", body, now=now)  # any listed signature
    assert not verify("whsec", "v1=abc", body, now=now)
    assert not verify("whsec", "t=x,v1=abc", body, now=now)


# --- a receiver's failures ---------------------------------------------------------------


def failed(status: int | None, retry_after: float | None = None) -> ReceiverFailed:
    return ReceiverFailed("it failed", advice="Fix it.", status=status, retry_after=retry_after)


@pytest.mark.parametrize("status", [None, 408, 500, 502, 503])
def test_a_receiver_that_is_down_is_retried_with_the_backoff_and_woken_when_back(
    status: int | None,
) -> None:
    verdict = judge_receiver(failed(status), 9, at_once={410})

    assert verdict is not None and verdict.delay is not None and verdict.outage
    assert verdict.delay <= timedelta(seconds=BACKOFF_CAP * (1 + JITTER))


def test_a_rate_limit_waits_its_retry_after() -> None:
    verdict = judge_receiver(failed(429, retry_after=42), 0, at_once={410})

    assert verdict is not None and verdict.delay == timedelta(seconds=42)
    assert not verdict.outage


def test_gone_is_set_aside_at_once_and_other_4xx_after_a_few_tries() -> None:
    gone = judge_receiver(failed(410), 0, at_once={410})
    tries = [judge_receiver(failed(400), n, at_once={410}) for n in range(CLIENT_ERROR_TRIES)]

    assert gone is not None and gone.delay is None and gone.reason == "it failed. Fix it."
    assert [t is not None and t.delay is None for t in tries] == [False] * (
        CLIENT_ERROR_TRIES - 1
    ) + [True]
    assert tries[-1] is not None and "(refused 3 times)" in tries[-1].reason
    assert judge_receiver(ValueError("not ours"), 0, at_once={410}) is None


@dataclass
class Claimed:
    created_at: datetime | None
    payload: dict[str, Any] = field(default_factory=dict)


def test_a_receiver_down_for_a_day_is_given_up_with_a_notice() -> None:
    young = Claimed(AT)
    old = Claimed(AT - GIVE_UP_AFTER)

    give_up_if_stale(young, failed(503), AT)
    give_up_if_stale(old, failed(404), AT)  # not a wait: judged as usual
    with pytest.raises(PermanentFailure, match="not been accepted for 24 hours"):
        give_up_if_stale(old, failed(503), AT)
