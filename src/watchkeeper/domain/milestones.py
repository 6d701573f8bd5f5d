"""Milestones: the moments an incident's metrics are measured between."""

from __future__ import annotations

from enum import StrEnum


class Milestone(StrEnum):
    """A moment in an incident's life that `/incident set` can correct."""

    STARTED = "started"
    DETECTED = "detected"
    IDENTIFIED = "identified"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
