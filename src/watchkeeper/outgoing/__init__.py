"""Incidents out: the deliverers of the effects that go to other systems than Slack.

- `http`: `Receivers`, one pooled HTTP client with timeouts, and how a receiver's failures are
  judged (retry with backoff, or set aside with a notice that names the fix)
- `webhooks`: `WebhookDeliverer`, incident events POSTed as JSON, signed (`sign`, `verify`)
- `paging`: `PagerDutyDeliverer` (Events API v2) and `OpsgenieDeliverer` (Alerts API)
- `settings`: the `[[webhooks]]` tables and the paging services' endpoints
"""
