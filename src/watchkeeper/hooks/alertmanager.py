"""Prometheus Alertmanager's webhook payload (version 4), read into an `AlertReport`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from watchkeeper.domain.alerts import Alert, AlertReport, fingerprint_of
from watchkeeper.hooks.reading import links, moment, read_model

Status = Literal["firing", "resolved"]


class AlertmanagerAlert(BaseModel):
    """One alert of the group."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: Status
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: str | None = Field(None, alias="startsAt")
    ends_at: str | None = Field(None, alias="endsAt")
    generator_url: str = Field("", alias="generatorURL")
    fingerprint: str = ""

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _is_a_time(cls, value: str | None) -> str | None:
        moment(value)  # raises ValueError on a time that is not RFC 3339
        return value


class AlertmanagerPayload(BaseModel):
    """What Alertmanager POSTs to a `webhook_configs` receiver."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    version: Literal["4"] = "4"
    group_key: str = Field(alias="groupKey", min_length=1)
    truncated_alerts: int = Field(0, alias="truncatedAlerts", ge=0)
    status: Status
    receiver: str = ""
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str = Field("", alias="externalURL")
    alerts: list[AlertmanagerAlert] = Field(min_length=1)


def read_alertmanager(body: bytes) -> AlertReport:
    """The report in an Alertmanager notification; MalformedReport says what is wrong."""
    payload = read_model(AlertmanagerPayload, body)
    return AlertReport(
        source="alertmanager",
        group_key=payload.group_key,
        status=payload.status,
        alerts=tuple(_alert(alert) for alert in payload.alerts),
        common_labels=payload.common_labels,
        common_annotations=payload.common_annotations,
        truncated=payload.truncated_alerts,
        origin=f"Alertmanager at {payload.external_url}"
        if payload.external_url
        else "Alertmanager",
    )


def _alert(alert: AlertmanagerAlert) -> Alert:
    return Alert(
        fingerprint=alert.fingerprint or fingerprint_of(alert.labels),
        status=alert.status,
        labels=alert.labels,
        annotations=alert.annotations,
        starts_at=moment(alert.starts_at),
        ends_at=moment(alert.ends_at),
        links=links({"source": alert.generator_url}, alert.annotations),
    )
