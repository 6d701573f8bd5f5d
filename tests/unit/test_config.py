"""Settings: every variable of SPEC's table, the TOML file, and errors that name the variable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from watchkeeper.config import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_follow_the_spec() -> None:
    settings = load_settings({}, env_file=None)

    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///watchkeeper.db"
    assert settings.reminder_interval == timedelta(minutes=30)
    assert settings.broadcast_channel is None
    assert settings.channel_prefix == "inc"
    assert settings.timezone == "UTC"
    assert settings.courier_workers == 32
    assert settings.severity_scale().names == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert settings.archive_after is None
    assert settings.stale_after == timedelta(hours=24)


@pytest.mark.parametrize(
    ("archive", "stale", "expected"),
    [
        ("7d", "12h", (timedelta(days=7), timedelta(hours=12))),
        ("off", "off", (None, None)),
        ("OFF", "1h30m", (None, timedelta(minutes=90))),
    ],
)
def test_tidying_takes_a_duration_or_off(
    archive: str, stale: str, expected: tuple[timedelta | None, timedelta | None]
) -> None:
    settings = load_settings(
        {"WATCHKEEPER_ARCHIVE_AFTER": archive, "WATCHKEEPER_STALE_AFTER": stale}, env_file=None
    )

    assert (settings.tidy.archive_after, settings.tidy.stale_after) == expected


@pytest.mark.parametrize(
    ("database", "setting", "apart"),
    [
        ("sqlite:///watchkeeper.db", None, False),
        ("postgres://db/wk", None, True),
        ("postgresql+psycopg://db/wk", "auto", True),
        ("sqlite:///watchkeeper.db", "on", True),
        ("postgresql://db/wk", "off", False),
    ],
)
def test_serve_delivers_from_a_second_process_with_postgresql_unless_told(
    database: str, setting: str | None, apart: bool
) -> None:
    environ = {"DATABASE_URL": database}
    if setting is not None:
        environ["WATCHKEEPER_DELIVERY_PROCESS"] = setting

    assert load_settings(environ, env_file=None).delivers_apart is apart


def test_a_delivery_process_setting_other_than_auto_on_off_is_refused() -> None:
    with pytest.raises(SettingsError, match="WATCHKEEPER_DELIVERY_PROCESS"):
        load_settings({"WATCHKEEPER_DELIVERY_PROCESS": "yes"}, env_file=None)


def test_every_variable_is_read_from_the_environment() -> None:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-1-2",
            "SLACK_SIGNING_SECRET": "shh",
            "SLACK_APP_TOKEN": "xapp-1-2",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "DATABASE_URL": "postgresql+psycopg://db/wk",
            "WATCHKEEPER_REMINDER_INTERVAL": "1h30m",
            "WATCHKEEPER_BROADCAST_CHANNEL": "#incidents",
            "WATCHKEEPER_CHANNEL_PREFIX": "sev",
            "WATCHKEEPER_TIMEZONE": "Europe/Berlin",
            "WATCHKEEPER_COURIER_WORKERS": "64",
        },
        env_file=None,
    )

    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1-2"
    assert settings.slack_app_token is not None
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.database_url == "postgresql+psycopg://db/wk"
    assert settings.reminder_interval == timedelta(hours=1, minutes=30)
    assert settings.broadcast_channel == "#incidents"
    assert settings.channel_prefix == "sev"
    assert settings.zone.key == "Europe/Berlin"
    assert settings.courier_workers == 64


def test_a_malformed_interval_names_the_variable_and_the_accepted_forms() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"WATCHKEEPER_REMINDER_INTERVAL": "abc"}, env_file=None)

    assert "WATCHKEEPER_REMINDER_INTERVAL" in str(raised.value)
    assert "30m" in str(raised.value)


def test_a_wrong_token_is_named_without_showing_it() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"SLACK_BOT_TOKEN": "xoxp-personal-secret"}, env_file=None)

    assert "SLACK_BOT_TOKEN" in str(raised.value)
    assert "xoxp-personal-secret" not in str(raised.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WATCHKEEPER_TIMEZONE", "Mars/Olympus"),
        ("WATCHKEEPER_CHANNEL_PREFIX", "Inc!"),
        ("SLACK_API_URL", "slack.com/api"),
        ("WATCHKEEPER_COURIER_WORKERS", "0"),
        ("WATCHKEEPER_COURIER_WORKERS", "many"),
        ("WATCHKEEPER_ARCHIVE_AFTER", "a week"),
        ("WATCHKEEPER_ARCHIVE_AFTER", "0d"),
        ("WATCHKEEPER_STALE_AFTER", "never"),
        ("WATCHKEEPER_STALE_AFTER", "400d"),
        ("WATCHKEEPER_TIMELINE_REACTION", "push pin"),
    ],
)
def test_each_malformed_setting_is_named(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: value}, env_file=None)


def test_the_timeline_reaction_is_pushpin_unless_the_toml_file_names_another(
    tmp_path: Path,
) -> None:
    config = tmp_path / "watchkeeper.toml"
    config.write_text('timeline_reaction = ":Memo:"\n')

    named = load_settings({"WATCHKEEPER_CONFIG": str(config)}, env_file=None)

    assert load_settings({}, env_file=None).timeline_reaction == "pushpin"
    assert named.timeline_reaction == "memo"


def test_the_toml_file_holds_severities_and_roles(tmp_path: Path) -> None:
    config = tmp_path / "watchkeeper.toml"
    config.write_text(
        'roles = ["scribe"]\ndefault_severity = "P2"\n'
        '[[severity]]\nname = "P1"\nreminder_interval = "15m"\nresponders = ["U0ONCALL"]\n'
        '[[severity]]\nname = "P2"\n'
    )

    settings = load_settings({"WATCHKEEPER_CONFIG": str(config)}, env_file=None)

    scale = settings.severity_scale()
    assert scale.names == ["P1", "P2"]
    assert scale.default == "P2"
    assert scale.level("p1").reminder_interval == timedelta(minutes=15)
    assert scale.level("P1").responders == ("U0ONCALL",)
    assert settings.roles == ["commander", "scribe"]


def test_a_severity_marked_private_declares_private_incidents(tmp_path: Path) -> None:
    config = tmp_path / "watchkeeper.toml"
    config.write_text('[[severity]]\nname = "SEC"\nprivate = true\n[[severity]]\nname = "P2"\n')

    scale = load_settings({"WATCHKEEPER_CONFIG": str(config)}, env_file=None).severity_scale()

    assert scale.level("SEC").private and not scale.level("P2").private


def test_a_severity_both_public_and_private_is_refused_by_name(tmp_path: Path) -> None:
    config = tmp_path / "watchkeeper.toml"
    config.write_text('[[severity]]\nname = "SEC"\npublic = true\nprivate = true\n')

    with pytest.raises(SettingsError, match="SEC is marked both public and private"):
        load_settings({"WATCHKEEPER_CONFIG": str(config)}, env_file=None)


def test_the_environment_wins_over_dotenv_and_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "watchkeeper.toml"
    config.write_text(
        'reminder_interval = "10m"\nchannel_prefix = "toml"\ntimezone = "Asia/Tokyo"\n'
    )
    dotenv = tmp_path / ".env"
    dotenv.write_text("WATCHKEEPER_CHANNEL_PREFIX=dotenv\nWATCHKEEPER_TIMEZONE=Europe/Paris\n")

    settings = load_settings(
        {"WATCHKEEPER_CONFIG": str(config), "WATCHKEEPER_TIMEZONE": "America/Chicago"},
        env_file=dotenv,
    )

    assert settings.timezone == "America/Chicago"
    assert settings.channel_prefix == "dotenv"
    assert settings.reminder_interval == timedelta(minutes=10)


def test_a_named_config_file_that_is_missing_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="WATCHKEEPER_CONFIG"):
        load_settings({"WATCHKEEPER_CONFIG": str(tmp_path / "nope.toml")}, env_file=None)


def test_a_toml_file_with_a_default_that_is_no_level_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "watchkeeper.toml"
    config.write_text('default_severity = "SEV9"\n')

    with pytest.raises(SettingsError, match="SEV9"):
        load_settings({"WATCHKEEPER_CONFIG": str(config)}, env_file=None)


def test_the_shipped_example_toml_loads() -> None:
    settings = load_settings(
        {"WATCHKEEPER_CONFIG": str(ROOT / "watchkeeper.example.toml")}, env_file=None
    )

    assert settings.severity_scale().level("SEV1").reminder_interval == timedelta(minutes=15)
    assert "communications" in settings.roles
