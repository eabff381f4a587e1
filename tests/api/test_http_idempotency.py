"""Idempotency is atomic with the append (issue 11, item 8): the answer is
stored in the append's own transaction, so a retry after a crash or on
another server gets it, and two first uses of one key append once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi.testclient import TestClient

from api.server.app import create_app
from api.server.office import Office
from tests.support.net import free_port
from tests.support.serving import Served, settings_for


def _appended_since(s: Served, before: int) -> list[str]:
    """The names of the events appended after notification ``before``."""
    found = s.office.app.recorder.select_notifications(before + 1, 1000)
    return [f"{n.originator_id}:{n.originator_version}" for n in found]


@contextmanager
def _other_server(s: Served) -> Iterator[TestClient]:
    """A second server (its own application and office) on the same store."""
    app = create_app(settings_for(s.store), clock=s.school.clock)
    office: Office = app.state.office
    try:
        with TestClient(app) as client:
            yield client
    finally:
        office.close()


def test_two_servers_given_one_key_at_once_append_once(served: Served) -> None:
    s = served
    key = {"Idempotency-Key": "sheet-2-first-try", **s.auth("maths")}
    sheet = s.sheet(2)
    before = s.events()
    with _other_server(s) as other:
        start = threading.Barrier(2)
        answers: list[Any] = [None, None]

        def post(i: int, client: TestClient) -> None:
            start.wait()
            answers[i] = client.post("/lesson-sheets", json=sheet, headers=key)

        threads = [
            threading.Thread(target=post, args=(i, c))
            for i, c in enumerate((s.client, other))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert answers[0].json() == answers[1].json()
    replayed = sorted(a.headers.get("idempotent-replayed", "") for a in answers)
    assert replayed == ["", "true"]
    assert answers[0].json()["events"] == _appended_since(s, before)
    assert s.events() == before + 1 + 2  # the lesson and its two marks, once


def test_an_answer_lost_with_a_killed_server_is_given_on_retry(served: Served) -> None:
    """A client sends a keyed lesson sheet to a real server process, which is
    killed (SIGKILL) as soon as the append is committed; the client never reads
    an answer. Its retry, on another server, gets the stored answer (never 409
    or 422), and nothing is appended twice."""
    s = served
    sheet = s.sheet(2)
    key = "sheet-2"
    with _real_server(s) as (process, port):
        before = s.events()
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(_request(sheet, key, s.tokens["maths"]))
            deadline = time.monotonic() + 60
            while s.events() == before and time.monotonic() < deadline:
                time.sleep(0.001)
            process.send_signal(signal.SIGKILL)
            process.wait()
    appended = _appended_since(s, before)
    assert len(appended) == 3, "the killed server committed the lesson and 2 marks"
    headers = {"Idempotency-Key": key, **s.auth("maths")}
    retry = s.client.post("/lesson-sheets", json=sheet, headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["events"] == appended
    assert retry.json()["lesson"] == appended[0].split(":")[0]
    again = s.client.post("/lesson-sheets", json=sheet, headers=headers)
    assert again.json() == retry.json()
    assert _appended_since(s, before) == appended


def _request(body: Any, key: str, token: str) -> bytes:
    data = json.dumps(body).encode()
    head = (
        "POST /lesson-sheets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nIdempotency-Key: {key}\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + data


@contextmanager
def _real_server(s: Served) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.api.server_main",
            s.store.url,
            str(s.store.keys),
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert process.poll() is None, process.communicate()[0]
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        output, _ = process.communicate(timeout=30)
        print(output)
