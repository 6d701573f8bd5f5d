"""Refusals the domain gives when a change would break an incident's rules."""

from __future__ import annotations


class IncidentError(Exception):
    """A change the incident's rules refuse; the message is meant for the responder."""


class InvalidTransition(IncidentError):
    """A status change the lifecycle does not allow (for example out of `resolved`)."""


class UnknownSeverity(IncidentError):
    """A severity level that the configured scale does not have."""


class UnknownRole(IncidentError):
    """A role that the configured roles do not have."""


class IncidentNotFound(IncidentError):
    """No incident with that reference or in that channel."""


class NotPermitted(IncidentError):
    """The responder may not make this change; the message says who may."""


class InvalidCorrectionTime(IncidentError):
    """A corrected timeline time in the future or out of order with the milestones."""
