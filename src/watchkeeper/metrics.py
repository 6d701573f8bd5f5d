"""Prometheus metrics: what an operator graphs and alerts on."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import Metric


class Metrics:
    """One registry per running bot, so tests and replicas in one process never mix counts."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        #: Counts kept by another process of this bot (`serve`'s delivery process), added to
        #: ours when they are read: one scrape shows the whole bot.
        self.elsewhere: Callable[[], list[Metric]] = list
        self.commands = Counter(
            "watchkeeper_commands",
            "Slash commands by subcommand and outcome",
            ["subcommand", "outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "watchkeeper_ack_seconds",
            "Time from a request's arrival to its ack",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.slack_calls = Counter(
            "watchkeeper_slack_api_calls",
            "Slack Web API calls by method and result (ok, Slack's error code, or http_<status>)",
            ["method", "result"],
            registry=self.registry,
        )
        self.slack_retries = Counter(
            "watchkeeper_slack_retries",
            "Deliveries to Slack tried again after a failure, by side-effect kind",
            ["kind"],
            registry=self.registry,
        )
        self.effects = Counter(
            "watchkeeper_side_effects",
            "Side effects settled, by kind and outcome (delivered, retried later, abandoned)",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "watchkeeper_deliveries",
            "Side effects settled, by destination (slack, pagerduty, opsgenie, webhook:<name>)"
            " and outcome (delivered, retried, abandoned)",
            ["destination", "outcome"],
            registry=self.registry,
        )
        self.alert_reports = Counter(
            "watchkeeper_alert_reports",
            "Reports posted to /hooks/<source>, by source and what they did (declared, joined,"
            " recorded, unchanged, not_declared, quiet) or why they were refused",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.pending_effects = Gauge(
            "watchkeeper_pending_side_effects",
            "Side effects waiting for delivery",
            registry=self.registry,
        )
        self.open_incidents = Gauge(
            "watchkeeper_open_incidents",
            "Incidents not yet resolved",
            registry=self.registry,
        )
        self.socket_connected = Gauge(
            "watchkeeper_socket_connected",
            "1 while the Socket Mode link to Slack is up, else 0 (HTTP mode: always 0)",
            registry=self.registry,
        )
        self.socket_reconnects = Counter(
            "watchkeeper_socket_reconnects",
            "Times the Socket Mode link came back after it was lost or refreshed",
            registry=self.registry,
        )
        self.reminders = Counter(
            "watchkeeper_reminders_sent",
            "Update reminders posted in incident channels, by escalation level (1 is the first)",
            ["level"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """What `/metrics` answers: ours, plus whatever `elsewhere` counted."""
        theirs = self.elsewhere()
        if not theirs:
            return generate_latest(self.registry)
        return generate_latest(_Families(merge_families(self.registry.collect(), theirs)))


class _Families:
    """Metric families already collected, in the shape `generate_latest` reads."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> list[Metric]:
        return self._families


def merge_families(own: Iterable[Metric], theirs: Iterable[Metric]) -> list[Metric]:
    """Our metrics with the child's added: counters and histograms summed, our gauges kept.

    The gauges (incidents open, effects pending, the Socket Mode link) are read by the parent
    itself, so the child's copy would count twice. The text format gives the child's creation
    times as families of their own (`…_created`); ours carry them, so theirs are dropped.
    """
    others = {f.name: f for f in theirs if not f.name.endswith("_created")}
    merged = []
    for family in own:
        other = others.pop(family.name, None)
        if other is None or family.type == "gauge":
            merged.append(family)
            continue
        samples = {(s.name, tuple(sorted(s.labels.items()))): s for s in family.samples}
        for sample in other.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            mine = samples.get(key)
            if mine is None:
                samples[key] = sample
            else:
                samples[key] = mine._replace(value=mine.value + sample.value)
        combined = Metric(family.name, family.documentation, family.type, family.unit)
        combined.samples = list(samples.values())
        merged.append(combined)
    merged.extend(f for f in others.values() if f.type != "gauge")
    return merged
