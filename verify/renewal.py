"""Renewal for 50 years (the idea of RFC 4998's evidence record renewal).

Ed25519 will not stay unforgeable for the fifty years an attestat book is
kept. The log therefore has a second key of another algorithm, ML-DSA-65
(FIPS 204), that co-signs checkpoints: a second signature line on the note,
with its own key name (``<origin>/ml-dsa-65``) and key ID::

    key ID = SHA-256(name ‖ 0x0A ‖ 0xFF ‖ "ml-dsa-65" ‖ 1952-byte public key)[:4]

(signed-note's 0xFF: a type without an assigned byte, followed by a longer
identifier). A *renewal checkpoint* is a checkpoint of the whole log with one
extension line, ``renewed <RFC 3339 time>``, signed by both log keys. An entry
signed long ago stays provable without trusting its own signature algorithm:
its leaf is in the tree (SHA-256), and the tree's root is signed under an
algorithm still trusted, at a time when the old one was still trusted.

The algorithm policy is data (JSON)::

    {"algorithms": {
        "ed25519":   {"state": "trusted"},
        "ml-dsa-65": {"state": "trusted"},
        "sha-256":   {"state": "trusted"},
        "ed25519":   {"state": "weakened", "weakened_after": "2045-01-01"}}}

An entry whose own signature algorithm is weakened after a date is accepted
only if a renewal checkpoint signed under a trusted algorithm, made before
that date, covers it (its size is beyond the entry's index). Pure functions
over stdlib and ``cryptography``; never imports ``ledger``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from verify.errors import NoteError
from verify.note import _DASH, Checkpoint, parse_checkpoint
from verify.report import Finding

MLDSA65 = "ml-dsa-65"
ED25519 = "ed25519"
SHA256 = "sha-256"
MLDSA65_PUBLIC_BYTES = 1952
STATES = ("trusted", "weakened", "broken")
KIND = "renewal"
_RENEWED = "renewed "


def pq_key_name(origin: str) -> str:
    """The ML-DSA-65 log key's name in signature lines."""
    return f"{origin}/{MLDSA65}"


def pq_key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID of an ML-DSA-65 note key (type 0xFF ‖ "ml-dsa-65")."""
    return hashlib.sha256(
        name.encode() + b"\n" + b"\xff" + MLDSA65.encode() + public_key
    ).digest()[:4]


def pq_signature_line(
    body: str, name: str, public_key: bytes, sign: Callable[[bytes], bytes]
) -> str:
    """One ML-DSA-65 note signature line over ``body``, newline included."""
    raw = pq_key_id(name, public_key) + sign(body.encode())
    return f"{_DASH}{name} {base64.b64encode(raw).decode()}\n"


def verify_pq(checkpoint: Checkpoint, name: str, public_key: bytes) -> None:
    """Raise :class:`NoteError` unless the ML-DSA-65 key signed ``checkpoint``."""
    wanted = pq_key_id(name, public_key)
    lines = [
        s for s in checkpoint.signatures if s.name == name and s.key_hash == wanted
    ]
    if not lines:
        msg = (
            f"checkpoint of size {checkpoint.size} has no ML-DSA-65 signature "
            f"by {name!r}"
        )
        raise NoteError(msg)
    # imported here: the exported verifier runs on an older cryptography too,
    # and needs ML-DSA only when asked to check renewals
    from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PublicKey

    key = MLDSA65PublicKey.from_public_bytes(public_key)
    for line in lines:
        try:
            key.verify(line.signature, checkpoint.body.encode())
        except Exception as e:  # InvalidSignature; a malformed length too
            msg = (
                f"checkpoint of size {checkpoint.size}: the ML-DSA-65 signature by "
                f"{name!r} does not verify"
            )
            raise NoteError(msg) from e


def renewal_body(body: str, renewed_at: str) -> str:
    """A checkpoint's text with the ``renewed <time>`` extension line added."""
    return f"{body}{_RENEWED}{renewed_at}\n"


@dataclass(frozen=True)
class Renewal:
    """A verified renewal checkpoint: its size, root, time and algorithm."""

    size: int
    root: bytes
    renewed_at: datetime
    algorithm: str


def read_renewal(
    note: str, origin: str, public_key: bytes, where: str = "renewal"
) -> Renewal:
    """Parse and verify one renewal note under the ML-DSA-65 key; NoteError if bad."""
    checkpoint = parse_checkpoint(note)
    if checkpoint.origin != origin:
        msg = f"{where}: origin {checkpoint.origin!r} is not the log's {origin!r}"
        raise NoteError(msg)
    extensions = checkpoint.body.split("\n")[3:-1]
    stamps = [e.removeprefix(_RENEWED) for e in extensions if e.startswith(_RENEWED)]
    if len(stamps) != 1:
        msg = f"{where}: a renewal checkpoint has exactly one 'renewed <time>' line"
        raise NoteError(msg)
    try:
        renewed_at = datetime.fromisoformat(stamps[0].replace("Z", "+00:00"))
    except ValueError as e:
        msg = f"{where}: renewed time {stamps[0]!r} is not an RFC 3339 time"
        raise NoteError(msg) from e
    verify_pq(checkpoint, pq_key_name(origin), public_key)
    return Renewal(checkpoint.size, checkpoint.root, renewed_at, MLDSA65)


