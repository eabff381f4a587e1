"""The log as the report views may apply it: entries the verifier has checked.

A view that applied stored bytes unchecked would print a forged mark under a
valid checkpoint (issue 15). So the runner reads the log only through
:class:`CheckedLog`, which asks the independent verifier's own per-entry rules
(``verify.checks.check_rows``: canonical envelope, stored columns, leaf row
and leaf hash, every signature under the key registry the verifier rebuilds
from the log, the stream's chain) about each chunk before handing out any
entry of it. Nothing here re-implements a rule.

What it reads is what it checked: the entries handed out are the very rows
the verifier's source read (the store's own tables, as ``letopis verify``
reads them), not a second read through the writer.

Signatures are the cost (~150 µs an entry). Entries under the checkpoint the
verifier recorded as fully verified (``verify.state``, the state file that
``letopis verify`` writes and ``--since-checkpoint`` reads) skip them, as the
verifier's own ``--since-checkpoint`` does, but only after the stored leaf
hashes ``[0, size)`` are shown to give that checkpoint's root, and each
entry's bytes its leaf row's hash: then the bytes are the ones verified.
Otherwise every signature is checked.

A chain that continues from before the first chunk read (a catch-up) is
joined to the previous event of its stream as stored, which the view applied
when it was checked.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger.application import LedgerApplication
from ledger.errors import LedgerError
from ledger.mapper import KEYS_ENV
from ledger.storage.stores import STORE_URL_ENV
from verify.checks import Context, chain_problem, check_rows
from verify.disposal import is_tombstone, read_acts, stored_envelope_hash
from verify.errors import VerificationError
from verify.inputs import Inputs, gather
from verify.merkle import root_from_leaf_hashes
from verify.names import describe_entry
from verify.registry import Registry, TrustRow, build_registry
from verify.retention import RetentionPolicy
from verify.rules import RawFinding
from verify.sources import Chunk, Row, Source, Survey
from verify.state import VerifiedState, default_state_path

#: entries checked at once (a power of two, as the verifier's chunks are)
CHUNK = 4096


class EntryRefusedError(LedgerError):
    """An entry the views would apply fails the verifier's checks: nothing of
    the batch is applied. ``findings`` lists every finding of the chunk."""

    def __init__(self, findings: list[str]) -> None:
        self.findings = findings
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        msg = (
            f"the report views were not built: {findings[0]}{more}; "
            "run `letopis verify` for the whole log"
        )
        super().__init__(msg)


@dataclass(frozen=True)
class CheckedEntry:
    """One entry the verifier's rules accepted, as its source read it."""

    ordinal: int
    """Its place in log order: its leaf index (once sealed)."""
    leaf_hash: bytes
    order: int
    """Its notification id."""
    state: bytes


