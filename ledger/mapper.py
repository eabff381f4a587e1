"""Domain events ⇄ signed envelopes, as an eventsourcing ``Mapper``.

The stored ``state`` is exactly the envelope bytes; nothing compressed or
encrypted around it. Events are signed by the event store at append time (it
knows who signs); the mapper signs only snapshots, with the school's log key.
On read it checks the envelope against its columns and, when asked, verifies
signatures and the stream's hash chain.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import CanInitAggregate, DomainEventProtocol, Snapshot
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    Mapper,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic, resolve_topic, strtobool

from ledger import codec
from ledger.envelope import Envelope, content_hash, format_time, parse, parse_time
from ledger.errors import EnvelopeError, LedgerError, SignatureError
from ledger.keys.directory import KeyDirectory, SigningKey, verify_signature
from ledger.keys.registry import SEAL_ROLE, KeyRecord, KeyRegistry
from ledger.policy_log import SIGNING_POLICY_ENV, LoggedPolicies
from verify.disposal import is_tombstone, parse_tombstone, stored_envelope_hash

SNAPSHOT_TOPIC = "letopis.Snapshot"
KEYS_ENV = "LETOPIS_KEYS"
VERIFY_ON_READ_ENV = "LETOPIS_VERIFY_ON_READ"
POLICY_ENV = SIGNING_POLICY_ENV
"""Read by `init` only: the policy in force is the one the log holds."""


@dataclass
class LedgerContext:
    """What the mapper and event store need to know, resolved from configuration.

    Built from the application's environment (``LETOPIS_KEYS``,
    ``LETOPIS_KEY_PASSPHRASE``, ``LETOPIS_VERIFY_ON_READ``), so that followers
    and projection runners that the library constructs from the same
    environment get the same keys. The signing policy is read from the log
    (``policies``), never from a file.
    """

    keys: KeyDirectory
    policies: LoggedPolicies
    registry: KeyRegistry
    verify_on_read: bool = False
    _log_key: SigningKey | None = field(default=None, repr=False)
    _origin: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | Any) -> LedgerContext:
        path = env.get(KEYS_ENV)
        if not path:
            msg = f"no key directory: set {KEYS_ENV} (or pass --keys DIR)"
            raise LedgerError(msg)
        keys = KeyDirectory.open(path, env.get("LETOPIS_KEY_PASSPHRASE") or None)
        anchor = KeyRecord(
            key=keys.config["log_key"],
            public_key=keys.log_public_key,
            holder=keys.origin,
            roles=(SEAL_ROLE,),
            valid_from=parse_time("1970-01-01T00:00:00Z"),
        )
        return cls(
            keys=keys,
            policies=LoggedPolicies(),
            registry=KeyRegistry({anchor.key: anchor}),
            verify_on_read=strtobool(env.get(VERIFY_ON_READ_ENV) or "no"),
        )

    @property
    def origin(self) -> str:
        if self._origin is None:
            self._origin = self.keys.origin
        return self._origin

    def log_key(self) -> SigningKey:
        if self._log_key is None:
            self._log_key = self.keys.log_key()
        return self._log_key


class ChainHeads:
    """Hashes of stored envelopes by (stream, seq): the ``prev`` of what follows.

    Filled only from bytes that are really in the store (read back, or inserted
    successfully), so an entry is never wrong; bounded, least recent dropped.
    """

    def __init__(self, maxsize: int = 200_000) -> None:
        self._hashes: OrderedDict[tuple[UUID, int], str] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def get(self, stream: UUID, seq: int) -> str | None:
        with self._lock:
            return self._hashes.get((stream, seq))

    def put(self, stream: UUID, seq: int, digest: str) -> None:
        self.put_many([((stream, seq), digest)])

    def put_many(self, entries: Iterable[tuple[tuple[UUID, int], str]]) -> None:
        """Several hashes at once (a save's), under one lock."""
        hashes = self._hashes
        with self._lock:
            for key, digest in entries:
                hashes[key] = digest
                hashes.move_to_end(key)
            while len(hashes) > self._maxsize:
                hashes.popitem(last=False)


class EnvelopeMapper(Mapper[UUID]):
    """Maps domain events to v1 envelopes and back (DESIGN §2)."""

    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
        *,
        context: LedgerContext | None = None,
    ) -> None:
        if compressor is not None or cipher is not None:
            msg = (
                "the stored state must be exactly the envelope bytes: unset "
                "COMPRESSOR_TOPIC and CIPHER_TOPIC"
            )
            raise LedgerError(msg)
        super().__init__(transcoder)
        self.context = context or LedgerContext.from_env(os.environ)
        self.heads = ChainHeads()
        self._fetch: Callable[[UUID, int], StoredEvent | None] | None = None

    def attach(self, fetch: Callable[[UUID, int], StoredEvent | None]) -> None:
        """Give the mapper a way to read one stored event (set by the app)."""
        self._fetch = fetch

    # -- writing ---------------------------------------------------------------

    def envelope_for(
        self, event: DomainEventProtocol[UUID], *, prev: str | None
    ) -> Envelope:
        """The unsigned envelope of a new domain event."""
        return Envelope(
            log=self.context.origin,
            stream=str(event.originator_id),
            seq=event.originator_version,
            prev=prev,
            type=get_topic(type(event)),
            at=format_time(cast(Any, event).timestamp),
            data=codec.event_data(event),
        )

    def head_of(self, stream: UUID, seq: int) -> str:
        """The hash of the stored envelope at ``stream:seq``."""
        digest = self.heads.get(stream, seq)
        if digest is None:
            stored = self._fetch(stream, seq) if self._fetch else None
            if stored is None:
                msg = f"event {stream}:{seq} is not in the store; cannot chain after it"
                raise EnvelopeError(msg)
            digest = stored_envelope_hash(stored.state)
            self.heads.put(stream, seq, digest)
        return digest

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        if isinstance(domain_event, Snapshot):
            return self._snapshot_to_stored(domain_event)
        msg = (
            f"{type(domain_event).__name__} is unsigned: events are appended only "
            "through LedgerApplication.save(..., signed_by=Signing(...))"
        )
        raise LedgerError(msg)

    def _snapshot_to_stored(self, snapshot: Snapshot) -> StoredEvent:
        stream = snapshot.originator_id
        state = json.loads(self.transcoder.encode(snapshot.state))
        envelope = Envelope(
            log=self.context.origin,
            stream=str(stream),
            seq=snapshot.originator_version,
            prev=self.head_of(stream, snapshot.originator_version),
            type=snapshot.topic,
            at=format_time(snapshot.timestamp),
            data=state,
            kind="snapshot",
        ).signed_by(self.context.log_key())
        return StoredEvent(
            originator_id=stream,
            originator_version=snapshot.originator_version,
            topic=SNAPSHOT_TOPIC,
            state=envelope.to_bytes(),
        )

    # -- reading ---------------------------------------------------------------

    def read(
        self, stored_event: StoredEvent
    ) -> tuple[Envelope, DomainEventProtocol[UUID]]:
        """An event with its envelope (who signed it, when), for projections."""
        _refuse_disposed(stored_event)
        envelope = parse(stored_event.state)
        _check_columns(stored_event, envelope, snapshot=False)
        if self.context.verify_on_read:
            self.verify(envelope)
        return envelope, _event_from(envelope)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        snapshot = stored_event.topic == SNAPSHOT_TOPIC
        _refuse_disposed(stored_event)
        envelope = parse(stored_event.state, kind="snapshot" if snapshot else "event")
        _check_columns(stored_event, envelope, snapshot)
        if snapshot or self.context.verify_on_read:
            self.verify(envelope)
        stream = UUID(envelope.stream)
        if snapshot:
            assert envelope.prev is not None
            self.heads.put(stream, envelope.seq, envelope.prev)
            return self._snapshot_from(envelope)
        self.heads.put(stream, envelope.seq, content_hash(stored_event.state))
        return _event_from(envelope)

    def verify(self, envelope: Envelope) -> None:
        """Signatures valid, keys valid at ``at``, the chain link as known."""
        if envelope.log != self.context.origin:
            msg = (
                f"event {envelope.name} belongs to log {envelope.log!r}; "
                f"this store is {self.context.origin!r}"
            )
            raise EnvelopeError(msg)
        if envelope.kind == "event" and envelope.seq > 1:
            known = self.heads.get(UUID(envelope.stream), envelope.seq - 1)
            if known is not None and known != envelope.prev:
                msg = f"event {envelope.name}: prev does not match the previous event"
                raise EnvelopeError(msg)
        self.verify_signatures(envelope)

    def verify_signatures(self, envelope: Envelope) -> None:
        if not envelope.sigs:
            msg = f"event {envelope.name} carries no signature"
            raise SignatureError(msg)
        message = envelope.signing_input()
        moment = parse_time(envelope.at)
        for entry in envelope.sigs:
            record = self.context.registry.get(entry.key)
            if entry.alg != "ed25519":
                msg = (
                    f"event {envelope.name}: algorithm {entry.alg!r}; allowed: ed25519"
                )
                raise SignatureError(msg)
            try:
                verify_signature(record.public_key, message, entry.raw)
            except SignatureError as e:
                msg = f"event {envelope.name}: {e}"
                raise SignatureError(msg) from e
            record.check_valid_at(moment)

    def _snapshot_from(self, envelope: Envelope) -> Snapshot:
        if envelope.author_key not in self.context.registry.anchors:
            msg = f"snapshot {envelope.name} is not signed by the school's log key"
            raise SignatureError(msg)
        state = self.transcoder.decode(json.dumps(dict(envelope.data)).encode())
        return Snapshot(
            originator_id=UUID(envelope.stream),
            originator_version=envelope.seq,
            timestamp=parse_time(envelope.at),
            topic=envelope.type,
            state=state,
        )


