"""Bolt listeners by Slack surface; `register_listeners` is the one routing table."""

from __future__ import annotations

from slack_bolt import App

from watchkeeper.metrics import Metrics
from watchkeeper.services.context import Context
from watchkeeper.slack.identity import BotIdentity
from watchkeeper.slack.listeners import actions, commands, events, views


def register_listeners(app: App, ctx: Context, identity: BotIdentity, metrics: Metrics) -> None:
    """Attach every listener to the app."""
    commands.register(app, ctx, lambda sub, result: metrics.commands.labels(sub, result).inc())
    actions.register(app, ctx)
    views.register(app, ctx)
    events.register(app, ctx, identity)
