"""Grafana's alerting webhook payload (unified alerting, `version` "1"), read into an `AlertReport`."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from watchkeeper.domain.alerts import Alert, AlertReport, fingerprint_of
from watchkeeper.hooks.alertmanager import AlertmanagerAlert, Status
from watchkeeper.hooks.reading import links, moment, read_model


class GrafanaAlert(AlertmanagerAlert):
    """One alert of the notification: Alertmanager's alert, with Grafana's links and values."""

    silence_url: str = Field("", alias="silenceURL")
    dashboard_url: str = Field("", alias="dashboardURL")
    panel_url: str = Field("", alias="panelURL")
    # Not used, so not held to a shape: a Grafana that sends them otherwise is still heard.
    values: Any = None
    value_string: str = Field("", alias="valueString")


class GrafanaPayload(BaseModel):
    """What a Grafana webhook contact point POSTs."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    receiver: str = ""
    status: Status
    org_id: int | None = Field(None, alias="orgId")
    alerts: list[GrafanaAlert] = Field(min_length=1)
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str = Field("", alias="externalURL")
    version: str = "1"
    group_key: str = Field("", alias="groupKey")
    truncated_alerts: int = Field(0, alias="truncatedAlerts", ge=0)
    title: str = ""
    state: str = ""
    message: str = ""


def read_grafana(body: bytes) -> AlertReport:
    """The report in a Grafana notification; MalformedReport says what is wrong."""
    payload = read_model(GrafanaPayload, body)
    # Grafana has sent its group key since 8; without one, the receiver and grouping labels
    # name the group as Grafana's own notification policy does.
    group_key = payload.group_key or (
        f"{payload.org_id or 0}/{payload.receiver}:"
        + json.dumps(payload.group_labels, sort_keys=True)
    )
    return AlertReport(
        source="grafana",
        group_key=group_key,
        status=payload.status,
        alerts=tuple(_alert(alert) for alert in payload.alerts),
        common_labels=payload.common_labels,
        common_annotations=payload.common_annotations,
        truncated=payload.truncated_alerts,
        origin=f"Grafana at {payload.external_url}" if payload.external_url else "Grafana",
    )


def _alert(alert: GrafanaAlert) -> Alert:
    pairs = {
        "source": alert.generator_url,
        "silence": alert.silence_url,
        "dashboard": alert.dashboard_url,
        "panel": alert.panel_url,
    }
    return Alert(
        fingerprint=alert.fingerprint or fingerprint_of(alert.labels),
        status=alert.status,
        labels=alert.labels,
        annotations=alert.annotations,
        starts_at=moment(alert.starts_at),
        ends_at=moment(alert.ends_at),
        links=links(pairs, alert.annotations),
        value=alert.value_string,
    )
