"""The family's pages: a diary week, the personal file, the portfolio, the
charts and a mark's proof, beside ``/health`` in the same run.

On a copy of the demo school that ``bench.reports`` makes and caches
(``letopis demo --students N --years 1``, 330 pupils by default), served by
the application in this process (Starlette's test client, no network): a
guardian of one pupil opens each page of that pupil; the deputy director
opens a grade-9 class's chart. Each page is read ``ROUNDS`` times after one
warm-up (the first read opens the server's data keys). Latencies (median,
p95) are printed and written to ``bench/results/diary.json``; nothing is
asserted (STYLE §10).
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import statistics
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from time import perf_counter
from uuid import UUID

from fastapi.testclient import TestClient
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from api.server.accounts import Account
from api.server.app import create_app
from api.server.listing import LiveRecords
from api.server.office import Office
from api.server.settings import Settings
from bench import _cache, reports
from ledger.keys.directory import DEMO_PASSPHRASE

ROUNDS = 30
PASSWORD = "correct horse battery"  # noqa: S105 - a throwaway copy's account
RESULTS = Path(__file__).with_name("results")


@dataclass(frozen=True)
class Timing:
    page: str
    reads: int
    median_ms: float
    p95_ms: float


def timed(client: TestClient, what: str, path: str) -> Timing:
    client.get(path)  # warm-up
    times = []
    for _ in range(ROUNDS):
        started = perf_counter()
        answer = client.get(path)
        times.append((perf_counter() - started) * 1000)
        if answer.status_code != 200:
            msg = f"{path} answered {answer.status_code}: {answer.text[:300]}"
            raise RuntimeError(msg)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    return Timing(what, ROUNDS, round(statistics.median(times), 1), round(p95, 1))


def signed_in(app: object, login: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    form = client.get("/app/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    if token is None:
        msg = "the sign-in page has no CSRF token"
        raise RuntimeError(msg)
    answer = client.post(
        "/app/login",
        data={"username": login, "password": PASSWORD, "csrf": token.group(1)},
        follow_redirects=False,
    )
    if answer.status_code != 303:
        msg = f"{login} could not sign in: {answer.status_code}"
        raise RuntimeError(msg)
    return client


def accounts(office: Office) -> tuple[str, str]:
    """A guardian of a pupil of the latest year, and a deputy director; the
    pupil and a grade-9 class of that year."""
    live = LiveRecords(office.app)
    facts = live.facts()
    year = max(facts.years)
    klass = next(
        k for k in facts.classes.values() if k["year"] == year and k["grade"] == 9
    )
    pupil = next(
        r.pupil
        for r in live.rows("view_people", "class_id = ?", (klass["id"],))
        if r.pupil
    )
    staff = live.rows("view_school", "type = ?", ("people.StaffMemberRegistered",))
    office.accounts.add(
        Account("bench-guardian", ("guardian",), pupils=(UUID(pupil),)), PASSWORD
    )
    office.accounts.add(
        Account("bench-deputy", ("deputy_director",), staff=UUID(staff[0].stream)),
        PASSWORD,
    )
    return pupil, klass["id"]


def pages(app: object, office: Office) -> list[Timing]:
    pupil, klass = accounts(office)
    family = signed_in(app, "bench-guardian")
    week = family.get(f"/app/diary/{pupil}").text
    entry = re.search(r'href="/app/proof/([^"]+)"', week)
    found = [
        timed(family, "/health (baseline)", "/health"),
        timed(family, "diary, this week", f"/app/diary/{pupil}"),
        timed(family, "personal file", f"/app/diary/{pupil}/file"),
        timed(family, "portfolio", f"/app/diary/{pupil}/portfolio"),
        timed(family, "pupil's chart", f"/app/charts/pupil/{pupil}"),
    ]
    if entry is not None:
        found.append(timed(family, "a mark's proof", f"/app/proof/{entry.group(1)}"))
    deputy = signed_in(app, "bench-deputy")
    found.append(timed(deputy, "class chart", f"/app/charts/class/{klass}"))
    return found


def run(console: Console) -> None:
    path = _cache.RESULTS / f"reports-demo-v{reports.FORMAT}-{reports.STUDENTS}x1"
    manifest, reused = _cache.cached(path, reports.FORMAT, reports._demo)
    console.print(
        f"demo school: {reports.STUDENTS} pupils, one year "
        f"({'cached' if reused else 'made now'}, {path}); a copy is served"
    )
    with tempfile.TemporaryDirectory(prefix="bench-diary-") as scratch:
        copy = Path(scratch)
        shutil.copy(path / "letopis.db", copy / "letopis.db")
        shutil.copytree(path / "keys", copy / "keys")
        settings = Settings(
            store=f"sqlite:///{copy / 'letopis.db'}",
            keys=copy / "keys",
            key_passphrase=SecretStr(DEMO_PASSPHRASE),
            token_secret=SecretStr("b" * 48),
            seal_process=False,
            demo=True,
            password_time_cost=1,
            password_memory_kib=1024,
        )
        app = create_app(settings)
        office: Office = app.state.office
        try:
            with TestClient(app):  # the lifespan: the sealer runs, /health is up
                found = pages(app, office)
        finally:
            office.close()
    table = Table(title=f"Family's pages, demo school of {reports.STUDENTS} (SQLite)")
    for column in ("page", "reads", "median ms", "p95 ms"):
        table.add_column(column, justify="left" if column == "page" else "right")
    for t in found:
        table.add_row(t.page, str(t.reads), f"{t.median_ms:.1f}", f"{t.p95_ms:.1f}")
    console.print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "diary.json").write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "demo": manifest,
                "timings": [asdict(t) for t in found],
            },
            indent=2,
        )
        + "\n"
    )
