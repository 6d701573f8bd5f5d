"""Every connection in use: work waits and is tried again, as in an outage, never given up on."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from watchkeeper.services.ports import StorageUnavailable
from watchkeeper.store.database import normalize_url
from watchkeeper.store.migrate import upgrade
from watchkeeper.store.unit_of_work import SqlUnitOfWork


@pytest.mark.parametrize("read_only", [False, True], ids=["writing", "reading"])
def test_a_unit_of_work_that_finds_no_free_connection_says_the_database_is_unavailable(
    database_url: str, read_only: bool
) -> None:
    upgrade(database_url)
    engine = create_engine(
        normalize_url(database_url), pool_size=1, max_overflow=0, pool_timeout=0.2
    )
    try:
        with engine.connect() as holder:  # the pool's only connection, busy
            holder.execute(text("SELECT 1"))
            with (
                pytest.raises(StorageUnavailable, match="connections are all in use"),
                SqlUnitOfWork(engine, read_only=read_only) as uow,
            ):
                uow.incidents.count_open()
        with SqlUnitOfWork(engine, read_only=read_only) as uow:  # free again: it works
            assert uow.incidents.count_open() == 0
    finally:
        engine.dispose()
