"""A sealer that refuses to sign is a 503 on `/health`, and stays one.

The attacker inserts an entry into the served store without the application
(the application role may insert): the sealer refuses it, `/health` and
`/health/seal` answer 503 naming the refusal, nothing past the entry is
signed, and the refusal stands (it is remembered beside the log key, so it
does not turn green when the entry is taken out again).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

from ledger.envelope import Envelope, format_time
from ledger.keys.directory import SigningKey
from ledger.log import LogStore, SealerMemory
from tests.support import rawsql
from tests.support.serving import Served

PROBLEM = "application/problem+json"


def _until(check: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def test_a_refused_entry_makes_health_503_and_it_stays(served: Served) -> None:
    client, app, store = served.client, served.office.app, served.store
    log = LogStore(app.recorder)

    def covered() -> bool:
        latest = log.latest_checkpoint()
        return latest is not None and latest.size == served.events()

    _until(covered)
    stream = uuid4()
    forged = Envelope(
        log=app.context.origin,
        stream=str(stream),
        seq=1,
        prev=None,
        type="journal.LessonHeld",
        at=format_time(datetime.now(UTC)),
        data={},
    ).signed_by(SigningKey.generate())
    rawsql.insert_event(
        store.url, store.admin_url, stream, 1, forged.type, forged.to_bytes()
    )
    position = served.events() - 1

    _until(lambda: client.get("/health").status_code == 503)
    for path in ("/health", "/health/seal"):
        refused = client.get(path)
        assert refused.status_code == 503
        assert refused.headers["content-type"] == PROBLEM
        detail = refused.json()["detail"]
        assert "sealing failed" in detail
        assert re.search(r"(LogIntegrity|EntryRefused)Error", detail), detail
    latest = log.latest_checkpoint()
    assert latest is not None
    assert latest.size == log.size() <= position  # nothing past it is signed
    keys = app.context.keys
    memory = SealerMemory(keys.path, app.context.origin, keys.log_public_key)
    assert memory.refusal() is not None
    assert "refusing to seal entry" in (memory.refusal() or "")

    answer = client.post(
        "/lesson-sheets", json=served.sheet(2), headers=served.auth("maths")
    )
    assert answer.status_code == 201, answer.text
    assert client.get("/health").status_code == 503
    assert log.size() <= position
