"""The `watchkeeper` command: serve the bot, manage the database, list and export incidents."""

from __future__ import annotations

import argparse
import logging
import re
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from watchkeeper import __version__
from watchkeeper.config import MODES, ROLES, Role, Settings, SettingsError, load_settings
from watchkeeper.domain.durations import format_duration
from watchkeeper.domain.errors import IncidentNotFound
from watchkeeper.services.context import Context

log = logging.getLogger("watchkeeper")


class UsageError(Exception):
    """A command that cannot run as given; the message says what to change."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `watchkeeper` command; the exit code is 0 on success, 2 on a usage problem."""
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.log_level)
    try:
        code: int = args.run(args)
    except (SettingsError, UsageError, IncidentNotFound) as error:
        print(f"watchkeeper: {error}", file=sys.stderr)
        return 2
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="watchkeeper", description=__doc__)
    parser.add_argument("--version", action="version", version=f"watchkeeper {__version__}")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the bot (Socket Mode or HTTP)")
    serve.add_argument(
        "--mode",
        choices=MODES,
        help="default: socket when SLACK_APP_TOKEN is set, else http",
    )
    serve.add_argument("--host", default="0.0.0.0", help="HTTP address (default 0.0.0.0)")  # noqa: S104 - a server in a container listens on every interface
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.add_argument(
        "--role",
        choices=ROLES,
        help="default: answer Slack here and, with WATCHKEEPER_DELIVERY_PROCESS (on with"
        " PostgreSQL), start a second process that posts side effects and sends reminders."
        " all: both in this one process. web or delivery: one of the two, for a process manager"
        " to run side by side on one database",
    )
    # The pipe a parent `serve` talks to its delivery process through, and the socket it
    # listens on for its parent's questions (see delivery_process).
    serve.add_argument("--wake-fd", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    serve.set_defaults(run=_serve)

    database = commands.add_parser("db", help="database migrations")
    steps = database.add_subparsers(required=True, metavar="STEP")
    steps.add_parser("upgrade", help="apply every migration").set_defaults(run=_db_upgrade)
    down = steps.add_parser("downgrade", help="go back to a revision")
    down.add_argument("revision", help="a revision ID, or 'base' for an empty database")
    down.set_defaults(run=_db_downgrade)
    steps.add_parser("current", help="show the applied revision").set_defaults(run=_db_current)

    listing = commands.add_parser("list", help="open incidents as a table")
    listing.add_argument("--all", action="store_true", help="resolved incidents too")
    listing.set_defaults(run=_list)

    actions = commands.add_parser("actions", help="follow-ups across incidents")
    actions.add_argument("--open", action="store_true", help="only those still open")
    actions.add_argument(
        "--owner", nargs="+", action="extend", default=[], metavar="U…", help="owned by these users"
    )
    actions.add_argument("--overdue", action="store_true", help="only open ones past their due day")
    actions.add_argument("--format", default="table", choices=["table", "csv", "json"])
    actions.set_defaults(run=_actions)

    export = commands.add_parser("export", help="write an incident's documents")
    export.add_argument("incident", help="INC-7 or 7")
    export.add_argument(
        "--format", default="json", choices=["postmortem", "statuspage", "timeline", "json"]
    )
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    export.set_defaults(run=_export)
    check = commands.add_parser(
        "check", help="diagnose the setup: settings, token, scopes, channel"
    )
    check.set_defaults(run=_check)

    demo = commands.add_parser("demo", help="play a scripted incident without a Slack workspace")
    demo.add_argument(
        "--dir",
        type=Path,
        default=Path("watchkeeper-demo"),
        help="where the demo database and documents go (default ./watchkeeper-demo)",
    )
    demo.add_argument(
        "--mode",
        choices=MODES,
        default="http",
        help="how the stand-in for Slack reaches the bot: http (default) or socket (Socket Mode)",
    )
    demo.set_defaults(run=_demo)
    return parser


def _check(args: argparse.Namespace) -> int:
    from watchkeeper.diagnostics import diagnose

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"[FAIL] settings: {error}")
        return 1
    findings = diagnose(settings)
    for finding in findings:
        print(finding.line())
    failed = sum(not finding.ok for finding in findings)
    print(f"\n{len(findings) - failed} checks ok, {failed} failing")
    return 1 if failed else 0


