"""The standalone verifier (``python -m verify``) on exported archives.

Intact, damaged, incomplete, foreign: every case ends with exit code 0, 1 or
2 and a clear message, never a traceback.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.archive.export import export_archive
from ledger.keys.directory import SigningKey
from tests.support.notes import TEST_POLICY
from tests.support.sealed import build_school
from tests.support.stores import Store
from verify.__main__ import main
from verify.note import verifier_key

pytestmark = pytest.mark.signing_policy(TEST_POLICY)


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def report(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads(self.out)
        return loaded


@pytest.fixture
def bag(sqlite_store: Store, tmp_path: Path) -> Path:
    school = build_school(sqlite_store)
    return export_archive(school.ledger, tmp_path / "bag").path


@pytest.fixture
def vkey(bag: Path, tmp_path: Path) -> Path:
    path = tmp_path / "school.vkey"
    path.write_text((bag / "data" / "log.vkey").read_text())
    return path


def verify(*args: str | Path, capsys: pytest.CaptureFixture[str], tmp: Path) -> Run:
    out = io.StringIO()
    code = main(
        [*map(str, args), "--state", str(tmp / "state.json"), "--workers", "1"], out=out
    )
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + out.getvalue()
    return Run(code, out.getvalue(), captured.err)


def findings(run: Run) -> list[dict[str, object]]:
    listed = run.report["findings"]
    assert isinstance(listed, list)
    return listed


def test_an_intact_archive_verifies_and_says_where_its_anchor_came_from(
    bag: Path, vkey: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    alone = verify("--archive", bag, "--json", capsys=capsys, tmp=tmp_path)
    assert alone.code == 0, alone.out
    report = alone.report
    assert report["ok"] is True
    assert report["anchor"] == {
        "key": report["anchor"]["key"],  # type: ignore[index]
        "source": "the archive's own data/log.vkey",
        "independent": False,
    }
    anchored = verify("--archive", bag, "--log-key", vkey, capsys=capsys, tmp=tmp_path)
    assert anchored.code == 0
    assert "INTACT" in anchored.out
    assert "not independent" not in anchored.out


def test_a_flipped_byte_in_the_log_is_named_by_its_line(
    bag: Path, vkey: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = bag / "data" / "log.jsonl"
    lines = log.read_bytes().split(b"\n")
    lines[5] = lines[5].replace(b'"seq":', b'"seq" :', 1)
    log.write_bytes(b"\n".join(lines))
    run = verify(
        "--archive", bag, "--log-key", vkey, "--json", capsys=capsys, tmp=tmp_path
    )
    assert run.code == 1
    named = {(f["kind"], f["position"]) for f in findings(run)}
    assert ("envelope", 5) in named
    assert ("archive", None) in named  # the manifest no longer matches


@pytest.mark.parametrize(
    "missing", ["data/keys.json", "data/checkpoints", "data/README.txt"]
)
def test_a_file_missing_from_the_bag_is_a_finding(
    bag: Path,
    vkey: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    missing: str,
) -> None:
    path = bag / missing
    if path.is_dir():
        for child in path.iterdir():
            child.unlink()
    else:
        path.unlink()
    run = verify(
        "--archive", bag, "--log-key", vkey, "--json", capsys=capsys, tmp=tmp_path
    )
    assert run.code == 1
    assert any("listed in the manifest" in str(f["detail"]) for f in findings(run))


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        ("data/log.jsonl", "has no data/log.jsonl"),
        ("bagit.txt", "is not a BagIt bag"),
    ],
)
def test_an_archive_without_its_log_or_bag_declaration_is_unreadable(
    bag: Path,
    vkey: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    remove: str,
    message: str,
) -> None:
    (bag / remove).unlink()
    run = verify("--archive", bag, "--log-key", vkey, capsys=capsys, tmp=tmp_path)
    assert run.code == 2
    assert message in run.err


def test_an_unreadable_checkpoint_is_a_finding(
    bag: Path, vkey: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (bag / "data" / "checkpoint").write_bytes(b"\xff\xfe not a note")
    run = verify(
        "--archive", bag, "--log-key", vkey, "--json", capsys=capsys, tmp=tmp_path
    )
    assert run.code == 1
    assert any(
        f["kind"] == "checkpoint" and "data/checkpoint" in str(f["detail"])
        for f in findings(run)
    )


def test_an_unlisted_file_in_the_payload_is_a_finding(
    bag: Path, vkey: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (bag / "data" / "extra.txt").write_text("slipped in")
    run = verify(
        "--archive", bag, "--log-key", vkey, "--json", capsys=capsys, tmp=tmp_path
    )
    assert run.code == 1
    assert any("in no manifest" in str(f["detail"]) for f in findings(run))


def test_a_foreign_archive_is_refused_against_this_schools_key(
    bag: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    origin = json.loads((bag / "data" / "keys.json").read_text())["origin"]
    ours = tmp_path / "ours.vkey"
    ours.write_text(verifier_key(origin, SigningKey.generate().public_bytes))
    run = verify(
        "--archive", bag, "--log-key", ours, "--json", capsys=capsys, tmp=tmp_path
    )
    assert run.code == 1
    kinds = {f["kind"] for f in findings(run)}
    assert {"anchor", "checkpoint", "key"} <= kinds
    assert any(f["kind"] == "anchor" and f["position"] == 0 for f in findings(run))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read --trusted-checkpoint"),
        ("not a checkpoint\n", "the trusted checkpoint is not a signed checkpoint"),
    ],
)
def test_a_bad_trusted_checkpoint_file_is_bad_usage(
    bag: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / "paper.txt"
    if content is not None:
        path.write_text(content)
    run = verify(
        "--archive", bag, "--trusted-checkpoint", path, capsys=capsys, tmp=tmp_path
    )
    assert run.code == 2
    assert message in run.err


def test_the_trusted_checkpoint_of_the_archive_itself_holds(
    bag: Path, vkey: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    paper = bag / "data" / "checkpoint"
    run = verify(
        "--archive", bag, "--log-key", vkey, "--trusted-checkpoint", paper,
        capsys=capsys, tmp=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run.out


def test_bad_usage_exits_2_with_a_message(
    bag: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = verify("--archive", tmp_path / "nowhere", capsys=capsys, tmp=tmp_path)
    assert run.code == 2
    assert "is not a folder" in run.err
    with pytest.raises(SystemExit) as caught:
        main(["--store", "sqlite:///x.db", "--archive", str(bag)])
    assert caught.value.code == 2
