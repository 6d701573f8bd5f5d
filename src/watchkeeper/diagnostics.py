"""`watchkeeper check`: what is wrong with a setup, one line each, with the fix."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from watchkeeper.config import Settings
from watchkeeper.domain.durations import format_compact
from watchkeeper.hooks.sources import NAMES as HOOK_SOURCES
from watchkeeper.outgoing.settings import is_private_to_host
from watchkeeper.slack.failures import ADVICE
from watchkeeper.slack.methods import required_bot_scopes
from watchkeeper.slack.pooled import PooledWebClient, connection_pool
from watchkeeper.store.database import check_database, make_engine
from watchkeeper.store.migrate import current, head

#: How long a PagerDuty Events API v2 integration (routing) key is.
PAGERDUTY_KEY_LENGTH = 32


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's outcome; `fix` says what to do when it failed."""

    check: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        fix = f"\n      fix: {self.fix}" if self.fix else ""
        return f"[{mark}] {self.check}: {self.detail}{fix}"


def diagnose(settings: Settings, client: WebClient | None = None) -> list[Finding]:
    """Run every check that the settings allow; later checks need earlier ones to pass."""
    findings = [
        Finding("settings", True, "valid"),
        _metrics(settings),
        _status_page(settings),
        _follow_ups(settings),
        _private_incidents(settings),
        _tidying(settings),
        _timeline_reaction(settings),
        _processes(settings),
    ]
    findings += [_hooks(settings), *_paging(settings), *_webhooks(settings)]
    findings.append(_database(settings))
    if settings.slack_bot_token is None:
        findings.append(
            Finding(
                "token",
                False,
                "SLACK_BOT_TOKEN is not set",
                "copy the bot token (xoxb-…) from the app's OAuth & Permissions page",
            )
        )
        return findings
    # One kept-alive connection serves every call of the check.
    client = client or PooledWebClient(
        pool=connection_pool(1),
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=10,
    )
    identity = _auth(client)
    findings.append(identity.finding)
    if identity.answer is None:
        return findings
    findings.append(_scopes(identity.answer))
    if settings.slack_app_token is not None:
        findings.append(_socket_mode(client, settings.slack_app_token.get_secret_value()))
    if settings.broadcast_channel:
        findings.append(_broadcast(client, settings.broadcast_channel, identity.answer))
    return findings


@dataclass(frozen=True, slots=True)
class _Identity:
    finding: Finding
    answer: Any


def _auth(client: WebClient) -> _Identity:
    try:
        answer = client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error", error.response.status_code))
        return _Identity(
            Finding(
                "token",
                False,
                f"auth.test refused it: {code}",
                ADVICE.get(code, "check SLACK_BOT_TOKEN and SLACK_API_URL"),
            ),
            None,
        )
    except OSError as error:
        untrusted = "CERTIFICATE_VERIFY_FAILED" in str(error)
        return _Identity(
            Finding(
                "token",
                False,
                f"Slack did not answer: {error}",
                # Slack calls trust the system's certificate authorities, or SSL_CERT_FILE's.
                "SLACK_API_URL's certificate is not trusted: set SSL_CERT_FILE to a file of the "
                "certificate authorities to trust (a proxy's or a stand-in's, with the public ones)"
                if untrusted
                else "check SLACK_API_URL and the network path to Slack",
            ),
            None,
        )
    detail = f"valid for workspace {answer.get('team')} ({answer.get('team_id')}) as @{answer.get('user')}"
    return _Identity(Finding("token", True, detail), answer)


def _scopes(answer: Any) -> Finding:
    header = next(
        (v for k, v in (answer.headers or {}).items() if k.lower() == "x-oauth-scopes"), ""
    )
    if isinstance(header, list):
        header = ",".join(header)
    granted = {scope.strip() for scope in str(header).split(",") if scope.strip()}
    missing = sorted(required_bot_scopes() - granted)
    if missing:
        return Finding(
            "scopes",
            False,
            "missing " + ", ".join(missing),
            "add them under OAuth & Permissions (manifest.yml lists every scope), "
            "then reinstall the app",
        )
    return Finding("scopes", True, f"all {len(required_bot_scopes())} needed scopes granted")


