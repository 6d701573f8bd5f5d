"""What each change must tell Slack: channel messages, broadcasts, card refreshes, publication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from watchkeeper.clock import FrozenClock
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.reminders import ReminderPolicy
from watchkeeper.domain.severity import SeverityLevel, SeverityScale
from watchkeeper.domain.status import Status
from watchkeeper.services.changes import effects_of
from watchkeeper.services.context import Context
from watchkeeper.services.effects import Effect, EffectKind

AT = datetime(2025, 11, 24, 8, 20, tzinfo=UTC)
SCALE = SeverityScale(
    (
        SeverityLevel("SEV1"),
        SeverityLevel("SEV2"),
        SeverityLevel("SEV3", broadcast_updates=False),
    ),
    default="SEV3",
)


def context(*, broadcast: bool = True) -> Context:
    def no_storage() -> object:
        raise AssertionError("deciding effects needs no storage")

    return Context(
        uow=no_storage,  # type: ignore[arg-type]  # deciding effects must not touch storage
        clock=FrozenClock(AT),
        scale=SCALE,
        reminders=ReminderPolicy(timedelta(minutes=30), SCALE),
        zone=ZoneInfo("UTC"),
        roles=("commander", "scribe"),
        broadcast=broadcast,
    )


def incident(severity: str = "SEV2") -> Incident:
    return Incident.declare(
        number=7, title="Checkout errors", severity=severity, declared_by="UANA", at=AT
    )


def after(change: object, inc: Incident, *, broadcast: bool = True) -> list[Effect]:
    before = len(inc.timeline)
    assert callable(change)
    change(inc)
    return effects_of(context(broadcast=broadcast), inc, inc.timeline[before:])


def described(effects: list[Effect]) -> list[tuple[str, str]]:
    return [
        (e.kind.value, str(e.payload.get("target", e.payload.get("topic", "")))) for e in effects
    ]


def test_a_formal_update_is_told_in_the_channel_and_broadcast() -> None:
    effects = after(lambda i: i.post_update("Rolling back", by="UANA", at=AT), incident())

    assert described(effects) == [
        ("announce_entry", "channel"),
        ("announce_entry", "broadcast"),
        ("refresh_card", "False"),
    ]


def test_a_severity_that_does_not_broadcast_keeps_updates_in_the_channel() -> None:
    effects = after(lambda i: i.post_update("Rolling back", by="UANA", at=AT), incident("SEV3"))

    assert ("announce_entry", "broadcast") not in described(effects)


def test_without_a_broadcast_channel_nothing_is_broadcast() -> None:
    effects = after(lambda i: i.resolve(by="UANA", at=AT), incident(), broadcast=False)

    assert all(e.payload.get("target") != "broadcast" for e in effects)


def test_a_note_is_told_in_the_channel_only_and_leaves_the_card_alone() -> None:
    effects = after(lambda i: i.add_note("Error rate at 12%", by="UANA", at=AT), incident())

    assert described(effects) == [("announce_entry", "channel")]


def test_a_status_change_refreshes_the_card_and_the_topic() -> None:
    effects = after(lambda i: i.change_status(Status.IDENTIFIED, by="UANA", at=AT), incident())

    assert ("refresh_card", "True") in described(effects)


def test_resolving_publishes_the_reports_and_always_tells_the_broadcast_channel() -> None:
    effects = after(lambda i: i.resolve(by="UANA", at=AT, message="Fixed"), incident("SEV3"))

    kinds = described(effects)
    assert ("announce_entry", "broadcast") in kinds
    assert [e.kind for e in effects].count(EffectKind.PUBLISH_REPORTS) == 1


def test_a_new_role_holder_is_invited_before_the_channel_hears_of_it() -> None:
    effects = after(lambda i: i.assign_role("commander", "UBEN", by="UANA", at=AT), incident())

    assert effects[0].kind is EffectKind.INVITE
    assert effects[0].payload == {"users": ["UBEN"], "by": "UANA"}
    assert effects[1].kind is EffectKind.ANNOUNCE_ENTRY


def test_card_refreshes_carry_a_key_that_lets_a_pending_one_absorb_the_next() -> None:
    effects = after(lambda i: i.set_impact("EU checkouts fail", by="UANA", at=AT), incident())

    [refresh] = [e for e in effects if e.kind is EffectKind.REFRESH_CARD]
    assert refresh.dedupe_key == "card:7:0"
