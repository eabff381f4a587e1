"""`letopis export`: the sealed log as a BagIt bag (RFC 8493) for the archive.

An auditor verifies the bag offline, years later, without trusting this code
(DESIGN §7). The payload, under ``data/``:

    log.jsonl                  one envelope per line, byte for byte the stored
                               envelope, in leaf order: the leaf hash of line i
                               is SHA-256(0x00 ‖ line i without its newline);
                               an entry disposed of by act is its tombstone,
                               which keeps its leaf hash (``verify.disposal``)
    checkpoint                 the signed note that covers every line
    checkpoints/<size>         every signed note up to that size
    cosigned/<size>            those notes with the witnesses' cosignatures
    renewals/<size>            renewal checkpoints (ML-DSA-65, ``letopis log renew``)
    log-mldsa65.pub            the log's ML-DSA-65 key (hex), when it has one
    log.vkey                   the log key as a note verifier key
    keys.json                  the public key history (every registered key)
    policy/signing.toml        the signing policy in force (the log holds it
    policy/retention.toml      signed, and the verifier reads it from there;
                               these copies are for people to read)
    verifier/verify/*.py       a copy of the independent verifier
    README.txt                 how a person verifies it (Russian, then English)

The export seals first, then streams the envelopes in batches (never the whole
log in memory) and checks each against its sealed leaf hash and the root against
the checkpoint, so a bag is written only when it matches its own checkpoint. It
is built beside the target and moved into place at the end: a failed export
leaves nothing behind, and an existing non-empty directory is never touched.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import uuid4

import bagit
from eventsourcing.persistence import ApplicationRecorder, Notification

import verify
from ledger.application import LedgerApplication
from ledger.envelope import format_time
from ledger.errors import LedgerError
from ledger.keys.directory import SigningKey
from ledger.keys.registry import SignerKey, key_stream_id
from ledger.keys.services import list_signers
from ledger.log import Leaf, LogStore, Sealer, StoredCheckpoint
from ledger.log.pqkey import PQ_PUBLIC, pq_public_key
from ledger.log.renewal import renewals
from ledger.log.witnesses import WitnessSender
from ledger.policy_log import NAMES, POLICY_ENVS, load_policy
from verify import merkle
from verify.disposal import DisposalError, stored_leaf_hash
from verify.note import verifier_key

BATCH = 5000
CHECKSUMS = ("sha256", "sha512")
BAGIT_VERSION = "1.0"  # RFC 8493; bagit-python writes the older 0.97

Progress = Callable[[int, int], None]
"""``progress(lines_written, lines_in_total)``, called after every batch."""


class ExportError(LedgerError):
    """The export cannot be written (the message says why); nothing was written."""


@dataclass(frozen=True)
class Exported:
    """What an export wrote: where, and the checkpoint that covers it."""

    path: Path
    checkpoint: StoredCheckpoint
    checkpoints: int

    @property
    def entries(self) -> int:
        return self.checkpoint.size


def export_archive(
    app: LedgerApplication, out: Path | str, *, progress: Progress | None = None
) -> Exported:
    """Seal, then write the log as a BagIt bag into ``out`` (new or empty)."""
    target = checked_target(Path(out))
    checkpoint = Sealer(app).seal()
    staging = target.parent / f".{target.name}.partial-{uuid4().hex[:12]}"
    try:
        staging.mkdir()
        count = _write_payload(app, staging, checkpoint, progress)
        _make_bag(staging, app.context.origin, checkpoint)
        if target.exists():
            target.rmdir()  # checked empty above
        staging.rename(target)
    except OSError as e:
        shutil.rmtree(staging, ignore_errors=True)
        msg = (
            f"cannot write the export to {target}: {e.strerror or e}; nothing was kept"
        )
        raise ExportError(msg) from e
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Exported(target, checkpoint, count)


def _write_cosigned(app: LedgerApplication, root: Path, size: int) -> None:
    """The cosigned notes kept beside the keys, up to the export's size."""
    cosigned = WitnessSender(app.context.keys.path).cosigned()
    folder = root / "cosigned"
    for tree_size, note in sorted(cosigned.items()):
        if tree_size <= size:
            folder.mkdir(exist_ok=True)
            (folder / str(tree_size)).write_text(note, encoding="utf-8")


def _write_renewals(app: LedgerApplication, root: Path, size: int) -> None:
    """The renewal checkpoints and the ML-DSA-65 public key, if the log has them."""
    keys = app.context.keys.path
    public = pq_public_key(keys)
    if public is None:
        return
    (root / PQ_PUBLIC).write_text(public.hex() + "\n")
    for tree_size, note in sorted(renewals(keys).items()):
        if tree_size <= size:
            (root / "renewals").mkdir(exist_ok=True)
            (root / "renewals" / str(tree_size)).write_text(note, encoding="utf-8")


