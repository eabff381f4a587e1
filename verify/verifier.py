"""The independent verifier of a school's log (DESIGN §3, §6, §7; issue 4).

An auditor (the school's expert commission, the education office, an archive)
holds the school's log key from somewhere other than the log itself, and maybe
a checkpoint printed on a sealed paper statement. `Verifier` takes those as
keyword-only trust inputs and checks a live store or an exported archive:

1. every signature: key registered (the registry rebuilt from the log's own
   ``trust.*`` events, each checked against the anchor), signing time inside
   the key's window and before any compromise, the entry not appended after
   the revocation that stopped its key, the author's role allowed for the
   event type, required co-signatures present;
2. every stream's chain: ``seq`` contiguous from 1, ``prev`` the hash of the
   previous envelope's exact bytes;
3. on a live store, the stored columns and the Merkle leaf rows agree with the
   envelopes, and every stored subtree hash (the log's proof index) with the
   leaf rows;
4. the root recomputed from all entries equals every checkpoint's signed root,
   and every checkpoint is signed by the log key;
5. the log extends ``trusted_checkpoint`` and the checkpoint this verifier
   recorded as verified before (``state_file``), and still holds both;
6. no two checkpoints commit to different histories;
7. no entry beyond the latest signed checkpoint is older than the sealing
   delay (``seal_delay``) allows.

It then reports per retention class (DESIGN §6). `Verifier.audit` returns the
`Report` with every finding; `Verifier.verify_log` returns None or raises
`LogIntegrityError` (a `VerificationError`) naming the first findings.

Entries are checked in chunks on all cores (`verify.checks`); the verifying
process only joins chunk results, so its work per entry stays small.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from verify.about import describe_findings
from verify.anchor import LogKey
from verify.checks import (
    ChunkResult,
    Context,
    check_chunk,
    init_worker,
    node_problems,
    run_chunk,
)
from verify.crypto import BACKEND
from verify.disposal import Disposals, read_acts
from verify.errors import NoteError
from verify.exported import archive_problems
from verify.merkle import subtree_levels
from verify.note import Checkpoint, parse_checkpoint
from verify.policy import SigningPolicy
from verify.policy_log import policy_notes, policy_problems
from verify.registry import Registry, build_registry
from verify.report import Finding, LogIntegrityError, Report, severity
from verify.retention import RetentionPolicy
from verify.sources import Chunk, Source, SourceError, StoredCheckpoint, Survey
from verify.state import VerifiedState
from verify.tally import Tally

__all__ = [
    "DEFAULT_CHUNK",
    "DEFAULT_SEAL_DELAY",
    "Progress",
    "Verifier",
    "default_workers",
]

DEFAULT_CHUNK = 2048
"""Entries per chunk: a power of two, so a full chunk is a complete subtree."""

DEFAULT_SEAL_DELAY = timedelta(minutes=10)
"""How old an entry beyond the latest signed checkpoint may be. The server
counts sealing overdue 36 s after its last round (3 × its 2 s interval + 30 s)
and accepts an entry's ``at`` up to 300 s off the clock; ten minutes leaves
room for both and still catches a log whose sealing stopped or whose later
checkpoints were removed."""

Progress = Callable[[int, int], None]
"""``progress(entries_checked, entries_in_total)``, called after every chunk."""


def default_workers() -> int:
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class _Signed:
    """A checkpoint whose signature by the log key holds."""

    size: int
    root: bytes
    where: str


class Verifier:
    """Checks a school's log against trust inputs it did not take from the log."""

    def __init__(
        self,
        *,
        log_key: LogKey,
        policy: SigningPolicy | None = None,
        retention: RetentionPolicy | None = None,
        default_policy: SigningPolicy | None = None,
        default_retention: RetentionPolicy | None = None,
        trusted_checkpoint: str | None = None,
        state_file: Path | None = None,
        since_checkpoint: bool = False,
        now: datetime | None = None,
        workers: int | None = None,
        chunk_size: int = DEFAULT_CHUNK,
        max_findings: int = 1000,
        seal_delay: timedelta = DEFAULT_SEAL_DELAY,
    ) -> None:
        """Keep the trust inputs; a malformed ``trusted_checkpoint`` raises NoteError.

        ``log_key`` is the anchor. The signing and retention policies in force
        are read from the log itself, under the anchor (`verify.policy_log`);
        ``policy`` and ``retention``, given from outside, are compared with
        them (a difference is a finding), and are used, with a finding, only
        for a log that holds no policy; ``default_policy`` and
        ``default_retention`` only for such a log, never compared (no
        retention policy at all: no retention rows);
        ``trusted_checkpoint`` the text of a checkpoint held outside the log;
        ``state_file`` where the last fully verified checkpoint is recorded,
        and read back when ``since_checkpoint``; ``now`` the moment "due for
        disposal" and overdue seals are judged at; ``max_findings`` how many
        findings of each kind are listed (all are counted); ``seal_delay``
        how old an entry beyond the latest signed checkpoint may be before
        the missing seal is a finding.
        """
        if chunk_size < 1 or chunk_size & (chunk_size - 1):
            msg = f"chunk size {chunk_size} must be a power of two"
            raise ValueError(msg)
        self.log_key = log_key
        self.policy = policy
        self.retention = retention
        self.default_policy = default_policy
        self.default_retention = default_retention
        self.trusted, self.input_notes = _parse_trusted(trusted_checkpoint)
        self.state_file = state_file
        self.since_checkpoint = since_checkpoint
        self.now = now or datetime.now(UTC)
        self.workers = workers or default_workers()
        self.chunk_size = chunk_size
        self.max_findings = max_findings
        if seal_delay < timedelta(0):
            msg = f"seal delay {seal_delay} must not be negative"
            raise ValueError(msg)
        self.seal_delay = seal_delay

    def verify_log(self, source: Source, *, progress: Progress | None = None) -> None:
        """Check everything; raise LogIntegrityError naming the findings, if any."""
        report = self.audit(source, progress=progress)
        if not report.ok:
            raise LogIntegrityError(report)

    def audit(self, source: Source, *, progress: Progress | None = None) -> Report:
        """Check everything and return the report (SourceError if unreadable)."""
        warming = _warm_up_workers() if self.workers > 1 else None
        try:
            return self._audit(source, progress)
        finally:
            if warming is not None:
                warming.join()  # never leave it starting while the process exits

    def _audit(self, source: Source, progress: Progress | None) -> Report:
        # 1. What is there: checkpoints, candidate trust events, chunks.
        survey = source.survey(self.chunk_size)
        # 2. The key registry and the policies, from the anchor and the log's
        #    own trust events.
        registry = build_registry(
            survey.trust_rows,
            anchor=self.log_key,
            policy=self.policy or self.default_policy,
            retention=self.retention or self.default_retention,
        )
        book = registry.policies
        retention = book.current_retention() or RetentionPolicy((), source="none")
        tally = Tally(retention, self.now.date(), self.max_findings)
        for finding in survey.findings:
            tally.find(finding)
        for detail in policy_problems(book, self.policy, self.retention):
            tally.find(Finding("policy", None, None, detail))
        disposals = self._disposals(survey, registry, tally)
        # 3. Every checkpoint's signature; the sizes whose roots are needed.
        signed = self._signed_checkpoints(survey, source.live, tally)
        trusted = self._trusted(tally)
        recorded, skip, notes = self._recorded(book.digest)
        cuts = {c.size for c in signed} | {
            s.size for s in (trusted, recorded) if s is not None
        }
        covered = max((c.size for c in (*signed, trusted) if c is not None), default=0)
        stale_before = (self.now - self.seal_delay).astimezone(UTC)
        context = Context(
            source=source,
            origin=self.log_key.origin,
            registry=registry,
            policy=book,
            retention=retention,
            today=self.now.date(),
            chunk_size=self.chunk_size,
            cuts=tuple(sorted(c for c in cuts if 0 < c <= survey.entries)),
            since=skip if skip <= survey.entries else 0,
            sealed_id=survey.leaves.sealed_id if survey.leaves else 0,
            sealed_size=survey.leaves.count if survey.leaves else 0,
            unsealed_from=covered,
            stale_before=stale_before.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            disposals=disposals,
        )
        # 4.-5. Every entry: envelope, columns, leaves, signatures, chains.
        for result in self._results(context, survey.chunks):
            tally.add(result)
            if progress is not None:
                progress(tally.entries, survey.entries)
        if tally.entries != survey.entries:
            msg = f"{source.location} changed while it was verified; run again"
            raise SourceError(msg)
        self._overdue(tally, covered)
        # 6. The recomputed roots against every checkpoint, trusted and recorded.
        latest = max(signed, key=lambda c: c.size, default=None)
        self._roots(tally, signed, survey.entries)
        for outside, kind in ((trusted, "trusted"), (recorded, "recorded")):
            if outside is not None:
                self._consistency(tally, outside, kind, survey.entries)
                self._kept(tally, outside, signed, latest)
        # 7. What only a live store or an archive has.
        self._leaves(tally, survey, latest)
        self._upper_nodes(tally, source, survey)
        self._archive(tally, survey, registry, source.live)
        # 7b. What each entry a finding names was, in words (verify.about).
        tally.findings = describe_findings(
            tally.findings, tally.ordinals, source, survey.chunks, registry
        )
        report = self._report(source, survey, registry, tally, latest, notes)
        # 8. Remember a fully verified checkpoint for --since-checkpoint.
        return self._record(report, book.digest)

    # -- checkpoints ----------------------------------------------------------------

    def _signed_checkpoints(
        self, survey: Survey, live: bool, tally: Tally
    ) -> list[_Signed]:
        stored = list(survey.checkpoints)
        if not live and survey.latest is not None:
            stored.append(survey.latest)
        signed = []
        for candidate in stored:
            good = self._check_checkpoint(candidate, tally)
            if good is not None:
                signed.append(good)
        by_size: dict[int, _Signed] = {}
        for checkpoint in signed:
            first = by_size.setdefault(checkpoint.size, checkpoint)
            if first.root != checkpoint.root:
                detail = (
                    f"{first.where} and {checkpoint.where} are both signed for size "
                    f"{checkpoint.size} but commit to different roots: the log "
                    "signed two histories"
                )
                tally.find(Finding("fork", None, None, detail))
        tally.counts["checkpoints"] = len({(c.size, c.root) for c in signed})
        return signed

    def _check_checkpoint(
        self, stored: StoredCheckpoint, tally: Tally
    ) -> _Signed | None:
        if stored.text is None:
            tally.find(Finding("checkpoint", None, None, stored.error or stored.where))
            return None
        problem, checkpoint = self._checkpoint_problem(stored.text, stored.where)
        if checkpoint is not None and stored.size not in (None, checkpoint.size):
            problem = (
                f"{stored.where} is stored as size {stored.size} but says "
                f"{checkpoint.size}"
            )
        if checkpoint is not None and stored.root not in (None, checkpoint.root):
            problem = f"{stored.where}: the stored root column is not the signed root"
        if problem is not None or checkpoint is None:
            tally.find(Finding("checkpoint", None, None, problem or stored.where))
            return None
        return _Signed(checkpoint.size, checkpoint.root, stored.where)

    def _checkpoint_problem(
        self, text: str, where: str
    ) -> tuple[str | None, Checkpoint | None]:
        anchor = self.log_key
        try:
            checkpoint = parse_checkpoint(text)
        except NoteError as e:
            return f"{where} is not a signed checkpoint: {e}", None
        if checkpoint.origin != anchor.origin:
            return (
                f"{where} is a checkpoint of log {checkpoint.origin!r}, not of "
                f"{anchor.origin!r}",
                checkpoint,
            )
        try:
            checkpoint.verify(anchor.origin, anchor.public_key)
        except NoteError as e:
            return f"{where} is not signed by the trusted log key: {e}", checkpoint
        return None, checkpoint

    def _trusted(self, tally: Tally) -> _Signed | None:
        if self.trusted is None:
            return None
        problem, checkpoint = self._checkpoint_problem(
            self.trusted.text, "the trusted checkpoint"
        )
        if problem is not None or checkpoint is None:
            detail = f"{problem}: it does not belong to this log's history"
            tally.find(Finding("trusted", None, None, detail))
            return None
        return _Signed(checkpoint.size, checkpoint.root, "the trusted checkpoint")

    def _recorded(self, policy: str) -> tuple[_Signed | None, int, list[str]]:
        """The checkpoint this verifier recorded as verified before, if any.

        Returns it (to check that the log still extends it), how many leading
        entries may skip their signature checks (only with since_checkpoint and
        the same signing policies, digest ``policy``), and notes saying what was
        done.
        """
        state = None if self.state_file is None else VerifiedState.load(self.state_file)
        anchor = self.log_key
        if state is None or not state.fits(origin=anchor.origin, log_key=anchor.key_id):
            note = (
                "--since-checkpoint: nothing verified before; every entry was checked"
            )
            return None, 0, [note] if self.since_checkpoint else []
        recorded = _Signed(
            state.size, state.root, f"the checkpoint verified on {state.verified_at}"
        )
        if not self.since_checkpoint:
            return recorded, 0, []
        if state.policy != policy:
            note = (
                "--since-checkpoint: the signing policy changed since "
                f"{state.verified_at}; every entry was checked"
            )
            return recorded, 0, [note]
        note = (
            f"--since-checkpoint: the signatures of the first {state.size} entries "
            f"were verified on {state.verified_at} and not checked again; the whole "
            "tree was"
        )
        return recorded, state.size, [note]

    # -- disposal acts ----------------------------------------------------------------

    def _disposals(self, survey: Survey, registry: Registry, tally: Tally) -> Disposals:
        """The log's valid disposal acts (`verify.disposal.read_acts`); an act
        whose content is no ground for disposal is a ``disposal`` finding."""
        disposals, refused = read_acts(survey.act_rows, registry, self.log_key.origin)
        for name, detail in refused:
            tally.find(Finding("disposal", name, None, detail))
        return disposals

    # -- the pool ---------------------------------------------------------------------

    def _results(
        self, context: Context, chunks: tuple[Chunk, ...]
    ) -> Iterator[ChunkResult]:
        workers = min(self.workers, len(chunks))
        if workers <= 1:
            for chunk in chunks:
                yield check_chunk(context, chunk)
            return
        with _pool_context().Pool(
            workers, initializer=init_worker, initargs=(context,)
        ) as pool:
            yield from pool.imap(run_chunk, chunks)

    # -- trees, leaves, archives --------------------------------------------------

    def _roots(self, tally: Tally, signed: list[_Signed], entries: int) -> None:
        """Each signed root against the recomputed one: the first that differs
        is named, the later ones (which then differ too) only counted."""
        wrong: list[_Signed] = []
        for checkpoint in sorted(signed, key=lambda c: c.size):
            if checkpoint.size > entries:
                detail = (
                    f"{checkpoint.where} covers {checkpoint.size} entries but the log "
                    f"has only {entries}: entries were removed"
                )
                tally.find(Finding("truncated", None, entries, detail))
            elif tally.root(checkpoint.size) != checkpoint.root:
                wrong.append(checkpoint)
        if wrong:
            first, later = wrong[0], len(wrong) - 1
            also = f" (and so do the {later} later checkpoints)" if later else ""
            detail = (
                f"{first.where}: the root recomputed from the first {first.size} "
                "entries is not the signed root: an entry before it was changed, "
                f"removed, inserted or moved{also}"
            )
            tally.find(Finding("root", None, None, detail))

    def _consistency(
        self, tally: Tally, outside: _Signed, kind: str, entries: int
    ) -> None:
        """The log must extend a checkpoint held outside it (trusted or recorded)."""
        if outside.size > entries:
            detail = (
                f"{outside.where} covers {outside.size} entries but the log has only "
                f"{entries}: it was truncated, or it is another history"
            )
            tally.find(Finding(kind, None, entries, detail))
        elif tally.root(outside.size) != outside.root:
            detail = (
                f"the log is not the history {outside.where} commits to: its first "
                f"{outside.size} entries hash to another root"
            )
            tally.find(Finding(kind, None, None, detail))

    def _kept(
        self,
        tally: Tally,
        outside: _Signed,
        signed: list[_Signed],
        latest: _Signed | None,
    ) -> None:
        """A log keeps every checkpoint it signed: one known outside must be there."""
        newest = 0 if latest is None else latest.size
        if outside.size > newest:
            detail = (
                f"the log's checkpoints end at size {newest}, but {outside.where} "
                f"has size {outside.size}: later checkpoints were removed"
            )
            tally.find(Finding("checkpoint", None, None, detail))
        elif outside.size and all(c.size != outside.size for c in signed):
            detail = (
                f"{outside.where} (size {outside.size}) is not among the log's "
                "checkpoints: it was removed"
            )
            tally.find(Finding("checkpoint", None, None, detail))

    def _overdue(self, tally: Tally, covered: int) -> None:
        """Entries beyond the latest signed checkpoint, older than the seal delay."""
        if tally.stale is None:
            return
        count, first, last = tally.stale
        beyond = (
            f"beyond the latest signed checkpoint (size {covered})"
            if covered
            else "and no signed checkpoint covers them"
        )
        detail = (
            f"{count} entries (log order {first} to {last}) are {beyond}, although "
            f"they are older than the sealing delay allows ({self.seal_delay}): "
            "sealing stopped, or later checkpoints were removed; nothing anchors "
            "these entries"
        )
        tally.find(Finding("unsealed", None, first, detail))

    def _leaves(self, tally: Tally, survey: Survey, latest: _Signed | None) -> None:
        leaves = survey.leaves
        if leaves is None:
            return
        if leaves.count and (leaves.lowest != 0 or leaves.highest != leaves.count - 1):
            detail = (
                f"the {leaves.count} leaf rows have indexes {leaves.lowest} to "
                f"{leaves.highest}, not 0 to {leaves.count - 1}"
            )
            tally.find(Finding("leaf", None, 0 if leaves.lowest else None, detail))
        if latest is not None and latest.size > leaves.count:
            detail = (
                f"{latest.where} covers {latest.size} leaves but the log has only "
                f"{leaves.count} leaf rows"
            )
            tally.find(Finding("truncated", None, leaves.count, detail))

    def _upper_nodes(self, tally: Tally, source: Source, survey: Survey) -> None:
        """The stored subtree hashes above the chunks' level, from the hashes of
        the chunks' stored leaves (each chunk checked its own levels)."""
        if not source.live or survey.leaves is None or len(tally.stored_chunks) < 2:
            return
        chunk_level = self.chunk_size.bit_length() - 1
        levels = subtree_levels(tally.stored_chunks)
        expected = {
            (chunk_level + k, i): levels[k][i]
            for k in range(1, len(levels))
            for i in range(len(levels[k]))
        }
        tally.counts["nodes"] += len(expected)
        stored = source.upper_nodes(chunk_level)
        for position, detail in node_problems(expected, stored):
            tally.find(Finding("tree", None, position, detail))

    def _archive(
        self,
        tally: Tally,
        survey: Survey,
        registry: Registry,
        live: bool,
    ) -> None:
        if live:
            return
        for kind, detail in archive_problems(survey, registry, self.log_key):
            tally.find(Finding(kind, None, None, detail))

    # -- the report -------------------------------------------------------------------

    def _report(
        self,
        source: Source,
        survey: Survey,
        registry: Registry,
        tally: Tally,
        latest: _Signed | None,
        notes: list[str],
    ) -> Report:
        anchor = self.log_key
        if not anchor.independent:
            notes.insert(
                0,
                f"the trust anchor is {anchor.source}, inside what is being checked: "
                "pass --log-key (the fingerprint kept in the school's records) or "
                "--trusted-checkpoint (a checkpoint printed on paper) to tie it to "
                "something outside",
            )
        if latest is None and survey.entries:
            sealed = survey.leaves is None or survey.leaves.count > 0
            detail = "no signed checkpoint covers the log: nothing anchors its entries"
            if sealed:  # leaves, or an archive, without any checkpoint
                tally.find(Finding("unsealed", None, None, detail))
            else:
                notes.append(f"{detail} yet (a new store: run `letopis seal`)")
        size = latest.size if latest is not None else 0
        root = tally.root(size) if size <= survey.entries else None
        counts = {
            "entries": tally.entries,
            "signatures": tally.counts["signatures"],
            "signatures_skipped": tally.counts["signatures_skipped"],
            "streams": len(tally.heads),
            "keys": len(registry.keys),
            "checkpoints": tally.counts["checkpoints"],
        }
        if source.live:
            counts |= {
                k: tally.counts[k] for k in ("columns", "leaves", "unsealed", "nodes")
            }
        notes = [*self.input_notes, *notes]
        return Report(
            source=source.location,
            origin=anchor.origin,
            anchor_key=anchor.key_id,
            anchor_source=anchor.source,
            anchor_independent=anchor.independent,
            tree_size=size,
            root=root,
            checked=counts,
            retention=tally.retention_rows(),
            findings=tuple(sorted(tally.findings, key=_finding_order)),
            findings_omitted=tally.omitted,
            findings_by_kind=dict(
                sorted(tally.by_kind.items(), key=lambda item: severity(item[0]))
            ),
            notes=(
                *notes,
                *policy_notes(registry.policies),
                f"signatures checked with {BACKEND}",
            ),
        )

    def _record(self, report: Report, policy: str) -> Report:
        if not report.ok or self.state_file is None or report.root is None:
            return report
        state = VerifiedState(
            origin=self.log_key.origin,
            log_key=self.log_key.key_id,
            policy=policy,
            size=report.tree_size,
            root=report.root,
            verified_at=VerifiedState.now(),
        )
        try:
            state.save(self.state_file)
        except OSError as e:
            where, why = self.state_file, e.strerror
            note = f"could not record the verified checkpoint in {where}: {why}"
        else:
            size, where = report.tree_size, self.state_file
            note = f"recorded checkpoint {size} as verified in {where}"
        return Report(**{**report.__dict__, "notes": (*report.notes, note)})


