"""The sealer's check of each new entry before it becomes a leaf (DESIGN §2, §4).

Rows can be inserted into the events table without the application (the
application role may insert, the owner may do anything), so the sealer reads
each new entry's envelope and refuses to seal it unless

- it is a canonical v1 envelope of this log whose stream, seq and topic agree
  with its columns;
- its ``prev`` is the hash of the previous envelope of its stream (``null``
  for seq 1);
- every signature verifies under a key registered in the log *before* the
  entry, and the key may sign at the entry's time as the log knew the key at
  the entry's place: a revocation or compromise appended later does not void
  an entry appended before it (the verifier reports those), but an entry
  appended after a revocation is judged no earlier than the revocation was
  recorded, so a revoked key cannot sign entries dated back into its window.

The first entry that fails stops the sealer: nothing past it is sealed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from ledger import codec
from ledger.application import LedgerApplication
from ledger.envelope import Envelope, key_id, parse, parse_time
from ledger.errors import LedgerError
from ledger.keys.directory import verify_signature
from ledger.keys.registry import KeyRecord, SignerKey, key_stream_id
from ledger.log.store import LogIntegrityError, LogStore
from verify.disposal import (
    DisposalError,
    Tombstone,
    is_tombstone,
    parse_tombstone,
    stored_envelope_hash,
)

REGISTERED = SignerKey.Registered.TOPIC
REVOKED = SignerKey.Revoked.TOPIC


class EntryRefusedError(LogIntegrityError):
    """An entry's envelope, chain, signature or key window does not check."""

    def __init__(self, name: str, position: int, why: str) -> None:
        self.name = name
        self.position = position
        super().__init__(
            f"refusing to seal entry {name} (it would be leaf {position}): {why}; "
            "nothing from it on is sealed. Only entries appended by the "
            "application, signed by keys valid at their place in the log, may be "
            "sealed: find how it got into the store"
        )


