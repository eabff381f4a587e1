"""The log's second key (ML-DSA-65) and renewal checkpoints (DESIGN §6, issue 16).

The ML-DSA-65 key lives in the key directory beside the Ed25519 log key,
encrypted with the same passphrase (``log-mldsa65.key.pem``, public key in
``log-mldsa65.pub`` as hex). Once it exists the sealer adds its signature line
to every checkpoint, and ``letopis log renew`` signs a *renewal checkpoint*:
the latest checkpoint of the whole log with a ``renewed <time>`` line, under
both keys, kept in ``renewals/<size>.note`` and exported. Formats and the
verifier's rule are in ``verify.renewal``.

A renewal is refused, with nothing written, when the stored tree does not
hold what the latest checkpoint signed, or is not consistent with the previous
renewal (a rewritten log must not be renewed into trust).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ledger.application import LedgerApplication
from ledger.envelope import format_time
from ledger.log.pqkey import RenewalError, load_pq_key
from ledger.log.sealer import Sealer
from verify import merkle
from verify.note import Checkpoint, checkpoint_body, parse_checkpoint, signature_line
from verify.renewal import pq_key_name, pq_signature_line, renewal_body

__all__ = ["RenewalError", "renew", "renewals"]

RENEWALS = "renewals"


def renewals(keys: Path) -> dict[int, str]:
    """The renewal notes made so far, by tree size."""
    folder = keys / RENEWALS
    if not folder.is_dir():
        return {}
    return {
        int(p.stem): p.read_text(encoding="utf-8")
        for p in folder.glob("*.note")
        if p.stem.isdigit()
    }


def renew(app: LedgerApplication, *, now: datetime | None = None) -> str:
    """Seal, then sign a renewal checkpoint of the whole log; its note."""
    directory = app.context.keys
    keys, origin = directory.path, app.context.origin
    key = load_pq_key(keys, directory.passphrase)
    if key is None:
        msg = f"the log has no ML-DSA-65 key in {keys}: run `letopis log renew-key`"
        raise RenewalError(msg)
    sealer = Sealer(app)
    latest = sealer.seal()
    if sealer.tree.root(latest.size) != latest.root:
        msg = (
            f"refusing to renew: the stored tree's root at size {latest.size} is not "
            "the latest checkpoint's"
        )
        raise RenewalError(msg)
    made = renewals(keys)
    if latest.size in made:
        msg = f"the log was renewed at size {latest.size} already; append first"
        raise RenewalError(msg)
    if made:
        _check_consistent(
            sealer, parse_checkpoint(made[max(made)]), latest.size, latest.root
        )
    body = renewal_body(
        checkpoint_body(origin, latest.size, latest.root),
        format_time(now or datetime.now(UTC)),
    )
    log_key = app.context.log_key()
    public = key.public_key().public_bytes_raw()
    note = (
        body
        + "\n"
        + signature_line(origin, log_key.public_bytes, log_key.sign(body.encode()))
        + pq_signature_line(body, pq_key_name(origin), public, key.sign)
    )
    folder = keys / RENEWALS
    folder.mkdir(exist_ok=True)
    temporary = folder / f".{latest.size}.note.tmp"
    temporary.write_text(note, encoding="utf-8")
    temporary.replace(folder / f"{latest.size}.note")
    return note


def _check_consistent(
    sealer: Sealer, before: Checkpoint, size: int, root: bytes
) -> None:
    if size < before.size or sealer.tree.root(before.size) != before.root:
        msg = (
            f"refusing to renew: the log is not consistent with the renewal of size "
            f"{before.size}: the stored tree's root at that size differs"
        )
        raise RenewalError(msg)
    proof = sealer.tree.consistency_proof(before.size, size)
    try:
        merkle.verify_consistency(before.size, size, proof, before.root, root)
    except merkle.MerkleProofError as e:
        msg = (
            f"refusing to renew: size {size} does not extend the renewal of "
            f"size {before.size}"
        )
        raise RenewalError(msg) from e
