"""Each kind of thing is declared once, in one record, and every record is complete.

A permission has its setting, its words and a line in the example TOML; an effect kind has a
deliverer in the bot bootstrap builds, and a description for the notice that says it failed; a
subcommand has a form that names it, a summary, and words no other subcommand uses.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from watchkeeper.bootstrap import build
from watchkeeper.config import PermissionSettings, load_settings
from watchkeeper.domain.permissions import Permission, verb
from watchkeeper.services.effects import EffectKind, doing_what
from watchkeeper.slack.subcommands import SUBCOMMANDS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("permission", list(Permission))
def test_every_permission_has_its_setting_its_words_and_an_example(permission: Permission) -> None:
    example = tomllib.loads((ROOT / "watchkeeper.example.toml").read_text())["permissions"]

    assert permission.value in PermissionSettings.model_fields
    assert verb(permission, "INC-7")
    assert permission.value in example


def test_a_permission_rule_in_the_toml_file_is_read(tmp_path: Path) -> None:
    config = tmp_path / "watchkeeper.toml"
    rules = "\n".join(f'{p.value} = ["UDEV"]' for p in Permission)
    config.write_text(f"[permissions]\n{rules}\n")

    settings = load_settings({"WATCHKEEPER_CONFIG": str(config)}, env_file=None)

    assert dict(settings.permissions.rules().rules) == {p: ("UDEV",) for p in Permission}


def test_every_effect_kind_has_a_deliverer_in_the_bot_and_a_description(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-1-2",
            "SLACK_SIGNING_SECRET": "secret",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'wk.db'}",
        },
        env_file=None,
        toml=False,
    )
    bot = build(settings)
    try:
        delivered = bot.courier.deliverers.kinds
    finally:
        bot.stop()

    assert set(EffectKind) - delivered == set()
    assert all(doing_what(kind) for kind in EffectKind)


def test_every_subcommand_names_itself_in_its_form_and_says_what_it_does() -> None:
    for subcommand in SUBCOMMANDS:
        assert subcommand.form.split()[:2] == ["/incident", subcommand.name], subcommand.name
        assert subcommand.summary.endswith("."), subcommand.name


def test_no_word_names_two_subcommands() -> None:
    words = [word for subcommand in SUBCOMMANDS for word in subcommand.words]

    assert len(words) == len(set(words))
