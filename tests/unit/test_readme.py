"""The README covers what an operator needs (issue 6) and names every setting SPEC lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "SPEC.md"


def sections(markdown: str) -> dict[str, str]:
    """Each `## ` section's body by its lowercased heading."""
    found: dict[str, str] = {}
    heading = ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip().lower()
            found[heading] = ""
        elif heading:
            found[heading] += line + "\n"
    return found


def table_names(section: str) -> list[str]:
    """The first backticked name in each row of a Markdown table: `| `NAME` … | … |`."""
    return re.findall(r"^\| `([^`]+)`", section, re.MULTILINE)


def section_about(markdown: str, heading_words: str) -> str:
    """The body of the one section whose heading holds all of `heading_words`."""
    wanted = heading_words.lower().split()
    matches = [body for head, body in sections(markdown).items() if all(w in head for w in wanted)]
    assert len(matches) == 1, f"no single README section about {heading_words!r}"
    return matches[0]


@pytest.fixture(scope="module")
def readme() -> str:
    return (ROOT / "README.md").read_text()


def spec_text() -> str:
    if not SPEC.is_file():
        pytest.skip(f"SPEC.md is not beside this checkout ({SPEC})")
    return SPEC.read_text()


def test_sections_split_by_second_level_headings() -> None:
    found = sections("# Title\nintro\n## Quick start\nrun it\n## Settings\n| `A` | x |\n")

    assert found == {"quick start": "run it\n", "settings": "| `A` | x |\n"}
    assert table_names(found["settings"]) == ["A"]


def test_the_quick_start_runs_the_demo(readme: str) -> None:
    assert "watchkeeper demo" in section_about(readme, "quick start")


def test_the_slack_app_is_set_up_from_the_manifest(readme: str) -> None:
    setup = section_about(readme, "workspace")

    assert "manifest.yml" in setup
    assert "SLACK_BOT_TOKEN" in setup or "xoxb-" in setup


def test_postgresql_with_several_replicas_is_explained(readme: str) -> None:
    databases = section_about(readme, "replicas")

    assert "PostgreSQL" in databases
    assert "DATABASE_URL" in databases


def test_upgrading_runs_the_migrations(readme: str) -> None:
    upgrades = section_about(readme, "upgrades")

    assert re.search(r"\*\*Upgrading\*\*.*watchkeeper db upgrade", upgrades, re.DOTALL)


def test_troubleshooting_starts_with_watchkeeper_check(readme: str) -> None:
    troubleshooting = section_about(readme, "troubleshooting")

    assert troubleshooting.strip().splitlines()[0].startswith("`watchkeeper check`")


def test_the_settings_table_names_every_variable_of_specs_table(readme: str) -> None:
    spec_settings = table_names(sections(spec_text())["settings"])
    readme_settings = table_names(section_about(readme, "settings"))

    assert len(spec_settings) >= 9, "SPEC's settings table was read"
    assert [name for name in spec_settings if name not in readme_settings] == []


def test_the_commands_table_names_every_command_of_spec(readme: str) -> None:
    spec_commands = {
        " ".join(name.split()[:2]) for name in table_names(sections(spec_text())["running it"])
    }
    readme_commands = {
        " ".join(name.split()[:2]) for name in table_names(section_about(readme, "commands"))
    }

    assert "watchkeeper check" in spec_commands
    assert sorted(spec_commands - readme_commands) == []


def test_every_variable_the_settings_read_is_documented(readme: str) -> None:
    from watchkeeper.config import VARIABLES

    documented = set(table_names(section_about(readme, "settings")))
    example = (ROOT / ".env.example").read_text()

    assert len(VARIABLES) >= 14, "the settings' variables were read"
    assert sorted(set(VARIABLES.values()) - documented) == []
    assert [name for name in VARIABLES.values() if name not in example] == []