class CheckedLog:
    """The store's entries, chunk by chunk, each chunk checked before use."""

    def __init__(self, app: LedgerApplication, *, chunk_size: int = CHUNK) -> None:
        self.app = app
        url, keys = app.env.get(STORE_URL_ENV), app.env.get(KEYS_ENV)
        if not url or not keys:
            msg = (
                "the report views can only be built from a store opened with its "
                "URL and key directory (the entries must be checked first)"
            )
            raise EntryRefusedError([msg])
        try:
            inputs = gather(
                store=url,
                archive=None,
                keys=Path(keys),
                default_policy=_packaged("signing"),
                default_retention=_packaged("retention"),
            )
            self.source: Source = inputs.source
            self.survey: Survey = self.source.survey(chunk_size)
            registry = _registry(self.survey.trust_rows, inputs)
        except VerificationError as e:
            msg = f"the log could not be read to check it: {e}"
            raise EntryRefusedError([msg]) from e
        book = registry.policies
        leaves = self.survey.leaves
        disposals, _ = read_acts(self.survey.act_rows, registry, inputs.log_key.origin)
        self.context = Context(
            source=self.source,
            origin=inputs.log_key.origin,
            registry=registry,
            policy=book,
            retention=book.current_retention() or RetentionPolicy((), source="none"),
            today=datetime.now(UTC).date(),
            chunk_size=chunk_size,
            since=self._verified(inputs.log_key, book.digest),
            sealed_id=leaves.sealed_id if leaves else 0,
            sealed_size=leaves.count if leaves else 0,
            disposals=disposals,
        )
        self.heads: dict[str, tuple[int, bytes]] = {}

    def entries(self, after: int = 0) -> Iterator[CheckedEntry]:
        """Every entry with a notification id above ``after``, in log order;
        EntryRefusedError before the first entry of a chunk that fails."""
        for chunk in self.survey.chunks:
            if self.survey.entries and chunk.hi - 1 > after:
                yield from (e for e in self._checked(chunk) if e.order > after)

    def close(self) -> None:
        self.source.close()

    def _checked(self, chunk: Chunk) -> list[CheckedEntry]:
        try:
            rows, leaf_rows = self.source.read(chunk)
        except VerificationError as e:
            raise EntryRefusedError([f"the log could not be read: {e}"]) from e
        result = check_rows(self.context, chunk.start, rows, leaf_rows)
        findings = [self._said(f, rows, chunk.start) for f in result.findings]
        for link in result.links:
            last = self.heads.get(link.stream) or self._previous(link.stream, link.seq)
            problem = chain_problem(link.stream, link.seq, link.prev, last)
            if problem is not None:
                raw = RawFinding(
                    "chain",
                    f"{link.stream}:{link.seq}",
                    link.position,
                    problem,
                    link.ordinal,
                    link.cls,
                )
                findings.append(self._said(raw, rows, chunk.start))
        if findings:
            raise EntryRefusedError(findings)
        for head in result.heads:
            self.heads[head.stream] = (head.seq, head.hash)
        return [  # a disposed entry (a tombstone) has nothing left to show
            CheckedEntry(chunk.start + i, _leaf_hash(row), row.order, _bytes(row))
            for i, row in enumerate(rows)
            if not is_tombstone(_bytes(row))
        ]

    def _previous(self, stream: str, seq: int) -> tuple[int, bytes] | None:
        """The stored previous event of a stream met first mid-chain."""
        if seq <= 1:
            return None
        found = self.app.recorder.select_events(
            UUID(stream), gt=seq - 2, lte=seq - 1, limit=1
        )
        if not found:
            return None
        return seq - 1, bytes.fromhex(stored_envelope_hash(found[0].state)[7:])

    def _said(self, finding: RawFinding, rows: list[Row], start: int) -> str:
        """A finding as a sentence, with what the entry holds in clear."""
        where = [f"leaf {finding.position}"] if finding.position is not None else []
        where += [f"event {finding.event}"] if finding.event is not None else []
        text = f"[{finding.kind}] {', '.join(where)}: {finding.detail}"
        if finding.ordinal is not None and 0 <= finding.ordinal - start < len(rows):
            state = _bytes(rows[finding.ordinal - start])
            about = describe_entry(state, self._opening)
            if about is not None:
                text += f" ({about.line()})"
        return text

    def _opening(self, stream: str) -> dict[str, Any] | None:
        """The data of a stream's first event as stored (for findings only)."""
        try:
            found = self.app.recorder.select_events(UUID(stream), lte=1, limit=1)
            data = json.loads(found[0].state)["data"] if found else None
        except (ValueError, KeyError, TypeError):
            return None
        return data if isinstance(data, dict) else None

    def _verified(self, log_key: Any, policy: str) -> int:
        """Leading entries whose signatures the verifier recorded as verified:
        only if the stored leaves still give that checkpoint's root."""
        state = VerifiedState.load(
            default_state_path(log_key.origin, log_key.key_id, self.source.location)
        )
        if state is None or not state.fits(
            origin=log_key.origin, log_key=log_key.key_id
        ):
            return 0
        if state.policy != policy or state.size > self.survey.entries:
            return 0
        hashes = [h for _, h in self.source.read_leaf_hashes(0, state.size)]
        if len(hashes) != state.size or root_from_leaf_hashes(hashes) != state.root:
            return 0
        return state.size


_LAST_REGISTRY: list[tuple[tuple[Any, ...], Registry]] = []
_REGISTRY_LOCK = threading.Lock()


def _registry(rows: Sequence[TrustRow], inputs: Inputs) -> Registry:
    """The key registry the log's trust rows make. The last one made is used
    again while the rows (and the anchor) are the same: a catch-up after a
    lesson finds no new key, and building it anew checks every key
    registration's signatures again. The defaults are the packaged policies,
    the same for every log this process reads."""
    key = (inputs.log_key, tuple(rows))
    with _REGISTRY_LOCK:
        if _LAST_REGISTRY and _LAST_REGISTRY[0][0] == key:
            return _LAST_REGISTRY[0][1]
    registry = build_registry(
        rows,
        anchor=inputs.log_key,
        policy=inputs.default_policy,
        retention=inputs.default_retention,
    )
    with _REGISTRY_LOCK:
        _LAST_REGISTRY[:] = [(key, registry)]
    return registry


def _bytes_of(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")


def _bytes(row: Row) -> bytes:
    return _bytes_of(row.state)


def _leaf_hash(row: Row) -> bytes:
    return hashlib.sha256(b"\x00" + _bytes(row)).digest()


def _packaged(name: str) -> Path:
    """The packaged policy, for a log made before policies were logged."""
    return Path(str(resources.files("ledger").joinpath(f"policies/{name}.toml")))
