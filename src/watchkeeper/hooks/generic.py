"""`/hooks/incident`: Watchkeeper's own small JSON, for any monitor or script.

    {"title": "Checkout error rate above 5%", "severity": "SEV2", "summary": "…",
     "source": "synthetics", "dedup_key": "checkout-errors", "components": ["checkout"],
     "status": "firing"}

Only `title` is required (and only to fire). Posts with the same `dedup_key` (default: the
title) are one group: repeats change nothing, `"status": "resolved"` resolves it. To the
`[alerts.incident]` rules it is one alert with the labels `title`, `alertname` (the title),
`severity`, `source` and `dedup_key`, and the annotation `summary`.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from watchkeeper.domain.alerts import Alert, AlertReport, fingerprint_of
from watchkeeper.hooks.reading import read_model


class IncidentPayload(BaseModel):
    """The documented fields; any other is refused, so a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field("", max_length=500)
    severity: str = Field("", max_length=40)
    summary: str = Field("", max_length=10_000)
    source: str = Field("", max_length=100)
    dedup_key: str = Field("", max_length=500)
    components: list[str] = Field(default_factory=list, max_length=50)
    status: Literal["firing", "resolved"] = "firing"

    @model_validator(mode="after")
    def _names_what_it_is_about(self) -> Self:
        if self.status == "firing" and not self.title.strip():
            raise ValueError("a firing alert needs a title")
        if not (self.dedup_key.strip() or self.title.strip()):
            raise ValueError("a resolution needs the dedup_key (or title) of what it resolves")
        return self


def read_incident(body: bytes) -> AlertReport:
    """The report in a post to `/hooks/incident`; MalformedReport says what is wrong."""
    payload = read_model(IncidentPayload, body)
    key = payload.dedup_key.strip() or payload.title.strip()
    title = " ".join(payload.title.split())
    labels = {
        name: value
        for name, value in {
            "title": title,
            "alertname": title,
            "severity": payload.severity.strip(),
            "source": payload.source.strip(),
            "dedup_key": key,
        }.items()
        if value
    }
    annotations = {"summary": payload.summary.strip()} if payload.summary.strip() else {}
    alert = Alert(
        fingerprint=fingerprint_of({"dedup_key": key}),
        status=payload.status,
        labels=labels,
        annotations=annotations,
    )
    return AlertReport(
        source="incident",
        group_key=key,
        status=payload.status,
        alerts=(alert,),
        components=tuple(payload.components),
        origin=payload.source.strip() or "a monitor",
    )
