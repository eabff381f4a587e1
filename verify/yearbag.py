"""A school year's archive (``letopis archive close-year``), checked without the
writer (§7.3.6; issue 16).

``python -m verify --year-archive DIR`` (and ``letopis verify --year-archive``)
checks, in numbered steps:

1. the bag: every file against its manifests (`verify.bag`);
2. the checkpoints: ``data/checkpoint`` (the whole log's, covering the year)
   and ``data/act-checkpoint`` signed by the log key (the anchor: the one
   given, else ``data/log.vkey``, which the report calls not independent),
   the second extending the first (``data/act-consistency.json``), and a
   trusted checkpoint, if given, being one of them;
3. the entries: each line of ``data/entries.jsonl`` a canonical envelope
   (or a disposed entry's tombstone, `verify.disposal`) whose signatures
   verify under the keys ``data/keys.json`` lists, and, grouped by the
   complete subtrees of ``data/proofs.json``, each subtree's hash leading
   by its audit path to the checkpoint's root: every entry is in the log;
4. the act: ``data/act.json`` an ``archive.YearArchived`` sealed by the log
   key and signed by a director's key, naming this checkpoint, these ranges
   and count, and every other file of ``data/`` with its size and SHA-256;
   and itself an entry of the log (``data/act-proof.json`` in
   ``data/act-checkpoint``).

Exit 0 when nothing is found, 1 with findings, 2 when the folder cannot be
read as a year's archive at all. Standard library and ``cryptography`` only.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verify.anchor import LogKey
from verify.bag import Bag, BagError, file_digest
from verify.crypto import signature_check
from verify.disposal import DisposalError, is_tombstone, parse_tombstone
from verify.envelope import EnvelopeError, parse_envelope, signing_input
from verify.errors import NoteError, VerificationError
from verify.merkle import (
    MerkleProofError,
    TreeBuilder,
    leaf_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from verify.note import Checkpoint, parse_checkpoint

__all__ = ["ACT_TYPE", "YearReport", "check_year_archive"]

ACT_TYPE = "archive.YearArchived"
ACT_FILES = frozenset(
    ("act.json", "act.txt", "act-proof.json", "act-checkpoint", "act-consistency.json")
)
"""Written after the act, so not listed in it."""


@dataclass
class YearReport:
    """What the check of a year's archive found."""

    path: str
    year: str | None = None
    entries: int = 0
    files: int = 0
    findings: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def find(self, kind: str, detail: str) -> None:
        self.findings.append((kind, detail))

    def to_json(self) -> dict[str, Any]:
        """The report as one JSON object."""
        return {
            "ok": self.ok,
            "archive": self.path,
            "year": self.year,
            "entries": self.entries,
            "files": self.files,
            "findings": [{"kind": k, "detail": d} for k, d in self.findings],
            "notes": self.notes,
        }

    def text(self) -> str:
        """The report as a person reads it."""
        lines = [
            f"year archive: {self.path}",
            f"school year:  {self.year or '?'}",
            f"entries:      {self.entries} (each in the log's tree)",
            f"files:        {self.files} listed in the act",
            *(f"note: {n}" for n in self.notes),
            *(f"[{k}] {d}" for k, d in self.findings),
            "",
            "INTACT: every check passed."
            if self.ok
            else f"PROBLEMS FOUND: {len(self.findings)} finding(s).",
        ]
        return "\n".join(lines) + "\n"


def check_year_archive(
    path: Path, *, log_key: LogKey | None = None, trusted: str | None = None
) -> YearReport:
    """Check the year's archive at ``path`` (steps of the module docstring);
    VerificationError when it cannot be read as one."""
    report = YearReport(str(path.absolute()))
    data = path / "data"
    # 1. The bag.
    try:
        bag = Bag.open(path)
    except BagError as e:
        raise VerificationError(str(e)) from e
    for finding in bag.check():
        report.find("archive", finding.detail)
    anchor = log_key or _bag_key(data)
    if not anchor.independent:
        report.notes.append(
            "the log key is the archive's own data/log.vkey: pass --log-key (the "
            "key kept in the school's records) to tie it to something outside"
        )
    # 2. The checkpoints.
    year_cp = _checkpoint(data / "checkpoint", anchor, report)
    act_cp = _checkpoint(data / "act-checkpoint", anchor, report)
    _consistent(data, year_cp, act_cp, report)
    _trusted(trusted, (year_cp, act_cp), report)
    # 3. The entries.
    keys = _keys(data)
    proofs = _json(data / "proofs.json")
    lines = _lines(data / "entries.jsonl")
    report.entries = len(lines)
    _entries(lines, keys, anchor, report)
    if year_cp is not None:
        _proofs(lines, proofs, year_cp, report)
    # 4. The act.
    _act(data, bag, anchor, keys, year_cp, act_cp, proofs, report)
    return report


# -- 2. checkpoints ----------------------------------------------------------------


