"""The Dockerfile, read rather than built (no Docker here): the properties issue 6 asks of the
image, and a lock file that pins every runtime dependency pyproject.toml names."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = "requirements.lock"


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: `RUN pip install …` is ("RUN", "pip install …")."""

    keyword: str
    value: str


def instructions(text: str) -> list[Instruction]:
    """The instructions in order, continuation lines joined, comments and blanks left out."""
    found: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1].rstrip() + " "
            continue
        keyword, _, value = (pending + stripped).partition(" ")
        found.append(Instruction(keyword.upper(), value.strip()))
        pending = ""
    return found


def stages(text: str) -> list[list[Instruction]]:
    """The build stages, each starting with its FROM."""
    split: list[list[Instruction]] = []
    for instruction in instructions(text):
        if instruction.keyword == "FROM":
            split.append([])
        if split:
            split[-1].append(instruction)
    return split


def last(stage: list[Instruction], keyword: str) -> Instruction:
    [*_, found] = [i for i in stage if i.keyword == keyword]
    return found


def exec_form(instruction: Instruction) -> list[str]:
    """The JSON array of an exec-form instruction (shell form fails to parse, as it should)."""
    value: list[str] = json.loads(instruction.value)
    return value


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


@pytest.fixture(scope="module")
def runtime(dockerfile: str) -> list[Instruction]:
    """The final stage: what the image runs."""
    return stages(dockerfile)[-1]


def test_the_parser_joins_continuations_and_skips_comments() -> None:
    parsed = instructions("# a comment\nFROM python:3.11-slim AS build\nRUN a \\\n    && b\n")

    assert parsed == [
        Instruction("FROM", "python:3.11-slim AS build"),
        Instruction("RUN", "a && b"),
    ]


def test_the_image_is_built_in_several_stages_and_the_last_copies_from_the_first(
    dockerfile: str, runtime: list[Instruction]
) -> None:
    first = stages(dockerfile)[0]
    build_name = first[0].value.split()[-1]

    assert len(stages(dockerfile)) >= 2
    assert first[0].value.split()[-2].upper() == "AS"
    assert any(i.keyword == "COPY" and i.value.startswith(f"--from={build_name} ") for i in runtime)


def test_every_stage_starts_from_a_slim_python_image(dockerfile: str) -> None:
    bases = [stage[0].value.split()[0] for stage in stages(dockerfile)]

    assert all(re.fullmatch(r"python:3\.1[1-9]-slim(-[a-z]+)?", base) for base in bases), bases


def test_the_image_runs_as_a_user_that_is_not_root(runtime: list[Instruction]) -> None:
    user = last(runtime, "USER").value.split(":")[0]
    keywords = [i.keyword for i in runtime]

    assert user not in {"root", "0"}
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")


def test_dependencies_are_installed_from_the_lock_file_only(dockerfile: str) -> None:
    runs = [i.value for i in instructions(dockerfile) if i.keyword == "RUN"]
    copies = [i.value for i in instructions(dockerfile) if i.keyword == "COPY"]

    locked = [run for run in runs if f"-r {LOCK}" in run]
    assert locked, "no pip install -r requirements.lock"
    assert all("pip install" in run and "--no-deps" in run for run in locked)
    assert any(copy.split()[0] == LOCK for copy in copies)
    # The project itself is installed without letting pip resolve anything the lock did not pin.
    project = [run for run in runs if re.search(r"pip install .*--no-deps \.$", run)]
    assert project, "the project is installed with --no-deps"


def test_the_healthcheck_asks_healthz_in_exec_form(runtime: list[Instruction]) -> None:
    healthcheck = last(runtime, "HEALTHCHECK").value
    options, _, command = healthcheck.partition(" CMD ")

    assert "--interval=" in options
    assert any("/healthz" in part for part in json.loads(command))


def test_the_image_runs_watchkeeper_serve_in_exec_form(runtime: list[Instruction]) -> None:
    entrypoint = exec_form(last(runtime, "ENTRYPOINT"))
    command = exec_form(last(runtime, "CMD"))

    assert [*entrypoint, *command][:2] == ["watchkeeper", "serve"]


def test_the_server_listens_on_all_interfaces_on_the_exposed_port(
    runtime: list[Instruction],
) -> None:
    command = exec_form(last(runtime, "CMD"))

    assert command[command.index("--host") + 1] == "0.0.0.0"  # noqa: S104 - a container's port
    assert command[command.index("--port") + 1] == last(runtime, "EXPOSE").value


# --- the lock file -----------------------------------------------------------------------------


def locked_versions() -> dict[str, Version]:
    """`name==version` lines of the lock file, by canonical name."""
    pins: dict[str, Version] = {}
    for line in (ROOT / LOCK).read_text().splitlines():
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
        if match:
            pins[canonicalize_name(match.group(1))] = Version(match.group(2))
    return pins


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_the_lock_parser_reads_pins() -> None:
    assert locked_versions()["sqlalchemy"] >= Version("2.0")


@pytest.mark.parametrize(
    "requirement", runtime_requirements(), ids=lambda requirement: requirement.name
)
def test_the_lock_file_pins_each_runtime_dependency_within_its_range(
    requirement: Requirement,
) -> None:
    pinned = locked_versions().get(canonicalize_name(requirement.name))

    assert pinned is not None, f"{requirement.name} is not pinned in {LOCK}"
    assert requirement.specifier.contains(pinned, prereleases=True), (requirement, pinned)


def test_the_lock_file_pins_the_postgresql_driver_binary_the_slim_image_needs() -> None:
    # The slim image has no compiler or libpq: psycopg[binary] brings its own.
    assert "psycopg-binary" in locked_versions()
