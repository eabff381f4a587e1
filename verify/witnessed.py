"""The witness policy applied to a verified log: its head must be cosigned.

The verifier has checked the tree against its signed checkpoints; this asks
more of the head (the latest checkpoint, the one the report's tree size and
root name): that a note with that same text, signed by the log key, carries
valid cosignatures of at least k of the policy's n witnesses. A log whose
tail was rewritten and re-signed with the school's own key has a head no
honest witness cosigned (it is not consistent with what they cosigned
before), and fails here. The cosigned notes come from the archive's
``data/cosigned/<size>`` or the key directory's ``cosigned/<size>.note``.
"""

from __future__ import annotations

from pathlib import Path

from verify.anchor import LogKey
from verify.cosignature import WitnessPolicy
from verify.errors import NoteError
from verify.note import parse_checkpoint
from verify.report import Finding

KIND = "witness_policy"


def read_cosigned(folder: Path) -> dict[int, str]:
    """The cosigned notes in ``folder`` by tree size (``<size>`` or ``<size>.note``)."""
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.iterdir():
        stem = path.name.removesuffix(".note")
        if stem.isdigit() and path.is_file():
            found[int(stem)] = path.read_text(encoding="utf-8")
    return found


def check_witnessed(
    size: int,
    root: bytes | None,
    cosigned: dict[int, str],
    log_key: LogKey,
    policy: WitnessPolicy,
) -> list[Finding]:
    """Findings if the head of size ``size`` and root ``root`` is not witnessed."""
    note = cosigned.get(size)
    if note is None:
        have = ", ".join(str(s) for s in sorted(cosigned)[-5:]) or "none"
        detail = (
            f"no cosigned note for the latest checkpoint (size {size}); cosigned "
            f"sizes found: {have}; the policy asks for {policy.quorum} of "
            f"{len(policy.witnesses)} witnesses"
        )
        return [Finding(KIND, None, None, detail)]
    try:
        checkpoint = parse_checkpoint(note)
    except NoteError as e:
        return [Finding(KIND, None, None, f"the cosigned note of size {size}: {e}")]
    if checkpoint.origin != log_key.origin or checkpoint.root != root:
        detail = (
            f"the cosigned note of size {size} names another log or root than "
            "the verified tree"
        )
        return [Finding(KIND, None, None, detail)]
    try:
        checkpoint.verify(log_key.origin, log_key.public_key)
        policy.cosigners(checkpoint)
    except NoteError as e:
        return [Finding(KIND, None, None, str(e))]
    return []
