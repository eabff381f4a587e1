"""`letopis demo` end to end, in a real subprocess, on SQLite (a few days only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DAYS = ["--until", "2025-09-05", "--students", "60"]


def demo(where: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("LETOPIS_KEY_PASSPHRASE", None)
    store = f"sqlite:///{where / 'letopis.db'}"
    command = [sys.executable, "-m", "api", "demo", "--store", store]
    return subprocess.run(
        [*command, "--keys", str(where / "keys"), *DAYS, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_demo_builds_seals_and_reports_the_same_school_for_a_seed(
    tmp_path: Path,
) -> None:
    first = demo(tmp_path / "a", "--out", str(tmp_path / "a-out"))
    assert first.returncode == 0, first.stderr
    assert "DEMO passphrase" in first.stderr
    assert "journal.LessonHeld" in first.stdout
    assert "sealed; the latest checkpoint:" in first.stdout
    summary = json.loads((tmp_path / "a-out" / "summary.json").read_text())
    assert summary["events"]["journal.MarkRecorded"] > 0
    assert summary["events"]["people.StudentEnrolled"] >= 60
    checkpoint = (tmp_path / "a-out" / "checkpoint").read_text()
    assert checkpoint.startswith("letopis.example/school-131\n")
    second = demo(tmp_path / "b", "--out", str(tmp_path / "b-out"))
    assert second.returncode == 0, second.stderr
    again = json.loads((tmp_path / "b-out" / "summary.json").read_text())
    assert again["events"] == summary["events"]


def test_demo_refuses_a_store_that_has_the_school_already(tmp_path: Path) -> None:
    assert demo(tmp_path).returncode == 0
    again = demo(tmp_path)
    assert again.returncode == 2
    assert "holds a demo school already; run the demo on a new" in again.stderr
    assert "Traceback" not in again.stderr
