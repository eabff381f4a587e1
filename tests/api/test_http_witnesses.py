"""`letopis serve` seals and sends each checkpoint to real witnesses over HTTP,
and ``/health/witnesses`` shows what they cosigned and what failed (issue 16).

One witness runs under uvicorn on 127.0.0.1 (the app of `letopis witness
serve`); a second is configured at a port where nothing listens. Sealing goes
on; the first cosigns, the second's failures are recorded and shown.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn

from api.witness.app import make_app
from api.witness.witness import Witness
from tests.support.serving import Served
from verify.note import verifier_key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _until(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


@pytest.fixture
def running_witness(served: Served, tmp_path: Path) -> Iterator[tuple[Witness, str]]:
    keys = served.store.key_directory
    witness = Witness.create(tmp_path / "uo", "uo.test/witness")
    witness.add_log(keys.origin, verifier_key(keys.origin, keys.log_public_key))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            make_app(witness), host="127.0.0.1", port=port, log_level="error"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _until(lambda: server.started)
    yield witness, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join()


def test_the_server_sends_checkpoints_to_witnesses_and_reports_failures(
    served: Served, running_witness: tuple[Witness, str], tmp_path: Path
) -> None:
    witness, url = running_witness
    absent = Witness.create(tmp_path / "absent", "archive.test/absent")
    config = {
        "witnesses": [
            {"url": url, "vkey": witness.vkey},
            {"url": f"http://127.0.0.1:{_free_port()}", "vkey": absent.vkey},
        ]
    }
    (served.store.keys / "witnesses.json").write_text(json.dumps(config))
    served.client.post(
        "/lesson-sheets", json=served.sheet(2), headers=served.auth("maths")
    )
    events = served.events()

    def cosigned() -> bool:
        body = served.client.get("/health/witnesses").json()
        return bool(body["witnesses"][0]["latest_cosigned_size"] == events)

    _until(cosigned)
    body = served.client.get("/health/witnesses").json()
    assert body["witnesses"][1] == {
        "name": "archive.test/absent",
        "url": config["witnesses"][1]["url"],
        "latest_cosigned_size": None,
    }
    assert body["failures"] >= 1
    assert body["last_failure"]["witness"] == "archive.test/absent"
    assert served.client.get("/health").json() == {"status": "ok"}
    latest = witness.latest(served.store.key_directory.origin)
    assert latest is not None
    assert latest.size == events
