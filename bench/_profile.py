"""Where the time goes: one profiled call, reduced to a table of hot spots."""

from __future__ import annotations

import cProfile
import pstats
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table


@dataclass(frozen=True)
class Hotspot:
    """One function's share of a profiled call."""

    function: str
    where: str
    calls: str
    self_seconds: float
    cumulative_seconds: float


@dataclass(frozen=True)
class Profile:
    """The functions of one profiled call, and the call's total time."""

    total_seconds: float
    spots: tuple[Hotspot, ...]

    def inside(self, package: Path, top: int) -> list[Hotspot]:
        """The ``top`` functions defined under ``package``, by cumulative time."""
        prefix = str(package.resolve())
        found = [s for s in self.spots if s.where.startswith(prefix)]
        return sorted(found, key=lambda s: s.cumulative_seconds, reverse=True)[:top]

    def leaves(self, top: int) -> list[Hotspot]:
        """The ``top`` functions anywhere, by time spent in their own code."""
        return sorted(self.spots, key=lambda s: s.self_seconds, reverse=True)[:top]

    def table(self, title: str, spots: list[Hotspot], root: Path) -> Table:
        out = Table(title=title)
        for name in ("function", "where", "calls", "self s", "cum s", "cum %"):
            out.add_column(
                name, justify="left" if name in ("function", "where") else "right"
            )
        for s in spots:
            out.add_row(
                s.function,
                _short(s.where, root),
                s.calls,
                f"{s.self_seconds:.3f}",
                f"{s.cumulative_seconds:.3f}",
                f"{100 * s.cumulative_seconds / self.total_seconds:.0f}",
            )
        return out


def profile(work: Callable[[], object]) -> Profile:
    """Run ``work`` once under cProfile."""
    profiler = cProfile.Profile()
    profiler.runcall(work)
    stats = pstats.Stats(profiler).get_stats_profile()
    spots = tuple(
        Hotspot(
            function=_name(name),
            where=f"{f.file_name}:{f.line_number}",
            calls=f.ncalls,
            self_seconds=f.tottime,
            cumulative_seconds=f.cumtime,
        )
        for name, f in stats.func_profiles.items()
    )
    return Profile(total_seconds=stats.total_tt, spots=spots)


def _short(where: str, root: Path) -> str:
    if where.startswith("~:"):
        return "(built-in)"
    if "site-packages/" in where:
        return where.split("site-packages/", 1)[1]
    prefix = f"{root.resolve()}/"
    if where.startswith(prefix):
        return where[len(prefix) :]
    return where.rsplit("/", 1)[-1]


_BUILTIN = re.compile(
    r"<(?:method '(\w+)' of '(?:[\w.]+\.)?(\w+)' objects"
    r"|built-in method (?:[\w.]+\.)?(\w+))>"
)


def _name(function: str) -> str:
    """A C function's short name: ``<method 'sign' of '...Key' objects>`` → Key.sign."""
    found = _BUILTIN.fullmatch(function)
    if found is None:
        return function
    method, owner, builtin = found.groups()
    return builtin or f"{owner}.{method}"
