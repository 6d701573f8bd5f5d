"""The settings of alerts in and incidents out: hook tokens, `[alerts.*]`, `[[webhooks]]`,
paging keys and levels; each mistake names where it is, and no secret is ever shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.config import Settings, SettingsError, load_settings
from watchkeeper.domain.events import IncidentEvent

EXAMPLE = Path(__file__).resolve().parents[2] / "watchkeeper.example.toml"


def settings_from(tmp_path: Path, toml: str = "", **environ: str) -> Settings:
    config = tmp_path / "watchkeeper.toml"
    config.write_text(toml)
    return load_settings({"WATCHKEEPER_CONFIG": str(config), **environ}, env_file=None)


def refusal(tmp_path: Path, toml: str = "", **environ: str) -> str:
    with pytest.raises(SettingsError) as raised:
        settings_from(tmp_path, toml, **environ)
    return str(raised.value)


def test_hook_tokens_turn_their_sources_on(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path, WATCHKEEPER_HOOK_TOKENS=" alertmanager=am-1 , incident=in-2,"
    )

    assert {k: v.get_secret_value() for k, v in settings.hook_tokens.items()} == {
        "alertmanager": "am-1",
        "incident": "in-2",
    }
    assert settings_from(tmp_path, WATCHKEEPER_HOOK_TOKENS="").hook_tokens == {}


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("alertmanager=", "the token for alertmanager is empty"),
        ("nagios=secret-1", "'nagios' is not a hook source"),
        ("alertmanager", "must be source=token pairs"),
        ("grafana=a,grafana=b", "grafana is named twice"),
    ],
)
def test_a_hook_token_mistake_is_named_without_showing_the_tokens(
    tmp_path: Path, value: str, said: str
) -> None:
    told = refusal(tmp_path, WATCHKEEPER_HOOK_TOKENS=value)

    assert "WATCHKEEPER_HOOK_TOKENS" in told
    assert said in told
    assert "secret-1" not in told and "got" not in told


def test_paging_keys_are_secrets_and_blank_means_unset(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        WATCHKEEPER_PAGERDUTY_ROUTING_KEY="R" * 32,
        WATCHKEEPER_OPSGENIE_API_KEY="  ",
    )

    assert settings.pagerduty_routing_key is not None
    assert "R" * 32 not in repr(settings)
    assert settings.opsgenie_api_key is None
    assert settings.pagerduty_url == "https://events.pagerduty.com/v2/enqueue"
    assert settings.opsgenie_url == "https://api.opsgenie.com/v2/alerts"
    assert "WATCHKEEPER_OPSGENIE_URL" in refusal(
        tmp_path, WATCHKEEPER_OPSGENIE_URL="api.eu.opsgenie.com"
    )


def test_the_example_toml_reads_and_says_what_pages_and_who_hears(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path, EXAMPLE.read_text(), WATCHKEEPER_PAGERDUTY_ROUTING_KEY="R" * 32
    )

    rules = settings.outgoing()
    assert rules.paging.levels == frozenset({"SEV1"})
    assert rules.paging.pagerduty and not rules.paging.opsgenie
    assert [hook.name for hook in rules.webhooks] == ["status-bridge", "audit"]
    assert rules.webhooks[0].events == frozenset({IncidentEvent.DECLARED, IncidentEvent.RESOLVED})
    assert rules.webhooks[1].events is None
    policy = settings.alert_policy("alertmanager")
    assert [str(m) for m in policy.declare_when] == ['env="prod"', 'severity=~"critical|warning"']
    assert policy.severity_map == {"critical": "SEV1", "warning": "SEV3"}
    assert settings.alert_policy("grafana").title == "{alertname}: {summary}"  # the default


def test_a_webhook_without_a_name_is_named_after_its_host_not_its_whole_url(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        '[[webhooks]]\nurl = "https://hooks.example.com/T0/B1/s3cr3t"\nsecret = "x"\n',
    )

    [hook] = settings.outgoing().webhooks
    assert hook.name.startswith("hooks.example.com-")
    assert "s3cr3t" not in hook.name


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        ('[[webhooks]]\nurl = "ftp://x"\nsecret = "s"\n', "is not an http(s) URL"),
        ('[[webhooks]]\nurl = "https://x"\nsecret = ""\n', "needs a secret"),
        ('[[webhooks]]\nurl = "https://x"\n', "secret"),
        (
            '[[webhooks]]\nurl = "https://x"\nsecret = "s"\nevents = ["incident.deleted"]\n',
            "not an incident event",
        ),
        (
            '[[webhooks]]\nurl = "https://x"\nsecret = "s"\nseverities = ["P9"]\n',
            "'P9' is not a severity",
        ),
        ('[[webhooks]]\nurl = "https://x"\nsecret = "s"\nurll = "y"\n', "urll"),
        (
            '[[webhooks]]\nname = "a"\nurl = "https://x"\nsecret = "s"\n'
            '[[webhooks]]\nname = "a"\nurl = "https://y"\nsecret = "s"\n',
            "two webhooks are named 'a'",
        ),
        ('[alerts.nagios]\ntitle = "x"\n', "[alerts.nagios]: no such hook source"),
        ("[alerts.alertmanager]\ndeclare_when = ['severity']\n", "is not a label matcher"),
        ('[alerts.grafana]\nseverity_map = { critical = "SEV9" }\n', "'SEV9' is not a severity"),
        ("[alerts.incident]\nmax_incidents_per_hour = 0\n", "max_incidents_per_hour"),
    ],
)
def test_a_mistake_in_the_toml_file_is_named(tmp_path: Path, toml: str, said: str) -> None:
    told = refusal(tmp_path, toml)

    assert said in told


def test_a_webhook_secret_never_shows_in_a_refusal(tmp_path: Path) -> None:
    told = refusal(tmp_path, '[[webhooks]]\nurl = "nope"\nsecret = "hunter2-secret"\n')

    assert "hunter2-secret" not in told
