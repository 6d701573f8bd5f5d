"""Reports of a long incident: postmortem and status page rendered, and `watchkeeper export`.

A resolved incident with many timeline entries is seeded; then, in this process, the
benchmark times loading it from the database (what `draft_documents` reads), rendering the
postmortem draft and rendering the status-page report (best of a few runs, the first of which
also compiles the Jinja2 template), and, as a user runs it, `watchkeeper export --format json`
in a fresh process (interpreter start-up and imports included).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bench import seed
from bench.harness import Database, clean_environment, watchkeeper_command
from bench.sizes import Sizes
from watchkeeper.reports import render_postmortem, render_status_page
from watchkeeper.services.queries import incident_by_number
from watchkeeper.services.reports import draft_documents

T = TypeVar("T")


def run(sizes: Sizes, db: Database, scratch: Path) -> dict[str, Any]:
    ctx = seed.context_for(db.url)
    number = seed.long_incident(
        ctx, db.url, sizes.report_entries, declared_at=datetime(2025, 11, 24, 8, 8, tzinfo=UTC)
    )
    load_s, view = _best(sizes.report_repeats, lambda: incident_by_number(ctx, number))
    incident = view.incident
    postmortem_s, postmortem = _best(
        sizes.report_repeats,
        lambda: render_postmortem(incident, names=view.names, zone=ctx.zone),
    )
    statuspage_s, statuspage = _best(
        sizes.report_repeats,
        lambda: render_status_page(incident, zone=ctx.zone, page_name="Acme Status"),
    )
    all_documents_s, _ = _best(sizes.report_repeats, lambda: draft_documents(ctx, number))

    output = scratch / f"INC-{number}.json"
    env = clean_environment({"DATABASE_URL": db.url})
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - this environment's own `watchkeeper` command
        [*watchkeeper_command(), "export", f"INC-{number}", "--format", "json", "-o", str(output)],
        env=env,
        cwd=scratch,
        check=True,
        capture_output=True,
    )
    export_s = time.perf_counter() - started
    exported = output.stat().st_size
    output.unlink()
    return {
        "timeline_entries": len(incident.timeline),
        "load_s": load_s,
        "postmortem_render_s": postmortem_s,
        "statuspage_render_s": statuspage_s,
        "postmortem_and_statuspage_s": load_s + postmortem_s + statuspage_s,
        "all_documents_s": all_documents_s,
        "export_json_s": export_s,
        "export_json_bytes": exported,
        "postmortem_bytes": len(postmortem.encode()),
        "statuspage_bytes": len(statuspage.encode()),
    }


def _best(repeats: int, work: Callable[[], T]) -> tuple[float, T]:
    """The shortest of `repeats` timed runs, and the last result."""
    best = float("inf")
    result: T | None = None
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    assert result is not None
    return best, result
