"""Permissions: who may declare, change severity, resolve and reopen, and the refusal's words."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from watchkeeper.config import SettingsError, load_settings
from watchkeeper.domain.errors import NotPermitted
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.permissions import Permission, Permissions

AT = datetime(2025, 11, 24, 8, 20, tzinfo=UTC)
STRICT = Permissions(
    rules={Permission.RESOLVE: ("commander", "roles", "admins"), Permission.DECLARE: ("admins",)},
    admins=frozenset({"UADMIN"}),
)


def incident() -> Incident:
    incident = Incident.declare(
        number=7, title="Checkout errors", severity="SEV2", declared_by="UDECLARER", at=AT
    )
    incident.assign_role("commander", "UCOMMANDER", by="UDECLARER", at=AT)
    incident.assign_role("scribe", "USCRIBE", by="UDECLARER", at=AT)
    return incident


@pytest.mark.parametrize("user", ["UCOMMANDER", "USCRIBE", "UADMIN"])
def test_the_commander_role_holders_and_admins_may_resolve(user: str) -> None:
    assert STRICT.allows(Permission.RESOLVE, user, incident())


def test_a_bystander_is_refused_with_who_may() -> None:
    with pytest.raises(NotPermitted) as refused:
        STRICT.check(Permission.RESOLVE, "UBYSTANDER", incident())

    assert str(refused.value) == (
        "Only the commander (@UCOMMANDER), people holding a role or the admins (@UADMIN) "
        "may resolve INC-7."
    )


def test_changes_not_listed_are_open_to_anyone() -> None:
    assert STRICT.allows(Permission.REOPEN, "UBYSTANDER", incident())
    assert Permissions().allows(Permission.DECLARE, "UBYSTANDER", None)


def test_declaring_can_be_kept_to_admins() -> None:
    assert STRICT.allows(Permission.DECLARE, "UADMIN", None)
    assert not STRICT.allows(Permission.DECLARE, "UDECLARER", None)


def test_a_rule_may_name_people_directly() -> None:
    rules = Permissions(rules={Permission.SEVERITY: ("UDUTY",)})

    assert rules.allows(Permission.SEVERITY, "UDUTY", incident())
    with pytest.raises(NotPermitted, match="Only @UDUTY may change the severity of INC-7"):
        rules.check(Permission.SEVERITY, "UOTHER", incident())


def test_the_toml_file_sets_the_rules(tmp_path: Path) -> None:
    config = tmp_path / "watchkeeper.toml"
    config.write_text('[permissions]\nadmins = ["UADMIN"]\nresolve = ["commander", "admins"]\n')

    rules = load_settings({"WATCHKEEPER_CONFIG": str(config)}, env_file=None).permissions.rules()

    assert rules.allows(Permission.RESOLVE, "UADMIN", incident())
    assert not rules.allows(Permission.RESOLVE, "USCRIBE", incident())


def test_a_rule_with_an_unknown_word_is_refused_at_start(tmp_path: Path) -> None:
    config = tmp_path / "watchkeeper.toml"
    config.write_text('[permissions]\nresolve = ["everyone"]\n')

    with pytest.raises(SettingsError, match="everyone"):
        load_settings({"WATCHKEEPER_CONFIG": str(config)}, env_file=None)
