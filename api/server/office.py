"""The records office behind the API: one ledger, one school's services, shared.

Requests run on a thread pool; appends take one lock, so the services' cache
of views is used by one command at a time (PostgreSQL serialises appends
anyway, DESIGN §8). A sealing loop (in a child process by default, see
``api.server.sealing``) covers every acknowledged append with a signed
checkpoint within the configured seal interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher

from api.server.access_log import AccessLog
from api.server.accounts import Account, AccountStore
from api.server.custody import Holds, NoCustodialKeyError, held_signer
from api.server.idempotency import IdempotencyStore, recorder_env
from api.server.presigned import (
    Command,
    SubmissionError,
    check_common,
    command_of,
    read_envelopes,
    signing_of,
)
from api.server.sealing import SealHealth, Sealing, SealState, assess, sealing
from api.server.settings import Settings
from api.server.signin import AttemptLimits, HashingGate
from api.server.verification import VerificationRuns
from ledger.application import Signing
from ledger.bootstrap import open_school
from ledger.envelope import Envelope
from ledger.errors import LedgerError
from ledger.keys.directory import KeyDirectory, SigningKey
from ledger.keys.wrapped import KdfCost, is_wrapped
from ledger.log import Sealer
from ledger.records.context import RecordsContext
from ledger.records.journal import LessonInput
from ledger.records.office import SchoolRecords

Clock = Callable[[], datetime]
T = TypeVar("T")


def system_clock() -> datetime:
    return datetime.now(UTC)


class CommandClock:
    """The services' clock: the server's, or an envelope's ``at`` while a
    client-signed command runs (under the write lock)."""

    def __init__(self, clock: Clock) -> None:
        self.base = clock
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or self.base()


class Office:
    """The ledger, the school's records services and the API's own tables."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock = system_clock,
        *,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        passphrase = settings.key_passphrase.get_secret_value()
        self.settings = settings
        self.clock = CommandClock(clock)
        #: the ledger's environment, for a sealing process to open it alike
        self.seal_env = {
            **recorder_env(settings.store, settings.db_timeout_seconds),
            **(extra_env or {}),
        }
        school = open_school(
            settings.store,
            keys=settings.keys,
            passphrase=passphrase,
            school_code=settings.school,
            clock=self.clock,
            extra_env=self.seal_env,
        )
        self.app = school.app
        try:
            self.directory = KeyDirectory.open(settings.keys, passphrase)
            self.school = school.school
            self.records = school.records
            self.reads = school.reads
            self.data_keys = school.data_keys
            self.accounts = AccountStore(
                self.app,
                PasswordHasher(
                    time_cost=settings.password_time_cost,
                    memory_cost=settings.password_memory_kib,
                ),
            )
            self.hashing = HashingGate(
                settings.hashing_slots, settings.sign_in_wait_seconds
            )
            self.attempts = AttemptLimits(
                per_login=settings.sign_in_per_login,
                per_address=settings.sign_in_per_address,
                window=settings.sign_in_window_seconds,
            )
            self.access = AccessLog(self.app)
            self.verify_runs = VerificationRuns(self.app)
            self.idempotency = IdempotencyStore(self.app)
        except BaseException:
            self.app.close()
            raise
        self.sealer = Sealer(self.app)
        self.seal_state = SealState()
        self.seal_state.found(self.sealer.store.latest_checkpoint())
        self._sealing_since = time.time()
        self.auto_sealer: Sealing = self._sealing()
        self._running = 0
        self._running_lock = threading.Lock()
        self._facts: tuple[str, ZoneInfo] | None = None
        self.write_lock = threading.Lock()
        self.read_lock = threading.Lock()
        self._keys: dict[str, SigningKey] = {}
        self.holds = Holds()  # keys opened at sign-in (api.server.custody)

    def start(self) -> None:
        """One more running server on this office: the first starts the sealer."""
        with self._running_lock:
            self._running += 1
            if self._running == 1:
                self._sealing_since = time.time()
                self.auto_sealer = self._sealing()
                self.auto_sealer.start()

    def sealed_by(self, loop: Sealing) -> None:
        """Sealed by the deployment's loop over its schools (``api.server.schools``),
        not by a sealer of its own; that loop is started and stopped there."""
        with self._running_lock:
            self._sealing_since = time.time()
            self.auto_sealer = loop
            self._running = 1

    def _sealing(self) -> Sealing:
        settings = self.settings
        return sealing(
            self.sealer,
            self.seal_state,
            in_process=not settings.seal_process,
            store=settings.store,
            keys=settings.keys,
            passphrase=settings.key_passphrase.get_secret_value(),
            interval=settings.seal_interval,
            env=recorder_env(settings.store, settings.db_timeout_seconds),
        )

    def seal_health(self) -> SealHealth:
        """How sealing goes, from memory only (no database): cheap for /health."""
        settings = self.settings
        return assess(
            self.seal_state.report(),
            now=time.time(),
            started_at=self._sealing_since,
            interval=settings.seal_interval,
            overdue_after=settings.overdue_after,
            running=self._running > 0 and self.auto_sealer.alive(),
        )

    def stop(self) -> None:
        """One server fewer: the last one stops the sealer, which seals once more."""
        with self._running_lock:
            self._running -= 1
            if self._running == 0:
                self.auto_sealer.stop()

    def close(self) -> None:
        """Stop sealing (if it runs) and close the store."""
        try:
            with self._running_lock:
                if self._running > 0:
                    self._running = 0
                    self.auto_sealer.stop()
        finally:
            self.app.close()

    def now(self) -> datetime:
        return self.clock.base()

    @property
    def origin(self) -> str:
        return self.app.context.origin

    # -- custodial signing ---------------------------------------------------------

    def custodial(self, account: Account) -> Signing:
        """The account's key, kept encrypted in the key directory, as a signing.

        A key wrapped by its holder's own password is the one a session or
        token of the account opened at sign-in (``api.server.custody``); one
        wrapped by the server's passphrase is opened here and kept."""
        label = account.key_label
        if label is None:
            msg = (
                f"the server keeps no key for {account.name!r}: sign the envelopes "
                "on your device and POST them to /envelopes"
            )
            raise NoCustodialKeyError(msg)
        if is_wrapped(self.directory, label):
            current = self.accounts.active(account.name)
            version = current.version if current else 0
            return Signing(held_signer(self.holds, account, version))
        key = self._keys.get(label)
        if key is None:
            key = self._keys[label] = self.directory.signer(label)
        return Signing(key)

    @property
    def kdf_cost(self) -> KdfCost:
        """argon2id's cost for keys wrapped by a password: the server's own
        password-hashing cost (``Settings.password_*``)."""
        settings = self.settings
        return KdfCost(settings.password_time_cost, 4, settings.password_memory_kib)

    def run(self, command: Callable[[SchoolRecords], T]) -> T:
        """Run one command of the records services, alone."""
        with self.write_lock:
            return command(self.records)

    @contextmanager
    def reading(self) -> Iterator[RecordsContext]:
        with self.read_lock:
            self.reads.begin()
            yield self.reads

    def school_zone(self) -> ZoneInfo:
        """The school's time zone, read once from its registration (UTC until
        the school is registered): the pages show times as the school reads
        them, as the printed reports do."""
        return self._school()[1]

    def school_name(self) -> str:
        """The school's registered name (its code until it is registered)."""
        return self._school()[0]

    def _school(self) -> tuple[str, ZoneInfo]:
        if self._facts is None:
            try:
                with self.reading() as context:
                    school = context.school()
            except LedgerError:  # no school registered yet
                return self.settings.school, ZoneInfo("UTC")
            self._facts = (school.name, ZoneInfo(school.timezone))
        return self._facts

    # -- client-signed appends -----------------------------------------------------

    def append_signed(
        self,
        account: Account,
        objects: Sequence[Any],
        command: Command | None = None,
    ) -> list[str]:
        """Check and append client-signed envelopes; the appended events' names.

        ``command`` is what they record, run again to make them (a record
        command with its body); without it, the journal command the envelopes
        themselves record (lesson sheets, corrections, voids)."""
        found = read_envelopes(objects, self.app)
        skew = timedelta(seconds=self.settings.clock_skew_seconds)
        at = check_common(found, origin=self.origin, now=self.now(), skew=skew)
        for s in found:
            self.app.mapper.verify_signatures(s.envelope)
        self._check_author(account, found[0].envelope)
        if command is None:
            command = command_of(found)
        signing, signers = signing_of(found)
        with self.write_lock:
            self.clock.fixed = at
            try:
                command(self.records, signing)
            finally:
                self.clock.fixed = None
        if signers[0].used != len(found):  # pragma: no cover - derivation is total
            msg = "not every submitted envelope was appended"
            raise SubmissionError(msg, "body.envelopes")
        return [s.envelope.name for s in found]

    def _check_author(self, account: Account, envelope: Envelope) -> None:
        record = self.app.context.registry.get(envelope.author_key)
        if account.staff is None or record.holder != str(account.staff):
            msg = (
                f"key {record.key} is held by {record.holder!r}, not by the signed-in "
                f"account {account.name!r}: send only envelopes you authored"
            )
            raise SubmissionError(msg, "body.envelopes.0.sigs.0.key", "your own key")

    def prepare(self, key: str, lessons: Sequence[LessonInput]) -> list[Envelope]:
        """The unsigned envelopes the rules make of ``lessons`` for ``key``'s holder,
        now; nothing is written. Events after the first of a new stream chain to
        the envelope before them once it is signed (``prev`` left null)."""
        return self.prepare_with(
            key,
            (),
            lambda records, signing: records.journal.record_lessons(
                lessons, signed_by=signing
            ),
        )

    def prepare_with(
        self, key: str, cosigners: Sequence[str], command: Command
    ) -> list[Envelope]:
        """The unsigned envelopes ``command`` makes now when ``key`` authors it
        (and ``cosigners`` co-sign); nothing is written (see :meth:`prepare`)."""
        signing = Signing(KeyOnly(key), tuple(KeyOnly(k) for k in cosigners))
        with self.write_lock:
            dry = DryRun(
                self.app, self.school, clock=self.clock, data_keys=self.data_keys
            )
            dry.prepared = []
            command(SchoolRecords.on(dry), signing)
        return dry.prepared


class KeyOnly:
    """A signer that only names its key: for dry runs, which sign nothing."""

    def __init__(self, key: str) -> None:
        self._key = key

    @property
    def key_id(self) -> str:
        return self._key

    def sign(self, message: bytes) -> bytes:  # pragma: no cover - never called
        msg = "a dry run signs nothing"
        raise LedgerError(msg)


class DryRun(RecordsContext):
    """A records context whose save makes the unsigned envelopes and keeps them."""

    prepared: list[Envelope]

    def snapshot(self, stream: UUID, version: int) -> None:
        """Nothing was saved, so nothing is snapshotted."""

    def save(self, aggregates: Any, signing: Signing) -> None:
        mapper = self.app.mapper
        if self.prepared:
            msg = (
                "this command saves more than once; it can be signed only by the "
                "server (send it to its own endpoint)"
            )
            raise LedgerError(msg)
        seen: set[UUID] = set()
        for aggregate in aggregates:
            for event in aggregate.collect_events():
                stream, seq = event.originator_id, event.originator_version
                chained = seq == 1 or stream in seen
                prev = None if chained else mapper.head_of(stream, seq - 1)
                self.prepared.append(mapper.envelope_for(event, prev=prev))
                seen.add(stream)
