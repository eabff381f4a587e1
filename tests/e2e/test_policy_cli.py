"""`letopis policy show / set` end to end on SQLite, in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

PASSPHRASE = "cli-test-passphrase"


def letopis(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LETOPIS_KEY_PASSPHRASE": PASSPHRASE, "COLUMNS": "200"}
    for variable in ("LETOPIS_STORE", "LETOPIS_KEYS", "LETOPIS_SIGNING_POLICY"):
        env.pop(variable, None)
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_the_director_changes_the_policy_and_nobody_else(tmp_path: Path) -> None:
    where = ["--store", f"sqlite:///{tmp_path / 'l.db'}", "--keys", str(tmp_path / "k")]
    assert letopis("init", *where, "--origin", "letopis.test/cli").returncode == 0
    packaged = (
        resources.files("ledger").joinpath("policies/signing.toml").read_text("utf-8")
    )
    assert letopis("policy", "show", *where).stdout == packaged
    for label, role in (("dir", "director"), ("t", "teacher")):
        added = letopis("keys", "add", label, *where, "--holder", label, "--role", role)
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
