"""The signing policy: which role may author which event type (DESIGN §4).

The table is data (``signing.toml``), so a school can adapt it without code
changes; the policy in force is the one the log holds (`ledger.policy_log`),
adopted at `letopis init` and changed by the director. Context rules (a
teacher marks only their own classes) sit in the domain on top.

`SigningPolicy.from_toml` is a deliberate twin of the verifier's reader
(``verify/policy.py``): both refuse the same texts with the same reasons
(docs/twins.md; ``tests/unit/test_twins.py`` feeds both the same inputs).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ledger.errors import PolicyError


@dataclass(frozen=True)
class SigningPolicy:
    """Role → event type patterns, and event type → required co-signing roles."""

    roles: Mapping[str, tuple[str, ...]]
    cosign: Mapping[str, tuple[str, ...]]
    _allowed: dict[str, frozenset[str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def from_toml(cls, text: str, *, where: str = "signing policy") -> SigningPolicy:
        """Read a ``signing.toml`` text; PolicyError names what is malformed."""
        raw = _toml(text, where)
        return cls(
            roles=_string_lists(raw.get("roles", {}), f"{where} [roles]"),
            cosign=_string_lists(raw.get("cosign", {}), f"{where} [cosign]"),
        )

    @classmethod
    def load(cls, path: Path | str) -> SigningPolicy:
        """Read a ``signing.toml`` file."""
        return cls.from_toml(read_policy_file(path), where=str(path))

    def roles_for(self, event_type: str) -> frozenset[str]:
        """Every role allowed to author ``event_type``."""
        allowed = self._allowed.get(event_type)
        if allowed is None:
            allowed = frozenset(
                role
                for role, patterns in self.roles.items()
                if any(_matches(p, event_type) for p in patterns)
            )
            self._allowed[event_type] = allowed
        return allowed

    def cosigners_for(self, event_type: str) -> tuple[str, ...]:
        """The roles that must co-sign ``event_type`` besides its author."""
        return self.cosign.get(event_type, ())

    def check_author(self, event_type: str, key: str, roles: Iterable[str]) -> None:
        held = set(roles)
        allowed = self.roles_for(event_type)
        if not held & allowed:
            msg = (
                f"key {key} (roles: {', '.join(sorted(held)) or 'none'}) may not sign "
                f"{event_type}; allowed roles: {', '.join(sorted(allowed)) or 'none'}"
            )
            raise PolicyError(msg)

    def check_cosigners(
        self, event_type: str, cosigner_roles: Iterable[Iterable[str]]
    ) -> None:
        held = [set(r) for r in cosigner_roles]
        for needed in self.cosigners_for(event_type):
            if not any(needed in roles for roles in held):
                msg = (
                    f"{event_type} needs a co-signature by the {needed} "
                    "besides the author's; none was given"
                )
                raise PolicyError(msg)

    def known_roles(self) -> list[str]:
        return sorted(self.roles)


def packaged_policy_text(name: str) -> str:
    """The text of the packaged ``ledger/policies/<name>.toml``."""
    packaged = resources.files("ledger").joinpath(f"policies/{name}.toml")
    return packaged.read_text(encoding="utf-8")


def read_policy_file(path: Path | str) -> str:
    """A policy file's text; PolicyError if it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        msg = f"cannot read policy file {path}: {getattr(e, 'strerror', None) or e}"
        raise PolicyError(msg) from e


def _matches(pattern: str, event_type: str) -> bool:
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = f"{where} is not TOML: {e}"
        raise PolicyError(msg) from e


def _string_lists(table: Any, where: str) -> dict[str, tuple[str, ...]]:
    """A table of lists of strings; anything else (a string where a list
    belongs: ``teacher = "journal.*"``) is refused, as the verifier refuses it."""
    if not isinstance(table, dict):
        msg = f"{where} must be a table of lists of strings"
        raise PolicyError(msg)
    result: dict[str, tuple[str, ...]] = {}
    for name, items in table.items():
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            msg = f"{where}: {name!r} must be a list of strings, not {items!r}"
            raise PolicyError(msg)
        result[name] = tuple(items)
    return result