class EntryChecker:
    """Checks new entries in log order; one instance follows one sealer.

    It remembers the keys and stream heads it has seen while it follows the
    log without a gap; when another sealer appended leaves in between, it
    forgets them and reads again from the sealed leaves.
    """

    def __init__(
        self, app: LedgerApplication, store: LogStore, *, restoring: bool = False
    ) -> None:
        self.app = app
        self.restoring = restoring
        """Whether tombstones may be sealed: only while an archive is restored
        (``ledger.archive.restore`` checks that its acts cover them)."""
        self.store = store
        self.origin = app.context.origin
        self._anchors = app.context.registry.anchors
        self._keys: dict[UUID, KeyRecord] = {}  # by key stream
        self._heads: dict[UUID, tuple[int, str]] = {}
        self._through: int | None = None  # the last notification id checked

    def check(
        self, notifications: Sequence[Notification], after: int, size: int
    ) -> int:
        """How many of ``notifications`` (the next after notification id
        ``after``, the first to become leaf ``size``) pass, in order.

        The first that fails raises :class:`EntryRefusedError` when it is the
        first of the batch; otherwise the good ones before it are returned to
        be sealed, and the next batch starts with it.
        """
        if self._through != after:
            self._keys.clear()
            self._heads.clear()
        self._load_heads(notifications)
        for offset, notification in enumerate(notifications):
            try:
                envelope, key = self._check(notification)
            except (LedgerError, ValueError, TypeError, KeyError) as e:
                if offset:
                    return offset
                raise EntryRefusedError(_name(notification), size, str(e)) from e
            stream = UUID(envelope.stream)
            digest = stored_envelope_hash(notification.state)
            self._heads[stream] = (envelope.seq, digest)
            if key is not None:
                self._keys[stream] = key
            self._through = notification.id
        return len(notifications)

    # -- one entry -------------------------------------------------------------

    def _check(self, n: Notification) -> tuple[Envelope | Tombstone, KeyRecord | None]:
        """The entry's envelope, and the key it registers or revokes, if any."""
        if is_tombstone(n.state):
            return self._check_tombstone(n), None
        envelope = parse(n.state)
        columns = (str(n.originator_id), n.originator_version, n.topic)
        if columns != (envelope.stream, envelope.seq, envelope.type):
            msg = (
                f"its columns (stream, seq, topic) {columns} disagree with its "
                f"envelope ({envelope.stream}, {envelope.seq}, {envelope.type})"
            )
            raise LogIntegrityError(msg)
        if envelope.log != self.origin:
            msg = f"it belongs to log {envelope.log!r}, not {self.origin!r}"
            raise LogIntegrityError(msg)
        self._check_chain(envelope)
        self._check_signatures(envelope)
        if envelope.type not in (REGISTERED, REVOKED):
            return envelope, None
        if envelope.author_key not in self._anchors:
            msg = "it is a key event not signed by the school's log key"
            raise LogIntegrityError(msg)
        stream = UUID(envelope.stream)
        current = None if envelope.seq == 1 else self._stream_key(stream)
        return envelope, _applied(current, envelope)

    def _check_tombstone(self, n: Notification) -> Tombstone:
        """A disposed entry, sealed only while an archive is restored: its
        columns and its place in its stream's chain."""
        if not self.restoring:
            msg = (
                "it is a tombstone (a disposed entry) that was never sealed: a "
                "disposal replaces only entries that are sealed already"
            )
            raise LogIntegrityError(msg)
        try:
            stone = parse_tombstone(n.state)
        except DisposalError as e:
            raise LogIntegrityError(str(e)) from e
        columns = (str(n.originator_id), n.originator_version, n.topic)
        if columns != (stone.stream, stone.seq, stone.type):
            msg = f"its columns {columns} disagree with its tombstone"
            raise LogIntegrityError(msg)
        if stone.type.startswith("trust."):
            msg = (
                "it is a disposed trust entry: keys and policies are never disposed of"
            )
            raise LogIntegrityError(msg)
        self._check_chain(stone)
        return stone

    def _check_chain(self, envelope: Envelope | Tombstone) -> None:
        if envelope.seq == 1:
            if envelope.prev is not None:
                msg = f"it is the first of its stream but names prev {envelope.prev}"
                raise LogIntegrityError(msg)
            return
        head = self._heads.get(UUID(envelope.stream))
        if head is None or head[0] != envelope.seq - 1:
            msg = (
                f"the previous entry of its stream (seq {envelope.seq - 1}) is not "
                "in the log before it"
            )
            raise LogIntegrityError(msg)
        if envelope.prev != head[1]:
            msg = (
                f"its prev {envelope.prev} is not the hash {head[1]} of the "
                "previous entry of its stream: the chain is broken"
            )
            raise LogIntegrityError(msg)

    def _check_signatures(self, envelope: Envelope) -> None:
        if not envelope.sigs:
            msg = "it carries no signature"
            raise LogIntegrityError(msg)
        if len({s.key for s in envelope.sigs}) != len(envelope.sigs):
            msg = "the same key signed it twice"
            raise LogIntegrityError(msg)
        message = envelope.signing_input()
        written = parse_time(envelope.at)
        for entry in envelope.sigs:
            if entry.alg != "ed25519":
                msg = f"a signature uses {entry.alg!r}; allowed: ed25519"
                raise LogIntegrityError(msg)
            key = self._key(entry.key)
            verify_signature(key.public_key, message, entry.raw)
            key.check_may_append(written)

    # -- keys as the log knew them ---------------------------------------------

    def _key(self, key: str) -> KeyRecord:
        if key in self._anchors:
            return self._anchors[key]
        found = self._stream_key(_stream_of(key))
        if found.key != key:
            msg = f"key {key} is not the key registered in its stream"
            raise LogIntegrityError(msg)
        return found

    def _stream_key(self, stream: UUID) -> KeyRecord:
        """The key of a key stream as the log knew it before the entry checked:
        from this batch, or else from the sealed leaves."""
        known = self._keys.get(stream)
        if known is not None:
            return known
        found: KeyRecord | None = None
        for stored in self.app.recorder.select_events(stream):
            if self.store.leaf_of(str(stream), stored.originator_version) is None:
                break  # not sealed: it comes after the entry being checked
            found = _applied(found, parse(stored.state))
        if found is None:
            msg = (
                f"its key (stream {stream}) was not registered in the log before "
                "it; only keys registered by the school's log key may sign"
            )
            raise LogIntegrityError(msg)
        self._keys[stream] = found
        return found

    def _load_heads(self, notifications: Iterable[Notification]) -> None:
        """The stream heads before this batch that its entries chain to (read
        in one query per few hundred streams)."""
        first: dict[UUID, int] = {}
        for n in notifications:
            first.setdefault(UUID(str(n.originator_id)), n.originator_version)
        wanted = [
            (stream, seq - 1)
            for stream, seq in first.items()
            if seq > 1 and stream not in self._heads
        ]
        for (stream, seq), state in self.store.states(wanted).items():
            self._heads[stream] = (seq, stored_envelope_hash(state))


def _applied(current: KeyRecord | None, envelope: Envelope) -> KeyRecord:
    """``current`` with the key event in ``envelope`` applied."""
    data = dict(envelope.data)
    if envelope.type == REGISTERED and current is None:
        fields: dict[str, Any] = codec.event_fields(SignerKey.Registered, data)
        record = KeyRecord(
            key=fields["key"],
            public_key=bytes.fromhex(fields["public_key"]),
            holder=fields["holder"],
            roles=tuple(fields["roles"]),
            valid_from=fields["valid_from"],
            valid_until=fields["valid_until"],
        )
        if str(key_stream_id(record.key)) != envelope.stream:
            msg = f"it registers key {record.key} outside that key's stream"
            raise LogIntegrityError(msg)
        if key_id(record.public_key) != record.key:
            msg = f"it registers key {record.key} with another key's public key"
            raise LogIntegrityError(msg)
        return record
    if envelope.type == REVOKED and current is not None:
        fields = codec.event_fields(SignerKey.Revoked, data)
        return replace(
            current,
            revoked_at=fields["revoked_at"],
            compromised_at=fields["compromised_at"],
            revocation_recorded=parse_time(envelope.at),
        )
    msg = f"key event {envelope.name} ({envelope.type}) is out of place in its stream"
    raise LogIntegrityError(msg)


@lru_cache(maxsize=4096)
def _stream_of(key: str) -> UUID:
    return key_stream_id(key)


def _name(n: Notification) -> str:
    return f"{n.originator_id}:{n.originator_version}"