def _demo(args: argparse.Namespace) -> int:
    from watchkeeper.demo import DemoDirectoryInUse, run_demo

    logging.getLogger().setLevel(logging.WARNING)  # the demo's own lines tell the story
    try:
        run_demo(args.dir, mode=args.mode)
    except DemoDirectoryInUse as error:
        raise UsageError(str(error)) from None
    return 0


def _serve(args: argparse.Namespace) -> int:
    from watchkeeper.bootstrap import build
    from watchkeeper.delivery_process import DeliveryProcess, delivery_command, listen_to_parent
    from watchkeeper.web import BackgroundServer, metrics_app, web_app

    settings = load_settings()
    mode = args.mode or settings.mode
    told = args.wake_fd is not None  # the delivery process of a parent `serve`
    if (told or args.listen_fd is not None) and args.role != "delivery":
        raise UsageError("--wake-fd and --listen-fd are for the delivery process `serve` starts")
    delivering_apart = args.role is None and settings.delivers_apart  # WATCHKEEPER_DELIVERY_PROCESS
    role: Role = args.role or ("web" if delivering_apart else "all")
    answers = role != "delivery"  # a delivery process takes no requests from Slack
    _require_for_serve(settings, mode if answers else None)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    # With PostgreSQL (by default) this process only answers Slack; a child delivers.
    delivery = (
        DeliveryProcess(delivery_command(args.log_level), metrics_token=token)
        if delivering_apart
        else None
    )
    bot = build(
        settings,
        migrate=not args.no_migrate,
        role=role,
        mode=mode,
        delivery=delivery,
        told=told,
    )
    stop = threading.Event()
    if told:
        listen_to_parent(
            args.wake_fd,
            effects_queued=bot.courier.wake,
            due=bot.scheduler.plan,
            parent_gone=stop.set,
        )
    bot.start()
    if bot.socket is not None:
        log.info("connecting to Slack in Socket Mode")
    events = answers and mode == "http"
    # /metrics on a private interface of its own; a parent's delivery process is asked by it
    scraped_apart = settings.metrics_port is not None and not told
    app = web_app(
        bot.bolt if events else None,
        bot.metrics,
        bot.health,
        bot.refresh_gauges,
        serve_metrics=not scraped_apart,
        metrics_token=token,
        extra_routes=[] if told else [*bot.hook_routes, *bot.status_routes()],
    )
    handed = None if args.listen_fd is None else socket.socket(fileno=args.listen_fd)
    server = BackgroundServer(app, args.host, args.port, listening=handed)
    servers = [server]
    if scraped_apart and settings.metrics_port is not None:
        scrape = metrics_app(bot.metrics, bot.health, bot.refresh_gauges, metrics_token=token)
        servers.append(BackgroundServer(scrape, settings.metrics_host, settings.metrics_port))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda received, frame: stop.set())
    for each in servers:
        each.start()
    served = ["Slack events"] if events else []
    served += [f"/hooks/{name}" for name in settings.hook_tokens] if answers else []
    served += ["/healthz"] if scraped_apart else ["/healthz", "/metrics"]
    if told:  # its parent says where it serves; this one only answers its parent
        log.info("delivering side effects and reminders; /healthz and /metrics at %s", server.url)
    else:
        log.info(
            "serving %s on %s%s",
            ", ".join(served),
            server.url.removeprefix("http://"),
            _serving_role(role, delivering_apart),
        )
    if scraped_apart:
        log.info("serving /metrics and /healthz on %s", servers[1].url.removeprefix("http://"))
    stop.wait()
    log.info("stopping: finishing requests in flight, reminders and deliveries under way")
    for each in servers:
        each.stop()  # in-flight requests finish before this returns
    bot.stop()
    log.info("stopped")
    return 0


def _serving_role(role: str, apart: bool) -> str:
    if apart:
        return "; side effects and reminders from a second process"
    return "" if role == "all" else f" ({role} role)"


