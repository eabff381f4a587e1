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
from eventsourcing.utils import Environment, EnvType, strtobool

from ledger.envelope import Envelope, Signer, content_hash, parse_time
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
        envelopes = self._sign(domain_events, signed_by)
        stored = [
            _stored(e.originator_id, envelope, data)
            for e, (envelope, data, _) in zip(domain_events, envelopes, strict=True)
        ]
        try:
            ids = self.recorder.insert_events(stored, **kwargs)
        except IntegrityError as e:
            names = ", ".join(e.name for e, _, _ in envelopes[:3])
            msg = (
                f"another writer appended to the same stream first ({names}); "
                "nothing was written: reload the record and try again"
            )
            raise ConcurrencyError(msg) from e
        self.mapper.heads.put_many(
            ((event.originator_id, event.originator_version), digest)
            for event, (_, _, digest) in zip(domain_events, envelopes, strict=True)
        )
        return _recordings(domain_events, stored, ids)

    def _sign(
        self, events: Sequence[DomainEventProtocol[UUID]], signing: Signing
    ) -> list[tuple[Envelope, bytes, str]]:
        """Each event as a signed envelope with its stored bytes and their
        hash, in order.

        What is the same for every event of the save is looked up once: the
        signers' key records, the policy in force (until an event of the save
        changes it) and its answer for each event type. Every event is still
        signed, chained and checked against them.
        """
        records = self._signer_records(signing)
        policy = self.mapper.context.policies.signing(fresh=True)
        if policy is None:
            policy = first_signing_policy(events)
        allowed: set[str] = set()  # event types this policy lets these signers sign
        heads: dict[UUID, str] = {}
        envelopes = []
        signers = signing.signers
        for event in events:
            stream, seq = event.originator_id, event.originator_version
            prev = None
            if seq > 1:
                prev = heads.get(stream) or self.mapper.head_of(stream, seq - 1)
            unsigned = self.mapper.envelope_for(event, prev=prev)
            moment = parse_time(unsigned.at)
            for record in records:
                record.check_may_append(moment)
            if unsigned.type not in allowed:
                self._authorize(unsigned, records, policy)
                if unsigned.type not in POLICY_TYPES:
                    allowed.add(unsigned.type)
            after = signing_after(event, policy)  # in force after this entry
            if after is not policy:
                policy, allowed = after, set()
            envelope = unsigned.signed_by(*signers, message=unsigned.signing_input())
            data = envelope.to_bytes()
            digest = content_hash(data)
            heads[stream] = digest
            envelopes.append((envelope, data, digest))
        return envelopes

    def _signer_records(self, signing: Signing) -> list[KeyRecord]:
        ids = [s.key_id for s in signing.signers]
        if len(set(ids)) != len(ids):
            msg = "the same key may sign an event only once; co-signers must differ"
            raise PolicyError(msg)
        registry = self.mapper.context.registry
        return [registry.get(k, fresh=True) for k in ids]

    def _authorize(
        self,
        envelope: Envelope,
        records: list[KeyRecord],
        policy: SigningPolicy | None,
    ) -> None:
        """May these signers sign an event of this type under ``policy``?
        (Whether each key may sign at the event's time is checked per event,
        in :meth:`_sign`.)"""
        author, *cosigners = records
        if envelope.type in POLICY_TYPES:
            anchors = list(self.mapper.context.registry.anchors)
            check_policy_signers(envelope.type, author, len(cosigners), anchors)
            return
        if policy is None:
            raise PolicyError(NO_POLICY)
        policy.check_author(envelope.type, author.key, author.roles)
        policy.check_cosigners(envelope.type, [c.roles for c in cosigners])


def _stored(stream: UUID, envelope: Envelope, data: bytes) -> StoredEvent:
    return StoredEvent(
        originator_id=stream,
        originator_version=envelope.seq,
        topic=envelope.type,
        state=data,
    )


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
