"""Which deliverer carries out each kind of effect: one registry, built once by bootstrap."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from watchkeeper.services.effects import EffectKind
from watchkeeper.services.settling import Deliverer, PermanentFailure


class Deliverers:
    """Each effect kind and its one deliverer."""

    def __init__(self, deliverers: Iterable[Deliverer]) -> None:
        by_kind: dict[EffectKind, Deliverer] = {}
        for deliverer in deliverers:
            for kind in deliverer.kinds:
                if kind in by_kind:
                    raise ValueError(f"two deliverers for {kind.value}")
                by_kind[kind] = deliverer
        self._by_kind: Mapping[EffectKind, Deliverer] = MappingProxyType(by_kind)

    @property
    def kinds(self) -> frozenset[EffectKind]:
        """Every kind some deliverer carries out."""
        return frozenset(self._by_kind)

    def for_kind(self, kind: str) -> Deliverer:
        """The deliverer of `kind`; an effect nobody delivers can only be set aside."""
        try:
            return self._by_kind[EffectKind(kind)]
        except (KeyError, ValueError):
            raise PermanentFailure(
                f"no deliverer handles {kind!r} effects in this version of Watchkeeper"
            ) from None