def _require_for_serve(settings: Settings, mode: str | None) -> None:
    """Refuse to start without the secrets `mode` needs (None: a process that only delivers)."""
    missing = []
    if settings.slack_bot_token is None:
        missing.append("SLACK_BOT_TOKEN (the xoxb- bot token from the app's OAuth page)")
    if mode == "http" and settings.slack_signing_secret is None:
        missing.append("SLACK_SIGNING_SECRET (from the app's Basic Information page)")
    if mode == "socket" and settings.slack_app_token is None:
        missing.append("SLACK_APP_TOKEN (an xapp- token with connections:write)")
    if missing:
        what = f"--mode {mode}" if mode else "--role delivery"
        raise SettingsError(f"`serve {what}` needs: " + "; ".join(missing))


def _db_upgrade(args: argparse.Namespace) -> int:
    from watchkeeper.store.migrate import current, upgrade

    url = load_settings().database_url
    upgrade(url)
    print(f"database at revision {current(url)}")
    return 0


def _db_downgrade(args: argparse.Namespace) -> int:
    from watchkeeper.store.migrate import current, downgrade

    url = load_settings().database_url
    downgrade(url, args.revision)
    print(f"database at revision {current(url) or 'base (empty)'}")
    return 0


def _db_current(args: argparse.Namespace) -> int:
    from watchkeeper.store.migrate import current, head

    revision = current(load_settings().database_url)
    note = "" if revision == head() else f" (latest is {head()}: run `watchkeeper db upgrade`)"
    print(f"{revision or 'none'}{note}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from watchkeeper.services.queries import all_incidents, open_incidents

    ctx = _offline_context(load_settings())
    incidents = all_incidents(ctx, history=False) if args.all else open_incidents(ctx)
    if not incidents:
        print("No incidents." if args.all else "No open incidents.")
        return 0
    now = ctx.now()
    rows = [("REF", "STATUS", "SEVERITY", "COMMANDER", "AGE", "CHANNEL", "TITLE")]
    for incident in incidents:
        rows.append(
            (
                incident.reference,
                incident.status.value,
                incident.severity,
                incident.commander or "-",
                format_duration(now - incident.declared_at),
                f"#{incident.channel_name}" if incident.channel_name else "-",
                ("(private) " if incident.private else "") + " ".join(incident.title.split())[:60],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[-1]
        )
    return 0


def _actions(args: argparse.Namespace) -> int:
    from watchkeeper.reports.follow_ups import render
    from watchkeeper.services.follow_ups import follow_ups

    ctx = _offline_context(load_settings())
    found = follow_ups(ctx, owners=args.owner, open_only=args.open, overdue=args.overdue)
    sys.stdout.write(render(found, ctx.now().astimezone(ctx.zone).date(), args.format))
    return 0


def _export(args: argparse.Namespace) -> int:
    from watchkeeper.services.reports import draft_documents

    match = re.fullmatch(r"(?:INC-)?(\d+)", args.incident.strip(), re.IGNORECASE)
    if not match:
        raise UsageError(f"{args.incident!r} is not an incident reference such as INC-7")
    ctx = _offline_context(load_settings())
    text = draft_documents(ctx, int(match.group(1))).in_format(args.format)
    if args.output:
        _write(args.output, text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _write(path: Path, text: str) -> None:
    """Write a document, or say in one line why it cannot be written there."""
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: the directory {path.parent} does not exist")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None


def _offline_context(settings: Settings) -> Context:
    """A context for commands that only read the database, which must be migrated."""
    from watchkeeper.bootstrap import offline_context
    from watchkeeper.store.migrate import current, head

    if current(settings.database_url) != head():
        raise UsageError(
            f"the database at {_shown_url(settings.database_url)} is not migrated; "
            "run `watchkeeper db upgrade` (or `watchkeeper serve`) first"
        )
    return offline_context(settings)


def _shown_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _configure_logging(level: str) -> None:
    from watchkeeper.logs import configure

    configure(level)


if __name__ == "__main__":
    sys.exit(main())
