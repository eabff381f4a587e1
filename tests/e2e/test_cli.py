"""The `letopis` command line, end to end on SQLite, in a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import letopis

IVANOVA = "5b1e3a52-7f0c-4d5e-9a61-2c7e8f9a0b14"  # a staff id, registered later


@pytest.fixture
def school(tmp_path: Path) -> list[str]:
    where = ["--store", f"sqlite:///{tmp_path / 'l.db'}", "--keys", str(tmp_path / "k")]
    done = letopis("init", *where, "--origin", "letopis.test/cli")
    assert done.returncode == 0, done.stderr
    return where


def _keys(where: list[str]) -> list[dict[str, object]]:
    listed = letopis("keys", "list", *where, "--json")
    assert listed.returncode == 0, listed.stderr
    keys: list[dict[str, object]] = json.loads(listed.stdout)
    return keys


def test_init_add_rotate_revoke_list(school: list[str]) -> None:
    added = letopis(
        "keys",
        "add",
        "ivanova",
        *school,
        "--holder",
        IVANOVA,
        "--first-staff",
        "--role",
        "teacher",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    key = json.loads(added.stdout)["key"]
    rotated = letopis("keys", "rotate", key, "ivanova-2", *school, "--json")
    assert rotated.returncode == 0, rotated.stderr
    successor = json.loads(rotated.stdout)["key"]
    revoked = letopis(
        "keys",
        "revoke",
        successor,
        *school,
        "--reason",
        "laptop stolen",
        "--compromised-at",
        "2020-01-01",
    )
    assert revoked.returncode == 0, revoked.stderr
    keys = {k["key"]: k for k in _keys(school)}
    assert keys[key]["revoked_at"] is not None
    assert keys[successor]["compromised_at"] == "2020-01-01T00:00:00+00:00"
    assert [k["roles"] for k in keys.values()].count(["seal"]) == 1


def test_unknown_role_is_a_clear_error_and_writes_nothing(school: list[str]) -> None:
    before = _keys(school)
    holder = ["--holder", IVANOVA, "--first-staff"]
    bad = letopis("keys", "add", "x", *school, *holder, "--role", "janitor")
    assert bad.returncode == 2
    assert "not signing roles; allowed:" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert _keys(school) == before
    assert not (Path(school[3]) / "signers" / "x.key.pem").exists()


def test_wrong_passphrase_is_a_clear_error(school: list[str]) -> None:
    before = _keys(school)
    bad = letopis(
        "keys",
        "add",
        "y",
        *school,
        "--holder",
        IVANOVA,
        "--first-staff",
        "--role",
        "teacher",
        passphrase="wrong",
    )
    assert bad.returncode == 2
    assert "passphrase does not open" in bad.stderr
    assert _keys(school) == before


def test_malformed_store_url_exits_2(tmp_path: Path) -> None:
    bad = letopis("keys", "list", "--store", "mysql://x/y", "--keys", str(tmp_path))
    assert bad.returncode == 2
    assert "use sqlite:///path/to/file.db" in bad.stderr


def test_help_lists_the_commands() -> None:
    shown = letopis("--help")
    assert shown.returncode == 0
    for command in ("init", "keys", "demo"):
        assert command in shown.stdout
