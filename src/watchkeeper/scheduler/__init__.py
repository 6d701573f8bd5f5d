"""APScheduler wiring for all scheduled work.

- `scheduler`: `Scheduler`, one in-memory job per (kind of due work, incident), planned from
  the database and by this process's saves, and the periodic jobs (housekeeping); every due
  job carries its work out through `services.due`, exactly once across replicas.
"""
