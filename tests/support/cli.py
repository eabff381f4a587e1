"""The `letopis` command line in a real subprocess, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys

PASSPHRASE = "cli-test-passphrase"
_OWN = ("LETOPIS_STORE", "LETOPIS_KEYS", "LETOPIS_SIGNING_POLICY")


def letopis(
    *args: str, passphrase: str = PASSPHRASE, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``letopis ARGS`` with the test passphrase; ``env`` adds variables.

    The caller's own store, keys and policy variables are not passed on: a
    test names what it uses."""
    inherited = {k: v for k, v in os.environ.items() if k not in _OWN}
    env = {
        **inherited,
        "LETOPIS_KEY_PASSPHRASE": passphrase,
        "COLUMNS": "200",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
