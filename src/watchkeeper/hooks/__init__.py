"""Alerts in: monitors post their alerts to `/hooks/<source>`, and incidents follow.

- `sources`: `SOURCES`, one `HookSource` record per monitor (name, parser, default title)
- `alertmanager`, `grafana`, `generic`: each source's payload, read into a `domain.alerts.AlertReport`
- `reading`: what the parsers share (JSON in, a readable refusal out, times and links)
- `settings`: `WATCHKEEPER_HOOK_TOKENS` and the `[alerts.<source>]` rules of the TOML file
- `auth`: the bearer token check
- `routes`: `hook_routes`, the Starlette routes bootstrap mounts in the bot's app
"""
