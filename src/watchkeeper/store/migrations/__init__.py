"""Alembic migrations, the only way the schema is made; run them via `watchkeeper.store.migrate`."""
