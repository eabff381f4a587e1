"""The ledger application: eventsourcing, with every append signed and checked.

``LedgerApplication.save(*aggregates, signed_by=Signing(author, *cosigners))``
turns the new events into envelopes chained to their stream, checks the signing
policy in force (read from the log, `ledger.policy_log`) and each key's
validity at the event's time, signs, and inserts them in one transaction.
Nothing is written when any check fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    EventStore,
    IntegrityError,
    Notification,
    Recording,
    StoredEvent,
)
from eventsourcing.utils import Environment, EnvType, get_topic, strtobool

from ledger import codec
from ledger.envelope import EventWriter, Signer, content_hash, format_time
from ledger.errors import ConcurrencyError, LedgerError, PolicyError
from ledger.keys.registry import KeyRecord, SignerKey
from ledger.mapper import EnvelopeMapper, LedgerContext
from ledger.policy import SigningPolicy
from ledger.policy_log import (
    NO_POLICY,
    POLICY_TYPES,
    PolicyRecord,
    check_policy_signers,
    first_signing_policy,
    signing_after,
)


@dataclass(frozen=True)
class Signing:
    """Who signs a save: the author first, then any co-signers."""

    author: Signer
    cosigners: tuple[Signer, ...] = ()

    @property
    def signers(self) -> tuple[Signer, ...]:
        return (self.author, *self.cosigners)


class SigningEventStore(EventStore[UUID]):
    """An event store that signs, chains and authorizes before it inserts."""

    mapper: EnvelopeMapper

    def put(
        self,
        domain_events: Sequence[DomainEventProtocol[UUID]],
        *,
        signed_by: Signing | None = None,
        **kwargs: Any,
    ) -> list[Recording[UUID]]:
        if not domain_events:
            return []
        if signed_by is None:
            msg = "refusing to append unsigned events: pass signed_by=Signing(...)"
            raise LedgerError(msg)
        signed = self._sign(domain_events, signed_by)
        stored = [
            StoredEvent(
                originator_id=e.originator_id,
                originator_version=e.originator_version,
                topic=topic,
                state=data,
            )
            for e, (topic, data, _) in zip(domain_events, signed, strict=True)
        ]
        try:
            ids = self.recorder.insert_events(stored, **kwargs)
        except IntegrityError as e:
            names = ", ".join(
                f"{s.originator_id}:{s.originator_version}" for s in stored[:3]
            )
            msg = (
                f"another writer appended to the same stream first ({names}); "
                "nothing was written: reload the record and try again"
            )
            raise ConcurrencyError(msg) from e
        self.mapper.heads.put_many(_stream_heads(domain_events, signed))
        return _recordings(domain_events, stored, ids)

    def _sign(
        self, events: Sequence[DomainEventProtocol[UUID]], signing: Signing
    ) -> list[tuple[str, bytes, str]]:
        """Each event's type, stored bytes (its signed envelope) and their
        hash, in order.

        What is the same for every event of the save is looked up once: the
        signers' key records, the policy in force (until an event of the save
        changes it) and its answer for each event type. Every event is still
        signed, chained and checked against them. The envelope's bytes are
        written straight from the event's fields (``EventWriter``), the same
        bytes as ``mapper.envelope_for(...).signed_by(...).to_bytes()``.
        """
        records = self._signer_records(signing)
        policy = self.mapper.context.policies.signing(fresh=True)
        if policy is None:
            policy = first_signing_policy(events)
        moments = [cast(Any, e).timestamp for e in events]
        times = [format_time(m) for m in moments]  # refuses a naive time first
        for record in records:
            record.check_may_append_all(moments)
        writer = EventWriter(self.mapper.context.origin, signing.signers)
        allowed: set[str] = set()  # event types this policy lets these signers sign
        heads: dict[UUID, str] = {}
        names: dict[UUID, str] = {}  # each stream's text, once per save
        signed = []
        for event, at in zip(events, times, strict=True):
            stream, seq = event.originator_id, event.originator_version
            prev = None
            if seq > 1:
                prev = heads.get(stream) or self.mapper.head_of(stream, seq - 1)
            topic = get_topic(type(event))
            if topic not in allowed:
                self._authorize(topic, records, policy)
                if topic not in POLICY_TYPES:
                    allowed.add(topic)
            after = signing_after(event, policy)  # in force after this entry
            if after is not policy:
                policy, allowed = after, set()
            name = names.get(stream)
            if name is None:
                name = names[stream] = str(stream)
            data = writer.event_bytes(
                name, seq, prev, topic, at, codec.event_data(event)
            )
            digest = content_hash(data)
            heads[stream] = digest
            signed.append((topic, data, digest))
        return signed

    def _signer_records(self, signing: Signing) -> list[KeyRecord]:
        ids = [s.key_id for s in signing.signers]
        if len(set(ids)) != len(ids):
            msg = "the same key may sign an event only once; co-signers must differ"
            raise PolicyError(msg)
        registry = self.mapper.context.registry
        return [registry.get(k, fresh=True) for k in ids]

    def _authorize(
        self,
        topic: str,
        records: list[KeyRecord],
        policy: SigningPolicy | None,
    ) -> None:
        """May these signers sign an event of type ``topic`` under ``policy``?
        (Whether each key may sign at the events' times is checked in
        :meth:`_sign`.)"""
        author, *cosigners = records
        if topic in POLICY_TYPES:
            anchors = list(self.mapper.context.registry.anchors)
            check_policy_signers(topic, author, len(cosigners), anchors)
            return
        if policy is None:
            raise PolicyError(NO_POLICY)
        policy.check_author(topic, author.key, author.roles)
        policy.check_cosigners(topic, [c.roles for c in cosigners])


def _stream_heads(
    events: Sequence[DomainEventProtocol[UUID]], signed: list[tuple[str, bytes, str]]
) -> list[tuple[tuple[UUID, int], str]]:
    """Each stream's last event of a save with its hash: what the stream's next
    event chains to. (A hash not kept is read back from the store if asked.)"""
    last: dict[UUID, tuple[tuple[UUID, int], str]] = {}
    for event, (_, _, digest) in zip(events, signed, strict=True):
        stream = event.originator_id
        last[stream] = ((stream, event.originator_version), digest)
    return list(last.values())


def _recordings(
    events: Sequence[DomainEventProtocol[UUID]],
    stored: list[StoredEvent],
    ids: Sequence[int] | None,
) -> list[Recording[UUID]]:
    if not ids:
        return []
    return [
        Recording(
            d,
            Notification(
                originator_id=s.originator_id,
                originator_version=s.originator_version,
                topic=s.topic,
                state=s.state,
                id=n,
            ),
        )
        for d, s, n in zip(events, stored, ids, strict=True)
    ]


class LedgerApplication(Application[UUID]):
    """The school's ledger: signed, chained, append-only (DESIGN §1–§4)."""

    name = "Letopis"  # ledger.storage.stores.APPLICATION_NAME (a test keeps them equal)
    is_snapshotting_enabled = True
    env: ClassVar[dict[str, str]] = {
        "MAPPER_TOPIC": "ledger.mapper:EnvelopeMapper",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
    }
    mapper: EnvelopeMapper

    def __init__(self, env: EnvType | None = None) -> None:
        super().__init__(env)
        self.mapper.attach(self._fetch_stored)
        self.context.registry.attach(self._load_signer_key, self._has_newer_events)
        self.context.policies.attach(self._load_policy, self._has_newer_events)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        environment = super().construct_env(name, env)
        if strtobool(environment.get("POSTGRES_ENABLE_DB_FUNCTIONS") or "no"):
            msg = (
                "POSTGRES_ENABLE_DB_FUNCTIONS must stay off: its insert path lost "
                "events for followers (DESIGN §8)"
            )
            raise LedgerError(msg)
        return environment

    def construct_mapper(self) -> EnvelopeMapper:
        return EnvelopeMapper(
            transcoder=self.construct_transcoder(),
            compressor=self.factory.compressor(),  # refused if configured
            cipher=self.factory.cipher(),  # refused if configured
            context=LedgerContext.from_env(self.env),
        )

    def construct_event_store(self) -> SigningEventStore:
        return SigningEventStore(mapper=self.mapper, recorder=self.recorder)

    @property
    def context(self) -> LedgerContext:
        return self.mapper.context

    def _fetch_stored(self, stream: UUID, seq: int) -> StoredEvent | None:
        found = self.recorder.select_events(stream, gt=seq - 1, lte=seq, limit=1)
        return found[0] if found else None

    def _load_signer_key(self, stream: UUID) -> SignerKey | None:
        """A key stream replayed from its (at most a few) events, no snapshot."""
        signer: Any = None
        for event in self.events.get(stream):
            signer = cast(Any, event).mutate(signer)
        return cast(SignerKey | None, signer)

    def _load_policy(self, stream: UUID) -> PolicyRecord | None:
        """A policy stream replayed from its events, no snapshot."""
        record: Any = None
        for event in self.events.get(stream):
            record = cast(Any, event).mutate(record)
        return cast(PolicyRecord | None, record)

    def _has_newer_events(self, stream: UUID, version: int) -> bool:
        return bool(self.recorder.select_events(stream, gt=version, limit=1))
