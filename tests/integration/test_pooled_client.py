"""Slack calls reuse kept-alive connections, over HTTP and HTTPS, and fail as slack_sdk's do.

The stand-in counts the connections it accepts: over HTTPS each one is a TLS handshake, which
the real Slack makes cost a round trip or two across the internet.
"""

from __future__ import annotations

import copy
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from tests.e2e.helpers import as_user, declare, settle
from tests.fixtures.bot import StartBot, signed_slack

from watchkeeper.slack.failures import judge, rate_limit_wait
from watchkeeper.slack.pooled import PooledWebClient, connection_pool
from watchkeeper.standin import FakeSlack


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_slack(authority: trustme.CA) -> Iterator[FakeSlack]:
    """The stand-in over HTTPS, its certificate signed by `authority`."""
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(served)
    fake = FakeSlack()
    fake.start(tls=served)
    try:
        yield fake
    finally:
        fake.stop()


def trusting(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context


def test_many_calls_share_one_connection(fake_slack: FakeSlack) -> None:
    client = PooledWebClient(token=fake_slack.token, base_url=fake_slack.url)
    before = fake_slack.connections

    for _ in range(20):
        assert client.auth_test()["ok"]

    assert fake_slack.connections - before == 1


def test_slack_sdks_own_client_opens_a_connection_per_call(fake_slack: FakeSlack) -> None:
    """What the pool saves: the plain client's cost, measured the same way."""
    client = WebClient(token=fake_slack.token, base_url=fake_slack.url)
    before = fake_slack.connections

    for _ in range(5):
        client.auth_test()

    assert fake_slack.connections - before == 5


def test_over_https_one_handshake_serves_every_call(
    tls_slack: FakeSlack, authority: trustme.CA
) -> None:
    assert tls_slack.url.startswith("https://")
    client = PooledWebClient(token=tls_slack.token, base_url=tls_slack.url, ssl=trusting(authority))

    for _ in range(20):
        assert client.auth_test()["ok"]

    assert tls_slack.connections == 1


def test_concurrent_callers_open_no_more_connections_than_they_run_at_once(
    tls_slack: FakeSlack, authority: trustme.CA
) -> None:
    pool = connection_pool(8, trusting(authority))
    clients = [
        PooledWebClient(pool=pool, token=tls_slack.token, base_url=tls_slack.url) for _ in range(4)
    ]
    channel = tls_slack.create_channel("inc-1-pool", with_bot=True).id

    def post(client: PooledWebClient) -> None:
        for n in range(25):
            client.chat_postMessage(channel=channel, text=f"update {n}")

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(tls_slack.messages(channel)) == 100
    assert tls_slack.connections <= 4


def test_ssl_cert_file_is_trusted_and_an_unknown_certificate_is_refused(
    tls_slack: FakeSlack, authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stranger = PooledWebClient(token=tls_slack.token, base_url=tls_slack.url)
    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
        stranger.auth_test()

    bundle = tmp_path / "slack-ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    trusted = PooledWebClient(token=tls_slack.token, base_url=tls_slack.url)
    assert trusted.auth_test()["ok"]


def test_a_rate_limit_keeps_its_retry_after(fake_slack: FakeSlack) -> None:
    client = PooledWebClient(token=fake_slack.token, base_url=fake_slack.url, retry_handlers=[])
    fake_slack.fail("auth.test", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as refused:
        client.auth_test()

    wait = rate_limit_wait(refused.value)
    assert wait is not None and wait.total_seconds() == 7
    assert client.auth_test()["ok"]  # the connection survived the refusal


def test_a_slack_error_code_is_raised_as_slack_sdk_raises_it(fake_slack: FakeSlack) -> None:
    client = PooledWebClient(token=fake_slack.token, base_url=fake_slack.url)

    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0NOSUCH", text="hello")

    assert refused.value.response["error"] == "channel_not_found"
    assert refused.value.response.status_code == 200


def test_a_dropped_connection_fails_the_call_and_the_next_call_reconnects(
    fake_slack: FakeSlack,
) -> None:
    client = PooledWebClient(token=fake_slack.token, base_url=fake_slack.url, retry_handlers=[])
    client.auth_test()
    fake_slack.drop("auth.test")

    with pytest.raises(OSError) as cut:
        client.auth_test()

    judged = judge(cut.value, attempts=0)
    assert judged is not None and judged.outage  # retried later, as for any unreachable Slack
    assert client.auth_test()["ok"]


def test_a_stopped_slack_cuts_kept_connections(fake_slack: FakeSlack) -> None:
    client = PooledWebClient(token=fake_slack.token, base_url=fake_slack.url, retry_handlers=[])
    client.auth_test()
    fake_slack.stop()

    with pytest.raises(OSError):
        client.auth_test()


def test_the_bots_calls_reuse_connections(start_bot: StartBot, fake_slack: FakeSlack) -> None:
    bot = start_bot()
    slack = signed_slack(bot.url, fake_slack.team_id)
    channel = declare(slack, fake_slack)
    settle(bot, fake_slack)
    calls, connections = len(fake_slack.calls), fake_slack.connections

    for n in range(30):
        as_user(slack, f"note step {n} done", channel=channel.id)
    settle(bot, fake_slack)

    made = len(fake_slack.calls) - calls
    assert made >= 30  # each note is announced in the channel
    assert fake_slack.connections - connections <= 4, (made, fake_slack.connections)


def test_a_copy_shares_the_connections(fake_slack: FakeSlack) -> None:
    """Bolt deep-copies a request, its client with it, for lazy listeners."""
    client = PooledWebClient(token=fake_slack.token, base_url=fake_slack.url)
    client.auth_test()

    copied = copy.deepcopy(client)
    assert copied.auth_test()["ok"]

    assert copied.pool is client.pool
    assert fake_slack.connections == 1


def test_an_answer_on_a_kept_connection_is_not_held_back(fake_slack: FakeSlack) -> None:
    """The stand-in sends each answer at once, as Slack does: held for the client's delayed
    ACK (Nagle's algorithm), every call on a kept-alive connection would take 40 ms more."""
    client = PooledWebClient(token=fake_slack.token, base_url=fake_slack.url)
    client.auth_test()

    started = time.monotonic()
    for _ in range(25):
        client.auth_test()

    assert time.monotonic() - started < 0.8  # held back, 25 calls take over a second
