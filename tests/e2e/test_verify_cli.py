"""`letopis verify` and the verifier enclosed in an export, in real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

import pytest

PASSPHRASE = "verify-cli-passphrase"


def run(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LETOPIS_KEY_PASSPHRASE": PASSPHRASE, "COLUMNS": "200"}
    for variable in ("LETOPIS_STORE", "LETOPIS_KEYS", "LETOPIS_SIGNING_POLICY"):
        environment.pop(variable, None)
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def letopis(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run("-m", "api", *args, env=env)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One school made through the command line: init, a teacher's key, sealed."""
    folder = tmp_path_factory.mktemp("pristine")
    where = [
        "--store",
        f"sqlite:///{folder / 'school.db'}",
        "--keys",
        str(folder / "keys"),
    ]
    assert (
        letopis("init", *where, "--origin", "letopis.test/verify-cli").returncode == 0
    )
    added = letopis(
        "keys",
        "add",
        "ivanova",
        *where,
        *("--holder", str(uuid5(NAMESPACE_URL, "ivanova")), "--first-staff"),
        *("--role", "teacher"),
    )
    assert added.returncode == 0, added.stderr
    return folder


@pytest.fixture
def school(pristine: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    """A copy of the pristine school for one test to change as it likes."""
    folder = tmp_path / "school"
    shutil.copytree(pristine, folder)
    db = folder / "school.db"
    return db, ["--store", f"sqlite:///{db}", "--keys", str(folder / "keys")]


@pytest.fixture
def cache(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_verify_prints_a_table_and_a_verdict_and_exits_0(
    school: tuple[Path, list[str]], cache: dict[str, str]
) -> None:
    _, where = school
    done = letopis("verify", *where, env=cache)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Retention classes" in done.stdout
    assert "INTACT" in done.stdout
    assert "trust anchor: log key" in done.stdout


def test_json_prints_exactly_one_object(
    school: tuple[Path, list[str]], cache: dict[str, str]
) -> None:
    _, where = school
    done = letopis("verify", *where, "--json", env=cache)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    assert report["tree_size"] == report["checked"]["entries"] == 4
    assert {"ok", "tree_size", "root", "checked", "retention", "findings"} <= set(
        report
    )
    assert {row["class"] for row in report["retention"]} >= {"journal", "trust"}


def test_a_tampered_store_exits_1_naming_the_position(
    school: tuple[Path, list[str]], cache: dict[str, str]
) -> None:
    db, where = school
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("DROP TRIGGER stored_events_no_update")
        connection.execute(
            "UPDATE stored_events SET state = replace(state, 'Ivanova', 'Petrova') "
            "WHERE rowid = 2"
        )
    connection.close()
    done = letopis("verify", *where, "--json", env=cache)
    assert done.returncode == 1
    assert 1 in {f["position"] for f in json.loads(done.stdout)["findings"]}
    shown = letopis("verify", *where, env=cache)
    assert shown.returncode == 1
    assert "PROBLEMS FOUND" in shown.stdout


def test_bad_usage_exits_2_with_a_clear_message(
    school: tuple[Path, list[str]], cache: dict[str, str], tmp_path: Path
) -> None:
    db, where = school
    nothing = letopis("verify", env=cache)
    assert nothing.returncode == 2
    assert "--store URL or --archive DIR" in nothing.stderr
    unanchored = letopis("verify", "--store", f"sqlite:///{db}", env=cache)
    assert unanchored.returncode == 2
    assert "trust anchor" in unanchored.stderr
    missing = letopis(
        "verify", "--store", f"sqlite:///{tmp_path / 'none.db'}", "--keys",
        where[3], env=cache,
    )  # fmt: skip
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr


def test_an_export_verifies_with_letopis_and_with_its_own_enclosed_verifier(
    school: tuple[Path, list[str]], cache: dict[str, str], tmp_path: Path
) -> None:
    _, where = school
    bag = tmp_path / "bag"
    assert letopis("export", *where, "--out", str(bag)).returncode == 0
    paper = tmp_path / "paper-checkpoint.txt"
    paper.write_text((bag / "data" / "checkpoint").read_text())
    done = letopis(
        "verify", "--archive", str(bag), "--trusted-checkpoint", str(paper), env=cache
    )
    assert done.returncode == 0, done.stdout + done.stderr
    enclosed = run(
        "-B", "-m", "verify", "--archive", "../..", "--json",
        cwd=bag / "data" / "verifier", env=cache,
    )  # fmt: skip
    assert enclosed.returncode == 0, enclosed.stdout + enclosed.stderr
    assert json.loads(enclosed.stdout)["ok"] is True
    assert not list((bag / "data" / "verifier").rglob("__pycache__"))
