"""The signing policy: which role may author which event type (DESIGN §4).

The table is data (``ledger/policies/signing.toml``, or the file named by
``LETOPIS_SIGNING_POLICY``), so a school can adapt it without code changes.
Context rules (a teacher marks only their own classes) sit in the domain on top.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

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
    def load(cls, path: Path | str | None = None) -> SigningPolicy:
        if path is None:
            text = resources.files("ledger").joinpath("policies/signing.toml")
            raw = tomllib.loads(text.read_text(encoding="utf-8"))
        else:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            roles={r: tuple(types) for r, types in raw.get("roles", {}).items()},
            cosign={t: tuple(r) for t, r in raw.get("cosign", {}).items()},
        )

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
        for needed in self.cosign.get(event_type, ()):
            if not any(needed in roles for roles in held):
                msg = (
                    f"{event_type} needs a co-signature by the {needed} "
                    "besides the author's; none was given"
                )
                raise PolicyError(msg)

    def known_roles(self) -> list[str]:
        return sorted(self.roles)


def _matches(pattern: str, event_type: str) -> bool:
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type