def _broadcast(client: WebClient, wanted: str, identity: Any) -> Finding:
    name = "broadcast channel"
    try:
        channel = _find_channel(client, wanted)
    except SlackApiError as error:
        code = str(error.response.get("error", ""))
        return Finding(name, False, f"{wanted}: {code}", ADVICE.get(code, "check the setting"))
    if channel is None:
        return Finding(
            name,
            False,
            f"{wanted} does not exist or the bot cannot see it",
            "create it, or set WATCHKEEPER_BROADCAST_CHANNEL to an existing channel",
        )
    if channel.get("is_archived"):
        return Finding(
            name,
            False,
            f"#{channel.get('name')} is archived",
            "unarchive it or point WATCHKEEPER_BROADCAST_CHANNEL elsewhere",
        )
    if not channel.get("is_member"):
        return Finding(
            name,
            False,
            f"the bot is not in #{channel.get('name')}",
            f"type /invite @{identity.get('user')} in #{channel.get('name')}",
        )
    return Finding(name, True, f"#{channel.get('name')} exists and the bot is in it")


def _find_channel(client: WebClient, wanted: str) -> dict[str, Any] | None:
    if not wanted.startswith("#"):
        try:
            info = client.conversations_info(channel=wanted)
            found: dict[str, Any] = info["channel"]
            return found
        except SlackApiError as error:
            if error.response.get("error") != "channel_not_found":
                raise
    target = wanted.lstrip("#")
    for channel in _all_channels(client.conversations_list):
        if channel.get("name") == target or channel.get("id") == target:
            return channel
    return None


