"""The signing policy as the verifier reads it: which role may sign which entry.

The policy is data (``signing.toml``, DESIGN §4): ``[roles]`` maps a role to the
event types its holders may author (``"journal.*"`` covers an area) and
``[cosign]`` maps an event type to the roles whose co-signature it needs besides
the author's (an attestat entry: the class teacher and the director, §7.3.5).
An exported archive carries the policy in force as ``data/policy/signing.toml``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verify.errors import VerificationError

__all__ = ["PolicyError", "SigningPolicy", "matches"]


class PolicyError(VerificationError):
    """A policy file is missing or malformed; the message says what is allowed."""


@dataclass(frozen=True)
class SigningPolicy:
    """Role → event type patterns, and event type → required co-signing roles."""

    roles: Mapping[str, tuple[str, ...]]
    cosign: Mapping[str, tuple[str, ...]]
    source: str = field(default="given", compare=False)
    _allowed: dict[str, frozenset[str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def from_toml(cls, text: str, *, where: str = "signing policy") -> SigningPolicy:
        """Read a ``signing.toml`` text; PolicyError names what is malformed."""
        raw = _toml(text, where)
        roles = _string_lists(raw.get("roles", {}), f"{where} [roles]")
        cosign = _string_lists(raw.get("cosign", {}), f"{where} [cosign]")
        return cls(roles=roles, cosign=cosign, source=where)

    @classmethod
    def load(cls, path: Path | str) -> SigningPolicy:
        """Read a ``signing.toml`` file."""
        return cls.from_toml(_read(path), where=str(path))

    def roles_for(self, event_type: str) -> frozenset[str]:
        """Every role whose holders may author ``event_type``."""
        allowed = self._allowed.get(event_type)
        if allowed is None:
            allowed = frozenset(
                role
                for role, patterns in self.roles.items()
                if any(matches(p, event_type) for p in patterns)
            )
            self._allowed[event_type] = allowed
        return allowed

    def cosigners_for(self, event_type: str) -> tuple[str, ...]:
        """The roles that must co-sign ``event_type`` besides its author."""
        return self.cosign.get(event_type, ())

    @property
    def digest(self) -> str:
        """``sha256:<hex>`` of the policy's content, to tell two policies apart."""
        content = {"roles": dict(self.roles), "cosign": dict(self.cosign)}
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def matches(pattern: str, event_type: str) -> bool:
    """Whether a policy pattern (``area.Type`` or ``area.*``) covers a type."""
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def _read(path: Path | str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        msg = f"cannot read policy file {path}: {getattr(e, 'strerror', None) or e}"
        raise PolicyError(msg) from e


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = f"{where} is not TOML: {e}"
        raise PolicyError(msg) from e


def _string_lists(table: Any, where: str) -> dict[str, tuple[str, ...]]:
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
