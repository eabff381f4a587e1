"""Long work the auditor starts from a page: a verification, an archive export.

Either may take minutes on a large store, longer than a request should wait.
So a page starts the work in a thread of its own and answers at once with a
page that shows the work's progress and refreshes itself (``<meta
http-equiv="refresh">``, no script needed) until the work is done.

The jobs live in the server's memory: their progress is only worth showing
while they run. What must outlast them is written where it belongs (a
verification's result in ``api_verify_runs``; an export's zip in a temporary
folder, kept for the download until newer exports push it out).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request

RUNNING, DONE, FAILED = "running", "done", "failed"
#: finished jobs remembered per server (their files removed when forgotten)
KEPT = 20


@dataclass
class Job:
    """One piece of work: what, for which school, by whom, and how far."""

    id: str
    kind: str
    school: str
    started_by: str
    started: float = field(default_factory=time.time)
    state: str = RUNNING
    stage: str = "подготовка"
    done: int = 0
    total: int | None = None
    error: str | None = None
    result: Any = None
    folder: Path | None = None
    """A temporary folder the job's files live in, removed with the job."""

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)

    @property
    def running(self) -> bool:
        return self.state == RUNNING


Work = Callable[[Job], Any]
"""What a job does; its return value becomes ``job.result``. An exception
fails the job with ``failure(exception)`` as its message."""


class AuditJobs:
    """The jobs of one server process; one job of a kind per school at once."""

    def __init__(self, kept: int = KEPT) -> None:
        self.kept = kept
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(
        self,
        job: Job,
        work: Work,
        failure: Callable[[BaseException], str],
        begin: Callable[[], object] | None = None,
    ) -> Job:
        """Run ``work`` for ``job`` in a thread; the job of that kind already
        running for the school instead, if there is one (then nothing starts,
        and ``begin``, what records the start, is not called)."""
        with self._lock:
            running = self._running(job.school, job.kind)
            if running is not None:
                return running
            if begin is not None:
                begin()
            self._jobs[job.id] = job
            self._forget_old()
        thread = threading.Thread(
            target=self._run,
            args=(job, work, failure),
            name=f"letopis-audit-{job.kind}",
            daemon=True,
        )
        thread.start()
        return job

    def _run(
        self, job: Job, work: Work, failure: Callable[[BaseException], str]
    ) -> None:
        try:
            job.result = work(job)
        except Exception as e:  # shown on the job's page
            job.error = failure(e)
            job.state = FAILED
            return
        job.state = DONE

    def find(self, job_id: str, school: str, kind: str) -> Job | None:
        job = self._jobs.get(job_id)
        if job is None or job.school != school or job.kind != kind:
            return None
        return job

    def latest(self, school: str, kind: str) -> Job | None:
        with self._lock:
            found = [
                j for j in self._jobs.values() if (j.school, j.kind) == (school, kind)
            ]
        return found[-1] if found else None

    def _running(self, school: str, kind: str) -> Job | None:
        return next(
            (
                j
                for j in self._jobs.values()
                if j.running and (j.school, j.kind) == (school, kind)
            ),
            None,
        )

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if not j.running]
        for job in finished[: max(0, len(finished) - self.kept)]:
            del self._jobs[job.id]
            if job.folder is not None:
                shutil.rmtree(job.folder, ignore_errors=True)


_creating = threading.Lock()


def audit_jobs(request: Request) -> AuditJobs:
    """The server's jobs (made with the first one)."""
    state = request.app.state
    with _creating:
        jobs: AuditJobs | None = getattr(state, "audit_jobs", None)
        if jobs is None:
            jobs = state.audit_jobs = AuditJobs()
    return jobs
