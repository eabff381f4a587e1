"""`letopis export`, end to end on SQLite, in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

import bagit
import pytest

import verify
from verify import merkle
from verify.note import parse_checkpoint

PASSPHRASE = "cli-test-passphrase"


def letopis(*args: str, columns: int = 200) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LETOPIS_KEY_PASSPHRASE": PASSPHRASE,
        "COLUMNS": str(columns),
    }
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture
def school(tmp_path: Path) -> list[str]:
    """An initialised school with two signer keys, one of them rotated."""
    where = ["--store", f"sqlite:///{tmp_path / 'l.db'}", "--keys", str(tmp_path / "k")]
    steps = [
        ("init", *where, "--origin", "letopis.test/export-cli"),
        ("keys", "add", "a", *where, *_first("a"), "--role", "teacher"),
        ("keys", "add", "b", *where, *_first("b"), "--role", "director"),
    ]
    for step in steps:
        done = letopis(*step)
        assert done.returncode == 0, done.stderr
    return where


def test_export_writes_a_valid_bag_and_prints_its_checkpoint(
    school: list[str], tmp_path: Path
) -> None:
    bag = tmp_path / "archive" / "2026"
    done = letopis("export", *school, "--out", str(bag), columns=60)
    assert done.returncode == 0, done.stderr
    bagit.Bag(str(bag)).validate()
    note = (bag / "data" / "checkpoint").read_text(encoding="utf-8")
    assert note in done.stdout  # printed whole, its signature line unbroken
    checkpoint = parse_checkpoint(note)
    assert checkpoint.size == 5  # the log key, two policies, two keys
    assert f"exported 5 entries and 3 checkpoints to {bag}" in done.stdout
    assert f"letopis verify --archive {bag}" in done.stdout
    lines = (bag / "data" / "log.jsonl").read_bytes().splitlines()
    assert merkle.root_from_leaf_hashes(map(merkle.leaf_hash, lines)) == (
        checkpoint.root
    )


def test_export_into_a_non_empty_directory_exits_2_and_writes_nothing(
    school: list[str], tmp_path: Path
) -> None:
    bag = tmp_path / "bag"
    first = letopis("export", *school, "--out", str(bag))
    assert first.returncode == 0, first.stderr
    before = sorted((p, p.stat().st_mtime_ns) for p in bag.rglob("*"))
    again = letopis("export", *school, "--out", str(bag))
    assert again.returncode == 2
    assert "is not empty" in again.stderr
    assert "new or empty directory" in again.stderr
    assert "Traceback" not in again.stderr
    assert sorted((p, p.stat().st_mtime_ns) for p in bag.rglob("*")) == before
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_export_onto_a_file_exits_2(school: list[str], tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("keep me")
    refused = letopis("export", *school, "--out", str(target))
    assert refused.returncode == 2
    assert "is a file" in refused.stderr
    assert target.read_text() == "keep me"


def test_export_is_listed_in_help() -> None:
    shown = letopis("export", "--help")
    assert shown.returncode == 0
    assert "--out" in shown.stdout
    assert "BagIt" in shown.stdout


def test_the_enclosed_verifier_verifies_the_bag_on_its_own(
    school: list[str], tmp_path: Path
) -> None:
    if not (Path(verify.__file__).parent / "__main__.py").exists():
        pytest.skip("the verifier's command line (verify/__main__.py) is not written")
    bag = tmp_path / "bag"
    assert letopis("export", *school, "--out", str(bag)).returncode == 0
    enclosed = bag / "data" / "verifier"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [sys.executable, "-B", "-c", "import verify; print(verify.__file__)"],
        cwd=enclosed,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert Path(where.stdout.strip()).parent == enclosed / "verify"
    checked = subprocess.run(
        [sys.executable, "-B", "-m", "verify", "--archive", "../..", "--json"],
        cwd=enclosed,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["ok"] is True
    bagit.Bag(str(bag)).validate()  # nothing was written into the bag


def _first(name: str) -> tuple[str, ...]:
    """--holder of a staff member registered after their key (the first staff)."""
    return ("--holder", str(uuid5(NAMESPACE_URL, name)), "--first-staff")
