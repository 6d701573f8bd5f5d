"""How big each benchmark is: the issue's full sizes, and a tiny `--quick` smoke version."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    """Every size and time limit of one run of the suite."""

    #: Seconds the Slack stand-in takes to answer each Web API call.
    slack_latency_s: float = 0.05

    #: Ack latency: requests sent at each level of concurrency, after a discarded warm-up.
    latency_clients: tuple[int, ...] = (1, 20)
    latency_requests: tuple[int, ...] = (200, 1000)
    latency_warmup: int = 30
    #: Open incidents the in-channel commands are spread over.
    latency_incidents: int = 20

    #: Burst: commands in incident channels, sent by this many concurrent clients.
    burst_commands: int = 5000
    burst_incidents: int = 200
    burst_clients: int = 50
    #: Longest wait, after the last ack, for every side effect of the burst to reach Slack.
    burst_drain_timeout_s: float = 40.0

    #: Reminders: open incidents whose reminders all fall due at one moment.
    reminders: int = 10_000
    #: Longest wait, from the due time, for every reminder to be posted.
    reminders_timeout_s: float = 40.0
    #: Time the server gets to start and plan every reminder before they fall due.
    reminders_lead_s: float = 8.0
    #: The reminder floor: threads of the bare poster that posts as many messages at once.
    reminders_floor_threads: int = 64

    #: Nudges: open follow-ups (over open incidents, this many each), and how many of them
    #: fall due at one moment; the others fall due weeks later.
    nudges_follow_ups: int = 10_000
    nudges_due: int = 2_000
    nudges_per_incident: int = 5
    #: The people who own them (each nudged in their own direct-message channel).
    nudges_owners: int = 300
    #: Longest wait, from the due time, for every nudge to be sent.
    nudges_timeout_s: float = 40.0
    #: Time the server gets to start and plan every nudge before they fall due.
    nudges_lead_s: float = 8.0

    #: Reports: timeline entries of the incident whose documents are rendered.
    report_entries: int = 10_000
    report_repeats: int = 3

    #: Status page: incidents published over its 90 days of history, and readers at once.
    status_incidents: int = 1000
    status_clients: int = 50
    status_requests: int = 2000


FULL = Sizes()

QUICK = Sizes(
    latency_clients=(1, 4),
    latency_requests=(10, 20),
    latency_warmup=3,
    latency_incidents=3,
    burst_commands=60,
    burst_incidents=4,
    burst_clients=8,
    burst_drain_timeout_s=30.0,
    reminders=40,
    reminders_timeout_s=30.0,
    reminders_lead_s=3.0,
    reminders_floor_threads=4,
    nudges_follow_ups=40,
    nudges_due=10,
    nudges_owners=6,
    nudges_timeout_s=30.0,
    nudges_lead_s=3.0,
    report_entries=200,
    report_repeats=1,
    status_incidents=30,
    status_clients=5,
    status_requests=50,
)
