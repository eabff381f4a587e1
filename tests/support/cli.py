"""The `letopis` command line in a real subprocess, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys

PASSPHRASE = "cli-test-passphrase"


def letopis(
    *args: str, passphrase: str = PASSPHRASE
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LETOPIS_KEY_PASSPHRASE": passphrase, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
