"""Timeline corrections on real databases: corrected entries are written back in place, with
their originals, and a removed one stays removed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.store.unit_of_work import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]

T0 = datetime(2025, 11, 24, 8, 8, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
NOW = T0 + 60 * MINUTE


def declared_with_notes(uow_factory: UowFactory) -> tuple[int, list[int]]:
    with uow_factory() as uow:
        number = uow.incidents.next_number()
        incident = Incident.declare(
            number=number, title="Checkout errors", severity="SEV2", declared_by="U1", at=T0
        )
        incident.add_note("DB failver started", by="U2", at=T0 + 10 * MINUTE)
        incident.add_note("Paged storage", by="U2", at=T0 + 12 * MINUTE)
        uow.incidents.add(incident)
        uow.commit()
    ids = [e.entry_id for e in incident.timeline if e.kind is EntryKind.NOTE]
    return number, [i for i in ids if i is not None]


def load(uow_factory: UowFactory, number: int) -> Incident:
    with uow_factory() as uow:
        return uow.incidents.get(number, lock=False)


def test_a_corrected_entry_comes_back_corrected_with_its_original(
    uow_factory: UowFactory,
) -> None:
    number, (typo, paged) = declared_with_notes(uow_factory)
    with uow_factory() as uow:
        incident = uow.incidents.get(number)
        incident.correct_entry(
            typo, by="U3", at=NOW, text="DB failover started", when=T0 + 9 * MINUTE
        )
        incident.correct_entry(paged, by="U3", at=NOW, remove=True)
        uow.incidents.save(incident)
        uow.commit()

    loaded = load(uow_factory, number)

    assert loaded == incident
    corrected = loaded.entry(typo)
    assert (corrected.text, corrected.at, corrected.corrected_by, corrected.corrected_at) == (
        "DB failover started",
        T0 + 9 * MINUTE,
        "U3",
        NOW,
    )
    assert (corrected.original_text, corrected.original_at) == (
        "DB failver started",
        T0 + 10 * MINUTE,
    )
    assert [e.removed for e in loaded.timeline if e.entry_id == paged] == [True]
    assert [e.kind for e in loaded.timeline].count(EntryKind.CORRECTED) == 2


def test_only_the_corrected_entry_is_written(uow_factory: UowFactory) -> None:
    number, (typo, paged) = declared_with_notes(uow_factory)
    with uow_factory() as uow:
        incident = uow.incidents.get(number)
        incident.correct_entry(typo, by="U3", at=NOW, text="DB failover started")
        uow.incidents.save(incident)
        uow.commit()
    with uow_factory() as uow:
        again = uow.incidents.get(number)
        again.correct_entry(paged, by="U4", at=NOW + MINUTE, text="Paged storage on-call")
        uow.incidents.save(again)
        uow.commit()

    loaded = load(uow_factory, number)

    assert [loaded.entry(i).text for i in (typo, paged)] == [
        "DB failover started",
        "Paged storage on-call",
    ]
    assert loaded.entry(typo).corrected_by == "U3"