def _bag_key(data: Path) -> LogKey:
    try:
        text = (data / "log.vkey").read_text(encoding="utf-8")
    except OSError as e:
        msg = f"{data / 'log.vkey'} cannot be read: it is not a year's archive"
        raise VerificationError(msg) from e
    return LogKey.from_vkey(text, source="data/log.vkey", independent=False)


def _checkpoint(path: Path, anchor: LogKey, report: YearReport) -> Checkpoint | None:
    try:
        checkpoint = parse_checkpoint(path.read_text(encoding="utf-8"))
        checkpoint.verify(anchor.origin, anchor.public_key)
    except (OSError, NoteError) as e:
        report.find("checkpoint", f"data/{path.name} is not signed by the log key: {e}")
        return None
    return checkpoint


def _consistent(
    data: Path, first: Checkpoint | None, second: Checkpoint | None, report: YearReport
) -> None:
    if first is None or second is None:
        return
    proof = _json(data / "act-consistency.json")
    try:
        hashes = [base64.b64decode(h) for h in proof.get("proof", [])]
        verify_consistency(first.size, second.size, hashes, first.root, second.root)
    except (MerkleProofError, ValueError, TypeError) as e:
        report.find(
            "checkpoint",
            f"data/act-checkpoint does not extend data/checkpoint: {e}",
        )


def _trusted(
    text: str | None, ours: tuple[Checkpoint | None, ...], report: YearReport
) -> None:
    if text is None:
        return
    try:
        trusted = parse_checkpoint(text if text.endswith("\n") else text + "\n")
    except NoteError as e:
        report.find("trusted", f"the trusted checkpoint does not read: {e}")
        return
    if not any(
        c is not None and (c.size, c.root) == (trusted.size, trusted.root) for c in ours
    ):
        report.find(
            "trusted",
            f"the trusted checkpoint (size {trusted.size}) is neither data/checkpoint "
            "nor data/act-checkpoint: this archive is not the one it names",
        )


# -- 3. entries -------------------------------------------------------------------


def _keys(data: Path) -> dict[str, tuple[bytes, frozenset[str]]]:
    """Each key of ``data/keys.json``: its public bytes and roles."""
    found = _json(data / "keys.json")
    keys = {
        k["key"]: (bytes.fromhex(k["public_key"]), frozenset(k.get("roles", ())))
        for k in found.get("keys", [])
    }
    log = found.get("log_key") or {}
    if "key" in log:
        keys[log["key"]] = (bytes.fromhex(log["public_key"]), frozenset(("seal",)))
    return keys


def _lines(path: Path) -> list[bytes]:
    try:
        return path.read_bytes().splitlines()
    except OSError as e:
        msg = f"{path} cannot be read: it is not a year's archive"
        raise VerificationError(msg) from e


Keys = dict[str, tuple[bytes, frozenset[str]]]


def _entries(
    lines: list[bytes], keys: Keys, anchor: LogKey, report: YearReport
) -> None:
    for number, line in enumerate(lines, 1):
        if is_tombstone(line):
            try:
                parse_tombstone(line)
            except DisposalError as e:
                report.find("envelope", f"entries.jsonl line {number}: {e}")
            continue
        try:
            envelope = parse_envelope(line)
        except EnvelopeError as e:
            report.find("envelope", f"entries.jsonl line {number}: {e}")
            continue
        if envelope.log != anchor.origin:
            report.find("foreign", f"{envelope.name} belongs to log {envelope.log!r}")
        message = signing_input(line)
        for sig in envelope.sigs:
            public = keys.get(sig.key, (b"", frozenset()))[0]
            if not public or not signature_check(public, sig.sig, message):
                report.find(
                    "signature",
                    f"{envelope.name}: the signature by key {sig.key} does not "
                    "verify under data/keys.json",
                )


def _proofs(
    lines: list[bytes],
    proofs: dict[str, Any],
    checkpoint: Checkpoint,
    report: YearReport,
) -> None:
    """Every line, by subtree, in the tree whose root the checkpoint signs."""
    try:
        ranges = [(int(a), int(b)) for a, b in proofs["ranges"]]
        subtrees = proofs["subtrees"]
    except (KeyError, TypeError, ValueError) as e:
        report.find("proof", f"data/proofs.json does not read ({e!r})")
        return
    if proofs.get("treeSize") != checkpoint.size or sum(
        b - a + 1 for a, b in ranges
    ) != len(lines):
        report.find(
            "proof",
            f"data/proofs.json is for {proofs.get('treeSize')} entries and names "
            f"{sum(b - a + 1 for a, b in ranges)} leaves; the checkpoint has "
            f"{checkpoint.size} and entries.jsonl {len(lines)} lines",
        )
        return
    where = dict(_line_numbers(ranges))
    for subtree in subtrees:
        start, end = int(subtree["start"]), int(subtree["end"])
        problem = _subtree_problem(start, end, subtree, lines, where, checkpoint)
        if problem is not None:
            report.find("proof", problem)


