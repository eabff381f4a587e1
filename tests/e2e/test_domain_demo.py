"""`letopis demo` end to end, in a real subprocess, on SQLite (a few days only)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shlex
import struct
import subprocess
import sys
import termios
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


def test_demo_in_an_80_column_terminal_prints_what_works_as_printed(
    tmp_path: Path,
) -> None:
    """The checkpoint is printed whole (not wrapped at the terminal's width), and
    every command the demo suggests runs as printed (`serve` aside: it serves)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env |= {"TERM": "xterm", "LETOPIS_KEY_PASSPHRASE": "demo-test-passphrase"}
    store = "sqlite:///demo-school/letopis.db"
    where = ["--store", store, "--keys", "demo-school/keys"]
    shown = _in_terminal(
        [sys.executable, "-m", "api", "demo", *where, *DAYS], tmp_path, env, 80
    )
    note = shown.split("sealed; the latest checkpoint:\n", 1)[1]
    note = note.split("look further", 1)[0]
    letopis = str(Path(sys.executable).with_name("letopis"))
    printed = subprocess.run(
        [letopis, "checkpoint", "--store", store],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert printed.returncode == 0, printed.stderr
    assert note == printed.stdout
    suggested = [
        shlex.split(line)
        for line in shown.splitlines()
        if line.startswith("  letopis ") and " serve " not in line
    ]
    named = [c[1] for c in suggested]
    assert named == ["verify", "checkpoint", "keys", "export", "report"]
    for command in suggested:
        done = subprocess.run(
            [letopis, *command[1:]],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            check=False,
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert (tmp_path / "demo-export" / "bagit.txt").is_file()
    assert (tmp_path / "demo-reports" / "index.html").is_file()


def _in_terminal(
    command: list[str], cwd: Path, env: dict[str, str], columns: int
) -> str:
    """What ``command`` prints on a terminal ``columns`` wide (stdout only)."""
    main, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        command, stdout=terminal, stderr=subprocess.DEVNULL, cwd=cwd, env=env
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait() == 0
    text = b"".join(chunks).decode().replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
