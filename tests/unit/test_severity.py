"""The severity scale: looking levels up, ranking them, and refusing scales that make no sense."""

from __future__ import annotations

import pytest

from watchkeeper.domain.errors import IncidentError, UnknownSeverity
from watchkeeper.domain.severity import DEFAULT_SCALE, SeverityLevel, SeverityScale

P_SCALE = SeverityScale(
    levels=(SeverityLevel("P1"), SeverityLevel("P2"), SeverityLevel("P3")), default="P3"
)


@pytest.mark.parametrize("spelling", ["SEV2", "sev2", "Sev2", "  sev2 "])
def test_level_is_found_in_any_case(spelling: str) -> None:
    assert DEFAULT_SCALE.level(spelling).name == "SEV2"


def test_level_carries_its_description() -> None:
    assert DEFAULT_SCALE.level("sev1").description.startswith("Critical")


def test_unknown_level_is_refused_listing_the_levels() -> None:
    with pytest.raises(
        UnknownSeverity, match="'SEV5' is not a severity here; use one of P1, P2, P3"
    ):
        P_SCALE.level("SEV5")


def test_unknown_level_is_a_refusal_for_the_responder() -> None:
    with pytest.raises(IncidentError):
        DEFAULT_SCALE.level("critical")


@pytest.mark.parametrize(("name", "rank"), [("SEV1", 0), ("sev2", 1), ("SEV3", 2), ("Sev4", 3)])
def test_rank_counts_from_the_most_severe(name: str, rank: int) -> None:
    assert DEFAULT_SCALE.rank(name) == rank


@pytest.mark.parametrize(
    ("first", "second", "worse"),
    [("SEV1", "SEV3", "SEV1"), ("SEV4", "SEV2", "SEV2"), ("SEV2", "SEV2", "SEV2")],
)
def test_more_severe_picks_the_worse_level(first: str, second: str, worse: str) -> None:
    assert DEFAULT_SCALE.more_severe(first, second) == worse


def test_names_are_in_order_most_severe_first() -> None:
    assert list(DEFAULT_SCALE.names) == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert [level.name for level in DEFAULT_SCALE] == ["SEV1", "SEV2", "SEV3", "SEV4"]


def test_bundled_scale_defaults_to_sev3() -> None:
    assert DEFAULT_SCALE.default == "SEV3"


def test_configured_default_is_used() -> None:
    assert P_SCALE.default == "P3"


def test_configured_default_is_spelled_as_the_scale_spells_it() -> None:
    scale = SeverityScale(levels=(SeverityLevel("P1"), SeverityLevel("P2")), default="p2")

    assert scale.default == "P2"


def test_without_a_configured_default_a_middle_level_is_the_default() -> None:
    scale = SeverityScale(
        levels=(SeverityLevel("SEV1"), SeverityLevel("SEV2"), SeverityLevel("SEV3"))
    )

    assert scale.default == "SEV2"


def test_scale_without_levels_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one level"):
        SeverityScale(levels=())


def test_scale_with_repeated_names_is_refused_even_in_another_case() -> None:
    with pytest.raises(ValueError, match="severity names repeat: SEV1, sev1"):
        SeverityScale(levels=(SeverityLevel("SEV1"), SeverityLevel("sev1")))


def test_scale_whose_default_is_not_a_level_is_refused() -> None:
    with pytest.raises(ValueError, match="default severity 'SEV9' is not one of the levels"):
        SeverityScale(levels=(SeverityLevel("SEV1"), SeverityLevel("SEV2")), default="SEV9")
