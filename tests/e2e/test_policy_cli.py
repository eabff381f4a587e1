"""`letopis policy show / set` end to end on SQLite, in a real subprocess."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tests.support.cli import letopis

DIRECTOR = "0b6f4c1e-2d3a-4e5f-8a9b-1c2d3e4f5a6b"  # staff ids, registered later
TEACHER = "7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f"


def test_the_director_changes_the_policy_and_nobody_else(tmp_path: Path) -> None:
    where = ["--store", f"sqlite:///{tmp_path / 'l.db'}", "--keys", str(tmp_path / "k")]
    assert letopis("init", *where, "--origin", "letopis.test/cli").returncode == 0
    packaged = (
        resources.files("ledger").joinpath("policies/signing.toml").read_text("utf-8")
    )
    assert letopis("policy", "show", *where).stdout == packaged
    # no staff member is registered yet: their keys come first (--first-staff)
    for label, role, holder in (
        ("dir", "director", DIRECTOR),
        ("t", "teacher", TEACHER),
    ):
        added = letopis(
            "keys", "add", label, *where, "--holder", holder, "--role", role,
            "--first-staff",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    narrower = tmp_path / "signing.toml"
    narrower.write_text(packaged.replace('    "journal.MarkVoided",\n', "", 1))

    refused = letopis("policy", "set", str(narrower), *where, "--key-label", "t")
    assert refused.returncode == 2
    assert "may not change a policy; only a director's key may" in refused.stderr
    assert letopis("policy", "show", *where).stdout == packaged

    bad = tmp_path / "bad.toml"
    bad.write_text('[roles]\nteacher = "journal.*"\n')
    malformed = letopis("policy", "set", str(bad), *where, "--key-label", "dir")
    assert malformed.returncode == 2
    assert "'teacher' must be a list of strings" in malformed.stderr

    changed = letopis("policy", "set", str(narrower), *where, "--key-label", "dir")
    assert changed.returncode == 0, changed.stderr
    assert "signing policy changed" in changed.stdout
    assert letopis("policy", "show", *where).stdout == narrower.read_text()
    verified = letopis("verify", *where)
    assert verified.returncode == 0, verified.stdout + verified.stderr
