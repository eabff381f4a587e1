"""`letopis restore` on SQLite and PostgreSQL: export → restore → export is the
same log, byte for byte, and the log continues in the restored store.

Each test builds a small log (a registered key, signed notes, two seals) in the
``store`` fixture, exports it and restores it into a new store of the same
kind; the independent verifier (``python -m verify``) judges the source, the
archive and the restored store before and after. Bad input (a store that is
not empty, a damaged archive, another log's archive, an archive older than what
the log key signed) is refused with nothing written.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from ledger.application import LedgerApplication, Signing
from ledger.archive.export import export_archive
from ledger.archive.restore import Restored, RestoreError, restore_store
from ledger.keys.directory import SigningKey
from ledger.keys.services import register_signer
from ledger.log import LogStore, Sealer
from ledger.storage.existing import probe
from ledger.storage.stores import open_ledger
from tests.support.cli import letopis
from tests.support.notes import TEST_POLICY, Note
from tests.support.pg import Roles, throwaway_database
from tests.support.stores import PASSPHRASE, Store, sqlite_store
from verify.__main__ import main as verifier

pytestmark = pytest.mark.signing_policy(TEST_POLICY)

NOW = datetime.now(UTC)


@pytest.fixture
def teacher(store: Store) -> SigningKey:
    """A teacher's key, registered; three notes signed by it, sealed twice."""
    app = store.open()
    key = SigningKey.generate()
    register_signer(
        app,
        store.key_directory.log_key(),
        public_key=key.public_bytes,
        holder="teacher",
        roles=("teacher",),
        valid_from=NOW - timedelta(days=1),
    )
    Sealer(app).seal()
    _write_notes(app, key, ("опоздал", "без формы", "забыл дневник"))
    return key


def _write_notes(
    app: LedgerApplication, key: SigningKey, texts: tuple[str, ...]
) -> None:
    for text in texts:
        app.save(Note.write(uuid4(), text), signed_by=Signing(key))
    Sealer(app).seal()


@contextmanager
def _target(store: Store, tmp_path: Path) -> Iterator[tuple[str, Roles]]:
    """A URL for a new store of the same kind, and its roles on PostgreSQL."""
    if store.kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'letopis.db'}", Roles()
        return
    with throwaway_database("letopis_r") as db:
        yield db.admin_url, db.roles()


def _restore(bag: Path, url: str, store: Store, roles: Roles) -> Restored:
    return restore_store(bag, url, store.keys, passphrase=PASSPHRASE, **roles)


def _verdict(
    tmp_path: Path,
    *,
    store: str | None = None,
    bag: Path | None = None,
    keys: Path | None = None,
) -> int:
    """The independent verifier's exit code (0 intact, 1 a finding)."""
    what = ["--store", store] if store else ["--archive", str(bag)]
    extra = ["--keys", str(keys)] if keys else []
    state = tmp_path / f"verifier-state-{uuid4().hex[:8]}.json"
    text = io.StringIO()
    code = verifier([*what, *extra, "--state", str(state), "--workers", "1"], out=text)
    assert code in (0, 1), text.getvalue()
    return code


def _assert_nothing_made(url: str) -> None:
    """No file, or an empty database without Letopis's tables."""
    found = probe(url)
    assert found is None or not found.has_events_table


def _log_files(bag: Path) -> dict[str, bytes]:
    data = bag / "data"
    files = {"log.jsonl": (data / "log.jsonl").read_bytes()}
    files["checkpoint"] = (data / "checkpoint").read_bytes()
    for path in (data / "checkpoints").iterdir():
        files[f"checkpoints/{path.name}"] = path.read_bytes()
    return files


