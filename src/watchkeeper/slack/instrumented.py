"""Counting what the bot asks of Slack: Web API calls, deliveries tried again, reminders sent."""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from watchkeeper.metrics import Metrics
from watchkeeper.services.effects import SLACK, EffectKind
from watchkeeper.services.ports import ClaimedEffect
from watchkeeper.slack.pooled import PooledWebClient

#: Slack's error codes are snake_case words; anything else (an HTML error page) is not a label.
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


class InstrumentedWebClient(PooledWebClient):
    """A pooled WebClient that counts each Web API call by method and result."""

    def __init__(self, metrics: Metrics, **options: Any) -> None:
        super().__init__(**options)
        self._metrics = metrics

    def api_call(self, api_method: str, **options: Any) -> SlackResponse:
        result = "client_error"
        try:
            response = super().api_call(api_method, **options)
            result = "ok"
            return response
        except SlackApiError as error:
            result = result_of(error)
            raise
        except (OSError, http.client.HTTPException):  # refused, reset, cut short, timed out
            result = "unreachable"
            raise
        finally:
            self._metrics.slack_calls.labels(api_method, result).inc()


def result_of(error: SlackApiError) -> str:
    """A failed call's result label: Slack's error code, or `http_<status>` without one."""
    data = error.response.data
    code = data.get("error") if isinstance(data, dict) else None
    if isinstance(code, str) and _ERROR_CODE.fullmatch(code):
        return code
    return f"http_{error.response.status_code}"


def count_settled(metrics: Metrics) -> Callable[[ClaimedEffect, str], None]:
    """Count each settled attempt: by kind and outcome, retries, and reminders posted."""

    def settled(effect: ClaimedEffect, outcome: str) -> None:
        metrics.effects.labels(effect.kind, outcome).inc()
        if effect.attempts > 0 and effect.destination == SLACK:
            metrics.slack_retries.labels(effect.kind).inc()
        payload = effect.payload
        posted = outcome == "delivered" and effect.kind == EffectKind.REMIND
        if posted and payload.get("target") != "broadcast":
            metrics.reminders.labels(str(payload.get("level", ""))).inc()

    return settled
