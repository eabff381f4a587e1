"""Signer keys and their validity windows, kept as signed events (DESIGN §4).

Each key has its own small stream, ``uuid5(KEY_NAMESPACE, key id)``: at most a
registration and a revocation, so looking a key up reads two events at most.
The school's log key is the trust anchor: it signs every trust event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.errors import KeyNotValidError, UnknownKeyError
from ledger.events import register_event_types

KEY_NAMESPACE = UUID("6c3f7e1a-2b0d-5d8e-9a41-6c6574b0a101")
SEAL_ROLE = "seal"


def key_stream_id(key: str) -> UUID:
    """The stream of the key with this key id."""
    return uuid5(KEY_NAMESPACE, f"letopis/key/{key}")


@register_event_types
class SignerKey(Aggregate):
    """A person's (or the seal's) public key with its roles and validity window."""

    class Registered(Aggregate.Created):
        """trust.SignerKeyRegistered: a key enters the school's key registry.

        Signed by the school's log key; names the holder, the roles the holder
        signs in, and the window ``[valid_from, valid_until)`` (DESIGN §4).
        """

        TOPIC: ClassVar[str] = "trust.SignerKeyRegistered"
        key: str
        alg: str
        public_key: str
        holder: str
        roles: tuple[str, ...]
        valid_from: datetime
        valid_until: datetime | None
        replaces: str | None

    class Revoked(Aggregate.Event):
        """trust.SignerKeyRevoked: a key stops counting from ``revoked_at``.

        With ``compromised_at`` its signatures made from that moment on are void,
        even those appended before the revocation was recorded (DESIGN §4).
        """

        TOPIC: ClassVar[str] = "trust.SignerKeyRevoked"
        revoked_at: datetime
        compromised_at: datetime | None
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.revoked_at = self.revoked_at
            aggregate.compromised_at = self.compromised_at
            aggregate.revocation_reason = self.reason
            aggregate.revocation_recorded = self.timestamp

    def __init__(
        self,
        key: str,
        alg: str,
        public_key: str,
        holder: str,
        roles: tuple[str, ...],
        valid_from: datetime,
        valid_until: datetime | None,
        replaces: str | None,
    ) -> None:
        self.key = key
        self.alg = alg
        self.public_key = public_key
        self.holder = holder
        self.roles = tuple(roles)
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.replaces = replaces
        self.revoked_at: datetime | None = None
        self.compromised_at: datetime | None = None
        self.revocation_reason: str | None = None
        self.revocation_recorded: datetime | None = None

    @classmethod
    def register(cls, record: KeyRecord, *, replaces: str | None = None) -> SignerKey:
        return cls._create(
            cls.Registered,
            id=key_stream_id(record.key),
            key=record.key,
            alg="ed25519",
            public_key=record.public_key.hex(),
            holder=record.holder,
            roles=record.roles,
            valid_from=record.valid_from,
            valid_until=record.valid_until,
            replaces=replaces,
        )

    def revoke(
        self, *, revoked_at: datetime, compromised_at: datetime | None, reason: str
    ) -> None:
        self.trigger_event(
            self.Revoked,
            revoked_at=revoked_at,
            compromised_at=compromised_at,
            reason=reason,
        )

    def record(self) -> KeyRecord:
        return KeyRecord(
            key=self.key,
            public_key=bytes.fromhex(self.public_key),
            holder=self.holder,
            roles=self.roles,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            revoked_at=self.revoked_at,
            compromised_at=self.compromised_at,
            revocation_recorded=self.revocation_recorded,
        )


@dataclass(frozen=True)
class KeyRecord:
    """What the registry knows of one key, as of the events read."""

    key: str
    public_key: bytes
    holder: str
    roles: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime | None = None
    revoked_at: datetime | None = None
    compromised_at: datetime | None = None
    #: when the revocation was recorded in the log (its entry's ``at``)
    revocation_recorded: datetime | None = None

    @property
    def ends(self) -> datetime | None:
        ends = [t for t in (self.valid_until, self.revoked_at) if t is not None]
        return min(ends) if ends else None

    def check_may_append(self, moment: datetime) -> None:
        """Raise :class:`KeyNotValidError` unless the key may sign an entry dated
        ``moment`` that is appended after what this record knows of the key.

        Once a revocation is recorded, an entry appended after it counts as
        made no earlier than the revocation was recorded: a revoked key cannot
        sign entries dated back into its window (the writer and the sealer
        judge an entry by this rule, at its place in the log).
        """
        recorded = self.revocation_recorded
        self.check_valid_at(moment if recorded is None else max(moment, recorded))

    def check_may_append_all(self, moments: Sequence[datetime]) -> None:
        """:meth:`check_may_append` for every moment of a save's entries.

        The moments a key may sign at form one interval (from ``valid_from``,
        or the whole past once a revocation is recorded after it, up to the
        earliest of ``valid_until``, ``revoked_at`` and ``compromised_at``), so
        when the earliest and the latest moment pass, every moment between
        does. Only when one of them fails is each checked in order, so that the
        error names the first entry's moment that the key may not sign at.
        """
        if not moments:
            return
        try:
            self.check_may_append(min(moments))
            self.check_may_append(max(moments))
        except KeyNotValidError:
            for moment in moments:
                self.check_may_append(moment)
            raise

    def check_valid_at(self, moment: datetime) -> None:
        """Raise :class:`KeyNotValidError` unless the key may sign at ``moment``."""
        if self.compromised_at is not None and moment >= self.compromised_at:
            msg = (
                f"key {self.key} of {self.holder} was compromised at "
                f"{self.compromised_at.isoformat()}; it may not sign at "
                f"{moment.isoformat()}"
            )
            raise KeyNotValidError(msg)
        ends = self.ends
        if moment < self.valid_from or (ends is not None and moment >= ends):
            until = ends.isoformat() if ends else "open-ended"
            revoked = (
                f" (revoked at {self.revoked_at.isoformat()})"
                if self.revoked_at
                else ""
            )
            msg = (
                f"key {self.key} of {self.holder} may not sign at "
                f"{moment.isoformat()}: it is valid only in "
                f"[{self.valid_from.isoformat()}, {until}){revoked}"
            )
            raise KeyNotValidError(msg)


class KeyRegistry:
    """Looks keys up by key id: the trust anchors first, then the key streams."""

    def __init__(self, anchors: dict[str, KeyRecord]) -> None:
        self.anchors = anchors
        self._load: Callable[[UUID], SignerKey | None] | None = None
        self._newer: Callable[[UUID, int], bool] | None = None
        self._cache: dict[str, tuple[KeyRecord, int]] = {}

    def attach(
        self,
        load: Callable[[UUID], SignerKey | None],
        newer: Callable[[UUID, int], bool],
    ) -> None:
        """Give the registry a way to read key streams (set by the application):
        ``load`` replays a key stream, ``newer`` says whether a stream has events
        after a version."""
        self._load = load
        self._newer = newer

    def get(self, key: str, *, fresh: bool = False) -> KeyRecord:
        """The record of ``key``; ``fresh`` makes sure no later event (such as a
        revocation appended by another process) is missed: used on append."""
        if key in self.anchors:
            return self.anchors[key]
        cached = self._cache.get(key)
        if cached is not None:
            record, version = cached
            if not fresh or self._newer is None:
                return record
            if not self._newer(key_stream_id(key), version):
                return record
        signer = self._load(key_stream_id(key)) if self._load else None
        if signer is None:
            msg = (
                f"key {key} is not registered in this log; only keys registered "
                "with `letopis keys add` (signed by the school's log key) may sign"
            )
            raise UnknownKeyError(msg)
        record = signer.record()
        self._cache[key] = (record, signer.version)
        return record