def test_export_restore_export_is_the_same_log_and_the_log_continues(
    store: Store, teacher: SigningKey, tmp_path: Path
) -> None:
    assert _verdict(tmp_path, store=store.url, keys=store.keys) == 0
    export_archive(store.open(), tmp_path / "bag")
    assert _verdict(tmp_path, bag=tmp_path / "bag") == 0
    with _target(store, tmp_path) as (url, roles):
        done = _restore(tmp_path / "bag", url, store, roles)
        assert _verdict(tmp_path, store=done.app_url, keys=store.keys) == 0
        restored = open_ledger(done.app_url, keys=store.keys, passphrase=PASSPHRASE)
        try:
            export_archive(restored, tmp_path / "again")
            assert _log_files(tmp_path / "again") == _log_files(tmp_path / "bag")
            source, copy = LogStore(store.open().recorder), LogStore(restored.recorder)
            assert [c.note for c in copy.checkpoints()] == [
                c.note for c in source.checkpoints()
            ]
            size = copy.size()
            _write_notes(restored, teacher, ("после восстановления",))
            assert copy.size() == size + 1
            latest = copy.latest_checkpoint()
            assert latest is not None
            assert latest.size == size + 1
        finally:
            restored.close()
        assert _verdict(tmp_path, store=done.app_url, keys=store.keys) == 0


def test_a_store_that_is_not_empty_is_refused_with_nothing_written(
    store: Store, teacher: SigningKey, tmp_path: Path
) -> None:
    export_archive(store.open(), tmp_path / "bag")
    before = probe(store.admin_url)
    with pytest.raises(RestoreError, match="is not empty"):
        restore_store(
            tmp_path / "bag", store.admin_url, store.keys, passphrase=PASSPHRASE
        )
    assert probe(store.admin_url) == before
    assert _verdict(tmp_path, store=store.url, keys=store.keys) == 0


def test_a_damaged_archive_is_refused_before_anything_is_made(
    store: Store, teacher: SigningKey, tmp_path: Path
) -> None:
    export_archive(store.open(), tmp_path / "bag")
    log = tmp_path / "bag" / "data" / "log.jsonl"
    log.write_bytes(log.read_bytes().replace("забыл".encode(), "помнил".encode()))
    assert _verdict(tmp_path, bag=tmp_path / "bag") == 1
    with _target(store, tmp_path) as (url, roles):
        with pytest.raises(RestoreError, match="does not recompute"):
            _restore(tmp_path / "bag", url, store, roles)
        _assert_nothing_made(url)


def test_an_archive_older_than_what_the_log_key_signed_is_refused(
    store: Store, teacher: SigningKey, tmp_path: Path
) -> None:
    app = store.open()
    export_archive(app, tmp_path / "old")
    _write_notes(app, teacher, ("позже",))  # the log key signs a larger tree
    with _target(store, tmp_path) as (url, roles):
        with pytest.raises(RestoreError, match="fork the log"):
            _restore(tmp_path / "old", url, store, roles)
        _assert_nothing_made(url)


def test_another_logs_archive_is_refused(
    store: Store, teacher: SigningKey, tmp_path: Path
) -> None:
    export_archive(store.open(), tmp_path / "bag")
    other = sqlite_store(tmp_path / "other")
    with pytest.raises(RestoreError, match="give the school's own --keys"):
        restore_store(
            tmp_path / "bag",
            f"sqlite:///{tmp_path / 'x.db'}",
            other.keys,
            passphrase=PASSPHRASE,
        )
    assert not (tmp_path / "x.db").exists()


def test_letopis_restore_on_the_command_line(
    sqlite_store: Store, tmp_path: Path
) -> None:
    env = {"LETOPIS_KEYS": str(sqlite_store.keys)}
    shutil.copytree(sqlite_store.keys, tmp_path / "keys-copy")
    made = letopis(
        "export",
        "--store",
        sqlite_store.url,
        "--out",
        str(tmp_path / "bag"),
        passphrase=PASSPHRASE,
        env=env,
    )
    assert made.returncode == 0, made.stderr
    target = f"sqlite:///{tmp_path / 'new.db'}"
    done = letopis(
        "restore",
        "--archive",
        str(tmp_path / "bag"),
        "--store",
        target,
        passphrase=PASSPHRASE,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "restored" in done.stdout
    again = letopis(
        "restore",
        "--archive",
        str(tmp_path / "bag"),
        "--store",
        target,
        passphrase=PASSPHRASE,
        env=env,
    )
    assert again.returncode == 2
    assert "is not empty" in again.stderr
    assert _verdict(tmp_path, store=target, keys=sqlite_store.keys) == 0