def _line_numbers(ranges: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    line = 0
    for first, last in ranges:
        for index in range(first, last + 1):
            yield index, line
            line += 1


def _subtree_problem(
    start: int,
    end: int,
    subtree: dict[str, Any],
    lines: list[bytes],
    where: dict[int, int],
    checkpoint: Checkpoint,
) -> str | None:
    width = end - start
    if width <= 0 or width & (width - 1) or start % width or end > checkpoint.size:
        return f"subtree [{start}, {end}) is not a complete subtree of the log"
    if any(i not in where for i in (start, end - 1)):
        return f"subtree [{start}, {end}) holds leaves entries.jsonl does not"
    builder = TreeBuilder()
    for index in range(start, end):
        builder.append(_leaf(lines[where[index]]))
    level = width.bit_length() - 1
    try:
        path = [base64.b64decode(h) for h in subtree["proof"]]
        size = ((checkpoint.size - 1) >> level) + 1
        verify_inclusion(start >> level, size, builder.root(), path, checkpoint.root)
    except (MerkleProofError, ValueError, TypeError, KeyError) as e:
        return f"leaves [{start}, {end}) are not in the checkpoint's tree: {e}"
    return None


def _leaf(line: bytes) -> bytes:
    if is_tombstone(line):
        try:
            return parse_tombstone(line).leaf
        except DisposalError:
            return leaf_hash(line)
    return leaf_hash(line)


# -- 4. the act -------------------------------------------------------------------


def _act(
    data: Path,
    bag: Bag,
    anchor: LogKey,
    keys: Keys,
    year_cp: Checkpoint | None,
    act_cp: Checkpoint | None,
    proofs: dict[str, Any],
    report: YearReport,
) -> None:
    try:
        stored = (data / "act.json").read_bytes().removesuffix(b"\n")
        act = parse_envelope(stored)
    except (OSError, EnvelopeError) as e:
        report.find("act", f"data/act.json is not a signed entry: {e}")
        return
    body = act.data
    report.year = str(body.get("year"))
    if act.type != ACT_TYPE:
        report.find("act", f"data/act.json is a {act.type}, not an {ACT_TYPE}")
    _act_signatures(act, stored, anchor, keys, report)
    if year_cp is not None and (
        body.get("checkpoint_size") != year_cp.size
        or body.get("checkpoint_root") != base64.b64encode(year_cp.root).decode()
    ):
        report.find("act", "the act names another checkpoint than data/checkpoint")
    if (
        body.get("ranges") != proofs.get("ranges")
        or body.get("entries") != report.entries
    ):
        report.find("act", "the act names other entries than entries.jsonl holds")
    _act_files(data, body.get("files", []), report)
    if act_cp is not None:
        _act_included(data, stored, act_cp, report)


def _act_signatures(
    act: Any, stored: bytes, anchor: LogKey, keys: Keys, report: YearReport
) -> None:
    """Sealed by the log key (its author), co-signed by a director's key."""
    message = signing_input(stored)
    signers = [s.key for s in act.sigs]
    if not signers or signers[0] != anchor.key_id:
        report.find("act", "the act is not sealed by the log key (its author)")
    if not any("director" in keys.get(k, (b"", frozenset()))[1] for k in signers[1:]):
        report.find("act", "the act is not co-signed by a director's key")
    for sig in act.sigs:
        if sig.key == anchor.key_id:
            public = anchor.public_key
        else:
            public = keys.get(sig.key, (b"", frozenset()))[0]
        if not public or not signature_check(public, sig.sig, message):
            report.find("act", f"the act's signature by key {sig.key} does not verify")


def _act_files(data: Path, listed: list[dict[str, Any]], report: YearReport) -> None:
    names = {str(item.get("path")): item for item in listed}
    report.files = len(names)
    present = {
        p.relative_to(data).as_posix()
        for p in data.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    for name in sorted(present - ACT_FILES - set(names)):
        report.find("act", f"data/{name} is in the archive but not in the act")
    for name, item in sorted(names.items()):
        path = data / name
        if not path.is_file():
            report.find("act", f"data/{name}, listed in the act, is missing")
        elif path.stat().st_size != item.get("size") or file_digest(
            path, "sha256"
        ) != item.get("sha256"):
            report.find("act", f"data/{name} is not the file the act lists")


def _act_included(
    data: Path, stored: bytes, checkpoint: Checkpoint, report: YearReport
) -> None:
    proof = _json(data / "act-proof.json")
    try:
        hashes = [base64.b64decode(h) for h in proof["proof"]]
        index = int(proof["leafIdx"])
        root = root_from_inclusion_proof(
            index, checkpoint.size, leaf_hash(stored), hashes
        )
    except (KeyError, TypeError, ValueError, MerkleProofError) as e:
        report.find("act", f"data/act-proof.json does not prove the act ({e})")
        return
    if root != checkpoint.root:
        report.find(
            "act", "the act is not an entry of the log under data/act-checkpoint"
        )


def _json(path: Path) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}
