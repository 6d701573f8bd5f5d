"""Each monitor's payload, as its documentation (or the real tool) gives it, reads into a report."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from tests.fixtures.outside import PAYLOADS

from watchkeeper.domain.alerts import AlertReport
from watchkeeper.hooks.alertmanager import read_alertmanager
from watchkeeper.hooks.generic import read_incident
from watchkeeper.hooks.grafana import read_grafana
from watchkeeper.hooks.reading import MalformedReport


def kept(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


def test_alertmanager_s_payload_reads_as_a_group_of_alerts() -> None:
    report = read_alertmanager(kept("alertmanager-firing"))

    assert report.source == "alertmanager"
    assert report.group_key.startswith('{}/{severity=~"critical|warning"}:')
    assert report.status == "firing"
    assert [a.fingerprint for a in report.firing] == ["7c0e5a0bd2e0a4b1", "d13c8c7c3ef1f3a2"]
    first = report.alerts[0]
    assert first.labels["instance"] == "checkout-7d9f8b6c4-2xkqp:8080"
    assert first.starts_at == datetime(2025, 11, 24, 8, 2, 31, 512000, tzinfo=UTC)
    assert first.ends_at is None  # Go's zero time while it fires
    assert dict(first.links) == {
        "source": json.loads(kept("alertmanager-firing"))["alerts"][0]["generatorURL"],
        "runbook": "https://runbooks.example.com/checkout/error-rate",
    }
    assert report.origin == "Alertmanager at http://alertmanager.example.com:9093"


def test_what_a_real_alertmanager_sent_reads_with_its_resolution() -> None:
    firing = read_alertmanager(kept("alertmanager-real-firing"))
    resolving = read_alertmanager(kept("alertmanager-real-resolving"))

    assert firing.group_key == resolving.group_key
    assert [(a.labels["instance"], a.status) for a in resolving.alerts] == [
        ("checkout-1", "resolved"),
        ("checkout-2", "firing"),
    ]
    assert resolving.alerts[0].ends_at is not None
    assert firing.alerts[0].fingerprint == resolving.alerts[0].fingerprint


def test_grafana_s_payload_reads_with_its_links_and_values() -> None:
    report = read_grafana(kept("grafana-firing"))
    resolved = read_grafana(kept("grafana-resolved"))

    assert report.source == "grafana"
    assert report.group_key == "{}:{}"
    assert report.common_labels == {"team": "blue"}
    memory = report.alerts[0]
    assert memory.starts_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert dict(memory.links) == {
        "source": "https://play.grafana.org/alerting/1afz29v7z/edit",
        "silence": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1",
        "runbook": "https://myrunbook.com/runbook/1234",
    }
    assert resolved.status == "resolved"
    assert "dashboard" in dict(resolved.alerts[0].links)
    assert resolved.alerts[0].value.startswith("[ var='B'")


def test_a_grafana_payload_without_a_group_key_is_grouped_by_receiver_and_labels() -> None:
    body = json.loads(kept("grafana-firing"))
    del body["groupKey"]
    body["groupLabels"] = {"alertname": "High memory usage"}

    report = read_grafana(json.dumps(body).encode())

    assert report.group_key == '1/My Super Webhook:{"alertname": "High memory usage"}'


def test_our_own_json_reads_as_one_alert_keyed_by_its_dedup_key() -> None:
    report = read_incident(kept("incident-firing"))

    assert report.group_key == "synthetics-checkout-journey"
    assert report.components == ("checkout", "payments")
    [alert] = report.alerts
    assert alert.labels == {
        "title": "Checkout synthetic check failing from 3 regions",
        "alertname": "Checkout synthetic check failing from 3 regions",
        "severity": "SEV2",
        "source": "synthetics",
        "dedup_key": "synthetics-checkout-journey",
    }
    assert report.origin == "synthetics"


def test_a_resolution_of_our_own_json_needs_only_its_key() -> None:
    fired = read_incident(b'{"title": "Disk full", "dedup_key": "disk"}')
    resolved = read_incident(b'{"dedup_key": "disk", "status": "resolved"}')
    by_title = read_incident(b'{"title": "Disk full"}')

    assert fired.alerts[0].fingerprint == resolved.alerts[0].fingerprint
    assert resolved.status == "resolved"
    assert by_title.group_key == "Disk full"


@pytest.mark.parametrize(
    ("read", "body", "said"),
    [
        (read_alertmanager, b"\xff", "not JSON"),
        (read_alertmanager, b'"text"', "JSON object"),
        (
            read_grafana,
            b'{"status": "firing", "alerts": [{"status": "firing"}]}',
            "alerts.0.labels: Field required",
        ),
        (
            read_incident,
            b'{"title": "x", "components": "checkout"}',
            "components: Input should be a valid list",
        ),
        (read_incident, b'{"status": "resolved"}', "a resolution needs the dedup_key"),
    ],
)
def test_a_malformed_body_is_refused_with_what_is_wrong(
    read: Callable[[bytes], AlertReport], body: bytes, said: str
) -> None:
    with pytest.raises(MalformedReport, match=said):
        read(body)


def test_a_refusal_lists_a_few_problems_and_counts_the_rest() -> None:
    alerts = ",".join('{"status": "on"}' for _ in range(4))

    with pytest.raises(MalformedReport, match=r"; and \d+ more$"):
        read_alertmanager(f'{{"groupKey": "g", "status": "firing", "alerts": [{alerts}]}}'.encode())
