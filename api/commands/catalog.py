"""Every record command of every area, in one list: what the HTTP routers and
``letopis record`` are made from.

An area's module holds its commands in ``COMMANDS`` and, optionally, the
Russian and English descriptions of its resources (its OpenAPI tags) in
``TAGS``; adding an area is adding its module to :data:`AREAS`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from api.commands import (
    Command,
    admission,
    attestation,
    attestats,
    closing,
    corrections,
    council,
    people,
    portfolio,
    school,
)

#: the areas' modules, in the order their commands are listed
# in the year's order: the admission tests, the council (its admission to the
# state exams), then the exam results and the rest of attestation
AREAS: tuple[ModuleType, ...] = (
    school,
    people,
    portfolio,
    admission,
    council,
    attestation,
    corrections,
    attestats,
    closing,
)


def all_commands() -> tuple[Command[Any], ...]:
    """Every command of every area, in the areas' order."""
    return tuple(c for area in AREAS for c in area.COMMANDS)


def command(name: str) -> Command[Any] | None:
    """The command named ``name``, or ``None``."""
    return next((c for c in all_commands() if c.name == name), None)


def all_tags() -> dict[str, tuple[str, str]]:
    """Each resource's description, Russian then English."""
    tags: dict[str, tuple[str, str]] = {}
    for area in AREAS:
        tags.update(getattr(area, "TAGS", {}))
    return tags
