"""`letopis serve` in a real subprocess: refuses default secrets, serves, demo."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSPHRASE
from tests.e2e.test_cli import letopis

TOKEN_SECRET = "s" * 40


@pytest.fixture
def where(tmp_path: Path) -> list[str]:
    where = ["--store", f"sqlite:///{tmp_path / 'l.db'}", "--keys", str(tmp_path / "k")]
    done = letopis("init", *where, "--origin", "letopis.test/serve")
    assert done.returncode == 0, done.stderr
    return where


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _serving(args: list[str], env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
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