def archive_lines(bag: Path | str) -> Iterator[bytes]:
    """The envelopes of an exported bag in leaf order, newline removed, streamed."""
    with (Path(bag) / "data" / "log.jsonl").open("rb") as lines:
        for line in lines:
            yield line.removesuffix(b"\n")


# -- the target ---------------------------------------------------------------------


def checked_target(target: Path) -> Path:
    if target.exists() and not target.is_dir():
        msg = f"{target} is a file; an export is written into a new or empty directory"
        raise ExportError(msg)
    if target.is_dir() and any(target.iterdir()):
        msg = (
            f"{target} is not empty; an export is written only into a new or empty "
            "directory, so that nothing there is overwritten: choose another one"
        )
        raise ExportError(msg)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        msg = f"cannot create {target.parent}: {e.strerror}; choose another directory"
        raise ExportError(msg) from e
    return target.resolve()


# -- the payload --------------------------------------------------------------------


def _write_payload(
    app: LedgerApplication,
    root: Path,
    checkpoint: StoredCheckpoint,
    progress: Progress | None,
) -> int:
    log = LogStore(app.recorder)
    origin = app.context.origin
    public_key = app.context.keys.log_public_key
    _write_log(app.recorder, log, root / "log.jsonl", checkpoint, progress)
    count = _write_checkpoints(log, root, checkpoint)
    _write_cosigned(app, root, checkpoint.size)
    _write_renewals(app, root, checkpoint.size)
    (root / "log.vkey").write_text(verifier_key(origin, public_key) + "\n")
    write_json(root / "keys.json", key_history(app, origin, public_key))
    _copy_policies(app, root / "policy")
    copy_verifier(root / "verifier" / "verify")
    readme = readme_text(
        origin=origin,
        size=checkpoint.size,
        root=checkpoint.root,
        vkey=verifier_key(origin, public_key),
    )
    (root / "README.txt").write_text(readme, encoding="utf-8")
    return count


def _write_log(
    recorder: ApplicationRecorder,
    log: LogStore,
    path: Path,
    checkpoint: StoredCheckpoint,
    progress: Progress | None,
) -> None:
    """Stream the sealed envelopes into ``path``, checking each leaf and the root."""
    builder = merkle.TreeBuilder()
    size = checkpoint.size
    with path.open("wb") as lines:
        for start in range(0, size, BATCH):
            leaves = log.leaves(start, min(start + BATCH, size))
            for leaf, event in zip(leaves, _events_of(recorder, leaves), strict=True):
                builder.append(_checked_leaf(leaf, event.state))
                lines.write(event.state + b"\n")
            if progress is not None:
                progress(start + len(leaves), size)
    if builder.root() != checkpoint.root:
        msg = (
            f"the envelopes recompute to another root than the checkpoint of size "
            f"{size}; the store is damaged: run `letopis verify --store`"
        )
        raise ExportError(msg)


def _events_of(
    recorder: ApplicationRecorder, leaves: Sequence[Leaf]
) -> list[Notification]:
    """The stored events of consecutive leaves, in leaf (notification) order."""
    if not leaves:
        msg = "the sealed log is shorter than its checkpoint; the store is damaged"
        raise ExportError(msg)
    found = recorder.select_notifications(
        start=leaves[0].notification_id,
        stop=leaves[-1].notification_id,
        limit=len(leaves),
    )
    wanted = [leaf.notification_id for leaf in leaves]
    got = [n.id for n in found]
    if got != wanted:
        at = next(
            (i for i, (w, g) in enumerate(zip(wanted, got, strict=False)) if w != g),
            min(len(wanted), len(got)),
        )
        leaf = leaves[min(at, len(leaves) - 1)]
        msg = (
            f"leaf {leaf.index} (event {leaf.stream}:{leaf.seq}) has no stored event "
            "in its place; the store is damaged: run `letopis verify --store`"
        )
        raise ExportError(msg)
    return list(found)


def _checked_leaf(leaf: Leaf, envelope: bytes) -> bytes:
    """The leaf hash of stored bytes (a disposed entry's tombstone keeps it),
    which must be the sealed leaf's."""
    try:
        digest = stored_leaf_hash(envelope)
    except DisposalError as e:
        msg = (
            f"event {leaf.stream}:{leaf.seq} holds a malformed tombstone ({e}); "
            "the store is damaged: run `letopis verify --store`"
        )
        raise ExportError(msg) from e
    if digest != leaf.hash or b"\n" in envelope:
        msg = (
            f"event {leaf.stream}:{leaf.seq} no longer matches its sealed leaf "
            f"{leaf.index}; the store is damaged: run `letopis verify --store`"
        )
        raise ExportError(msg)
    return digest


