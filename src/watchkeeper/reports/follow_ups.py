"""Follow-ups across incidents as a table, CSV or JSON (`watchkeeper actions`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from watchkeeper.services.ports import FollowUpView

FORMATS = ("table", "csv", "json")
COLUMNS = ("incident", "action", "state", "due", "overdue", "owner", "title", "text", "reason")


def rows(follow_ups: Sequence[FollowUpView], today: date) -> list[dict[str, Any]]:
    """One record per follow-up, with the incident it came from."""
    return [
        {
            "incident": view.reference,
            "action": view.action.number,
            "state": view.action.state.value,
            "due": view.action.due.isoformat() if view.action.due else None,
            "overdue": view.action.overdue(today),
            "owner": view.action.owner_id,
            "title": view.title,
            "text": view.action.text,
            "reason": view.action.reason or None,
        }
        for view in follow_ups
    ]


def render(follow_ups: Sequence[FollowUpView], today: date, fmt: str) -> str:
    """The follow-ups in `fmt`: an aligned table, CSV with a header, or a JSON array."""
    records = rows(follow_ups, today)
    if fmt == "json":
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return out.getvalue()
    if not records:
        return "No follow-ups.\n"
    table = [("REF", "#", "STATE", "DUE", "OWNER", "FOLLOW-UP")]
    for record in records:
        due = record["due"] or "-"
        table.append(
            (
                record["incident"],
                str(record["action"]),
                record["state"],
                f"{due} (overdue)" if record["overdue"] else due,
                record["owner"] or "-",
                " ".join(record["text"].split())[:70],
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in table
    ]
    return "\n".join(lines) + "\n"
