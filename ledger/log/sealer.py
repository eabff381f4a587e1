"""The sealer: new events become leaves, and a checkpoint signed by the log key
covers them (C2SP signed notes). It follows the store's notification order
(DESIGN §3); a restarted sealer resumes after the last sealed notification.

It signs nothing it cannot stand behind:

- it remembers the latest checkpoint it signed outside the store, beside the
  log key (``ledger.log.remembered``), and refuses to sign a tree that does
  not extend it, whatever the store's own leaf, node and checkpoint rows say;
- it checks each new entry (``ledger.log.entries``): envelope, chain,
  signatures and key windows as the log knew the keys at the entry's place,
  and seals nothing from the first entry that fails.

A refusal is a :class:`LogIntegrityError`, and it is remembered beside the
log key: the sealer refuses every later round too, in every process, and never
turns green again by itself. A person examines the store (``letopis verify``
with the remembered checkpoint as ``--trusted-checkpoint``) and removes the
refusal file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PrivateKey

from ledger.application import LedgerApplication
from ledger.envelope import format_time
from ledger.errors import LedgerError
from ledger.keys.directory import SigningKey
from ledger.log.entries import EntryChecker
from ledger.log.pqkey import load_pq_key
from ledger.log.remembered import Remembered, SealerMemory
from ledger.log.store import (
    DEFAULT_SEAL_INTERVAL,
    Leaf,
    LogConflictError,
    LogIntegrityError,
    LogStore,
    StoredCheckpoint,
)
from ledger.log.tree import StoredTree, border_keys
from ledger.log.witnesses import WitnessSender
from verify import merkle
from verify.disposal import stored_leaf_hash
from verify.note import checkpoint_body, signed_note
from verify.renewal import pq_key_name, pq_signature_line


class Sealer:
    """Seals the log: leaves for new events, then a signed checkpoint.

    Use ``Sealer(app).seal()`` after appends (the command line does, before it
    exits) or :class:`AutoSealer` in a long-running process, so that every
    acknowledged append is covered by a checkpoint within the seal interval.
    """

    def __init__(
        self,
        app: LedgerApplication,
        *,
        log_key: SigningKey | None = None,
        witnesses: WitnessSender | None = None,
        restoring: bool = False,
    ) -> None:
        self.app = app
        self.store = LogStore(app.recorder)
        self.tree = StoredTree(self.store)
        keys = app.context.keys
        self.memory = SealerMemory(keys.path, self.origin, keys.log_public_key)
        self.entries = EntryChecker(app, self.store, restoring=restoring)
        self.witnesses = witnesses or WitnessSender(keys.path)
        self._log_key = log_key
        self._lock = threading.Lock()
        self._pq_key: tuple[MLDSA65PrivateKey | None] | None = None

    @property
    def origin(self) -> str:
        return self.app.context.origin

    def log_key(self) -> SigningKey:
        if self._log_key is None:
            self._log_key = self.app.context.log_key()
        return self._log_key

    def seal(
        self, *, progress: Callable[[int], None] | None = None
    ) -> StoredCheckpoint:
        """Append every pending event as a leaf; sign a checkpoint if the tree grew.

        Raises :class:`LogIntegrityError` (and keeps raising it on every later
        call) when the log is not what this sealer signed before, or a new
        entry does not check; the good entries before that one are sealed.
        """
        with self._lock:
            before = self.memory.refusal()
            if before is not None:
                msg = (
                    f"refusing to sign: the sealer refused before ({before}); "
                    "examine the store with `letopis verify --trusted-checkpoint "
                    f"{self.memory.path}`, then remove {self.memory.refusal_path} "
                    "to let sealing go on"
                )
                raise LogIntegrityError(msg)
            try:
                self._trusted()
                try:
                    while self.append_pending(progress=progress):
                        pass
                except LogIntegrityError:
                    self._checkpoint()  # the entries before the refused one
                    raise
                return self._checkpoint()
            except LogIntegrityError as e:
                self.memory.refuse(str(e), format_time(datetime.now(UTC)))
                raise

    def append_pending(
        self, *, batch: int = 2000, progress: Callable[[int], None] | None = None
    ) -> int:
        """Append up to ``batch`` unsealed events as leaves; how many were added."""
        size = self.store.size()
        after = self.store.last_notification_id()
        notifications = self.app.recorder.select_notifications(
            start=after + 1, limit=batch
        )
        if not notifications:
            return 0
        good = self.entries.check(notifications, after, size)
        border = self._border(size)
        leaves, nodes = [], []
        for offset, n in enumerate(notifications[:good]):
            index = size + offset
            digest = stored_leaf_hash(n.state)
            leaves.append(
                Leaf(index, n.id, str(n.originator_id), n.originator_version, digest)
            )
            nodes.extend(_grow(border, index, digest))
        try:
            self.store.append(leaves, nodes)
        except LogConflictError:
            return 1  # someone else sealed these; the next round re-reads
        if progress is not None:
            progress(len(leaves))
        return len(leaves)

    def _border(self, size: int) -> list[tuple[int, int, bytes]]:
        keys = border_keys(size)
        found = self.store.hashes(keys)
        return [(level, index, found[(level, index)]) for level, index in keys]

    def _trusted(self) -> Remembered | None:
        """The latest checkpoint this log key signed, checked against the store.

        The remembered one, or the store's latest if that is newer, signed by
        the log key and consistent with it (a crash between the row's commit
        and the file's rename; or another sealer of this key directory): then
        the memory advances. The stored tree must still hold what it signed.
        """
        remembered = self.memory.load()
        latest = self.store.latest_checkpoint()
        stored = self.memory.verified(latest) if latest is not None else None
        size = self.store.size()
        if remembered is None:  # the first seal since the memory began
            trusted = stored
        elif stored is None or stored.size < remembered.size:
            found = "none" if stored is None else f"size {stored.size}"
            msg = (
                f"refusing to sign: this log key signed a checkpoint of size "
                f"{remembered.size} ({self.memory.path}), but the store's latest "
                f"checkpoint is {found}: checkpoints were removed from the store"
            )
            raise LogIntegrityError(msg)
        elif stored.size == remembered.size:
            if stored.root != remembered.root:
                msg = (
                    f"refusing to sign: the store's checkpoint of size {stored.size} "
                    f"has another root than the one this log key signed "
                    f"({self.memory.path}): two checkpoints of one size"
                )
                raise LogIntegrityError(msg)
            trusted = remembered
        else:
            self._check_extends(remembered, size)
            self._check_consistent(remembered, stored.size, stored.root)
            trusted = stored
        if trusted is not None:
            self._check_extends(trusted, size)
            if remembered is None or trusted.size > remembered.size:
                self.memory.remember(trusted)
        return trusted

    def _checkpoint(self) -> StoredCheckpoint:
        size = self.store.size()
        trusted = self._trusted()
        latest = self.store.latest_checkpoint()
        if trusted is not None and latest is not None and trusted.size == size:
            return latest
        root = self.tree.root(size)
        if trusted is not None:
            self._check_consistent(trusted, size, root)
        key = self.log_key()
        body = checkpoint_body(self.origin, size, root)
        note = signed_note(body, self.origin, key.public_bytes, key.sign)
        note += self._pq_line(body)
        checkpoint = StoredCheckpoint(size, root, note, format_time(datetime.now(UTC)))
        try:
            self.store.add_checkpoint(checkpoint)
        except LogConflictError:
            stored = self.store.latest_checkpoint()
            assert stored is not None
            self.memory.remember(self.memory.verified(stored))
            return stored
        self.memory.remember(Remembered(size, root, note))
        # after the checkpoint is stored and remembered: a witness's failure is
        # recorded beside the keys and never undoes or stops sealing
        self.witnesses.send(note, self.tree.consistency_proof)
        return checkpoint

    def _pq_line(self, body: str) -> str:
        """The ML-DSA-65 co-signature line, if the log has that key (loaded once)."""
        if self._pq_key is None:
            keys = self.app.context.keys
            self._pq_key = (load_pq_key(keys.path, keys.passphrase),)
        key = self._pq_key[0]
        if key is None:
            return ""
        public = key.public_key().public_bytes_raw()
        return pq_signature_line(body, pq_key_name(self.origin), public, key.sign)

    def _check_consistent(self, latest: Remembered, size: int, root: bytes) -> None:
        """Refuse to sign unless the new tree extends the one signed before."""
        self._check_extends(latest, size)
        proof = self.tree.consistency_proof(latest.size, size)
        try:
            merkle.verify_consistency(latest.size, size, proof, latest.root, root)
        except merkle.MerkleProofError as e:
            msg = f"refusing to sign: size {size} does not extend {latest.size}: {e}"
            raise LogIntegrityError(msg) from e

    def _check_extends(self, latest: Remembered, size: int) -> None:
        """The stored tree still holds, unchanged, what ``latest`` signed."""
        if size < latest.size:
            msg = (
                f"refusing to sign: the log has {size} leaves but a checkpoint of "
                f"size {latest.size} was signed before; leaves were removed"
            )
            raise LogIntegrityError(msg)
        if self.tree.root(latest.size) != latest.root:
            msg = (
                f"refusing to sign: the stored tree's root at size {latest.size} "
                "differs from the checkpoint signed then; the log was altered"
            )
            raise LogIntegrityError(msg)

    def latest(self) -> StoredCheckpoint | None:
        return self.store.latest_checkpoint()


def _grow(
    border: list[tuple[int, int, bytes]], index: int, digest: bytes
) -> list[tuple[int, int, bytes]]:
    """Add leaf ``index`` to the right border; return the subtrees it completes."""
    completed = []
    level, position, current = 0, index, digest
    while border and border[-1][0] == level:
        _, left_position, left = border.pop()
        level, position = level + 1, left_position >> 1
        current = merkle.node_hash(left, current)
        completed.append((level, position, current))
    border.append((level, position, current))
    return completed


class AutoSealer:
    """Seals in a background thread every ``interval`` seconds while running."""

    def __init__(self, sealer: Sealer, interval: float = DEFAULT_SEAL_INTERVAL) -> None:
        self.sealer = sealer
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="letopis-sealer", daemon=True
        )
        self.error: Exception | None = None

    def start(self) -> AutoSealer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and seal once more, so nothing appended is left out."""
        self._stop.set()
        self._thread.join()
        self.sealer.seal()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sealer.seal()
            except LedgerError as e:  # kept for whoever runs the sealer to see
                self.error = e

    def __enter__(self) -> AutoSealer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