@dataclass(frozen=True)
class AlgorithmState:
    """One algorithm's state, and the date from which it no longer counts."""

    state: str
    weakened_after: date | None = None


@dataclass(frozen=True)
class AlgorithmPolicy:
    """Each algorithm's state, and from when it no longer counts as trusted."""

    algorithms: dict[str, AlgorithmState]

    @classmethod
    def from_json(cls, text: str, where: str = "algorithm policy") -> AlgorithmPolicy:
        """Read the policy; NoteError names the algorithm and what is allowed."""
        try:
            data = json.loads(text)
            table = data["algorithms"]
            assert isinstance(table, dict)
        except (ValueError, KeyError, TypeError, AssertionError) as e:
            msg = (
                f'{where} must be JSON {{"algorithms": {{"<name>": {{"state": ...}}}}}}'
            )
            raise NoteError(msg) from e
        algorithms = {}
        for name, entry in table.items():
            state = entry.get("state") if isinstance(entry, dict) else None
            if state not in STATES:
                msg = f"{where}: {name}: state {state!r}; allowed: {', '.join(STATES)}"
                raise NoteError(msg)
            after = entry.get("weakened_after")
            if (state == "trusted") != (after is None):
                msg = (
                    f"{where}: {name}: weakened_after is required for a weakened or "
                    "broken algorithm and not allowed for a trusted one"
                )
                raise NoteError(msg)
            try:
                when = None if after is None else date.fromisoformat(str(after))
            except ValueError as e:
                msg = f"{where}: {name}: weakened_after {after!r} is not YYYY-MM-DD"
                raise NoteError(msg) from e
            algorithms[str(name)] = AlgorithmState(str(state), when)
        return cls(algorithms)

    @classmethod
    def load(cls, path: Path) -> AlgorithmPolicy:
        """The algorithm states in a JSON file (the auditor's, dated data)."""
        return cls.from_json(path.read_text(encoding="utf-8"), str(path))

    def trusted_at(self, algorithm: str, moment: datetime) -> bool:
        """Whether ``algorithm`` counts as unforgeable at ``moment``."""
        found = self.algorithms.get(algorithm)
        if found is None:
            return False
        if found.weakened_after is None:
            return True
        cutoff = datetime.combine(found.weakened_after, datetime.min.time(), UTC)
        return moment < cutoff


def check_renewals(
    entry_algorithms: Iterable[tuple[int, frozenset[str]]],
    renewals: list[Renewal],
    checkpoint_roots: dict[int, bytes],
    policy: AlgorithmPolicy,
    now: datetime,
) -> list[Finding]:
    """Findings for entries no longer provable by their own signatures.

    ``entry_algorithms`` yields each leaf index with its signatures'
    algorithms. A renewal counts only if its root is the verified tree's at
    its size (``checkpoint_roots``) and its algorithm is trusted now.
    """
    findings = []
    good = []
    for renewal in renewals:
        if checkpoint_roots.get(renewal.size) != renewal.root:
            detail = (
                f"renewal checkpoint of size {renewal.size} does not match the "
                "log's verified checkpoint of that size: it is not consistent "
                "with the log"
            )
            findings.append(Finding(KIND, None, None, detail))
        elif policy.trusted_at(renewal.algorithm, now):
            good.append(renewal)
    if not policy.trusted_at(SHA256, now):
        detail = "sha-256, the tree's hash, is no longer trusted: renew the tree"
        findings.append(Finding(KIND, None, None, detail))
    uncovered: dict[str, list[int]] = {}
    for index, algorithms in entry_algorithms:
        for algorithm in algorithms:
            if policy.trusted_at(algorithm, now):
                continue
            state = policy.algorithms.get(algorithm)
            if state is not None and state.weakened_after is not None:
                cutoff = datetime.combine(
                    state.weakened_after, datetime.min.time(), UTC
                )
                if any(r.size > index and r.renewed_at < cutoff for r in good):
                    continue
            uncovered.setdefault(algorithm, []).append(index)
    for algorithm, indices in sorted(uncovered.items()):
        detail = (
            f"{len(indices)} entries (leaves {indices[0]}..{indices[-1]}) are signed "
            f"with {algorithm}, no longer trusted, and no renewal checkpoint under a "
            "trusted algorithm made before it weakened covers them"
        )
        findings.append(Finding(KIND, None, indices[0], detail))
    return findings


def archive_entry_algorithms(log_jsonl: Path) -> Iterable[tuple[int, frozenset[str]]]:
    """Each line's leaf index and the algorithms its signatures name."""
    with log_jsonl.open("rb") as lines:
        for index, line in enumerate(lines):
            sigs = json.loads(line).get("sigs", [])
            yield index, frozenset(str(s.get("alg", "")) for s in sigs)