class DisposedError(LedgerError):
    """The event was disposed of by act: only its tombstone is stored."""


def _refuse_disposed(stored: StoredEvent) -> None:
    """A disposed entry has no record left to replay: say so, and which act."""
    if not is_tombstone(stored.state):
        return
    stone = parse_tombstone(stored.state)
    msg = (
        f"event {stone.name} ({stone.type}) was disposed of by act {stone.act}: "
        "its record is gone (its leaf hash and the act stay in the log)"
    )
    raise DisposedError(msg)


def _check_columns(stored: StoredEvent, envelope: Envelope, snapshot: bool) -> None:
    expected_topic = SNAPSHOT_TOPIC if snapshot else envelope.type
    columns = (
        ("originator_id", str(stored.originator_id), envelope.stream),
        ("originator_version", stored.originator_version, envelope.seq),
        ("topic", stored.topic, expected_topic),
    )
    for name, column, in_envelope in columns:
        if column != in_envelope:
            msg = (
                f"stored column {name}={column!r} disagrees with the envelope "
                f"({in_envelope!r}) of event {envelope.name}"
            )
            raise EnvelopeError(msg)


def _event_from(envelope: Envelope) -> DomainEventProtocol[UUID]:
    try:
        cls = resolve_topic(envelope.type)
    except Exception as e:  # eventsourcing raises TopicError; keep it inside
        msg = f"event {envelope.name} has unknown type {envelope.type!r}"
        raise EnvelopeError(msg) from e
    fields = codec.event_fields(cls, dict(envelope.data))
    fields["originator_id"] = UUID(envelope.stream)
    fields["originator_version"] = envelope.seq
    fields["timestamp"] = parse_time(envelope.at)
    if issubclass(cls, CanInitAggregate):
        fields["originator_topic"] = get_topic(_owner_aggregate(cls))
    event = object.__new__(cls)
    object.__setattr__(event, "__dict__", fields)
    return cast(DomainEventProtocol[UUID], event)


def _owner_aggregate(event_cls: type) -> type:
    owner_name = event_cls.__qualname__.rsplit(".", 1)[0]
    owner: Any = sys.modules[event_cls.__module__]
    for part in owner_name.split("."):
        owner = getattr(owner, part)
    return cast(type, owner)
