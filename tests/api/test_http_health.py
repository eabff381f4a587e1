"""`/health` and `/health/seal`: the sealer's state, and 503 when sealing fails.

Sealing is made to fail for real: PostgreSQL refuses the application role
new log leaves (a revoked INSERT), then the grant is restored; the server
reports the failure and then its recovery. The child-process sealer is killed
for real. Overdue is judged by a pure function with an explicit clock.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from psycopg import sql

from api.server.app import create_app
from api.server.office import Office
from api.server.sealing import ProcessSealer, SealReport, assess
from ledger.storage.stores import parse_store_url
from tests.support.serving import Served, settings_for
from tests.support.stores import Store

PROBLEM = "application/problem+json"


def _until(check: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def test_seal_health_reports_the_latest_checkpoint(served: Served) -> None:
    served.client.post(
        "/lesson-sheets", json=served.sheet(2), headers=served.auth("maths")
    )
    events = served.events()

    def covered() -> bool:
        body = served.client.get("/health/seal").json()
        return bool(body["checkpoint_size"] == events and body["last_sealed_at"])

    _until(covered)
    body = served.client.get("/health/seal").json()
    assert body["status"] == "ok"
    assert body["checkpoint_signed_at"]
    assert body["interval_seconds"] == 0.2
    assert body["overdue_after_seconds"] == 30.6
    assert served.client.get("/health").json() == {"status": "ok"}


@contextmanager
def _leaves_refused(store: Store) -> Iterator[None]:
    """The application role may not add log leaves until the block ends."""
    app_role = parse_store_url(store.url).env["POSTGRES_USER"]
    grant = {"table": sql.Identifier("letopis", "letopis_log_leaves")}
    grant["role"] = sql.Identifier(app_role)
    with psycopg.connect(store.admin_url, autocommit=True) as c:
        c.execute(sql.SQL("REVOKE INSERT ON {table} FROM {role}").format(**grant))
        try:
            yield
        finally:
            c.execute(sql.SQL("GRANT INSERT ON {table} TO {role}").format(**grant))


def test_failed_sealing_is_a_503_problem_until_repaired(served: Served) -> None:
    if served.store.kind != "postgres":
        return  # a revoked privilege is the real failure to inject; SQLite has none
    client = served.client
    with _leaves_refused(served.store):
        answer = client.post(
            "/lesson-sheets", json=served.sheet(2), headers=served.auth("maths")
        )
        assert answer.status_code == 201, answer.text
        _until(lambda: client.get("/health").status_code == 503)
        for path in ("/health", "/health/seal"):
            refused = client.get(path)
            assert refused.status_code == 503
            assert refused.headers["content-type"] == PROBLEM
            problem: dict[str, Any] = refused.json()
            assert problem["type"].endswith("/sealing-unwell")
            assert "sealing failed" in problem["detail"]
            assert "the latest checkpoint covers" in problem["detail"]
    _until(lambda: client.get("/health/seal").status_code == 200)
    assert client.get("/health/seal").json()["checkpoint_size"] == served.events()


def test_a_dead_sealing_process_is_reported(store: Store) -> None:
    if store.kind != "sqlite":
        return  # one backend suffices: the process, not the store, is under test
    app = create_app(settings_for(store, seal_process=True, seal_interval=0.1))
    office: Office = app.state.office
    try:
        with TestClient(app) as client:
            sealer = office.auto_sealer
            assert isinstance(sealer, ProcessSealer)
            _until(lambda: client.get("/health/seal").json().get("last_sealed_at"))
            assert sealer.pid is not None
            os.kill(sealer.pid, signal.SIGKILL)
            _until(lambda: client.get("/health").status_code == 503)
            problem = client.get("/health/seal").json()
            assert "the sealer has stopped" in problem["detail"]
    finally:
        office.close()


def _report(**values: Any) -> SealReport:
    fields: dict[str, Any] = {
        "checkpoint_size": 10,
        "checkpoint_signed_at": "2026-11-22T12:00:00Z",
        "sealed_at": 1000.0,
        "failed_at": None,
        "error": None,
    }
    return SealReport(**{**fields, **values})


def _judge(report: SealReport, now: float, running: bool = True) -> str | None:
    return assess(
        report,
        now=now,
        started_at=900.0,
        interval=2.0,
        overdue_after=36.0,
        running=running,
    ).problem


def test_overdue_failed_and_stopped_are_judged_from_the_report() -> None:
    assert _judge(_report(), now=1030.0) is None
    assert "no checkpoint round succeeded for 40 s" in str(_judge(_report(), 1040.0))
    assert "overdue after 36 s" in str(_judge(_report(), 1040.0))
    never = _report(sealed_at=None)
    assert _judge(never, now=930.0) is None
    assert "for 40 s" in str(_judge(never, now=940.0))
    failed = _report(failed_at=1010.0, error="OperationalError: gone")
    assert "sealing failed 5 s ago: OperationalError: gone" in str(
        _judge(failed, 1015.0)
    )
    assert "has stopped" in str(_judge(_report(), 1001.0, running=False))
