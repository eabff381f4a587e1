"""`letopis serve` in a real subprocess: refuses default secrets, serves, demo."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.storage.init import initialise
from tests.support.cli import letopis
from tests.support.net import free_port
from tests.support.pg import PostgresDatabase
from tests.support.stores import ORIGIN, PASSPHRASE

TOKEN_SECRET = "s" * 40


@pytest.fixture
def where(tmp_path: Path) -> list[str]:
    where = ["--store", f"sqlite:///{tmp_path / 'l.db'}", "--keys", str(tmp_path / "k")]
    done = letopis("init", *where, "--origin", "letopis.test/serve")
    assert done.returncode == 0, done.stderr
    return where


def _run(
    args: list[str], stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "LETOPIS_KEY_PASSPHRASE": PASSPHRASE,
            "COLUMNS": "200",
            **(env or {}),
        },
        check=False,
    )


@contextmanager
def _serving(args: list[str], env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={
            **os.environ,
            "COLUMNS": "200",
            "LETOPIS_KEY_PASSPHRASE": PASSPHRASE,
            **env,
        },
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        print(output)  # shown when a test fails


def test_serve_refuses_default_secrets(where: list[str]) -> None:
    done = letopis("serve", *where)  # no LETOPIS_TOKEN_SECRET
    assert done.returncode == 2
    assert "refusing to serve with default secrets" in done.stderr
    assert "LETOPIS_TOKEN_SECRET" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_answers_and_publishes_its_schema(where: list[str]) -> None:
    with _serving(where, {"LETOPIS_TOKEN_SECRET": TOKEN_SECRET}) as base:
        assert httpx.get(f"{base}/health").json() == {"status": "ok"}
        schema = httpx.get(f"{base}/openapi.json").json()
        assert "/lesson-sheets" in schema["paths"]
        assert httpx.get(f"{base}/docs").status_code == 200
        refused = httpx.get(f"{base}/checkpoint")
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"


def test_serve_demo_lists_its_accounts_and_they_sign_in(where: list[str]) -> None:
    with _serving([*where, "--demo"], {}) as base:
        token = httpx.post(
            f"{base}/token", data={"username": "auditor", "password": "letopis-demo"}
        )
        assert token.status_code == 200, token.text
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        note = httpx.get(f"{base}/checkpoint", headers=auth)
        assert note.text.startswith("letopis.test/serve\n")


def test_serve_demo_takes_the_store_and_keys_from_the_environment(
    where: list[str], tmp_path: Path
) -> None:
    env = {"LETOPIS_STORE": where[1], "LETOPIS_KEYS": where[3]}
    with _serving(["--demo"], env) as base:
        token = httpx.post(
            f"{base}/token", data={"username": "auditor", "password": "letopis-demo"}
        )
        assert token.status_code == 200, token.text
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        note = httpx.get(f"{base}/checkpoint", headers=auth)
        assert note.text.startswith("letopis.test/serve\n")
    typo = tmp_path / "typo.db"
    refused = _run(["serve", "--demo"], env={"LETOPIS_STORE": f"sqlite:///{typo}"})
    assert refused.returncode == 2, refused.stderr
    assert f"SQLite store {typo} does not exist" in refused.stderr
    assert not typo.exists()


def test_serve_on_postgres_without_the_api_tables_names_the_fix(
    postgres_database: PostgresDatabase, tmp_path: Path
) -> None:
    db = postgres_database
    done = initialise(  # as `init` did before the API's tables were part of it
        db.admin_url,
        tmp_path / "k",
        origin=ORIGIN,
        passphrase=PASSPHRASE,
        owner_role=db.owner_role,
        app_role=db.app_role,
    )
    where = ["--store", done.app_url, "--keys", str(tmp_path / "k")]

    refused = _run(["serve", *where], env={"LETOPIS_TOKEN_SECRET": TOKEN_SECRET})

    assert refused.returncode == 2, refused.stderr
    assert "the HTTP API's tables are missing" in refused.stderr
    assert "letopis init" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_accounts_added_on_the_command_line_sign_in(where: list[str]) -> None:
    add = ["accounts", "add", "commission", *where, "--role", "auditor"]
    added = _run([*add, "--password-stdin"], stdin="long enough passphrase\n")
    assert added.returncode == 0, added.stderr
    with _serving(where, {"LETOPIS_TOKEN_SECRET": TOKEN_SECRET}) as base:
        form = {"username": "commission", "password": "long enough passphrase"}
        assert httpx.post(f"{base}/token", data=form).status_code == 200
        seal = httpx.get(f"{base}/health/seal").json()
        assert seal["status"] == "ok"
        assert seal["checkpoint_size"] >= 1


@pytest.fixture
def demo_school(tmp_path: Path) -> list[str]:
    """A small demo school (its first school week of 2025/2026 only)."""
    where = [
        "--store",
        f"sqlite:///{tmp_path / 'demo.db'}",
        "--keys",
        str(tmp_path / "dk"),
    ]
    built = _run(["demo", *where, "--students", "60", "--until", "2025-09-05"])
    assert built.returncode == 0, built.stderr
    return where


def test_serve_demo_suggests_a_lesson_sheet_that_is_accepted(
    demo_school: list[str],
) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api",
            "serve",
            *demo_school,
            "--demo",
            "--port",
            f"{port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "100", "LETOPIS_KEY_PASSPHRASE": PASSPHRASE},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        printed: list[str] = []
        while "/lesson-sheets" not in (line := process.stdout.readline()):
            assert line, "".join(printed)
            printed.append(line)
        body = json.loads(line.split(" -d '", 1)[1].rsplit("' ", 1)[0])
        token = _demo_token(base, "teacher")

        answer = httpx.post(
            f"{base}/lesson-sheets",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )

        assert answer.status_code == 201, answer.text
        assert body["day"].startswith(("2025-", "2026-"))
        assert body["marks"]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def test_serve_demo_family_and_class_teacher_share_one_pupil(
    demo_school: list[str],
) -> None:
    """The guardian's pupil is in the 9th grade (marks, exams, an attestat to
    read) and the class-teacher account leads that pupil's class."""
    with _serving([*demo_school, "--demo"], {}) as base:
        guardian = _demo_token(base, "guardian")
        leader = _demo_token(base, "class-teacher")
        [pupil] = _get(base, "/me", guardian)["pupils"]
        classes = _get(base, "/me/classes", leader)["classes"]
        [led] = [c for c in classes if c["leads"]]
        roster = _get(base, f"/classes/{led['class_id']}/roster", leader)
    assert led["grade"] == 9
    assert pupil in [p["pupil"] for p in roster["pupils"]]


def _get(base: str, path: str, token: str) -> Any:
    answer = httpx.get(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _demo_token(base: str, account: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            answer = httpx.post(
                f"{base}/token", data={"username": account, "password": "letopis-demo"}
            )
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token
    raise AssertionError("the demo server did not answer within 30 s")
