"""A real browser for the web pages: Debian's Chromium driven by Playwright,
against the application served by uvicorn on a free port.

Where no Chromium is found the browser tests skip with the reason, unless
``LETOPIS_REQUIRE_BROWSER`` is set (CI installs the ``chromium`` package and
sets it), where that skip is a failure. Screenshots go to
``LETOPIS_ARTIFACTS`` (default ``test-artifacts/``) for people to look at.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from tests.support.net import free_port

ARTIFACTS = Path(os.environ.get("LETOPIS_ARTIFACTS", "test-artifacts"))


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """Chromium's path, or a loud skip (a failure under CI)."""
    found = chromium_path()
    if found:
        return found
    reason = (
        "NO CHROMIUM: the browser tests of the web pages did not run "
        "(apt-get install chromium)"
    )
    if os.environ.get("LETOPIS_REQUIRE_BROWSER"):
        pytest.fail(reason + "; LETOPIS_REQUIRE_BROWSER is set")
    pytest.skip(reason)


@contextmanager
def live(app: FastAPI) -> Iterator[str]:
    """``app`` served over real HTTP on 127.0.0.1; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            msg = "the test server did not start"
            raise RuntimeError(msg)
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