def _write_checkpoints(log: LogStore, root: Path, latest: StoredCheckpoint) -> int:
    (root / "checkpoint").write_text(latest.note, encoding="utf-8")
    folder = root / "checkpoints"
    folder.mkdir()
    count = 0
    for checkpoint in log.checkpoints():
        if checkpoint.size <= latest.size:
            (folder / str(checkpoint.size)).write_text(checkpoint.note, "utf-8")
            count += 1
    return count


# -- keys, policies, verifier -------------------------------------------------------


def key_history(
    app: LedgerApplication, origin: str, log_public_key: bytes
) -> dict[str, Any]:
    """Every registered key, in registration order, with its whole story."""
    keys = []
    for record in list_signers(app):
        signer: SignerKey = app.repository.get(key_stream_id(record.key))
        keys.append(
            {
                "key": record.key,
                "alg": signer.alg,
                "public_key": record.public_key.hex(),
                "holder": record.holder,
                "roles": list(record.roles),
                "valid_from": _time(record.valid_from),
                "valid_until": _time(record.valid_until),
                "revoked_at": _time(record.revoked_at),
                "compromised_at": _time(record.compromised_at),
                "revocation_reason": signer.revocation_reason,
                "replaces": signer.replaces,
                "stream": str(key_stream_id(record.key)),
            }
        )
    return {
        "origin": origin,
        "log_key": {
            "key": SigningKey.key_id_of(log_public_key),
            "public_key": log_public_key.hex(),
            "vkey": verifier_key(origin, log_public_key),
        },
        "keys": keys,
    }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else format_time(moment)


def write_json(path: Path, value: Any) -> None:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def _copy_policies(app: LedgerApplication, folder: Path) -> None:
    """The policies in force as the log holds them, for people to read; for a
    log made before policies were logged, the configured or packaged files."""
    folder.mkdir()
    for name in NAMES:
        record = load_policy(app, name)
        if record is not None:
            data = record.toml.encode("utf-8")
        elif app.env.get(POLICY_ENVS[name]):
            data = Path(app.env[POLICY_ENVS[name]]).read_bytes()
        else:
            packaged = resources.files("ledger").joinpath(f"policies/{name}.toml")
            data = packaged.read_bytes()
        (folder / f"{name}.toml").write_bytes(data)


def copy_verifier(folder: Path) -> None:
    """The verifier's own source files, so the bag carries what checks it."""
    package = Path(verify.__file__).parent
    for source in sorted(package.rglob("*.py")):
        if "__pycache__" in source.parts:
            continue
        copy = folder / source.relative_to(package)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(source.read_bytes())


# -- the bag ------------------------------------------------------------------------


def _make_bag(folder: Path, origin: str, checkpoint: StoredCheckpoint) -> None:
    """Turn ``folder`` into the export's bag."""
    info = {
        "Source-Organization": origin,
        "External-Description": (
            f"Letopis log {origin}: {checkpoint.size} signed entries in leaf order "
            "(data/log.jsonl), the signed checkpoint covering them, every earlier "
            "checkpoint, the public key history and the policies in force. How to "
            "verify it: data/README.txt."
        ),
        "External-Identifier": f"{origin}/{checkpoint.size}",
    }
    make_bag(folder, info)


def make_bag(folder: Path, info: dict[str, str]) -> None:
    """Turn ``folder`` into a bag (RFC 8493, BagIt-Version 1.0): its payload
    moved under data/, SHA-256 and SHA-512 manifests, ``info`` as bag-info."""
    try:
        bagit.make_bag(str(folder), bag_info=info, checksums=list(CHECKSUMS))
        (folder / "bagit.txt").write_text(
            f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n"
        )
        bagit.Bag(str(folder)).save()  # tag manifests again, over the new bagit.txt
    except (bagit.BagError, OSError) as e:
        msg = f"could not write the bag in {folder.parent}: {e}"
        raise ExportError(msg) from e


# -- the README ---------------------------------------------------------------------


def readme_text(*, origin: str, size: int, root: bytes, vkey: str) -> str:
    """The plain-language README of a bag: Russian first, then English."""
    template = (
        files("ledger.archive").joinpath("README.txt").read_text(encoding="utf-8")
    )
    return template.format(
        origin=origin,
        size=size,
        root=base64.b64encode(root).decode(),
        vkey=vkey,
    )