def _all_channels(listing: Callable[..., Any]) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        page = listing(
            types="public_channel,private_channel", exclude_archived=False, limit=200, cursor=cursor
        )
        yield from page.get("channels", [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def _socket_mode(client: WebClient, app_token: str) -> Finding:
    """Whether the app-level token may open Socket Mode links (it asks Slack for one URL)."""
    try:
        client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        code = str(error.response.get("error", error.response.status_code))
        return Finding(
            "socket mode",
            False,
            f"apps.connections.open refused SLACK_APP_TOKEN: {code}",
            "create an app-level token with the connections:write scope (Basic Information → "
            "App-Level Tokens), turn Socket Mode on, and set SLACK_APP_TOKEN to it",
        )
    except OSError as error:
        return Finding("socket mode", False, f"Slack did not answer: {error}", "check the network")
    return Finding("socket mode", True, "the app-level token opens Socket Mode links")


def _status_page(settings: Settings) -> Finding:
    """Whether the public status page is served, under which name and address."""
    if not settings.serves_status_page:
        return Finding("status page", True, "off (WATCHKEEPER_STATUS_PAGE_NAME turns it on)")
    name = settings.status_page_name or "the workspace's name + Status"
    where = settings.status_page_url or "/status on this server's port"
    detail = f"served as {name!r} at {where}"
    if settings.status_page_url is None:
        detail += " (set WATCHKEEPER_STATUS_PAGE_URL for absolute links in the feed and JSON)"
    return Finding("status page", True, detail)


def _timeline_reaction(settings: Settings) -> Finding:
    """Which reaction adds a message to an incident's timeline (its scope is checked below)."""
    return Finding(
        "timeline reaction",
        True,
        f":{settings.timeline_reaction}: on a message in an incident channel adds it to the "
        "timeline (WATCHKEEPER_TIMELINE_REACTION; needs reactions:read)",
    )


def _follow_ups(settings: Settings) -> Finding:
    """When follow-ups' owners are nudged and where the weekly digest goes: worth knowing."""
    rule = settings.follow_ups
    weekends = "weekends skipped" if rule.skip_weekends else "weekends too"
    detail = f"owners nudged at {rule.nudge_hour:%H:%M} on their own clock ({weekends}); "
    if not rule.digest:
        detail += "no weekly digest ([follow_ups] digest = false)"
    elif settings.broadcast_channel is None:
        detail += "no weekly digest: it goes to WATCHKEEPER_BROADCAST_CHANNEL, which is not set"
    else:
        detail += (
            f"digest of overdue ones {rule.digest_day.capitalize()}s at {rule.digest_hour:%H:%M} "
            f"{settings.zone.key} in {settings.broadcast_channel}"
        )
    return Finding("follow-ups", True, detail)


def _private_incidents(settings: Settings) -> Finding:
    """Which levels declare private incidents, and which webhooks hear of private ones."""
    levels = [level.name for level in settings.severities if level.private]
    hearing = [hook.key for hook in settings.webhooks if hook.private]
    detail = (
        f"declared private at {', '.join(levels)} and with --private"
        if levels
        else "declared with --private or the form's Private box"
    )
    detail += (
        f"; webhooks that hear of them: {', '.join(hearing)}"
        if hearing
        else "; no webhook hears of them"
    )
    return Finding("private incidents", True, detail)


def _tidying(settings: Settings) -> Finding:
    """When resolved incidents' channels are archived and quiet incidents asked about."""
    if settings.archive_after is None:
        archive = "resolved incidents' channels are kept (WATCHKEEPER_ARCHIVE_AFTER is off)"
    else:
        archive = (
            f"resolved incidents' channels archived {format_compact(settings.archive_after)} "
            "after resolution (`/incident keep` keeps one)"
        )
    if settings.stale_after is None:
        stale = "quiet incidents not asked about (WATCHKEEPER_STALE_AFTER is off)"
    else:
        stale = (
            f"commanders asked after {format_compact(settings.stale_after)} without a "
            "timeline entry"
        )
    return Finding("tidying", True, f"{archive}; {stale}")


def _metrics(settings: Settings) -> Finding:
    """Where `/metrics` is served, and to whom: worth knowing, never a failure."""
    guarded = ", behind a bearer token" if settings.metrics_token is not None else ""
    if settings.metrics_port is not None:
        where = f"on {settings.metrics_host}:{settings.metrics_port}, apart from Slack's port"
        return Finding("metrics", True, f"served {where}{guarded}")
    if guarded:
        return Finding("metrics", True, f"served on the main port{guarded[1:]}")
    return Finding(
        "metrics",
        True,
        "served on the main port to anyone who reaches it; if that port faces the internet, "
        "set WATCHKEEPER_METRICS_PORT (a private listener) or WATCHKEEPER_METRICS_TOKEN",
    )


def _processes(settings: Settings) -> Finding:
    how = "from a second process it starts" if settings.delivers_apart else "in its own process"
    why: str = settings.delivery_process
    if why == "auto":
        why += ": " + ("PostgreSQL" if settings.delivers_apart else "SQLite, one writer anyway")
    return Finding(
        "processes",
        True,
        f"serve delivers side effects and reminders {how} (WATCHKEEPER_DELIVERY_PROCESS={why})",
    )


def _database(settings: Settings) -> Finding:
    engine = make_engine(settings.database_url)
    try:
        check_database(engine)
        revision = current(settings.database_url)
    except Exception as error:  # any failure to answer is the finding
        return Finding(
            "database",
            False,
            f"unreachable: {type(error).__name__}: {error}".splitlines()[0],
            "check DATABASE_URL and that the server is up",
        )
    finally:
        engine.dispose()
    if revision != head():
        return Finding(
            "database",
            False,
            f"at revision {revision or 'none'}, latest is {head()}",
            "run `watchkeeper db upgrade` (serve does it too)",
        )
    return Finding("database", True, f"reachable and migrated ({revision})")


#: Shorter tokens and secrets can be guessed; `openssl rand -hex 24` makes a good one.
SHORTEST_SECRET = 16
_MAKE_ONE = "use at least 16 random characters (openssl rand -hex 24)"


def _hooks(settings: Settings) -> Finding:
    """Which alert hooks are on, and rules or tokens that cannot be what was meant."""
    on = [name for name in HOOK_SOURCES if name in settings.hook_tokens]
    off = [name for name in HOOK_SOURCES if name not in on]
    short = [name for name in on if len(settings.hook_tokens[name]) < SHORTEST_SECRET]
    if short:
        return Finding(
            "hooks",
            False,
            f"the token for {', '.join(short)} is too short to keep others out",
            f"in WATCHKEEPER_HOOK_TOKENS, {_MAKE_ONE}",
        )
    unused = [name for name in settings.alerts if name not in on]
    if unused:
        return Finding(
            "hooks",
            False,
            f"[alerts.{unused[0]}] has rules, but the {unused[0]} hook is off",
            f"add {unused[0]}=<token> to WATCHKEEPER_HOOK_TOKENS, or remove [alerts.{unused[0]}]",
        )
    if not on:
        return Finding("hooks", True, "all off (WATCHKEEPER_HOOK_TOKENS names no source)")
    paths = ", ".join(f"/hooks/{name}" for name in on)
    return Finding("hooks", True, f"on: {paths}" + (f"; off: {', '.join(off)}" if off else ""))


def _paging(settings: Settings) -> list[Finding]:
    """Whether the levels that page reach a service, and the services' keys look right."""
    levels = [level.name for level in settings.severities if level.page]
    services = []
    findings = []
    if settings.pagerduty_routing_key is not None:
        services.append("PagerDuty")
        length = len(settings.pagerduty_routing_key.get_secret_value())
        if length != PAGERDUTY_KEY_LENGTH:
            findings.append(
                Finding(
                    "paging",
                    False,
                    f"WATCHKEEPER_PAGERDUTY_ROUTING_KEY has {length} characters; "
                    f"an Events API v2 integration key has {PAGERDUTY_KEY_LENGTH}",
                    "copy the Integration Key of the service's Events API v2 integration",
                )
            )
        findings += _endpoint("WATCHKEEPER_PAGERDUTY_URL", settings.pagerduty_url)
    if settings.opsgenie_api_key is not None:
        services.append("Opsgenie")
        findings += _endpoint("WATCHKEEPER_OPSGENIE_URL", settings.opsgenie_url)
    if levels and not services:
        findings.append(
            Finding(
                "paging",
                False,
                f"{', '.join(levels)} should page, but no paging service is set",
                "set WATCHKEEPER_PAGERDUTY_ROUTING_KEY or WATCHKEEPER_OPSGENIE_API_KEY",
            )
        )
    elif services and not levels:
        findings.append(
            Finding(
                "paging",
                False,
                f"{' and '.join(services)} set, but no severity level pages",
                "add page = true to the [[severity]] levels that should wake someone",
            )
        )
    elif services:
        detail = f"{' and '.join(services)} paged at {', '.join(levels)}"
        findings.append(Finding("paging", True, detail))
    else:
        findings.append(Finding("paging", True, "off (no level pages, no service set)"))
    return findings


def _webhooks(settings: Settings) -> list[Finding]:
    """Each webhook: reached privately (https or this host), with a secret worth the name."""
    findings = []
    for hook in settings.webhooks:
        name = f"webhook {hook.key}"
        if not is_private_to_host(hook.url):
            findings.append(
                Finding(
                    name,
                    False,
                    "its url is plain http off this host: anyone on the way reads every event",
                    "use an https url (or a receiver on this host)",
                )
            )
        elif len(hook.secret.get_secret_value()) < SHORTEST_SECRET:
            findings.append(Finding(name, False, "its secret is too short", _MAKE_ONE))
        else:
            events = "every event" if "*" in hook.events else ", ".join(hook.events)
            findings.append(Finding(name, True, f"{events}, signed, over {hook.url.split(':')[0]}"))
    return findings


def _endpoint(variable: str, url: str) -> list[Finding]:
    if is_private_to_host(url):
        return []
    return [
        Finding(
            "paging",
            False,
            f"{variable} is plain http off this host: the key travels readable",
            f"unset {variable}, or give an https url",
        )
    ]
