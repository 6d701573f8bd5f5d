"""The composition root: the one place that knows every part and wires them together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine
from starlette.routing import BaseRoute

from watchkeeper.clock import Clock, SystemClock
from watchkeeper.config import ROLES, Mode, Role, Settings
from watchkeeper.courier.courier import IDLE_POLL, Courier
from watchkeeper.courier.deliverers import Deliverers
from watchkeeper.delivery_process import DeliveryProcess
from watchkeeper.domain.follow_ups import DigestRule, NudgeRule
from watchkeeper.domain.reminders import ReminderPolicy
from watchkeeper.hooks.routes import Hook, hook_routes
from watchkeeper.hooks.sources import SOURCES
from watchkeeper.metrics import Metrics
from watchkeeper.outgoing.http import Receivers
from watchkeeper.outgoing.paging import OpsgenieDeliverer, PagerDutyDeliverer
from watchkeeper.outgoing.webhooks import WebhookDeliverer, WebhookTarget
from watchkeeper.readings import Reading
from watchkeeper.scheduler.scheduler import Periodic, Scheduler
from watchkeeper.services import housekeeping
from watchkeeper.services.context import Context
from watchkeeper.services.effects import webhook_destination
from watchkeeper.services.follow_ups import DIGEST, NUDGES
from watchkeeper.services.housekeeping import housekeep
from watchkeeper.services.ports import ClaimedEffect
from watchkeeper.services.publishing import page_name, remember_workspace
from watchkeeper.services.queries import Gauges, count_gauges
from watchkeeper.services.reminders import REMINDERS
from watchkeeper.services.settling import Deliverer
from watchkeeper.services.tidy import ARCHIVE, STALE_PROMPT
from watchkeeper.slack.app import build_app
from watchkeeper.slack.deliverer import SlackDeliverer
from watchkeeper.slack.follow_up_deliverer import FollowUpDeliverer
from watchkeeper.slack.identity import BotIdentity
from watchkeeper.slack.instrumented import InstrumentedWebClient, count_settled
from watchkeeper.slack.membership import ChannelMembers
from watchkeeper.slack.pooled import PooledWebClient, connection_pool
from watchkeeper.slack.socket_link import SocketLink
from watchkeeper.status import status_routes
from watchkeeper.status.stored import StoredIncidents
from watchkeeper.store.database import check_database, make_engine
from watchkeeper.store.directory import KnownPeople
from watchkeeper.store.migrate import upgrade
from watchkeeper.store.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)

#: Seconds a Web API call may take before it counts as failed (and is retried later).
SLACK_TIMEOUT = 10
#: Kept-alive Slack connections beyond the courier's workers: for the acks' own calls.
ACK_CONNECTIONS = 8
#: How often a delivery process looks at the outbox: the web process cannot wake it.
DELIVERY_POLL = 0.05
#: How often a delivery process re-reads due reminders: the web process cannot plan them.
DELIVERY_SYNC = timedelta(seconds=5)
#: Seconds a health answer and the gauges are reused by everyone who asks meanwhile.
HEALTH_FRESH = 1.0
GAUGES_FRESH = 5.0


@dataclass
class Watchkeeper:
    """A running bot's parts: start them, stop them, ask them how they are."""

    settings: Settings
    engine: Engine
    ctx: Context
    client: WebClient
    bolt: App
    courier: Courier
    metrics: Metrics
    identity: BotIdentity
    scheduler: Scheduler
    #: The gauges' counts, read at most every few seconds (build marks them stale on changes).
    gauges: Reading[Gauges]
    role: Role = "all"
    #: The Socket Mode link, when Slack reaches this process that way (None: over HTTP).
    socket: SocketLink | None = None
    #: What the public status page shows, when it is on.
    status_page: StoredIncidents | None = None
    #: The alert hooks' routes, served by a process that answers requests (`/hooks/<source>`).
    hook_routes: Sequence[BaseRoute] = ()
    #: The HTTP client of the deliveries to webhooks and paging services.
    receivers: Receivers = field(default_factory=Receivers)
    #: The process this one started to deliver for it (`serve`'s default), if any.
    delivery: DeliveryProcess | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _health: Reading[dict[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        self._health = Reading(self._check_health, fresh_for=HEALTH_FRESH)

    def start(self) -> None:
        """Start the background work: learn who the bot is, deliver effects, plan reminders.

        Requests are refused until the bot knows its workspace, so it asks Slack once before
        serving; if Slack does not answer now, it keeps asking in the background.
        """
        if self.identity.learn(self.client):
            self._learned_workspace()
        else:
            self.identity.learn_in_background(
                self.client, self._stopping, then=self._learned_workspace
            )
        if self.socket is not None:
            self.socket.start()
        if self.delivers:
            self.courier.start()
            self.scheduler.start()
        if self.delivery is not None:
            self.delivery.start()

    @property
    def delivers(self) -> bool:
        """Whether this process posts side effects and sends reminders."""
        return self.role != "web"

    @property
    def answers(self) -> bool:
        """Whether this process answers Slack's requests."""
        return self.role != "delivery"

    def stop(self) -> None:
        """Finish reminders and deliveries under way, then release the database."""
        self._stopping.set()
        if self.socket is not None:
            self.socket.stop()  # no new envelopes; those being answered finish first
        self.scheduler.stop()
        self.courier.stop()
        if self.delivery is not None:
            self.delivery.stop()  # last: it delivers what the commands before the stop queued
        self.receivers.close()
        self.engine.dispose()

    def health(self) -> dict[str, str]:
        """What `/healthz` reports: each part `ok` or what is wrong with it (a second old at most)."""
        return dict(self._health.get())

    def _check_health(self) -> dict[str, str]:
        checks = {"database": "ok"}
        if self.socket is not None:
            checks["socket"] = self.socket.health()
        if self.delivers:
            checks["courier"] = "ok" if self.courier.running else "stopped"
            checks["scheduler"] = "ok" if self.scheduler.running else "stopped"
        if self.delivery is not None:
            checks["delivery"] = self.delivery.health()
        try:
            check_database(self.engine)
        except Exception as error:  # any failure to answer is the finding, not a crash
            checks["database"] = f"unreachable: {type(error).__name__}"
        return checks

    def status_routes(self) -> list[BaseRoute]:
        """The public status page's routes under `/status`, when it is on."""
        if self.status_page is None:
            return []
        return list(
            status_routes(
                self.status_page,
                page_name=page_name(self.ctx),
                zone=self.ctx.zone,
                clock=self.ctx.clock,
                public_url=self.settings.status_page_url or "",
            )
        )

    def _learned_workspace(self) -> None:
        """Keep the workspace's name (it titles the status page and reports made offline)."""
        if self.identity.team_name:
            try:
                remember_workspace(self.ctx, self.identity.team_name)
            except Exception:  # the name is a nicety: never stop the start for it
                log.exception("could not store the workspace's name")

    def refresh_gauges(self) -> None:
        """Bring the gauges up to date before `/metrics` is read (two counts, a few seconds old
        at most: scrapers must not load the database, nor the processor acks run on)."""
        counted = self.gauges.get()
        self.metrics.pending_effects.set(counted.pending_effects)
        self.metrics.open_incidents.set(counted.open_incidents)


def offline_context(settings: Settings, *, clock: Clock | None = None) -> Context:
    """The use cases' context over the configured database, without Slack (CLI reads)."""
    return use_case_context(settings, make_engine(settings.database_url), clock or SystemClock())


def use_case_context(settings: Settings, engine: Engine, clock: Clock) -> Context:
    """The context every use case is given, on `engine`, with the configured rules."""
    scale = settings.severity_scale()
    people = KnownPeople()
    return Context(
        uow=lambda read_only=False: SqlUnitOfWork(engine, read_only=read_only, known_people=people),
        clock=clock,
        scale=scale,
        reminders=ReminderPolicy(settings.reminder_interval, scale),
        zone=settings.zone,
        roles=tuple(settings.roles),
        broadcast=settings.broadcast_channel is not None,
        postmortem_template=settings.postmortem_template,
        timeline_reaction=settings.timeline_reaction,
        permissions=settings.permissions.rules(),
        due_work=(REMINDERS, NUDGES, ARCHIVE, STALE_PROMPT),
        workspace_work=(DIGEST,),
        nudges=NudgeRule(
            hour=settings.follow_ups.nudge_hour,
            zone=settings.zone,
            skip_weekends=settings.follow_ups.skip_weekends,
        ),
        digest=(
            DigestRule(
                settings.follow_ups.digest_weekday, settings.follow_ups.digest_hour, settings.zone
            )
            if settings.follow_ups.digest
            else None
        ),
        outgoing=settings.outgoing(),
        tidy=settings.tidy,
        status_page=settings.serves_status_page,
        status_page_name=settings.status_page_name,
        status_page_url=settings.status_page_url,
    )


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    slack_timeout: int = SLACK_TIMEOUT,
    role: Role = "all",
    mode: Mode | None = None,
    delivery: DeliveryProcess | None = None,
    told: bool = False,
) -> Watchkeeper:
    """Wire a bot from its settings; `migrate` applies the database migrations first.

    `role` splits the work between processes sharing one database: `web` answers Slack and
    leaves side effects and reminders in the database for a `delivery` process, which polls
    for them; `all` does both in one process. `mode` is how Slack reaches a process that
    answers it (default: Socket Mode when an app-level token is set, else HTTP). A web process
    that started its own delivery process tells it of each commit (`delivery`); that child is
    `told`, and so polls no faster than a process that does both.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    # `slack_timeout`: seconds a Web API call may take before it counts as failed (tests
    # shorten it to see slow calls fail fast).
    if migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    ctx = use_case_context(settings, engine, clock or SystemClock())
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    metrics = Metrics()
    # Every Slack call of this process (deliveries, reminders, the acks' own calls) shares one
    # pool of kept-alive connections: a handshake per connection, not per call.
    pool = connection_pool(settings.courier_workers + ACK_CONNECTIONS)
    client = InstrumentedWebClient(
        metrics,
        pool=pool,
        token=token,
        base_url=settings.slack_api_url,
        timeout=slack_timeout,
        # The courier retries, after looking whether the call took effect; a client retry
        # would repeat a post whose answer was lost, and hold a worker while it waits.
        retry_handlers=[],
    )
    ctx.members = ChannelMembers(client, ctx.now)
    identity = BotIdentity()
    slack = SlackDeliverer(
        ctx,
        client,
        channel_prefix=settings.channel_prefix,
        broadcast_channel=settings.broadcast_channel,
        bot_user_id=lambda: identity.user_id,
    )
    # What this process queues or settles moves the gauges: the next scrape counts afresh.
    counted = Reading(lambda: count_gauges(ctx), fresh_for=GAUGES_FRESH)
    status_page = (
        StoredIncidents(ctx, page_name=lambda: page_name(ctx), zone=ctx.zone)
        if settings.serves_status_page
        else None
    )

    def changed() -> None:
        """A commit here queued effects: what the gauges and the status page show may move."""
        counted.stale()
        if status_page is not None:
            status_page.changed()

    count = count_settled(metrics)

    def settled(effect: ClaimedEffect, outcome: str) -> None:
        count(effect, outcome)
        metrics.deliveries.labels(effect.destination, outcome).inc()
        counted.stale()

    receivers = Receivers()
    courier = Courier(
        ctx,
        Deliverers(
            [
                slack,
                FollowUpDeliverer(ctx, client, slack),
                *outgoing_deliverers(settings, ctx, receivers),
            ]
        ),
        workers=settings.courier_workers,
        on_settled=settled,
        poll=DELIVERY_POLL if role == "delivery" and not told else IDLE_POLL,
    )
    sync_every = settings.reminder_interval / 2
    scheduler = Scheduler(
        ctx,
        periodic=[Periodic("housekeeping", lambda: housekeep(ctx), housekeeping.EVERY)],
        sync_every=min(sync_every, DELIVERY_SYNC)
        if role == "delivery" and not told
        else sync_every,
    )
    if role != "web":
        # Use cases run here wake this process's courier and plan its reminders directly; a
        # web process leaves both to the delivery process, which looks in the database.

        def effects_queued() -> None:
            courier.wake()
            changed()

        ctx.on_effects = effects_queued
        ctx.on_due = scheduler.plan
    elif delivery is not None:
        # This process's own delivery process hears of each commit at once, through a pipe.

        def effects_told() -> None:
            delivery.effects_queued()
            changed()

        ctx.on_effects = effects_told
        ctx.on_due = delivery.due
        metrics.elsewhere = delivery.metric_families
    else:
        ctx.on_effects = changed
    secret = settings.slack_signing_secret
    bolt = build_app(
        ctx,
        # Bolt's own client gets the token per request from `authorize`.
        client=PooledWebClient(pool=pool, base_url=settings.slack_api_url, timeout=slack_timeout),
        bot_token=token or "",
        identity=identity,
        metrics=metrics,
        signing_secret=secret.get_secret_value() if secret is not None else None,
    )
    socket = None
    if role != "delivery" and (mode or settings.mode) == "socket":
        if settings.slack_app_token is None:
            raise ValueError("Socket Mode needs SLACK_APP_TOKEN")
        socket = SocketLink(
            bolt,
            settings.slack_app_token.get_secret_value(),
            api_url=settings.slack_api_url,
            metrics=metrics,
            stale_after=settings.socket_stale_after,
        )
    return Watchkeeper(
        settings,
        engine,
        ctx,
        client,
        bolt,
        courier,
        metrics,
        identity,
        scheduler,
        counted,
        role,
        socket,
        status_page,
        hook_routes=hook_routes(ctx, hooks(settings), metrics) if role != "delivery" else (),
        receivers=receivers,
        delivery=delivery,
    )


def hooks(settings: Settings) -> list[Hook]:
    """Every alert hook source, with its token (None: off) and its rules."""
    return [
        Hook(
            source,
            token.get_secret_value() if (token := settings.hook_tokens.get(source.name)) else None,
            settings.alert_policy(source.name),
        )
        for source in SOURCES
    ]


def outgoing_deliverers(settings: Settings, ctx: Context, receivers: Receivers) -> list[Deliverer]:
    """The deliverers of the effects bound outside Slack: webhooks, PagerDuty, Opsgenie.

    Each is registered whether configured or not: an effect queued before its settings were
    removed is set aside with a notice that says so, rather than left undeliverable.
    """
    targets = {
        webhook_destination(hook.key): WebhookTarget(hook.key, hook.url, hook.secret)
        for hook in settings.webhooks
    }
    return [
        WebhookDeliverer(ctx, targets, receivers),
        PagerDutyDeliverer(ctx, settings.pagerduty_url, settings.pagerduty_routing_key, receivers),
        OpsgenieDeliverer(ctx, settings.opsgenie_url, settings.opsgenie_api_key, receivers),
    ]
