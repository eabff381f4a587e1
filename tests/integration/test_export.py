"""`export_archive` on SQLite and PostgreSQL: the bag is the log, byte for byte.

Each scenario builds a small log (key registrations, a rotation, a revocation,
notes with co-signatures, several seals), exports it, and checks the bag with
the verifier's own Merkle and note functions and with the ``bagit`` library.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from uuid import uuid4

import bagit
import pytest

import verify
from ledger.application import LedgerApplication, Signing
from ledger.archive import export as export_module
from ledger.archive.export import Exported, ExportError, archive_lines, export_archive
from ledger.keys.directory import SigningKey
from ledger.keys.services import register_signer, revoke_signer, rotate_signer
from ledger.log import LogStore, Sealer
from tests.support import rawsql
from tests.support.notes import TEST_POLICY, Note
from tests.support.stores import ORIGIN, Store
from verify import merkle
from verify.note import Checkpoint, key_hash, parse_checkpoint

pytestmark = pytest.mark.signing_policy(TEST_POLICY)

NOW = datetime.now(UTC)


@pytest.fixture
def ledger(store: Store) -> LedgerApplication:
    """A log with keys registered, rotated and revoked, notes, and three seals."""
    app = store.open()
    seal = store.key_directory.log_key()
    teacher, class_teacher, director = (
        _register(app, store, role) for role in ("teacher", "class_teacher", "director")
    )
    Sealer(app).seal()
    for text in ("опоздал", "без формы", "забыл дневник"):
        note = Note.write(uuid4(), text)
        app.save(note, signed_by=Signing(teacher))
        note.certify("принято")
        app.save(note, signed_by=Signing(class_teacher, (director,)))
    Sealer(app).seal()
    rotate_signer(
        app, seal, teacher.key_id, new_public_key=_new_key().public_bytes, at=NOW
    )
    revoke_signer(
        app,
        seal,
        director.key_id,
        revoked_at=NOW,
        reason="key lost",
        compromised_at=NOW - timedelta(hours=1),
    )
    return app  # the last events are left unsealed: the export seals them


def _new_key() -> SigningKey:
    return SigningKey.generate()


def _register(app: LedgerApplication, store: Store, role: str) -> SigningKey:
    key = _new_key()
    register_signer(
        app,
        store.key_directory.log_key(),
        public_key=key.public_bytes,
        holder=f"{role}-{key.key_id[:6]}",
        roles=(role,),
        valid_from=NOW - timedelta(days=1),
    )
    return key


@pytest.fixture
def bag(ledger: LedgerApplication, tmp_path: Path) -> Path:
    export_archive(ledger, tmp_path / "bag")
    return tmp_path / "bag"


def _vkey(text: str) -> tuple[str, bytes]:
    """A note verifier key as Go's sumdb/note reads it: split at the first two '+'
    (base64 may contain '+'), the key hash checked against the key."""
    name, hash_hex, encoded = text.strip().split("+", 2)
    raw = base64.b64decode(encoded, validate=True)
    assert raw[0] == 0x01
    assert len(raw) == 33
    assert key_hash(name, raw[1:]).hex() == hash_hex
    return name, raw[1:]


def _checkpoint(bag: Path, name: str = "checkpoint") -> Checkpoint:
    return parse_checkpoint((bag / "data" / name).read_text(encoding="utf-8"))


def test_each_line_is_the_stored_envelope_under_its_sealed_leaf_hash(
    ledger: LedgerApplication, bag: Path
) -> None:
    log = LogStore(ledger.recorder)
    lines = list(archive_lines(bag))
    assert len(lines) == log.size() == _checkpoint(bag).size
    stored = ledger.recorder.select_notifications(start=1, limit=len(lines) + 10)
    assert lines == [n.state for n in stored]
    for index, line in enumerate(lines):
        leaf = log.leaf(index)
        assert leaf is not None
        assert merkle.leaf_hash(line) == leaf.hash
    raw = (bag / "data" / "log.jsonl").read_bytes()
    assert raw == b"".join(line + b"\n" for line in lines)


def test_root_of_all_lines_is_the_checkpoint_root_signed_by_the_log_key(
    ledger: LedgerApplication, bag: Path
) -> None:
    checkpoint = _checkpoint(bag)
    root = merkle.root_from_leaf_hashes(merkle.leaf_hash(x) for x in archive_lines(bag))
    assert root == checkpoint.root
    assert checkpoint.origin == ORIGIN
    name, public_key = _vkey((bag / "data" / "log.vkey").read_text())
    assert name == ORIGIN
    assert public_key == ledger.context.keys.log_public_key
    checkpoint.verify(name, public_key)
    latest = LogStore(ledger.recorder).latest_checkpoint()
    assert latest is not None
    assert (bag / "data" / "checkpoint").read_text(encoding="utf-8") == latest.note


def test_every_checkpoint_file_parses_verifies_and_roots_a_prefix(
    ledger: LedgerApplication, bag: Path
) -> None:
    name, public_key = _vkey((bag / "data" / "log.vkey").read_text())
    hashes = [merkle.leaf_hash(x) for x in archive_lines(bag)]
    stored = {c.size: c.note for c in LogStore(ledger.recorder).checkpoints()}
    files = sorted((bag / "data" / "checkpoints").iterdir(), key=lambda p: int(p.name))
    assert [int(p.name) for p in files] == sorted(stored)
    assert len(files) == 4  # init's own, and three seals of the fixture
    for path in files:
        checkpoint = parse_checkpoint(path.read_text(encoding="utf-8"))
        checkpoint.verify(name, public_key)
        assert checkpoint.size == int(path.name)
        assert checkpoint.text == stored[checkpoint.size]
        assert checkpoint.root == merkle.root_from_leaf_hashes(
            hashes[: checkpoint.size]
        )


def test_the_bag_validates_and_names_its_source(bag: Path) -> None:
    bagit.Bag(str(bag)).validate()
    parsed = bagit.Bag(str(bag))
    assert parsed.version_info == (1, 0)
    assert parsed.info["Source-Organization"] == ORIGIN
    assert parsed.info["Bagging-Date"] == datetime.now().date().isoformat()
    assert "data/README.txt" in parsed.info["External-Description"]
    assert set(parsed.algorithms) == {"sha256", "sha512"}
    payload = {str(Path(p).relative_to("data")) for p in parsed.payload_files()}
    assert {
        "log.jsonl",
        "checkpoint",
        "log.vkey",
        "keys.json",
        "README.txt",
        "policy/signing.toml",
        "policy/retention.toml",
        "verifier/verify/merkle.py",
        "verifier/verify/note.py",
    } <= payload


def test_a_second_export_of_an_unchanged_store_is_identical(
    ledger: LedgerApplication, bag: Path, tmp_path: Path
) -> None:
    export_archive(ledger, tmp_path / "again")
    again = tmp_path / "again"
    assert _files(bag / "data") == _files(again / "data")
    first, second = bagit.Bag(str(bag)).info, bagit.Bag(str(again)).info
    dates = {"Bagging-Date"}
    assert {k: v for k, v in first.items() if k not in dates} == {
        k: v for k, v in second.items() if k not in dates
    }


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_keys_json_holds_every_key_with_its_window_and_story(
    ledger: LedgerApplication, bag: Path
) -> None:
    history = json.loads((bag / "data" / "keys.json").read_text(encoding="utf-8"))
    assert history["origin"] == ORIGIN
    assert history["log_key"]["public_key"] == ledger.context.keys.log_public_key.hex()
    keys = history["keys"]
    assert [k["roles"] for k in keys] == [
        ["seal"],
        ["teacher"],
        ["class_teacher"],
        ["director"],
        ["teacher"],
    ]
    seal, teacher, _, director, successor = keys
    assert seal["key"] == history["log_key"]["key"]
    assert teacher["revoked_at"] is not None
    assert teacher["revocation_reason"] == f"rotated to {successor['key']}"
    assert successor["replaces"] == teacher["key"]
    assert director["compromised_at"] < director["revoked_at"]
    assert director["revocation_reason"] == "key lost"
    for key in keys:
        public = bytes.fromhex(key["public_key"])
        assert SigningKey.key_id_of(public) == key["key"]
        assert key["valid_from"].endswith("Z")


def test_the_policies_in_force_and_the_verifier_are_enclosed(bag: Path) -> None:
    data = bag / "data"
    assert (data / "policy" / "signing.toml").read_bytes() == TEST_POLICY.read_bytes()
    packaged = resources.files("ledger").joinpath("policies/retention.toml")
    assert (data / "policy" / "retention.toml").read_bytes() == packaged.read_bytes()
    package = Path(verify.__file__).parent
    for source in package.glob("*.py"):
        copy = data / "verifier" / "verify" / source.name
        assert copy.read_bytes() == source.read_bytes()
    assert not list((data / "verifier").rglob("__pycache__"))


def test_the_readme_tells_how_to_verify_in_russian_then_english(bag: Path) -> None:
    text = (bag / "data" / "README.txt").read_text(encoding="utf-8")
    checkpoint = _checkpoint(bag)
    assert text.index("Как проверить архив") < text.index("How to verify the archive")
    for needed in (
        "python3 -B -m verify --archive ../..",
        "letopis verify --archive",
        "--trusted-checkpoint",
        "--log-key",
        (bag / "data" / "log.vkey").read_text().strip(),
        "напечатанная на бумаге",
        "printed on paper",
        base64.b64encode(checkpoint.root).decode(),
    ):
        assert needed in text
    for code in ("0  архив цел", "1  найдена проблема", "2  неверный вызов"):
        assert code in text


def test_export_streams_in_batches_and_reports_progress(
    ledger: LedgerApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "BATCH", 4)
    seen: list[tuple[int, int]] = []
    done = export_archive(
        ledger, tmp_path / "bag", progress=lambda n, total: seen.append((n, total))
    )
    size = done.entries
    assert size > 8
    assert seen == [(min(n, size), size) for n in range(4, size + 4, 4)]
    assert len(list(archive_lines(tmp_path / "bag"))) == size
    root = merkle.root_from_leaf_hashes(
        merkle.leaf_hash(x) for x in archive_lines(tmp_path / "bag")
    )
    assert root == done.checkpoint.root


@pytest.mark.parametrize("occupied", ["a file inside", "a file itself"])
def test_a_bad_out_is_refused_and_nothing_is_written(
    ledger: LedgerApplication, tmp_path: Path, occupied: str
) -> None:
    target = tmp_path / "out"
    if occupied == "a file inside":
        target.mkdir()
        (target / "keep.txt").write_text("do not touch")
    else:
        target.write_text("a file")
    before = _tree(tmp_path)
    checkpoints = LogStore(ledger.recorder).checkpoints()
    with pytest.raises(ExportError, match="new or empty directory"):
        export_archive(ledger, target)
    assert _tree(tmp_path) == before
    assert LogStore(ledger.recorder).checkpoints() == checkpoints


def _tree(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
        if "keys" not in p.parts and not p.name.startswith("letopis.db")
    }


def test_an_empty_out_directory_is_used(
    ledger: LedgerApplication, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    done: Exported = export_archive(ledger, tmp_path / "empty")
    assert done.path == (tmp_path / "empty").resolve()
    bagit.Bag(str(done.path)).validate()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_a_store_damaged_after_sealing_is_refused_and_nothing_is_written(
    ledger: LedgerApplication, store: Store, tmp_path: Path
) -> None:
    Sealer(ledger).seal()
    victim = ledger.recorder.select_notifications(start=1, limit=6)[5]
    forged = victim.state.replace(b'"seq":', b'"seq": ', 1)
    rawsql.execute_as_superuser(
        store.url,
        store.admin_url,
        "UPDATE {table} SET state = ? WHERE originator_id = ? "
        "AND originator_version = ?",
        (
            forged,
            _stream_column(store, victim.originator_id),
            victim.originator_version,
        ),
    )
    with pytest.raises(ExportError, match="sealed leaf 5; the store is damaged"):
        export_archive(ledger, tmp_path / "bag")
    assert not list(tmp_path.glob("*bag*"))


def _stream_column(store: Store, stream: object) -> object:
    """How the stores keep the stream id: SQLite as hex text, PostgreSQL as uuid."""
    return stream.hex if store.kind == "sqlite" else stream  # type: ignore[attr-defined]


def test_a_write_failure_midway_leaves_nothing_behind(
    ledger: LedgerApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(folder: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module, "copy_verifier", disk_full)
    with pytest.raises(ExportError, match="No space left on device; nothing was kept"):
        export_archive(ledger, tmp_path / "bag")
    assert not [p for p in tmp_path.iterdir() if "bag" in p.name]
