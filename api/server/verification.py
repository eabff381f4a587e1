"""The independent verifier on a school's live store, as the server runs it,
and the record of every run.

``POST /verify`` and the auditor's console (``/app/audit/verify``) run the same
:func:`verify_school`: the checks of ``verify/`` (as `letopis verify` runs
them) against the school's log key from its key directory, the policies the
log holds, and the state file of what this server verified before (so a run
after a clean one checks only the new signatures, unless ``full``). One
worker: the server's cores serve requests.

Every run started on the server is recorded in ``api_verify_runs`` (one row
per state, like the co-signature requests: ``running``, then ``done`` with the
report or ``failed`` with the reason; UPDATE and DELETE are refused), so the
console lists past runs and their verdicts after a restart.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from api.server.settings import Settings
from api.server.tables import VERIFY_RUNS, side_store
from ledger.application import LedgerApplication
from ledger.envelope import format_time
from verify.inputs import gather
from verify.report import Report
from verify.state import default_state_path
from verify.verifier import Verifier

Progress = Callable[[int, int], None]
RUNNING, DONE, FAILED = "running", "done", "failed"


def packaged_policy(name: str) -> Path:
    """The packaged policy file ``name`` (for a log that holds none)."""
    return Path(str(resources.files("ledger").joinpath(f"policies/{name}.toml")))


def verify_school(
    settings: Settings,
    *,
    full: bool = False,
    trusted: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """Verify the school's store; the verifier's report (VerificationError if
    the store, the key or ``trusted``, a checkpoint's text, cannot be read)."""
    inputs = gather(
        store=settings.store,
        archive=None,
        keys=settings.keys,
        default_policy=packaged_policy("signing"),
        default_retention=packaged_policy("retention"),
    )
    try:
        state = settings.verify_state or default_state_path(
            inputs.log_key.origin, inputs.log_key.key_id, inputs.source.location
        )
        verifier = Verifier(
            log_key=inputs.log_key,
            policy=inputs.policy,
            retention=inputs.retention,
            default_policy=inputs.default_policy,
            default_retention=inputs.default_retention,
            trusted_checkpoint=trusted,
            state_file=state,
            since_checkpoint=not full,
            workers=1,
        )
        return verifier.audit(inputs.source, progress=progress)
    finally:
        inputs.source.close()


@dataclass(frozen=True)
class Run:
    """One verification run as last recorded: who started it, how it ended."""

    id: str
    version: int
    state: str
    started_by: str
    started_at: str
    full: bool
    trusted: bool
    finished_at: str | None
    ok: bool | None
    tree_size: int | None
    result: dict[str, Any] | None
    error: str | None


class VerificationRuns:
    """The runs of one school, appended as they start and end."""

    def __init__(self, app: LedgerApplication) -> None:
        self.store = side_store(app, VERIFY_RUNS)

    def started(self, by: str, at: datetime, *, full: bool, trusted: bool) -> Run:
        """A new run, recorded as running."""
        run = self.new(by, at, full=full, trusted=trusted)
        self.record(run)
        return run

    def new(self, by: str, at: datetime, *, full: bool, trusted: bool) -> Run:
        """A new run, not recorded yet (:meth:`record` does)."""
        return Run(
            id=secrets.token_hex(8),
            version=1,
            state=RUNNING,
            started_by=by,
            started_at=format_time(at),
            full=full,
            trusted=trusted,
            finished_at=None,
            ok=None,
            tree_size=None,
            result=None,
            error=None,
        )

    def finished(self, run: Run, at: datetime, result: dict[str, Any]) -> Run:
        """``result``: the report's JSON object (``ok``, ``tree_size``, …)."""
        done = Run(
            **{
                **vars(run),
                "version": run.version + 1,
                "state": DONE,
                "finished_at": format_time(at),
                "ok": bool(result["ok"]),
                "tree_size": int(result["tree_size"]),
                "result": result,
            }
        )
        self.record(done)
        return done

    def failed(self, run: Run, at: datetime, error: str) -> Run:
        failed = Run(
            **{
                **vars(run),
                "version": run.version + 1,
                "state": FAILED,
                "finished_at": format_time(at),
                "error": error[:2000],
            }
        )
        self.record(failed)
        return failed

    def record(self, run: Run) -> None:
        """Append ``run`` in its state (a new row; rows are never changed)."""
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO {api_verify_runs} (run_id, version, state, started_by, "
                "started_at, mode, finished_at, ok, tree_size, result, error) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.id,
                    run.version,
                    run.state,
                    run.started_by,
                    run.started_at,
                    _mode(run),
                    run.finished_at,
                    None if run.ok is None else int(run.ok),
                    run.tree_size,
                    None if run.result is None else json.dumps(run.result),
                    run.error,
                ),
            )

    def get(self, run_id: str) -> Run | None:
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM {{api_verify_runs}} WHERE run_id = ? "
            "ORDER BY version DESC LIMIT 1",
            (run_id,),
        )
        return _run(rows[0]) if rows else None

    def latest(self, limit: int = 50) -> list[Run]:
        """The last ``limit`` runs, newest first, each in its latest state
        (without the report itself: the list needs only the verdicts)."""
        rows = self.store.query(
            "SELECT r.run_id, r.version, r.state, r.started_by, r.started_at, "
            "r.mode, r.finished_at, r.ok, r.tree_size, NULL AS result, r.error "
            "FROM {api_verify_runs} r JOIN (SELECT run_id AS i, MAX(version) AS v "
            "FROM {api_verify_runs} GROUP BY run_id) m "
            "ON r.run_id = m.i AND r.version = m.v "
            "ORDER BY r.started_at DESC, r.run_id LIMIT ?",
            (limit,),
        )
        return [_run(r) for r in rows]


_COLUMNS = (
    "run_id, version, state, started_by, started_at, mode, finished_at, ok, "
    "tree_size, result, error"
)


def _mode(run: Run) -> str:
    return ("full" if run.full else "incremental") + ("+trusted" if run.trusted else "")


def _run(row: Any) -> Run:
    mode = str(row["mode"])
    ok = row["ok"]
    size = row["tree_size"]
    result = row["result"]
    return Run(
        id=str(row["run_id"]),
        version=int(row["version"]),
        state=str(row["state"]),
        started_by=str(row["started_by"]),
        started_at=str(row["started_at"]),
        full=mode.startswith("full"),
        trusted=mode.endswith("+trusted"),
        finished_at=row["finished_at"],
        ok=None if ok is None else bool(ok),
        tree_size=None if size is None else int(size),
        result=None if result is None else json.loads(result),
        error=row["error"],
    )