def _parse_trusted(text: str | None) -> tuple[Checkpoint | None, list[str]]:
    """The trusted checkpoint, and a note if it was read leniently.

    A checkpoint typed by hand from paper often lacks the final newline that
    C2SP requires; only here is it tolerated, and the report says so.
    """
    if text is None:
        return None, []
    notes = []
    if text and not text.endswith("\n"):
        text += "\n"
        notes.append(
            "the trusted checkpoint lacks its final newline (C2SP requires one); "
            "read as if it ended in one, as a checkpoint typed by hand may"
        )
    try:
        return parse_checkpoint(text), notes
    except NoteError as e:
        msg = f"the trusted checkpoint is not a signed checkpoint: {e}"
        raise NoteError(msg) from e


def _pool_context() -> Any:
    """forkserver where there is one (safe beside threads), else spawn.

    Either way a worker starts from a fresh interpreter state, not a copy of
    this process: a script that runs the verifier on several cores must guard
    its entry point with ``if __name__ == "__main__":``.
    """
    if _FORKSERVER:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["verify.checks"])
        return context
    return multiprocessing.get_context("spawn")


_FORKSERVER = "forkserver" in multiprocessing.get_all_start_methods()


def _warm_up_workers() -> threading.Thread | None:
    """Start the fork server in the background (it imports the checks once),
    so that it boots while the survey reads the source."""
    if not _FORKSERVER:
        return None
    from multiprocessing import forkserver

    _pool_context()

    def boot() -> None:
        with contextlib.suppress(Exception):  # the pool, started later, reports it
            forkserver.ensure_running()

    thread = threading.Thread(target=boot, name="verify-warm-up", daemon=True)
    thread.start()
    return thread


def _finding_order(finding: Finding) -> tuple[int, bool, int]:
    """Most severe kind first (`verify.report.SEVERITY`); within a kind, the
    findings about a position in log order, then the others as found."""
    return severity(finding.kind), finding.position is None, finding.position or 0
