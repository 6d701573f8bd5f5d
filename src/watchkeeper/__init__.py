"""Watchkeeper: a Slack incident-response bot that keeps the log and rings the bell."""

__version__ = "0.1.0"
